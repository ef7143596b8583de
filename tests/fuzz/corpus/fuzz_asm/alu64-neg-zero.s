r0 = 0x0
r0 = -r0
exit

r0 = -0x5
r0 = -r0
exit

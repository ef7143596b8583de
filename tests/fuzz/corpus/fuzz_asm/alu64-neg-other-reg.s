r3 = 0x1
r3 = -r3
r0 = r3
exit

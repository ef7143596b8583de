r0 = 0xffffffff00000010 ll
w0 |= 0x1
exit

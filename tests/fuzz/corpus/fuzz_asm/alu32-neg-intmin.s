r0 = 0x80000000 ll
w0 = -w0
exit

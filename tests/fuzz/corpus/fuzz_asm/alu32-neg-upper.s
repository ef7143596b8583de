r0 = 0xffffffff00000001 ll
w0 = -w0
exit

r0 = 0x1
w0 = -w0
exit

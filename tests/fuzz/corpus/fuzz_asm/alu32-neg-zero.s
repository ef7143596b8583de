r0 = 0x0
w0 = -w0
exit

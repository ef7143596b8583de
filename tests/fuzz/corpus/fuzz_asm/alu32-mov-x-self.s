r0 = -0x80000000
w0 = w0
exit

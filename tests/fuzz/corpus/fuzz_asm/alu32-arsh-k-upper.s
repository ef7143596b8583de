r0 = 0x800000007fffffff ll
w0 s>>= 0x4
exit

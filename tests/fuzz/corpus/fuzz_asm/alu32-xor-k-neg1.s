r0 = 0x1234567800ff00ff ll
w0 ^= -0x1
exit

r0 = 0xff00ff00ff00ff ll
r0 ^= -0x1
exit

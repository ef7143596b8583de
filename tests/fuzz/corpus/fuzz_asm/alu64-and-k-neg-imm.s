r0 = 0x123456789abcdeff ll
r0 &= -0x10
exit

r0 = 0x123456789abcdeff ll
r0 &= 0x7fffffff
exit

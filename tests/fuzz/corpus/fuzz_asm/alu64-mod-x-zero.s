r0 = 0xdeadbeefcafef00d ll
r1 = 0x0
r0 %= r1
exit

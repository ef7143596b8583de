r0 = 0xdeadbeefcafef00d ll
r0 %= 0x0
exit

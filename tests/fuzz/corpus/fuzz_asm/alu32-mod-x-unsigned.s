r0 = 0xffffffff ll
r1 = 0xa
w0 %= w1
exit

r0 = 0xfffffff9 ll
r1 = 0xffffffff00000002 ll
w0 s/= w1
exit

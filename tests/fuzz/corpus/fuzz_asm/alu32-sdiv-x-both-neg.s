r0 = 0xfffffff9 ll
r1 = 0xfffffffe ll
w0 s/= w1
exit

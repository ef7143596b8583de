r0 = 0xffffffff00000000 ll
exit

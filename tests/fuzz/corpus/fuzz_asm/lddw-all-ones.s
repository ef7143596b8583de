r0 = 0xffffffffffffffff ll
exit

r0 = 0xffffffff ll
exit

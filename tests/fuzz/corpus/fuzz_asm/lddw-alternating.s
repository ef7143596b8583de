r0 = 0xaaaaaaaa55555555 ll
exit

r0 = 0x180000000 ll
exit

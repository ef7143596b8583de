r7 = 0x102030405060708 ll
r7 = be64 r7
r0 = r7
exit

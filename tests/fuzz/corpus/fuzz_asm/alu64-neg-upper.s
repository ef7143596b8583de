r0 = 0x100000000 ll
r0 = -r0
exit

r2 = 0x5555aaaa5555aaaa ll
*(u64 *)(r10 - 0x200) = r2
r0 = *(u64 *)(r10 - 0x200)
exit

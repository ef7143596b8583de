r0 = *(u64 *)(r10 - 0x208)
exit

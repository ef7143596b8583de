r1 = 0x12345678000000ff ll
r0 = (s8)r1
exit

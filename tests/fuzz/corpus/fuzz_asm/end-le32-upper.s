r0 = -0x1
r0 = le32 r0
exit

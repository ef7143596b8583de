r0 = -0x1
r0 = le16 r0
exit

r0 = -0xff01
r0 = be16 r0
exit

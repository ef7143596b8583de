r0 = 0xff00ff00ff00ff00 ll
r1 = 0xff00ff00ff00ff0 ll
r0 &= r1
exit

call f1
exit
f1:
call f2
r0 += 0x1
exit
f2:
call f3
r0 += 0x1
exit
f3:
call f4
r0 += 0x1
exit
f4:
call f5
r0 += 0x1
exit
f5:
call f6
r0 += 0x1
exit
f6:
call f7
r0 += 0x1
exit
f7:
r0 = 0x1
exit

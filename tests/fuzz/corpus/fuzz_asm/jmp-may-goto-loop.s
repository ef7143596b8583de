r0 = 0x0
loop:
may_goto out
r0 += 0x1
if r0 != 0x64 goto loop
out:
exit

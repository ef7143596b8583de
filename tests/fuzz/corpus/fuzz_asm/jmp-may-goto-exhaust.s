r0 = 0x0
loop:
may_goto out
r0 += 0x1
goto loop
out:
may_goto +0x1
r0 += 0x10000000
exit

; fib(n) for n = the first input byte (0 without input), computed by a
; bpf-to-bpf subprogram that keeps its state on its own stack frame.
	r0 = 0x0
	if r2 == 0x0 goto out
	r1 = *(u8 *)(r1 + 0x0)
	call fib
out:
	exit

; fib(r1): iterative, with a and b spilled to the stack.
fib:
	*(u64 *)(r10 - 0x8) = 0x0
	*(u64 *)(r10 - 0x10) = 0x1
	if r1 == 0x0 goto fib_done
fib_loop:
	r2 = *(u64 *)(r10 - 0x8)
	r3 = *(u64 *)(r10 - 0x10)
	*(u64 *)(r10 - 0x8) = r3
	r2 += r3
	*(u64 *)(r10 - 0x10) = r2
	r1 += -0x1
	if r1 != 0x0 goto fib_loop
fib_done:
	r0 = *(u64 *)(r10 - 0x8)
	exit

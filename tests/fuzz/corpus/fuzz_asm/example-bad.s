; A malformed program: the validator names the instruction and the reason.
	r0 = 0x1
	if r0 == 0x1 goto +0x5
	exit

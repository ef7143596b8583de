
Disassembly of section .text:

0000000000000000 <twice>:
       0:	bc 10 00 00 00 00 00 00	w0 = w1
       1:	64 00 00 00 01 00 00 00	w0 <<= 0x1
       2:	95 00 00 00 00 00 00 00	exit

Disassembly of section mem:

0000000000000000 <first_plus_one>:
       0:	71 10 00 00 00 00 00 00	w0 = *(u8 *)(r1 + 0x0)
       1:	04 00 00 00 01 00 00 00	w0 += 0x1
       2:	95 00 00 00 00 00 00 00	exit

0000000000000018 <calls_sub>:
       3:	71 11 00 00 00 00 00 00	w1 = *(u8 *)(r1 + 0x0)
       4:	85 10 00 00 ff ff ff ff	call -0x1
       5:	95 00 00 00 00 00 00 00	exit

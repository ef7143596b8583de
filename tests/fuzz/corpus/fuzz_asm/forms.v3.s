
Disassembly of section socket:

0000000000000000 <forms>:
       0:	bf 16 00 00 00 00 00 00	r6 = r1
       1:	b7 01 00 00 01 00 00 00	r1 = 0x1
       2:	b7 02 00 00 fe ff ff ff	r2 = -0x2
       3:	b4 03 00 00 03 00 00 00	w3 = 0x3
       4:	15 01 00 00 01 00 00 00	if r1 == 0x1 goto +0x0 <forms+0x28>
       5:	1d 21 00 00 00 00 00 00	if r1 == r2 goto +0x0 <forms+0x30>
       6:	25 01 00 00 01 00 00 00	if r1 > 0x1 goto +0x0 <forms+0x38>
       7:	2d 21 00 00 00 00 00 00	if r1 > r2 goto +0x0 <forms+0x40>
       8:	35 01 00 00 01 00 00 00	if r1 >= 0x1 goto +0x0 <forms+0x48>
       9:	3d 21 00 00 00 00 00 00	if r1 >= r2 goto +0x0 <forms+0x50>
      10:	45 01 00 00 01 00 00 00	if r1 & 0x1 goto +0x0 <forms+0x58>
      11:	4d 21 00 00 00 00 00 00	if r1 & r2 goto +0x0 <forms+0x60>
      12:	55 01 00 00 ff ff ff ff	if r1 != -0x1 goto +0x0 <forms+0x68>
      13:	5d 21 00 00 00 00 00 00	if r1 != r2 goto +0x0 <forms+0x70>
      14:	65 01 00 00 01 00 00 00	if r1 s> 0x1 goto +0x0 <forms+0x78>
      15:	6d 21 00 00 00 00 00 00	if r1 s> r2 goto +0x0 <forms+0x80>
      16:	75 01 00 00 01 00 00 00	if r1 s>= 0x1 goto +0x0 <forms+0x88>
      17:	7d 21 00 00 00 00 00 00	if r1 s>= r2 goto +0x0 <forms+0x90>
      18:	a5 01 00 00 01 00 00 00	if r1 < 0x1 goto +0x0 <forms+0x98>
      19:	ad 21 00 00 00 00 00 00	if r1 < r2 goto +0x0 <forms+0xa0>
      20:	b5 01 00 00 01 00 00 00	if r1 <= 0x1 goto +0x0 <forms+0xa8>
      21:	bd 21 00 00 00 00 00 00	if r1 <= r2 goto +0x0 <forms+0xb0>
      22:	c5 01 00 00 00 00 00 80	if r1 s< -0x80000000 goto +0x0 <forms+0xb8>
      23:	cd 21 00 00 00 00 00 00	if r1 s< r2 goto +0x0 <forms+0xc0>
      24:	d5 01 00 00 ff ff ff 7f	if r1 s<= 0x7fffffff goto +0x0 <forms+0xc8>
      25:	dd 21 00 00 00 00 00 00	if r1 s<= r2 goto +0x0 <forms+0xd0>
      26:	16 01 00 00 01 00 00 00	if w1 == 0x1 goto +0x0 <forms+0xd8>
      27:	1e 21 00 00 00 00 00 00	if w1 == w2 goto +0x0 <forms+0xe0>
      28:	26 01 00 00 01 00 00 00	if w1 > 0x1 goto +0x0 <forms+0xe8>
      29:	2e 21 00 00 00 00 00 00	if w1 > w2 goto +0x0 <forms+0xf0>
      30:	36 01 00 00 01 00 00 00	if w1 >= 0x1 goto +0x0 <forms+0xf8>
      31:	3e 21 00 00 00 00 00 00	if w1 >= w2 goto +0x0 <forms+0x100>
      32:	46 01 00 00 01 00 00 00	if w1 & 0x1 goto +0x0 <forms+0x108>
      33:	4e 21 00 00 00 00 00 00	if w1 & w2 goto +0x0 <forms+0x110>
      34:	56 01 00 00 01 00 00 00	if w1 != 0x1 goto +0x0 <forms+0x118>
      35:	5e 21 00 00 00 00 00 00	if w1 != w2 goto +0x0 <forms+0x120>
      36:	66 01 00 00 01 00 00 00	if w1 s> 0x1 goto +0x0 <forms+0x128>
      37:	6e 21 00 00 00 00 00 00	if w1 s> w2 goto +0x0 <forms+0x130>
      38:	76 01 00 00 01 00 00 00	if w1 s>= 0x1 goto +0x0 <forms+0x138>
      39:	7e 21 00 00 00 00 00 00	if w1 s>= w2 goto +0x0 <forms+0x140>
      40:	a6 01 00 00 01 00 00 00	if w1 < 0x1 goto +0x0 <forms+0x148>
      41:	ae 21 00 00 00 00 00 00	if w1 < w2 goto +0x0 <forms+0x150>
      42:	b6 01 00 00 01 00 00 00	if w1 <= 0x1 goto +0x0 <forms+0x158>
      43:	be 21 00 00 00 00 00 00	if w1 <= w2 goto +0x0 <forms+0x160>
      44:	c6 01 00 00 ff ff ff ff	if w1 s< -0x1 goto +0x0 <forms+0x168>
      45:	ce 21 00 00 00 00 00 00	if w1 s< w2 goto +0x0 <forms+0x170>
      46:	d6 01 00 00 01 00 00 00	if w1 s<= 0x1 goto +0x0 <forms+0x178>
      47:	de 21 00 00 00 00 00 00	if w1 s<= w2 goto +0x0 <forms+0x180>
      48:	d4 01 00 00 10 00 00 00	r1 = le16 r1
      49:	d4 01 00 00 20 00 00 00	r1 = le32 r1
      50:	d4 01 00 00 40 00 00 00	r1 = le64 r1
      51:	dc 01 00 00 10 00 00 00	r1 = be16 r1
      52:	dc 01 00 00 20 00 00 00	r1 = be32 r1
      53:	dc 01 00 00 40 00 00 00	r1 = be64 r1
      54:	d7 01 00 00 10 00 00 00	r1 = bswap16 r1
      55:	d7 01 00 00 20 00 00 00	r1 = bswap32 r1
      56:	d7 01 00 00 40 00 00 00	r1 = bswap64 r1
      57:	87 01 00 00 00 00 00 00	r1 = -r1
      58:	84 01 00 00 00 00 00 00	w1 = -w1
      59:	bf 14 08 00 00 00 00 00	r4 = (s8)r1
      60:	bf 14 10 00 00 00 00 00	r4 = (s16)r1
      61:	bf 14 20 00 00 00 00 00	r4 = (s32)r1
      62:	bc 14 08 00 00 00 00 00	w4 = (s8)w1
      63:	bc 14 10 00 00 00 00 00	w4 = (s16)w1
      64:	17 01 00 00 05 00 00 00	r1 -= 0x5
      65:	14 01 00 00 05 00 00 00	w1 -= 0x5
      66:	37 01 00 00 03 00 00 00	r1 /= 0x3
      67:	34 01 00 00 03 00 00 00	w1 /= 0x3
      68:	37 01 01 00 fd ff ff ff	r1 s/= -0x3
      69:	34 01 01 00 fd ff ff ff	w1 s/= -0x3
      70:	97 01 01 00 07 00 00 00	r1 s%= 0x7
      71:	94 01 01 00 07 00 00 00	w1 s%= 0x7
      72:	a4 01 00 00 7f 00 00 00	w1 ^= 0x7f
      73:	2c 31 00 00 00 00 00 00	w1 *= w3
      74:	7b 1a f8 ff 00 00 00 00	*(u64 *)(r10 - 0x8) = r1
      75:	79 a1 f8 ff 00 00 00 00	r1 = *(u64 *)(r10 - 0x8)
      76:	81 a1 fc ff 00 00 00 00	r1 = *(s32 *)(r10 - 0x4)
      77:	89 a1 fe ff 00 00 00 00	r1 = *(s16 *)(r10 - 0x2)
      78:	91 a1 ff ff 00 00 00 00	r1 = *(s8 *)(r10 - 0x1)
      79:	20 00 00 00 10 00 00 00	r0 = *(u32 *)skb[0x10]
      80:	50 30 00 00 00 00 00 00	r0 = *(u8 *)skb[r3]
      81:	48 30 00 00 00 00 00 00	r0 = *(u16 *)skb[r3]
      82:	85 00 00 00 07 00 00 00	call 0x7
      83:	06 00 00 00 00 00 00 00	gotol +0x0 <forms+0x2a0>
      84:	18 00 00 00 f0 de bc 9a 00 00 00 00 78 56 34 12	r0 = 0x123456789abcdef0 ll
      86:	18 00 00 00 ff ff ff ff 00 00 00 00 ff ff ff ff	r0 = -0x1 ll
      88:	b4 00 00 00 00 00 00 00	w0 = 0x0
      89:	95 00 00 00 00 00 00 00	exit

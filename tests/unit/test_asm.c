// SPDX-License-Identifier: MIT
/*
 * The text form of eBPF: for every row of the op table at least one
 * instruction whose disassembly is a fixed string (checked against
 * llvm-objdump-19 --mcpu=v4 wherever llvm knows the form) and whose text
 * assembles back to the same bytes, also as a full disassembler line.
 * Then the llvm-compatible mode, jump target names, invalid instructions,
 * assembler features (labels, comments, decimal) and assembler errors.
 */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "isa/isa.h"
#include "test.h"
#include "ubee/asm.h"
#include "util/util.h"

#define I(c, d, s, o, i)                                                      \
	{ .code = (c), .dst_reg = (d), .src_reg = (s), .off = (o), .imm = (i) }

struct text_case {
	struct ubee_insn insns[2]; /* one instruction; lddw uses both */
	const char *text;
};

static const struct text_case cases[] = {
	{ { I(0x07, 1, 0, 0, 4) }, "r1 += 0x4" },
	{ { I(0x0f, 1, 2, 0, 0) }, "r1 += r2" },
	{ { I(0x17, 3, 0, 0, -1) }, "r3 -= -0x1" },
	{ { I(0x1f, 3, 4, 0, 0) }, "r3 -= r4" },
	{ { I(0x27, 5, 0, 0, 0x7fffffff) }, "r5 *= 0x7fffffff" },
	{ { I(0x2f, 5, 6, 0, 0) }, "r5 *= r6" },
	{ { I(0x37, 7, 0, 0, 0xa) }, "r7 /= 0xa" },
	{ { I(0x3f, 7, 8, 0, 0) }, "r7 /= r8" },
	{ { I(0x37, 9, 0, 1, -5) }, "r9 s/= -0x5" },
	{ { I(0x3f, 1, 2, 1, 0) }, "r1 s/= r2" },
	{ { I(0x47, 0, 0, 0, 0x100) }, "r0 |= 0x100" },
	{ { I(0x4f, 0, 9, 0, 0) }, "r0 |= r9" },
	{ { I(0x57, 2, 0, 0, 0xff) }, "r2 &= 0xff" },
	{ { I(0x5f, 2, 3, 0, 0) }, "r2 &= r3" },
	{ { I(0x67, 4, 0, 0, 0x20) }, "r4 <<= 0x20" },
	{ { I(0x6f, 4, 5, 0, 0) }, "r4 <<= r5" },
	{ { I(0x77, 6, 0, 0, 0x3f) }, "r6 >>= 0x3f" },
	{ { I(0x7f, 6, 7, 0, 0) }, "r6 >>= r7" },
	{ { I(0x97, 8, 0, 0, 3) }, "r8 %= 0x3" },
	{ { I(0x9f, 8, 9, 0, 0) }, "r8 %= r9" },
	{ { I(0x97, 1, 0, 1, 7) }, "r1 s%= 0x7" },
	{ { I(0x9f, 1, 2, 1, 0) }, "r1 s%= r2" },
	{ { I(0xa7, 3, 0, 0, INT32_MIN) }, "r3 ^= -0x80000000" },
	{ { I(0xaf, 3, 4, 0, 0) }, "r3 ^= r4" },
	{ { I(0xb7, 1, 0, 0, INT32_MIN) }, "r1 = -0x80000000" },
	{ { I(0xbf, 6, 1, 0, 0) }, "r6 = r1" },
	{ { I(0xc7, 1, 0, 0, 3) }, "r1 s>>= 0x3" },
	{ { I(0xcf, 1, 2, 0, 0) }, "r1 s>>= r2" },
	{ { I(0x87, 1, 0, 0, 0) }, "r1 = -r1" },
	{ { I(0xbf, 1, 2, 8, 0) }, "r1 = (s8)r2" },
	{ { I(0xbf, 1, 8, 0x10, 0) }, "r1 = (s16)r8" },
	{ { I(0xbf, 1, 2, 0x20, 0) }, "r1 = (s32)r2" },
	{ { I(0x04, 1, 0, 0, 4) }, "w1 += 0x4" },
	{ { I(0x0c, 1, 2, 0, 0) }, "w1 += w2" },
	{ { I(0x14, 1, 0, 0, -1) }, "w1 -= -0x1" },
	{ { I(0x1c, 1, 2, 0, 0) }, "w1 -= w2" },
	{ { I(0x24, 1, 0, 0, 3) }, "w1 *= 0x3" },
	{ { I(0x2c, 1, 2, 0, 0) }, "w1 *= w2" },
	{ { I(0x34, 1, 0, 0, 3) }, "w1 /= 0x3" },
	{ { I(0x3c, 1, 2, 0, 0) }, "w1 /= w2" },
	{ { I(0x34, 1, 0, 1, 7) }, "w1 s/= 0x7" },
	{ { I(0x3c, 1, 2, 1, 0) }, "w1 s/= w2" },
	{ { I(0x44, 1, 0, 0, 1) }, "w1 |= 0x1" },
	{ { I(0x4c, 1, 2, 0, 0) }, "w1 |= w2" },
	{ { I(0x54, 1, 0, 0, 0xffff) }, "w1 &= 0xffff" },
	{ { I(0x5c, 1, 2, 0, 0) }, "w1 &= w2" },
	{ { I(0x64, 1, 0, 0, 0x1f) }, "w1 <<= 0x1f" },
	{ { I(0x6c, 1, 2, 0, 0) }, "w1 <<= w2" },
	{ { I(0x74, 1, 0, 0, 1) }, "w1 >>= 0x1" },
	{ { I(0x7c, 1, 2, 0, 0) }, "w1 >>= w2" },
	{ { I(0x94, 1, 0, 0, -1) }, "w1 %= -0x1" },
	{ { I(0x9c, 1, 2, 0, 0) }, "w1 %= w2" },
	{ { I(0x94, 1, 0, 1, 5) }, "w1 s%= 0x5" },
	{ { I(0x9c, 1, 2, 1, 0) }, "w1 s%= w2" },
	{ { I(0xa4, 1, 0, 0, -1) }, "w1 ^= -0x1" },
	{ { I(0xac, 1, 2, 0, 0) }, "w1 ^= w2" },
	{ { I(0xb4, 0, 0, 0, 0) }, "w0 = 0x0" },
	{ { I(0xbc, 0, 1, 0, 0) }, "w0 = w1" },
	{ { I(0xc4, 1, 0, 0, 2) }, "w1 s>>= 0x2" },
	{ { I(0xcc, 1, 2, 0, 0) }, "w1 s>>= w2" },
	{ { I(0x84, 1, 0, 0, 0) }, "w1 = -w1" },
	{ { I(0xbc, 1, 2, 8, 0) }, "w1 = (s8)w2" },
	{ { I(0xbc, 1, 2, 0x10, 0) }, "w1 = (s16)w2" },
	{ { I(0xd4, 1, 0, 0, 0x10) }, "r1 = le16 r1" },
	{ { I(0xdc, 1, 0, 0, 0x10) }, "r1 = be16 r1" },
	{ { I(0xd7, 1, 0, 0, 0x10) }, "r1 = bswap16 r1" },
	{ { I(0xd4, 2, 0, 0, 0x20) }, "r2 = le32 r2" },
	{ { I(0xdc, 1, 0, 0, 0x20) }, "r1 = be32 r1" },
	{ { I(0xd7, 3, 0, 0, 0x20) }, "r3 = bswap32 r3" },
	{ { I(0xd4, 1, 0, 0, 0x40) }, "r1 = le64 r1" },
	{ { I(0xdc, 4, 0, 0, 0x40) }, "r4 = be64 r4" },
	{ { I(0xd7, 0, 0, 0, 0x40) }, "r0 = bswap64 r0" },
	{ { I(0x05, 0, 0, -3, 0) }, "goto -0x3" },
	{ { I(0x06, 0, 0, 0, 7) }, "gotol +0x7" },
	{ { I(0x15, 1, 0, 0, 0) }, "if r1 == 0x0 goto +0x0" },
	{ { I(0x1d, 1, 2, 5, 0) }, "if r1 == r2 goto +0x5" },
	{ { I(0x25, 1, 0, -0x8000, 0x7fffffff) }, "if r1 > 0x7fffffff goto -0x8000" },
	{ { I(0x2d, 1, 2, 0x22, 0) }, "if r1 > r2 goto +0x22" },
	{ { I(0x35, 1, 0, 1, 1) }, "if r1 >= 0x1 goto +0x1" },
	{ { I(0x3d, 1, 2, 1, 0) }, "if r1 >= r2 goto +0x1" },
	{ { I(0x45, 1, 0, 3, 5) }, "if r1 & 0x5 goto +0x3" },
	{ { I(0x4d, 1, 2, 3, 0) }, "if r1 & r2 goto +0x3" },
	{ { I(0x55, 1, 0, 0x7fff, INT32_MIN) }, "if r1 != -0x80000000 goto +0x7fff" },
	{ { I(0x5d, 1, 2, -1, 0) }, "if r1 != r2 goto -0x1" },
	{ { I(0x65, 1, 0, 2, -1) }, "if r1 s> -0x1 goto +0x2" },
	{ { I(0x6d, 1, 2, 2, 0) }, "if r1 s> r2 goto +0x2" },
	{ { I(0x75, 1, 0, 2, 0) }, "if r1 s>= 0x0 goto +0x2" },
	{ { I(0x7d, 1, 2, 2, 0) }, "if r1 s>= r2 goto +0x2" },
	{ { I(0xa5, 1, 0, 2, 0xa) }, "if r1 < 0xa goto +0x2" },
	{ { I(0xad, 1, 2, 2, 0) }, "if r1 < r2 goto +0x2" },
	{ { I(0xb5, 1, 0, 2, 0xa) }, "if r1 <= 0xa goto +0x2" },
	{ { I(0xbd, 1, 2, 2, 0) }, "if r1 <= r2 goto +0x2" },
	{ { I(0xc5, 1, 0, 2, -2) }, "if r1 s< -0x2 goto +0x2" },
	{ { I(0xcd, 1, 2, 2, 0) }, "if r1 s< r2 goto +0x2" },
	{ { I(0xd5, 1, 0, 2, -2) }, "if r1 s<= -0x2 goto +0x2" },
	{ { I(0xdd, 10, 2, 2, 0) }, "if r10 s<= r2 goto +0x2" },
	{ { I(0x16, 1, 0, 1, 0) }, "if w1 == 0x0 goto +0x1" },
	{ { I(0x1e, 1, 2, 0, 0) }, "if w1 == w2 goto +0x0" },
	{ { I(0x26, 1, 0, 1, -1) }, "if w1 > -0x1 goto +0x1" },
	{ { I(0x2e, 1, 2, 1, 0) }, "if w1 > w2 goto +0x1" },
	{ { I(0x36, 1, 0, 1, 1) }, "if w1 >= 0x1 goto +0x1" },
	{ { I(0x3e, 1, 2, 1, 0) }, "if w1 >= w2 goto +0x1" },
	{ { I(0x46, 1, 0, 1, 1) }, "if w1 & 0x1 goto +0x1" },
	{ { I(0x4e, 1, 2, 1, 0) }, "if w1 & w2 goto +0x1" },
	{ { I(0x56, 1, 0, 1, 1) }, "if w1 != 0x1 goto +0x1" },
	{ { I(0x5e, 1, 2, 1, 0) }, "if w1 != w2 goto +0x1" },
	{ { I(0x66, 1, 0, 2, -1) }, "if w1 s> -0x1 goto +0x2" },
	{ { I(0x6e, 1, 2, 1, 0) }, "if w1 s> w2 goto +0x1" },
	{ { I(0x76, 1, 0, 1, 1) }, "if w1 s>= 0x1 goto +0x1" },
	{ { I(0x7e, 1, 2, 1, 0) }, "if w1 s>= w2 goto +0x1" },
	{ { I(0xa6, 1, 0, 1, 1) }, "if w1 < 0x1 goto +0x1" },
	{ { I(0xae, 1, 2, 1, 0) }, "if w1 < w2 goto +0x1" },
	{ { I(0xb6, 1, 0, 1, 1) }, "if w1 <= 0x1 goto +0x1" },
	{ { I(0xbe, 1, 2, 1, 0) }, "if w1 <= w2 goto +0x1" },
	{ { I(0xc6, 1, 0, 9, 1) }, "if w1 s< 0x1 goto +0x9" },
	{ { I(0xce, 1, 2, 1, 0) }, "if w1 s< w2 goto +0x1" },
	{ { I(0xd6, 1, 0, 1, 1) }, "if w1 s<= 0x1 goto +0x1" },
	{ { I(0xde, 1, 2, 1, 0) }, "if w1 s<= w2 goto +0x1" },
	{ { I(0xe5, 0, 0, 3, 0) }, "may_goto +0x3" },
	{ { I(0x85, 0, 0, 0, 1) }, "call 0x1" },
	{ { I(0x85, 0, 0, 0, -1) }, "call 0xffffffff" },
	{ { I(0x85, 0, 1, 0, 5) }, "call +0x5" },
	{ { I(0x85, 0, 1, 0, -1) }, "call -0x1" },
	{ { I(0x85, 0, 2, 0, 0x4d) }, "call kfunc 0x4d" },
	{ { I(0x85, 0, 2, 3, 0x4d) }, "call kfunc 0x4d, 0x3" },
	{ { I(0x95, 0, 0, 0, 0) }, "exit" },
	{ { I(0x71, 2, 1, 4, 0) }, "w2 = *(u8 *)(r1 + 0x4)" },
	{ { I(0x69, 2, 1, -2, 0) }, "w2 = *(u16 *)(r1 - 0x2)" },
	{ { I(0x61, 2, 1, 4, 0) }, "w2 = *(u32 *)(r1 + 0x4)" },
	{ { I(0x79, 1, 10, -0x8000, 0) }, "r1 = *(u64 *)(r10 - 0x8000)" },
	{ { I(0x91, 2, 6, 1, 0) }, "r2 = *(s8 *)(r6 + 0x1)" },
	{ { I(0x89, 2, 6, 2, 0) }, "r2 = *(s16 *)(r6 + 0x2)" },
	{ { I(0x81, 2, 6, 0x7fff, 0) }, "r2 = *(s32 *)(r6 + 0x7fff)" },
	{ { I(0x72, 10, 0, -1, 0x7f) }, "*(u8 *)(r10 - 0x1) = 0x7f" },
	{ { I(0x6a, 10, 0, -2, -1) }, "*(u16 *)(r10 - 0x2) = -0x1" },
	{ { I(0x62, 10, 0, -4, 0) }, "*(u32 *)(r10 - 0x4) = 0x0" },
	{ { I(0x7a, 10, 0, -8, INT32_MIN) }, "*(u64 *)(r10 - 0x8) = -0x80000000" },
	{ { I(0x73, 1, 2, 0, 0) }, "*(u8 *)(r1 + 0x0) = w2" },
	{ { I(0x6b, 1, 2, 0, 0) }, "*(u16 *)(r1 + 0x0) = w2" },
	{ { I(0x63, 1, 2, 0, 0) }, "*(u32 *)(r1 + 0x0) = w2" },
	{ { I(0x7b, 0, 2, 0, 0) }, "*(u64 *)(r0 + 0x0) = r2" },
	{ { I(0xc3, 1, 0, 4, 0) }, "lock *(u32 *)(r1 + 0x4) += w0" },
	{ { I(0xc3, 1, 0, 4, 1) }, "w0 = atomic_fetch_add((u32 *)(r1 + 0x4), w0)" },
	{ { I(0xc3, 1, 0, 4, 0x40) }, "lock *(u32 *)(r1 + 0x4) |= w0" },
	{ { I(0xc3, 1, 0, 4, 0x41) }, "w0 = atomic_fetch_or((u32 *)(r1 + 0x4), w0)" },
	{ { I(0xc3, 1, 0, 4, 0x50) }, "lock *(u32 *)(r1 + 0x4) &= w0" },
	{ { I(0xc3, 1, 0, 4, 0x51) }, "w0 = atomic_fetch_and((u32 *)(r1 + 0x4), w0)" },
	{ { I(0xc3, 1, 0, 4, 0xa0) }, "lock *(u32 *)(r1 + 0x4) ^= w0" },
	{ { I(0xc3, 1, 0, 4, 0xa1) }, "w0 = atomic_fetch_xor((u32 *)(r1 + 0x4), w0)" },
	{ { I(0xc3, 1, 0, 0, 0xe1) }, "w0 = xchg32_32(r1 + 0x0, w0)" },
	{ { I(0xc3, 1, 2, 0, 0xf1) }, "w0 = cmpxchg32_32(r1 + 0x0, w0, w2)" },
	{ { I(0xdb, 0, 1, 0, 0) }, "lock *(u64 *)(r0 + 0x0) += r1" },
	{ { I(0xdb, 0, 1, -8, 1) }, "r1 = atomic_fetch_add((u64 *)(r0 - 0x8), r1)" },
	{ { I(0xdb, 0, 1, 0, 0x40) }, "lock *(u64 *)(r0 + 0x0) |= r1" },
	{ { I(0xdb, 0, 1, 0, 0x41) }, "r1 = atomic_fetch_or((u64 *)(r0 + 0x0), r1)" },
	{ { I(0xdb, 0, 1, 0, 0x50) }, "lock *(u64 *)(r0 + 0x0) &= r1" },
	{ { I(0xdb, 1, 0, 0, 0x51) }, "r0 = atomic_fetch_and((u64 *)(r1 + 0x0), r0)" },
	{ { I(0xdb, 1, 0, 0, 0xa0) }, "lock *(u64 *)(r1 + 0x0) ^= r0" },
	{ { I(0xdb, 1, 3, 0, 0xa1) }, "r3 = atomic_fetch_xor((u64 *)(r1 + 0x0), r3)" },
	{ { I(0xdb, 1, 0, 0, 0xe1) }, "r0 = xchg_64(r1 + 0x0, r0)" },
	{ { I(0xdb, 1, 2, 0, 0xf1) }, "r0 = cmpxchg_64(r1 + 0x0, r0, r2)" },
	{ { I(0xd3, 0, 1, 0, 0x100) }, "w0 = load_acquire((u8 *)(r1 + 0x0))" },
	{ { I(0xcb, 0, 1, 2, 0x100) }, "w0 = load_acquire((u16 *)(r1 + 0x2))" },
	{ { I(0xc3, 0, 1, 4, 0x100) }, "w0 = load_acquire((u32 *)(r1 + 0x4))" },
	{ { I(0xdb, 0, 1, 0, 0x100) }, "r0 = load_acquire((u64 *)(r1 + 0x0))" },
	{ { I(0xd3, 1, 2, 0, 0x110) }, "store_release((u8 *)(r1 + 0x0), w2)" },
	{ { I(0xcb, 1, 2, 0, 0x110) }, "store_release((u16 *)(r1 + 0x0), w2)" },
	{ { I(0xc3, 1, 2, -4, 0x110) }, "store_release((u32 *)(r1 - 0x4), w2)" },
	{ { I(0xdb, 1, 2, 0, 0x110) }, "store_release((u64 *)(r1 + 0x0), r2)" },
	{ { I(0x30, 0, 0, 0, 0xc) }, "r0 = *(u8 *)skb[0xc]" },
	{ { I(0x28, 0, 0, 0, -1) }, "r0 = *(u16 *)skb[-0x1]" },
	{ { I(0x20, 0, 0, 0, 0) }, "r0 = *(u32 *)skb[0x0]" },
	{ { I(0x50, 0, 2, 0, -3) }, "r0 = *(u8 *)skb[r2 - 0x3]" },
	{ { I(0x48, 0, 2, 0, 0) }, "r0 = *(u16 *)skb[r2]" },
	{ { I(0x48, 0, 2, 0, 0xc) }, "r0 = *(u16 *)skb[r2 + 0xc]" },
	{ { I(0x40, 0, 3, 0, 0) }, "r0 = *(u32 *)skb[r3]" },
	{ { I(0x18, 1, 0, 0, 5), I(0, 0, 0, 0, 6) }, "r1 = 0x600000005 ll" },
	{ { I(0x18, 1, 0, 0, 0), I(0, 0, 0, 0, INT32_MIN) }, "r1 = -0x8000000000000000 ll" },
	{ { I(0x18, 1, 0, 0, -1), I(0, 0, 0, 0, -1) }, "r1 = -0x1 ll" },
	{ { I(0x18, 1, 1, 0, 5), I(0, 0, 0, 0, 0) }, "r1 = map_fd(0x5) ll" },
	{ { I(0x18, 1, 2, 0, 5), I(0, 0, 0, 0, 6) }, "r1 = map_value(0x5, 0x6) ll" },
	{ { I(0x18, 2, 3, 0, 7), I(0, 0, 0, 0, 0) }, "r2 = btf_id(0x7) ll" },
	{ { I(0x18, 1, 4, 0, 5), I(0, 0, 0, 0, 0) }, "r1 = func(+0x5) ll" },
	{ { I(0x18, 1, 4, 0, -3), I(0, 0, 0, 0, 0) }, "r1 = func(-0x3) ll" },
	{ { I(0x18, 1, 5, 0, 0), I(0, 0, 0, 0, 0) }, "r1 = map_idx(0x0) ll" },
	{ { I(0x18, 9, 6, 0, 1), I(0, 0, 0, 0, 0x10) }, "r9 = map_idx_value(0x1, 0x10) ll" },
};

static size_t slots_of(const struct text_case *c)
{
	return c->insns[0].code == 0x18 ? 2 : 1;
}

/* Assemble text; on success return the count, else -1 and the log. */
static long assemble(const char *text, struct ubee_insn **out, char *log,
		     size_t logsize)
{
	struct ubee_log l;
	size_t cnt = 0;

	ubee_log_init(&l, log, logsize);
	if (ubee_asm(text, out, &cnt, &l))
		return -1;
	return (long)cnt;
}

static void check_asm(const char *text, const struct ubee_insn *want,
		      size_t n)
{
	struct ubee_insn *got = NULL;
	char log[512];
	long cnt = assemble(text, &got, log, sizeof(log));

	T_CHECK(cnt >= 0, "asm '%s' failed: %s", text, log);
	if (cnt >= 0) {
		T_CHECK((size_t)cnt == n, "asm '%s' gave %ld slots, expected %zu",
			text, cnt, n);
		for (size_t i = 0; (size_t)cnt == n && i < n; i++) {
			const uint8_t *g = (const uint8_t *)&got[i];

			T_CHECK(!memcmp(&got[i], &want[i], sizeof(*want)),
				"asm '%s': slot %zu is %02x %02x %02x%02x %02x%02x%02x%02x",
				text, i, g[0], g[1], g[2], g[3], g[4], g[5],
				g[6], g[7]);
		}
	}
	ubee_insns_free(got);
}

/* Each case: disasm gives the text, asm gives the bytes back. */
static void test_cases(void)
{
	for (size_t k = 0; k < UBEE_ARRAY_SIZE(cases); k++) {
		const struct text_case *c = &cases[k];
		size_t n = slots_of(c);
		char buf[256], line[512];
		int len, ret;

		t_begin("text %s", c->text);
		ret = ubee_disasm_insn(c->insns, n, 0, NULL, buf, sizeof(buf));
		T_EQ_U64(ret, n);
		T_CHECK(!strcmp(buf, c->text), "disasm gave '%s'", buf);
		check_asm(c->text, c->insns, n);

		/* The same as a full output line, with a trailing comment. */
		len = snprintf(line, sizeof(line), "%8u:\t", 12);
		for (size_t b = 0; b < n * 8; b++)
			len += snprintf(line + len, sizeof(line) - (size_t)len,
					b ? " %02x" : "%02x",
					((const uint8_t *)c->insns)[b]);
		snprintf(line + len, sizeof(line) - (size_t)len,
			 "\t%s <f+0x18> ; comment", c->text);
		check_asm(line, c->insns, n);
		t_end();
	}
}

/* Every row of the op table has at least one case above. */
static void test_every_row_covered(void)
{
	unsigned char seen[UBEE_OP__COUNT] = { 0 };
	char missing[512] = "";

	for (size_t k = 0; k < UBEE_ARRAY_SIZE(cases); k++) {
		int op = ubee_isa_lookup(&cases[k].insns[0]);

		T_CHECK(op >= 0, "case '%s' has no row", cases[k].text);
		if (op >= 0)
			seen[op] = 1;
	}
	for (int op = 0; op < UBEE_OP__COUNT; op++)
		if (!seen[op] && strlen(missing) + 32 < sizeof(missing)) {
			strcat(missing, " ");
			strcat(missing, ubee_isa_ops[op].name);
		}
	T_CHECK(!missing[0], "rows without a case:%s", missing);
}

/* UBEE_DISASM_LLVM prints what llvm-objdump-19 prints. */
static void test_llvm_mode(void)
{
	static const struct text_case llvm[] = {
		{ { I(0x85, 0, 2, 3, 0x4d) }, "call 0x4d" },
		{ { I(0x85, 0, 1, 0, 5) }, "call 0x5" },
		{ { I(0x85, 0, 1, 0, -1) }, "call -0x1" },
		{ { I(0x85, 0, 0, 0, -1) }, "call -0x1" },
		{ { I(0x48, 0, 2, 0, 12) }, "r0 = *(u16 *)skb[r2]" },
		{ { I(0x18, 1, 1, 0, 5), I(0, 0, 0, 0, 0) }, "ld_pseudo\tr1, 0x1, 0x5" },
		{ { I(0x18, 1, 2, 0, 5), I(0, 0, 0, 0, 6) }, "ld_pseudo\tr1, 0x2, 0x5" },
		{ { I(0x07, 1, 0, 0, 4) }, "r1 += 0x4" },
	};
	struct ubee_disasm_opts opts = { .sz = sizeof(opts),
					 .flags = UBEE_DISASM_LLVM };
	char buf[128];

	for (size_t k = 0; k < UBEE_ARRAY_SIZE(llvm); k++) {
		ubee_disasm_insn(llvm[k].insns, slots_of(&llvm[k]), 0, &opts, buf,
				 sizeof(buf));
		T_CHECK(!strcmp(buf, llvm[k].text), "got '%s', expected '%s'",
			buf, llvm[k].text);
	}
	/* Fields past the caller's sz are not read. */
	opts.sz = offsetof(struct ubee_disasm_opts, flags);
	ubee_disasm_insn(llvm[0].insns, 1, 0, &opts, buf, sizeof(buf));
	T_CHECK(!strcmp(buf, "call kfunc 0x4d, 0x3"), "got '%s'", buf);
}

static int64_t last_target;

static const char *name_target(void *arg, int64_t target, char *buf,
			       size_t size)
{
	last_target = target;
	if (target == 3)
		return NULL;
	snprintf(buf, size, "%s+0x%llx", (const char *)arg,
		 (unsigned long long)target * 8);
	return buf;
}

/* Jumps get " <name>" from the callback, with the absolute target. */
static void test_target_names(void)
{
	struct ubee_insn prog[] = {
		I(0x05, 0, 0, 2, 0),  /* goto +2 -> 3 */
		I(0x06, 0, 0, 0, -2), /* gotol -2 -> 0 */
		I(0x1d, 1, 2, -3, 0), /* if r1 == r2 goto -3 -> 0 */
		I(0x85, 0, 1, 0, -4), /* call -4: calls are not annotated */
	};
	struct ubee_disasm_opts opts = { .sz = sizeof(opts),
		.target_name = name_target, .arg = "f" };
	char buf[128];

	ubee_disasm_insn(prog, 4, 0, &opts, buf, sizeof(buf));
	T_CHECK(!strcmp(buf, "goto +0x2"), "got '%s'", buf);
	T_EQ_U64(last_target, 3);
	ubee_disasm_insn(prog, 4, 1, &opts, buf, sizeof(buf));
	T_CHECK(!strcmp(buf, "gotol -0x2 <f+0x0>"), "got '%s'", buf);
	ubee_disasm_insn(prog, 4, 2, &opts, buf, sizeof(buf));
	T_CHECK(!strcmp(buf, "if r1 == r2 goto -0x3 <f+0x0>"), "got '%s'", buf);
	last_target = -1;
	ubee_disasm_insn(prog, 4, 3, &opts, buf, sizeof(buf));
	T_CHECK(!strcmp(buf, "call -0x4"), "got '%s'", buf);
	T_EQ_U64(last_target, -1);
}

/* A short buffer truncates but stays terminated; the return is the same. */
static void test_truncation(void)
{
	struct ubee_insn in = I(0x07, 1, 0, 0, 4);
	char buf[6];

	T_EQ_U64(ubee_disasm_insn(&in, 1, 0, NULL, buf, sizeof(buf)), 1);
	T_CHECK(!strcmp(buf, "r1 +="), "got '%s'", buf);
	T_EQ_U64(ubee_disasm_insn(&in, 1, 0, NULL, NULL, 0), 1);
}

/* Invalid instructions print "<invalid: reason>" and return -EINVAL. */
static void test_invalid(void)
{
	static const struct {
		struct ubee_insn insns[2];
		size_t cnt;
		const char *want; /* the whole text, or a part of it */
	} bad[] = {
		{ { I(0xff, 0, 0, 0, 0) }, 1, "<invalid: unknown opcode ff>" },
		{ { I(0x00, 0, 0, 0, 0) }, 1, "<invalid: unknown opcode 00>" },
		{ { I(0x07, 1, 0, 2, 4) }, 1, "BPF_ALU uses reserved fields (opcode 0x07: src 0, off 2, imm 4)" },
		{ { I(0xd4, 1, 0, 0, 8) }, 1, "BPF_END uses reserved fields (opcode 0xd4" },
		{ { I(0xb7, 10, 0, 0, 1) }, 1, "<invalid: frame pointer is read only>" },
		{ { I(0x0f, 11, 0, 0, 0) }, 1, "<invalid: R11 is invalid>" },
		{ { I(0x95, 1, 0, 0, 0) }, 1, "BPF_EXIT uses reserved fields (dst_reg is 1, must be 0)" },
		{ { I(0x18, 1, 0, 0, 1) }, 1, "invalid bpf_ld_imm64 insn (lddw is missing its second slot)" },
		{ { I(0x18, 1, 1, 0, 1), I(0, 0, 0, 0, 7) }, 2,
		  "unrecognized bpf_ld_imm64 insn (lddw map_fd has non-zero second immediate 7)" },
	};
	char buf[256];

	for (size_t k = 0; k < UBEE_ARRAY_SIZE(bad); k++) {
		int ret = ubee_disasm_insn(bad[k].insns, bad[k].cnt, 0, NULL, buf,
					   sizeof(buf));

		T_CHECK(ret == -EINVAL, "case %zu returned %d", k, ret);
		T_CHECK(!strncmp(buf, "<invalid: ", 10) &&
				buf[strlen(buf) - 1] == '>' && strstr(buf, bad[k].want),
			"case %zu gave '%s', expected '%s'", k, buf, bad[k].want);
	}
	T_CHECK(ubee_disasm_insn(bad[0].insns, 1, 1, NULL, buf, sizeof(buf)) ==
			-EINVAL && !strncmp(buf, "<invalid: ", 10),
		"index past the end gave '%s'", buf);
}

/* Labels, comments, decimal numbers, blank lines and CRLF. */
static void test_program(void)
{
	static const char text[] =
		"# a loop and a subprogram\r\n"
		"start:\tr1 = 10   // decimal\n"
		"\n"
		"loop: r1 -= 1 ; count down\n"
		"\tif r1 != 0 goto loop\r\n"
		"\tr2 = func(sub) ll\n"
		"\tcall sub\n"
		"\tgotol start\n"
		"\tif w1 == -1 goto end\n"
		"\tcall 4294967295\n"
		"\tcall kfunc 77\n"
		"\t*(u32 *)(r10 - 4) = 4294967295\n"
		"\tw2 = *(u32 *)(r1)\n"
		"\tr3 = *(u32 *)(r1 + 8)\n"
		"\tlock *(u32 *)(r1 + 4) += r0\n"
		"end:\texit\n"
		"0000000000000080 <sub>:\n"
		"\tr0 = 0xFF\n"
		"\texit";
	static const struct ubee_insn want[] = {
		I(0xb7, 1, 0, 0, 10),
		I(0x17, 1, 0, 0, 1),
		I(0x55, 1, 0, -2, 0),
		I(0x18, 2, 4, 0, 11), I(0, 0, 0, 0, 0),
		I(0x85, 0, 1, 0, 9),
		I(0x06, 0, 0, 0, -7),
		I(0x16, 1, 0, 6, -1),
		I(0x85, 0, 0, 0, -1),
		I(0x85, 0, 2, 0, 77),
		I(0x62, 10, 0, -4, -1),
		I(0x61, 2, 1, 0, 0),
		I(0x61, 3, 1, 8, 0),
		I(0xc3, 1, 0, 4, 0),
		I(0x95, 0, 0, 0, 0),
		I(0xb7, 0, 0, 0, 0xff),
		I(0x95, 0, 0, 0, 0),
	};

	check_asm(text, want, UBEE_ARRAY_SIZE(want));
	check_asm("", NULL, 0);
	check_asm("; nothing\n\n  // here\n", NULL, 0);
	check_asm("Disassembly of section xdp:\n\n0000000000000000 <f>:\n"
		  "       0:\t95 00 00 00 00 00 00 00\texit\n",
		  &want[UBEE_ARRAY_SIZE(want) - 1], 1);
}

/* Errors name the line and the reason, and leave nothing allocated. */
static void test_errors(void)
{
	static const struct {
		const char *text;
		const char *want; /* start of the log */
	} bad[] = {
		{ "r0 = 1\nfoo r1\n", "line 2: unknown mnemonic 'foo'" },
		{ "exit\n\nr11 = 1", "line 3: bad register 'r11'" },
		{ "r1 = 0x100000000", "line 1: immediate (add 'll' for a 64-bit constant) '0x100000000' out of range" },
		{ "w1 += 0x100000000", "line 1: immediate '0x100000000' out of range" },
		{ "r1 += 0xffffffff", "line 1: immediate '0xffffffff' out of range" },
		{ "w1 = -0x80000001", "line 1: immediate '-0x80000001' out of range" },
		{ "r1 = 0x10000000000000000 ll", "line 1: number '0x10000000000000000' is too large" },
		{ "r1 = *(u64 *)(r2 + 0x8000)", "line 1: offset '0x8000' out of range" },
		{ "goto +32768", "line 1: jump offset '+32768' out of range" },
		{ "exit\ngoto nowhere", "line 2: unknown label 'nowhere'" },
		{ "a: exit\nexit\na: exit", "line 3: label 'a' already defined on line 1" },
		{ "r10 = 1", "line 1: frame pointer is read only" },
		{ "w1 += r2", "line 1: register 'r2' must be a 32-bit w register" },
		{ "w1 = (s32)w2", "line 1: no such instruction: 'w1 = (s32)w2'" },
		{ "r1 = le16 r2", "line 1: both registers must be the same" },
		{ "r1 = map_fd(1)", "line 1: expected 'll' at end of line" },
		{ "exit exit", "line 1: unexpected 'exit' after the instruction" },
		{ "<invalid: unknown opcode ff>", "line 1: syntax error at '<invalid" },
		{ "r1 = *(u8 *)skb[0]", "line 1: packet loads write r0" },
		{ "w1 = *(u64 *)(r2 + 0)", "line 1: load of u64 needs a 64-bit r register" },
		{ "r0 = cmpxchg_64(r1 + 0, r1, r2)", "line 1: cmpxchg_64 compares with and writes r0" },
		{ "if r1 >> r2 goto +1", "line 1: expected a number, got '> r2 goto +1'" },
		{ "r1 = *(u24 *)(r2 + 0)", "line 1: expected a size" },
	};
	char log[512];

	for (size_t k = 0; k < UBEE_ARRAY_SIZE(bad); k++) {
		struct ubee_insn *out = (struct ubee_insn *)&out;
		long cnt = assemble(bad[k].text, &out, log, sizeof(log));

		T_CHECK(cnt < 0, "'%s' assembled", bad[k].text);
		T_CHECK(!strncmp(log, bad[k].want, strlen(bad[k].want)),
			"'%s': log '%s', expected '%s'", bad[k].text, log,
			bad[k].want);
		T_CHECK(out == NULL, "'%s': output not cleared", bad[k].text);
	}
}

/* A label 33000 slots away is out of reach of a 16-bit jump. */
static void test_far_label(void)
{
	const size_t n = 33000;
	char *text = malloc(n * 7 + 64), *p = text, log[256];
	struct ubee_insn *out = NULL;

	T_CHECK(text != NULL, "malloc");
	if (!text)
		return;
	p += sprintf(p, "goto end\ngotol end\n");
	for (size_t i = 0; i < n; i++)
		p += sprintf(p, "r0 = 0\n");
	sprintf(p, "end: exit\n");
	T_CHECK(assemble(text, &out, log, sizeof(log)) < 0, "assembled");
	T_CHECK(!strcmp(log, "line 1: jump offset 33001 to 'end' out of 16-bit range\n"),
		"log '%s'", log);
	/* gotol reaches it. */
	T_EQ_U64(assemble(text + strlen("goto end\n"), &out, log, sizeof(log)),
		 n + 2);
	if (out)
		T_EQ_U64(out[0].imm, n);
	ubee_insns_free(out);
	free(text);
}

/* Out of memory is reported, not crashed on, at every allocation. */
static void test_alloc_failure(void)
{
	static const char text[] = "a: r0 = 0\nb: goto a\ngoto b\nexit\n";
	struct ubee_insn *out;
	char log[256];
	long ok = 0;

	for (long n = 0; n < 8 && !ok; n++) {
		ubee_fail_alloc_after(n);
		out = NULL;
		ok = assemble(text, &out, log, sizeof(log)) == 4;
		ubee_fail_alloc_after(-1);
		if (!ok)
			T_CHECK(out == NULL && strstr(log, "out of memory"),
				"after %ld allocations: '%s'", n, log);
		ubee_insns_free(out);
	}
	T_CHECK(ok, "never succeeded");
}

int main(void)
{
	test_cases();
	T_RUN(test_every_row_covered);
	T_RUN(test_llvm_mode);
	T_RUN(test_target_names);
	T_RUN(test_truncation);
	T_RUN(test_invalid);
	T_RUN(test_program);
	T_RUN(test_errors);
	T_RUN(test_far_label);
	T_RUN(test_alloc_failure);
	return t_summary();
}

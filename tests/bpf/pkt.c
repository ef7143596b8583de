// SPDX-License-Identifier: MIT
/*
 * Legacy packet loads (LD_ABS, LD_IND) as socket filters use them, via
 * clang's llvm.bpf.load.* intrinsics.
 */
#define SEC(n) __attribute__((section(n), used))

typedef unsigned long long u64;

unsigned long long load_byte(void *skb, u64 off) asm("llvm.bpf.load.byte");
unsigned long long load_half(void *skb, u64 off) asm("llvm.bpf.load.half");
unsigned long long load_word(void *skb, u64 off) asm("llvm.bpf.load.word");

char LICENSE[] SEC("license") = "GPL";

SEC("socket")
int pkt(void *skb)
{
	u64 proto = load_half(skb, 12);
	u64 ihl = load_byte(skb, 14) & 0xf;
	u64 dport;

	if (proto != 0x0800)
		return 0;
	dport = load_half(skb, 14 + ihl * 4 + 2);
	return dport == 53 ? (int)load_word(skb, ihl * 4) : -1;
}

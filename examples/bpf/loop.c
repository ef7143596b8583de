// SPDX-License-Identifier: MIT
/*
 * loop: bpf_loop() with a callback, in a tc classifier that verifies the
 * IPv4 header checksum.
 *
 * The header has ihl * 2 16-bit words (10 to 30: options make it
 * variable), so the trip count is only known at run time: bpf_loop()
 * calls add_word() that many times with a pointer to a context struct on
 * the caller's stack (the verifier checks the callback once, not once per
 * iteration). The callback reads the words with bpf_skb_load_bytes(). A
 * correct header sums to 0xffff in one's complement.
 *
 * Frames with a bad checksum are dropped (TC_ACT_SHOT); the counters are
 * in .bss; non-IPv4 frames pass uncounted.
 *
 * Run it:
 *   tests/tools/mkpkt.py --named /tmp/pkts
 *   ubee -j run build/examples/bpf/loop.o --data /tmp/pkts/ipv4_bad_csum.bin \
 *       --dump-maps
 * gives retval 2 (TC_ACT_SHOT) and .bss {good 0, bad 1, words 10}.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

__u64 good;
__u64 bad;
__u32 words; /* words summed for the last frame */

struct csum_ctx {
	struct __sk_buff *skb;
	__u32 off;  /* the IPv4 header's offset in the frame */
	__u32 sum;
	__u32 done; /* words summed */
};

/* One iteration: add word i of the header; returning 1 stops the loop. */
static long add_word(__u32 i, void *arg)
{
	struct csum_ctx *c = arg;
	__u16 w;

	if (bpf_skb_load_bytes(c->skb, c->off + i * 2, &w, sizeof(w)))
		return 1;
	c->sum += w;
	c->done++;
	return 0;
}

SEC("tc")
int check_ipv4_csum(struct __sk_buff *skb)
{
	struct csum_ctx c = { .skb = skb, .off = ETH_HLEN };
	__u8 ver_ihl;
	__u32 n;

	if (skb->protocol != bpf_htons(ETH_P_IP) ||
	    bpf_skb_load_bytes(skb, ETH_HLEN, &ver_ihl, 1))
		return TC_ACT_OK;
	n = (ver_ihl & 0xf) * 2;
	bpf_loop(n, add_word, &c, 0);
	words = c.done;
	/* Fold the carries: one's complement addition. */
	c.sum = (c.sum & 0xffff) + (c.sum >> 16);
	c.sum = (c.sum & 0xffff) + (c.sum >> 16);
	if (n < 10 || c.done != n || c.sum != 0xffff) {
		__sync_fetch_and_add(&bad, 1);
		return TC_ACT_SHOT;
	}
	__sync_fetch_and_add(&good, 1);
	return TC_ACT_OK;
}

char LICENSE[] SEC("license") = "Dual MIT/GPL";

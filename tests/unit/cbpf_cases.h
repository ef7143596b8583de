/* SPDX-License-Identifier: MIT */
/*
 * The classic-filter test cases shared by test_cbpf.c (every engine
 * against libpcap, the reference and the kernel) and test_cbpf_batch.c
 * (batches against single runs): Ethernet frames to mutate and tcpdump
 * expressions covering protocols, ports and ranges, hosts and nets,
 * VLANs, byte offsets and masks, lengths and boolean combinations.
 */
#ifndef UBEE_TEST_CBPF_CASES_H
#define UBEE_TEST_CBPF_CASES_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "ubee/cbpf.h"
#include "util/util.h"

/* A classic instruction: code, jt, jf, k; S for those without jumps. */
#define I(c, t, f, kk) { .code = (c), .jt = (t), .jf = (f), .k = (kk) }
#define S(c, kk) I(c, 0, 0, kk)

#define CASES_LOG_SIZE 8192
static char logbuf[CASES_LOG_SIZE];
static struct ubee_log tlog;

/* The tests' log, emptied. */
static struct ubee_log *fresh_log(void)
{
	ubee_log_init(&tlog, logbuf, sizeof(logbuf));
	return &tlog;
}

/* xorshift32: the tests' mutations, reproducible from a seed. */
static uint32_t rnd(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

/* Frames to start from (Ethernet), mutated per run. */
static const char *const frames[] = {
	/* IPv4 TCP SYN 10.0.0.1:40000 -> 10.0.0.2:80 */
	"02000000000202000000000108004500002800010000400600000a0000010a00"
	"00029c40005000000001000000005002200000000000",
	/* IPv4 UDP 192.168.1.10:1234 -> 8.8.8.8:53, broadcast MAC */
	"ffffffffffff0200000000010800450000240001000040110000c0a8010a0808"
	"080804d20035001000006162636465666768",
	/* VLAN 100, IPv4 UDP 8080 -> 53 */
	"0200000000020200000000018100006408004500001e00010000401100000a00"
	"00010a0000021f900035000a00006162",
	/* IPv6 TCP ACK 2001:db8::1 -> 2001:db8::2:443 */
	"02000000000202000000000186dd600000000014064020010db8000000000000"
	"00000000000120010db80000000000000000000000029c4001bb000000010000"
	"00005010200000000000",
	/* IPv6 hop-by-hop, UDP */
	"02000000000202000000000186dd600000000010004020010db8000000000000"
	"00000000000120010db8000000000000000000000002110001040000000004d2"
	"003500080000",
	/* IPv6 ICMPv6 echo to ff02::1 */
	"33330000000102000000000186dd6000000000083a40fe800000000000000000"
	"000000000001ff0200000000000000000000000000018000000012340001",
	/* ARP request */
	"ffffffffffff020000000001080600010800060400010200000000010a000001"
	"0000000000000a000002",
	/* IPv4 ICMP echo */
	"02000000000202000000000108004500001c00010000400100000a0000010a00"
	"00020800000012340001",
	/* IPv4 fragment (offset 185) UDP */
	"02000000000202000000000108004500001c000100b9401100000a0000010a00"
	"00020035003500080000",
	/* IPv4 SCTP */
	"02000000000202000000000108004500002000010000408400000a0000010a00"
	"00020b5913880000000000000000",
	/* IPv4 with options, TCP FIN|ACK to port 22 */
	"02000000000202000000000108004600002c00010000400600000a0000010a00"
	"000201010100d431001600000001000000005011200000000000",
};

static const char *const exprs[] = {
	"ip", "ip6", "arp", "tcp", "udp", "icmp", "icmp6", "sctp", "vlan",
	"vlan 100", "vlan and udp", "vlan 100 and udp port 53",
	"port 53", "tcp port 80", "udp dst port 53", "src port 40000",
	"portrange 1-1024", "tcp portrange 400-500", "udp src portrange 1000-2000",
	"host 10.0.0.1", "src host 10.0.0.1", "dst host 8.8.8.8",
	"net 10.0.0.0/8", "dst net 192.168.0.0/16", "src net 192.168.1.0/24",
	"host 2001:db8::1", "ip6 dst host 2001:db8::2", "net 2001:db8::/32",
	"ether host 02:00:00:00:00:01", "ether broadcast", "ether multicast",
	"ether proto 0x0806", "ip proto 132", "ip6 proto 17",
	"tcp[13] & 2 != 0", "tcp[tcpflags] & (tcp-syn|tcp-ack) == tcp-syn",
	"tcp[tcpflags] & tcp-fin != 0", "ip[6:2] & 0x1fff = 0",
	"ip[6:2] & 0x1fff != 0", "ip[0] & 0xf > 5", "udp[8:4] = 0x61626364",
	"icmp[icmptype] = icmp-echo", "icmp6[icmp6type] = icmp6-echo",
	"len > 60", "len <= 64", "greater 80", "less 70",
	"tcp and not port 22", "udp or icmp", "not ip and not ip6",
	"(tcp or udp) and (port 53 or port 443)", "ip and (tcp[2:2] > 1000 or udp)",
	"ip6 and tcp", "ip and ip[8] = 64", "ether[12:2] = 0x86dd",
	"arp and ether src 02:00:00:00:00:01", "ip6 multicast", "ip broadcast or ip multicast",
	"ip[2:2] > 40", "ether[0] & 1 = 1", "tcp[((tcp[12:1] & 0xf0) >> 2):4] = 0",
};

/* Hex text to bytes: the count, or -1 when it is not hex. */
static int hexbytes(const char *hex, uint8_t *out, size_t max)
{
	size_t n = 0;

	if (strlen(hex) % 2)
		return -1;
	for (; hex[0] && n < max; hex += 2) {
		unsigned v;

		if (sscanf(hex, "%2x", &v) != 1)
			return -1;
		out[n++] = (uint8_t)v;
	}
	return (int)n;
}

#define NR_FRAMES (sizeof(frames) / sizeof(frames[0]))
#define NR_EXPRS (sizeof(exprs) / sizeof(exprs[0]))

#endif /* UBEE_TEST_CBPF_CASES_H */

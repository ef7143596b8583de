/* SPDX-License-Identifier: MIT */
/*
 * What bench/pkt/fw.c and bench/pkt_harness.c share: the maps' keys and
 * values and their sizes.
 */
#ifndef BENCH_PKT_FW_H
#define BENCH_PKT_FW_H

#define FW_MAX_RULES 4096
#define FW_MAX_FLOWS 65536
#define FW_ALLOW 1
#define FW_DENY 2

struct fw_lpm_key {
	__u32 prefixlen;
	__u8 addr[4];      /* network order */
};

struct fw_flow_key {
	__u32 saddr, daddr; /* network order */
	__u16 sport, dport;
	__u8 proto;
	__u8 pad[3];
};

struct fw_flow_val {
	__u64 packets;
	__u64 bytes;
};

#endif /* BENCH_PKT_FW_H */

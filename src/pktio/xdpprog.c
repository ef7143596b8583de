// SPDX-License-Identifier: MIT
/*
 * The kernel half of an AF_XDP socket: an XSKMAP holding the socket in
 * the slot of its queue, and a five-instruction XDP program, written
 * here as bytecode and loaded with the bpf() system call,
 *
 *	r2 = *(u32 *)(r1 + 16)          ctx->rx_queue_index
 *	r1 = map[xsks] ll               the XSKMAP
 *	r3 = 2                          XDP_PASS when the slot is empty
 *	call bpf_redirect_map
 *	exit
 *
 * attached to the interface with a BPF link (BPF_LINK_CREATE,
 * attach type BPF_XDP): closing the link detaches it, even if ubee dies.
 * Packets of other queues go on to the kernel's stack.
 */
#include <errno.h>
#include <linux/bpf.h>
#include <linux/if_link.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "pktio/iface.h"
#include "util/util.h"

#define XDP_MD_RX_QUEUE_INDEX 16
#define FN_REDIRECT_MAP 51
#define XDP_PASS 2

static int sys_bpf(int cmd, union bpf_attr *attr)
{
	return (int)syscall(__NR_bpf, cmd, attr, sizeof(*attr));
}

static int load_prog(int map_fd, struct ubee_log *log)
{
	struct bpf_insn insns[] = {
		{ .code = BPF_LDX | BPF_MEM | BPF_W, .dst_reg = 2, .src_reg = 1,
		  .off = XDP_MD_RX_QUEUE_INDEX },
		{ .code = BPF_LD | BPF_DW | BPF_IMM, .dst_reg = 1,
		  .src_reg = BPF_PSEUDO_MAP_FD, .imm = map_fd },
		{ 0 },
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = 3, .imm = XDP_PASS },
		{ .code = BPF_JMP | BPF_CALL, .imm = FN_REDIRECT_MAP },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	char vlog[512] = "";
	union bpf_attr a;
	int fd;

	memset(&a, 0, sizeof(a));
	a.prog_type = BPF_PROG_TYPE_XDP;
	a.insns = (uintptr_t)insns;
	a.insn_cnt = UBEE_ARRAY_SIZE(insns);
	a.license = (uintptr_t)"Dual MIT/GPL";
	a.log_buf = (uintptr_t)vlog;
	a.log_size = sizeof(vlog);
	a.log_level = 1;
	memcpy(a.prog_name, "ubee_xsk", 9);
	fd = sys_bpf(BPF_PROG_LOAD, &a);
	if (fd < 0) {
		int err = -errno;
		char *nl;

		/* The verifier's log (one line) if it said anything useful. */
		while ((nl = strchr(vlog, '\n')) && nl[1])
			*nl = ' ';
		ubee_logf(log, "loading the AF_XDP redirect program into the kernel: %s%s%s",
			  strerror(-err), *vlog ? ": " : "", vlog);
		return err;
	}
	return fd;
}

int ubee_xdp_redirect_attach(struct ubee_xdp_redirect *x, uint32_t ifindex,
			     uint32_t queue, int xsk_fd, int skb_mode,
			     struct ubee_log *log)
{
	union bpf_attr a;
	uint32_t key = queue, val = (uint32_t)xsk_fd;
	int err;

	x->map_fd = x->prog_fd = x->link_fd = -1;
	x->mode = NULL;
	memset(&a, 0, sizeof(a));
	a.map_type = BPF_MAP_TYPE_XSKMAP;
	a.key_size = 4;
	a.value_size = 4;
	a.max_entries = queue + 1;
	memcpy(a.map_name, "ubee_xsks", 10);
	x->map_fd = sys_bpf(BPF_MAP_CREATE, &a);
	if (x->map_fd < 0) {
		err = -errno;
		ubee_logf(log, "creating the XSKMAP in the kernel: %s", strerror(errno));
		goto fail;
	}
	memset(&a, 0, sizeof(a));
	a.map_fd = (uint32_t)x->map_fd;
	a.key = (uintptr_t)&key;
	a.value = (uintptr_t)&val;
	if (sys_bpf(BPF_MAP_UPDATE_ELEM, &a)) {
		err = -errno;
		ubee_logf(log, "putting the AF_XDP socket into the XSKMAP: %s",
			  strerror(errno));
		goto fail;
	}
	x->prog_fd = load_prog(x->map_fd, log);
	if (x->prog_fd < 0) {
		err = x->prog_fd;
		goto fail;
	}
	for (int i = skb_mode ? 1 : 0; i < 2 && x->link_fd < 0; i++) {
		memset(&a, 0, sizeof(a));
		a.link_create.prog_fd = (uint32_t)x->prog_fd;
		a.link_create.target_ifindex = ifindex;
		a.link_create.attach_type = BPF_XDP;
		a.link_create.flags = i ? XDP_FLAGS_SKB_MODE : XDP_FLAGS_DRV_MODE;
		x->link_fd = sys_bpf(BPF_LINK_CREATE, &a);
		if (x->link_fd >= 0)
			x->mode = i ? "skb" : "drv";
	}
	if (x->link_fd < 0) {
		err = -errno;
		ubee_logf(log, "attaching the AF_XDP redirect program to ifindex %u: %s%s",
			  ifindex, strerror(errno),
			  errno == EBUSY || errno == EEXIST ?
				  " (another XDP program is attached)" : "");
		goto fail;
	}
	return 0;
fail:
	ubee_xdp_redirect_detach(x);
	return err;
}

void ubee_xdp_redirect_detach(struct ubee_xdp_redirect *x)
{
	if (x->link_fd >= 0)
		close(x->link_fd);
	if (x->prog_fd >= 0)
		close(x->prog_fd);
	if (x->map_fd >= 0)
		close(x->map_fd);
	x->map_fd = x->prog_fd = x->link_fd = -1;
}

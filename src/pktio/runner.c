// SPDX-License-Identifier: MIT
/*
 * The runner: one program, one packet context reused for every packet
 * (ubee_pkt_set_data copies the packet into the frame; nothing is
 * allocated per packet), and the kernel's reading of what the program
 * returned:
 *
 *   xdp     0 ABORTED, 1 DROP, 2 PASS, 3 TX, 4 REDIRECT (through what
 *           bpf_redirect / bpf_redirect_map recorded; REDIRECT without
 *           a recorded target goes nowhere: aborted, as the kernel's
 *           xdp_do_redirect fails); other values are invalid: aborted
 *           (the kernel warns and drops);
 *   tc      TC_ACT_SHOT, STOLEN, QUEUED, TRAP drop; TC_ACT_REDIRECT
 *           redirects (or drops when nothing was recorded); everything
 *           else (UNSPEC, OK, RECLASSIFY, PIPE, ...) passes, as
 *           sch_handle_ingress does;
 *   socket  0 drops, n > 0 keeps the first min(n, len) bytes (the
 *           kernel trims the skb to what the filter returned).
 *
 * A run that fails (checked mode found an out-of-bounds access, the
 * budget ran out) counts as an error and aborts that packet only.
 */
#include <errno.h>
#include <string.h>

#include "maps/maps.h"
#include "progtypes/pkt.h"
#include "ubee/pktio.h"
#include "util/util.h"
#include "vm/vm.h"

#define DEFAULT_MAX_LEN 262144u

#define XDP_ABORTED 0
#define XDP_DROP 1
#define XDP_PASS 2
#define XDP_TX 3
#define XDP_REDIRECT 4

#define TC_ACT_SHOT 2
#define TC_ACT_STOLEN 4
#define TC_ACT_QUEUED 5
#define TC_ACT_REDIRECT 7
#define TC_ACT_TRAP 8

#define BPF_F_BROADCAST (1ull << 3)

struct ubee_pktio_runner {
	const struct ubee_prog *prog;
	uint32_t type;
	struct ubee_pkt *pkt;
	/* The run, prepared once (ubee_pkt_prepare); its messages go to
	 * plog, to be prefixed with the packet number. */
	struct ubee_runner *run;
	struct ubee_log plog;
	char lbuf[512];
	uint32_t ifindex;
	struct ubee_pktio_stats stats;
};

static const char *const action_names[UBEE_PKTIO_NR_ACTIONS] = {
	"aborted", "drop", "pass", "tx", "redirect",
};

const char *ubee_pktio_action_name(enum ubee_pktio_action a)
{
	return (unsigned)a < UBEE_PKTIO_NR_ACTIONS ? action_names[a] : NULL;
}

int ubee_pktio_runner_new(const struct ubee_prog *prog,
			  const struct ubee_pktio_runner_opts *opts,
			  struct ubee_pktio_runner **out, struct ubee_log *log)
{
	static const uint8_t dummy[UBEE_ETH_HLEN];
	struct ubee_pktio_runner_opts o;
	struct ubee_pkt_opts po = { .sz = sizeof(po) };
	struct ubee_run_opts ro = { .sz = sizeof(ro) };
	struct ubee_pktio_runner *r;
	const struct ubee_prog_type *t;
	int err;

	*out = NULL;
	if (!prog)
		return -EINVAL;
	err = ubee_vm_copy_opts(&o, sizeof(o), opts, log);
	if (err)
		return err;
	t = ubee_prog_get_type(prog);
	if (t->id != UBEE_PROG_TYPE_XDP && t->id != UBEE_PROG_TYPE_SOCKET_FILTER &&
	    t->id != UBEE_PROG_TYPE_SCHED_CLS && t->id != UBEE_PROG_TYPE_SCHED_ACT) {
		ubee_logf(log, "program %s: type %s does not run on packets",
			  ubee_prog_name(prog), t->name);
		return -EINVAL;
	}
	r = ubee_calloc(1, sizeof(*r));
	if (!r) {
		ubee_logf(log, "out of memory");
		return -ENOMEM;
	}
	ubee_log_init(&r->plog, r->lbuf, sizeof(r->lbuf));
	po.ifindex = o.ifindex;
	po.rx_queue_index = o.rx_queue_index;
	po.max_len = o.max_len ? o.max_len : DEFAULT_MAX_LEN;
	/* A packet per run: no copy kept for resets. */
	po.flags = UBEE_PKT_F_NO_KEEP | (o.sock_l3 ? 0 : UBEE_PKT_F_L2);
	/* skb runs see the receiving interface as their ingress too. */
	po.ingress_ifindex = t->id == UBEE_PROG_TYPE_XDP ? 0 :
			     (o.ifindex ? o.ifindex : 1);
	err = ubee_pkt_new(t->id, dummy, sizeof(dummy), &po, &r->pkt, log);
	if (err) {
		ubee_free(r);
		return err;
	}
	ro.engine = o.engine;
	ro.flags = o.run_flags;
	ro.insn_budget = o.insn_budget;
	err = ubee_pkt_prepare(r->pkt, prog, &ro, &r->run, log);
	if (err) {
		ubee_pktio_runner_free(r);
		return err;
	}
	ubee_runner_set_log(r->run, &r->plog);
	r->prog = prog;
	r->type = t->id;
	r->ifindex = o.ifindex ? o.ifindex : 1;
	*out = r;
	return 0;
}

void ubee_pktio_runner_free(struct ubee_pktio_runner *r)
{
	if (!r)
		return;
	ubee_runner_free(r->run);
	ubee_pkt_free(r->pkt);
	ubee_free(r);
}

void ubee_pktio_runner_begin(struct ubee_pktio_runner *r)
{
	ubee_runner_begin(r->run);
}

void ubee_pktio_runner_end(struct ubee_pktio_runner *r)
{
	ubee_runner_end(r->run);
}

const struct ubee_pktio_stats *ubee_pktio_runner_stats(const struct ubee_pktio_runner *r)
{
	return &r->stats;
}

/*
 * Where a recorded redirect goes: an interface (bpf_redirect, a devmap
 * slot's ifindex), an AF_XDP socket (an xskmap slot), every devmap
 * interface (broadcast). 0, or -ENOENT when the slot is empty now.
 */
static int resolve_redirect(const struct ubee_pkt_redirect *rd,
			    struct ubee_pktio_verdict *v)
{
	const uint32_t *val;

	v->flags = rd->flags;
	v->map = rd->map;
	v->key = rd->key;
	if (!rd->map) {
		v->target = UBEE_PKTIO_TO_IFINDEX;
		v->ifindex = rd->ifindex;
		return 0;
	}
	switch (rd->map->type) {
	case UBEE_MAP_DEVMAP:
	case UBEE_MAP_DEVMAP_HASH:
		if (rd->flags & BPF_F_BROADCAST) {
			v->target = UBEE_PKTIO_TO_BROADCAST;
			return 0;
		}
		val = rd->map->ops->lookup(rd->map, &rd->key);
		if (!val)
			return -ENOENT;
		v->target = UBEE_PKTIO_TO_IFINDEX;
		v->ifindex = *val;
		return 0;
	case UBEE_MAP_XSKMAP:
		v->target = UBEE_PKTIO_TO_XSK;
		return 0;
	default:
		/* Another map as a table of targets: its key is the ifindex. */
		v->target = UBEE_PKTIO_TO_IFINDEX;
		v->ifindex = rd->key;
		return 0;
	}
}

static enum ubee_pktio_action xdp_action(struct ubee_pktio_runner *r,
					 uint64_t ret,
					 struct ubee_pktio_verdict *v)
{
	const struct ubee_pkt_redirect *rd;

	switch (ret) {
	case XDP_DROP:
		return UBEE_PKTIO_DROP;
	case XDP_PASS:
		return UBEE_PKTIO_PASS;
	case XDP_TX:
		return UBEE_PKTIO_TX;
	case XDP_REDIRECT:
		rd = ubee_pkt_get_redirect(r->pkt);
		if (!rd->set || resolve_redirect(rd, v))
			return UBEE_PKTIO_ABORTED;
		return UBEE_PKTIO_REDIRECT;
	case XDP_ABORTED:
		return UBEE_PKTIO_ABORTED;
	default:
		r->stats.invalid++;
		return UBEE_PKTIO_ABORTED;
	}
}

static enum ubee_pktio_action tc_action(struct ubee_pktio_runner *r,
					int32_t ret,
					struct ubee_pktio_verdict *v)
{
	const struct ubee_pkt_redirect *rd;

	switch (ret) {
	case TC_ACT_SHOT:
	case TC_ACT_STOLEN:
	case TC_ACT_QUEUED:
	case TC_ACT_TRAP:
		return UBEE_PKTIO_DROP;
	case TC_ACT_REDIRECT:
		rd = ubee_pkt_get_redirect(r->pkt);
		if (!rd->set || resolve_redirect(rd, v))
			return UBEE_PKTIO_DROP;
		return UBEE_PKTIO_REDIRECT;
	default:
		return UBEE_PKTIO_PASS;
	}
}

int ubee_pktio_runner_process(struct ubee_pktio_runner *r,
			      const struct ubee_packet *in,
			      struct ubee_pktio_verdict *v,
			      struct ubee_log *log)
{
	struct ubee_pktio_stats *s = &r->stats;
	uint64_t ret = 0;
	int err;

	memset(v, 0, sizeof(*v));
	v->action = UBEE_PKTIO_ABORTED;
	/* The run's own lines, to be prefixed with the packet number. */
	r->plog.len = 0;
	r->plog.truncated = 0;
	r->lbuf[0] = 0;
	err = ubee_pkt_set_data(r->pkt, in->data, in->len, &r->plog);
	if (err) {
		s->skipped++;
		goto out;
	}
	s->packets++;
	s->bytes += in->len;
	err = ubee_pkt_run_prepared(r->pkt, r->run, &ret);
	if (err) {
		s->errors++;
		s->action[UBEE_PKTIO_ABORTED]++;
		goto out;
	}
	v->retval = ret;
	v->data = ubee_pkt_data(r->pkt, &v->len);
	if (r->type == UBEE_PROG_TYPE_SOCKET_FILTER) {
		size_t hdr, avail;

		/* The kept bytes count from the skb's data (L2 or L3). */
		ubee_pkt_payload(r->pkt, &avail);
		hdr = v->len - avail;
		if ((uint32_t)ret == 0) {
			v->action = UBEE_PKTIO_DROP;
		} else {
			v->action = UBEE_PKTIO_PASS;
			if ((uint32_t)ret < avail) {
				v->len = hdr + (uint32_t)ret;
				s->truncated++;
			}
		}
	} else {
		int32_t r32 = (int32_t)ret;

		if (r32 >= -1 && r32 < UBEE_PKTIO_NR_RETVALS - 1)
			s->retval[r32 + 1]++;
		else
			s->retval_other++;
		v->action = r->type == UBEE_PROG_TYPE_XDP ? xdp_action(r, ret, v) :
							    tc_action(r, r32, v);
	}
	s->action[v->action]++;
out:
	if (err) {
		size_t n = r->plog.len;

		while (n && r->lbuf[n - 1] == '\n')
			r->lbuf[--n] = 0;
		ubee_logf(log, "packet %llu: %s", (unsigned long long)in->index,
			  n ? r->lbuf : "cannot run");
	}
	return err;
}

size_t ubee_pktio_devmap_targets(struct ubee_map *map, uint32_t exclude,
				 uint32_t *out, size_t max)
{
	uint32_t key, next, *val;
	size_t n = 0;
	const void *prev = NULL;

	if (!map || (map->type != UBEE_MAP_DEVMAP &&
		     map->type != UBEE_MAP_DEVMAP_HASH))
		return 0;
	while (!map->ops->get_next_key(map, prev, &next)) {
		key = next;
		prev = &key;
		val = map->ops->lookup(map, &key);
		if (!val || *val == exclude)
			continue;
		if (n < max)
			out[n] = *val;
		n++;
	}
	return n;
}

// SPDX-License-Identifier: MIT
/*
 * Differential test against the kernel for LPM tries, queues, stacks and
 * bloom filters: the same map specs are created by bpf(BPF_MAP_CREATE)
 * and ubee_map_new, and the same random sequences of user-side operations
 * (update/push, lookup/peek, lookup-and-delete/pop, delete, get_next_key)
 * run on both, comparing every return code and every byte copied out.
 * Bloom filters use BPF_F_ZERO_SEED, so that the hashes, and therefore the
 * false positives, must agree too. A ring buffer written by a kernel
 * program (bpf_ringbuf_output, run by BPF_PROG_TEST_RUN) and the same
 * records written into a ubee ring buffer must give the same bytes: record
 * headers (length, page offset), padding and positions. Every case is
 * skipped when bpf() is refused (not root, no kernel support).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/bpf.h>

#include "../lib/kbpf.h"
#include "../lib/maptest.h"
#include "../lib/test.h"
#include "maps/maps.h"
#include "maps/ringbuf.h"
#include "util/util.h"

static int skip_unless_kernel(void)
{
	int err = kbpf_map_probe();

	if (err)
		t_skip("bpf(BPF_MAP_CREATE) refused: %s", strerror(-err));
	return err;
}

/* ---- creation ----------------------------------------------------------- */

static void create_specs(void)
{
	static const struct {
		uint32_t type, ks, vs, me, flags;
		uint64_t extra;
	} c[] = {
		/* LPM: key 5..260, NO_PREALLOC required, value limits. */
		{ BPF_MAP_TYPE_LPM_TRIE, 8, 4, 10, BPF_F_NO_PREALLOC, 0 },
		{ BPF_MAP_TYPE_LPM_TRIE, 5, 4, 10, BPF_F_NO_PREALLOC, 0 },
		{ BPF_MAP_TYPE_LPM_TRIE, 4, 4, 10, BPF_F_NO_PREALLOC, 0 },
		{ BPF_MAP_TYPE_LPM_TRIE, 260, 4, 10, BPF_F_NO_PREALLOC, 0 },
		{ BPF_MAP_TYPE_LPM_TRIE, 261, 4, 10, BPF_F_NO_PREALLOC, 0 },
		{ BPF_MAP_TYPE_LPM_TRIE, 8, 4, 10, 0, 0 },
		{ BPF_MAP_TYPE_LPM_TRIE, 8, 0, 10, BPF_F_NO_PREALLOC, 0 },
		{ BPF_MAP_TYPE_LPM_TRIE, 8, 4, 0, BPF_F_NO_PREALLOC, 0 },
		{ BPF_MAP_TYPE_LPM_TRIE, 8, (4u << 20) - 280, 1,
		  BPF_F_NO_PREALLOC, 0 },
		{ BPF_MAP_TYPE_LPM_TRIE, 8, (4u << 20) - 279, 1,
		  BPF_F_NO_PREALLOC, 0 },
		{ BPF_MAP_TYPE_LPM_TRIE, 8, 4, 10, BPF_F_NO_PREALLOC, 1 },
		{ BPF_MAP_TYPE_LPM_TRIE, 8, 4, 10,
		  BPF_F_NO_PREALLOC | BPF_F_RDONLY_PROG, 0 },
		{ BPF_MAP_TYPE_LPM_TRIE, 8, 4, 10,
		  BPF_F_NO_PREALLOC | BPF_F_RDONLY_PROG | BPF_F_WRONLY_PROG,
		  0 },
		{ BPF_MAP_TYPE_LPM_TRIE, 8, 4, 10,
		  BPF_F_NO_PREALLOC | BPF_F_RDONLY | BPF_F_WRONLY, 0 },
		{ BPF_MAP_TYPE_LPM_TRIE, 8, 4, 10,
		  BPF_F_NO_PREALLOC | BPF_F_ZERO_SEED, 0 },
		{ BPF_MAP_TYPE_LPM_TRIE, 8, 4, 10,
		  BPF_F_NO_PREALLOC | BPF_F_MMAPABLE, 0 },
		{ BPF_MAP_TYPE_LPM_TRIE, 8, 4, 10,
		  BPF_F_NO_PREALLOC | BPF_F_NUMA_NODE, 0 },
		/* Queue and stack. */
		{ BPF_MAP_TYPE_QUEUE, 0, 4, 1, 0, 0 },
		{ BPF_MAP_TYPE_QUEUE, 4, 4, 1, 0, 0 },
		{ BPF_MAP_TYPE_QUEUE, 0, 0, 1, 0, 0 },
		{ BPF_MAP_TYPE_QUEUE, 0, 4, 0, 0, 0 },
		{ BPF_MAP_TYPE_QUEUE, 0, 4, 1, BPF_F_NO_PREALLOC, 0 },
		{ BPF_MAP_TYPE_QUEUE, 0, 4, 1, BPF_F_ZERO_SEED, 0 },
		{ BPF_MAP_TYPE_QUEUE, 0, 4, 1, BPF_F_RDONLY_PROG, 0 },
		{ BPF_MAP_TYPE_QUEUE, 0, 4, 1, BPF_F_WRONLY, 0 },
		{ BPF_MAP_TYPE_QUEUE, 0, 4, 1, 0, 5 },
		{ BPF_MAP_TYPE_QUEUE, 0, 4u << 20, 1, 0, 0 },
		{ BPF_MAP_TYPE_QUEUE, 0, (4u << 20) + 1, 1, 0, 0 },
		{ BPF_MAP_TYPE_STACK, 0, 8, 100, 0, 0 },
		{ BPF_MAP_TYPE_STACK, 8, 8, 100, 0, 0 },
		{ BPF_MAP_TYPE_STACK, 0, 8, 100, BPF_F_MMAPABLE, 0 },
		{ BPF_MAP_TYPE_STACK, 0, (4u << 20) + 1, 1, 0, 0 },
		/* Bloom filter: map_extra is the number of hashes. */
		{ BPF_MAP_TYPE_BLOOM_FILTER, 0, 4, 100, 0, 0 },
		{ BPF_MAP_TYPE_BLOOM_FILTER, 4, 4, 100, 0, 0 },
		{ BPF_MAP_TYPE_BLOOM_FILTER, 0, 0, 100, 0, 0 },
		{ BPF_MAP_TYPE_BLOOM_FILTER, 0, 4, 0, 0, 0 },
		{ BPF_MAP_TYPE_BLOOM_FILTER, 0, 4, 100, 0, 15 },
		{ BPF_MAP_TYPE_BLOOM_FILTER, 0, 4, 100, 0, 16 },
		{ BPF_MAP_TYPE_BLOOM_FILTER, 0, 4, 100, 0, 0x100000001ull },
		{ BPF_MAP_TYPE_BLOOM_FILTER, 0, 4, 100, BPF_F_ZERO_SEED, 3 },
		{ BPF_MAP_TYPE_BLOOM_FILTER, 0, 4, 100, BPF_F_NO_PREALLOC, 0 },
		{ BPF_MAP_TYPE_BLOOM_FILTER, 0, 4, 100,
		  BPF_F_RDONLY_PROG | BPF_F_WRONLY_PROG, 0 },
		{ BPF_MAP_TYPE_BLOOM_FILTER, 0, (4u << 20) + 1, 1, 0, 0 },
	};

	if (skip_unless_kernel())
		return;
	for (size_t i = 0; i < UBEE_ARRAY_SIZE(c); i++) {
		struct ubee_map_spec s = {
			.type = c[i].type, .key_size = c[i].ks,
			.value_size = c[i].vs, .max_entries = c[i].me,
			.map_flags = c[i].flags, .map_extra = c[i].extra,
		};
		struct ubee_map *m;
		int fd;

		if (!t_map_both_create(&s, &fd, &m))
			t_map_both_free(fd, m);
	}
}

/* ---- LPM ---------------------------------------------------------------- */

#define KMAX 64

/* A random key of data_size bytes, from few patterns so prefixes nest. */
static void lpm_key(uint8_t *k, uint32_t data_size)
{
	static const uint8_t pat[] = { 0x00, 0x0f, 0x80, 0xa5, 0xff, 0xc0 };
	uint32_t pl = (uint32_t)(rand() % (int)(data_size * 8 + 3));

	memcpy(k, &pl, 4);
	for (uint32_t i = 0; i < data_size; i++)
		k[4 + i] = rand() % 3 ? pat[rand() % 6] : (uint8_t)rand();
}

static void lpm_case(uint32_t data_size, uint32_t vs, uint32_t me, int ops,
		     unsigned seed)
{
	struct ubee_map_spec s = {
		.type = BPF_MAP_TYPE_LPM_TRIE, .key_size = 4 + data_size,
		.value_size = vs, .max_entries = me,
		.map_flags = BPF_F_NO_PREALLOC,
	};
	uint8_t k[KMAX], kn[KMAX], un[KMAX], kv[KMAX], uv[KMAX], v[KMAX];
	struct ubee_map *m;
	int fd;

	if (t_map_both_create(&s, &fd, &m))
		return;
	srand(seed);
	for (int i = 0; i < ops && t_ok(); i++) {
		int op = rand() % 12, ke, ue;
		uint64_t flags = (uint64_t)(rand() % 7 == 0 ? 4 : rand() % 3);

		lpm_key(k, data_size);
		for (uint32_t j = 0; j < vs; j++)
			v[j] = (uint8_t)rand();
		memset(kv, 0xa1, sizeof(kv));
		memset(uv, 0xa1, sizeof(uv));
		memset(kn, 0xb2, sizeof(kn));
		memset(un, 0xb2, sizeof(un));
		if (op < 5) {
			ke = kbpf_map_update(fd, k, v, flags);
			ue = ubee_map_update(m, k, v, flags);
		} else if (op < 7) {
			ke = kbpf_map_delete(fd, k);
			ue = ubee_map_delete(m, k);
		} else if (op < 10) {
			ke = kbpf_map_lookup(fd, k, kv);
			ue = ubee_map_lookup(m, k, uv);
		} else if (op < 11) {
			const void *from = rand() % 4 ? k : NULL;

			ke = kbpf_map_get_next_key(fd, from, kn);
			ue = ubee_map_get_next_key(m, from, un);
		} else {
			/* The whole iteration, key by key. */
			int n = 0;

			ke = kbpf_map_get_next_key(fd, NULL, kn);
			ue = ubee_map_get_next_key(m, NULL, un);
			while (!ke && !ue && n++ <= (int)me && t_ok()) {
				T_CHECK(!memcmp(kn, un, s.key_size),
					"op %d: iteration key %d differs", i,
					n);
				memcpy(k, kn, s.key_size);
				ke = kbpf_map_get_next_key(fd, k, kn);
				ue = ubee_map_get_next_key(m, k, un);
			}
		}
		T_CHECK(ke == ue, "op %d (kind %d, flags %llu): kernel %d, "
			"ubee %d", i, op, (unsigned long long)flags, ke, ue);
		T_CHECK(!memcmp(kv, uv, vs), "op %d: values differ", i);
		T_CHECK(!memcmp(kn, un, s.key_size), "op %d: next keys differ",
			i);
	}
	t_map_both_free(fd, m);
}

static void lpm_random(void)
{
	if (skip_unless_kernel())
		return;
	lpm_case(1, 4, 12, 20000, 1);
	lpm_case(2, 8, 40, 30000, 2);
	lpm_case(3, 5, 100, 30000, 3);
	lpm_case(4, 16, 1000, 20000, 4);
	lpm_case(16, 4, 30, 10000, 5);
}

/* ---- queue and stack ---------------------------------------------------- */

static void queue_case(uint32_t type, uint32_t vs, uint32_t me, int ops,
		       unsigned seed)
{
	struct ubee_map_spec s = {
		.type = type, .value_size = vs, .max_entries = me,
	};
	uint8_t kv[64], uv[64], v[64], key[8] = { 0 };
	struct ubee_map *m;
	int fd;

	if (t_map_both_create(&s, &fd, &m))
		return;
	srand(seed);
	for (int i = 0; i < ops && t_ok(); i++) {
		int op = rand() % 10, ke, ue;
		uint64_t flags = (uint64_t)(rand() % 5 == 0 ? rand() % 6 :
					    rand() % 3 == 0 ? 2 :
							      0);

		for (uint32_t j = 0; j < vs; j++)
			v[j] = (uint8_t)rand();
		memset(kv, 0xa1, sizeof(kv));
		memset(uv, 0xa1, sizeof(uv));
		if (op < 4) {
			ke = kbpf_map_update(fd, NULL, v, flags);
			ue = rand() % 2 ? ubee_map_update(m, NULL, v, flags) :
					  ubee_map_push(m, v, flags);
		} else if (op < 6) {
			ke = kbpf_map_lookup_and_delete(fd, NULL, kv);
			ue = ubee_map_pop(m, uv);
		} else if (op < 8) {
			ke = kbpf_map_lookup(fd, NULL, kv);
			ue = rand() % 2 ? ubee_map_lookup(m, NULL, uv) :
					  ubee_map_peek(m, uv);
		} else if (op < 9) {
			ke = kbpf_map_delete(fd, NULL);
			ue = ubee_map_delete(m, NULL);
		} else {
			ke = kbpf_map_get_next_key(fd, NULL, key);
			ue = ubee_map_get_next_key(m, NULL, key);
		}
		T_CHECK(ke == ue, "op %d (kind %d, flags %llu): kernel %d, "
			"ubee %d", i, op, (unsigned long long)flags, ke, ue);
		T_CHECK(!memcmp(kv, uv, vs), "op %d: values differ", i);
	}
	t_map_both_free(fd, m);
}

static void queue_random(void)
{
	if (skip_unless_kernel())
		return;
	queue_case(BPF_MAP_TYPE_QUEUE, 4, 1, 5000, 11);
	queue_case(BPF_MAP_TYPE_QUEUE, 8, 7, 20000, 12);
	queue_case(BPF_MAP_TYPE_QUEUE, 13, 64, 20000, 13);
}

static void stack_random(void)
{
	if (skip_unless_kernel())
		return;
	queue_case(BPF_MAP_TYPE_STACK, 4, 1, 5000, 21);
	queue_case(BPF_MAP_TYPE_STACK, 8, 7, 20000, 22);
	queue_case(BPF_MAP_TYPE_STACK, 13, 64, 20000, 23);
}

/* ---- bloom filter ------------------------------------------------------- */

static void bloom_case(uint32_t vs, uint32_t me, uint64_t hashes, int ops,
		       unsigned seed)
{
	struct ubee_map_spec s = {
		.type = BPF_MAP_TYPE_BLOOM_FILTER, .value_size = vs,
		.max_entries = me, .map_flags = BPF_F_ZERO_SEED,
		.map_extra = hashes,
	};
	uint8_t v[64], key[8] = { 0 };
	struct ubee_map *m;
	int fd, present = 0, absent = 0;

	if (t_map_both_create(&s, &fd, &m))
		return;
	srand(seed);
	for (int i = 0; i < ops && t_ok(); i++) {
		int op = rand() % 10, ke, ue;
		uint64_t flags = (uint64_t)(rand() % 8 == 0 ? rand() % 5 : 0);

		/* Values from a small space, so tests hit pushed ones too. */
		memset(v, 0, sizeof(v));
		for (uint32_t j = 0; j < vs && j < 3; j++)
			v[j] = (uint8_t)(rand() % 16);
		v[vs - 1] ^= (uint8_t)(rand() % 4);
		if (op < 3) {
			ke = kbpf_map_update(fd, NULL, v, flags);
			ue = rand() % 2 ? ubee_map_update(m, NULL, v, flags) :
					  ubee_map_push(m, v, flags);
		} else if (op < 9) {
			ke = kbpf_map_lookup(fd, NULL, v);
			ue = rand() % 2 ? ubee_map_lookup(m, NULL, v) :
					  ubee_map_peek(m, v);
			present += !ke;
			absent += ke == -ENOENT;
		} else if (rand() % 2) {
			ke = kbpf_map_delete(fd, NULL);
			ue = ubee_map_delete(m, NULL);
		} else {
			ke = kbpf_map_get_next_key(fd, NULL, key);
			ue = ubee_map_get_next_key(m, NULL, key);
		}
		T_CHECK(ke == ue, "op %d (kind %d, flags %llu): kernel %d, "
			"ubee %d", i, op, (unsigned long long)flags, ke, ue);
	}
	/* Meaningful only if both answers came up. */
	T_CHECK(present > 0 && absent > 0, "%d present, %d absent answers",
		present, absent);
	t_map_both_free(fd, m);
}

static void bloom_random(void)
{
	if (skip_unless_kernel())
		return;
	bloom_case(4, 20, 0, 3000, 31);
	bloom_case(8, 50, 1, 3000, 32);
	bloom_case(3, 30, 3, 3000, 33);
	bloom_case(13, 100, 15, 3000, 34);
	bloom_case(12, 1, 2, 1000, 35);
	bloom_case(64, 500, 5, 3000, 36);
	bloom_case(1, 4, 7, 1000, 37);
}

/* ---- ring buffer layout --------------------------------------------------- */

#define RB_SIZES 6
#define INSN(c, d, s_, o, i)                                                  \
	(struct bpf_insn)                                                     \
	{                                                                     \
		.code = (c), .dst_reg = (d), .src_reg = (s_), .off = (o),     \
		.imm = (i)                                                    \
	}

static void ringbuf_layout(void)
{
	static const uint32_t sizes[RB_SIZES] = { 5, 16, 1, 8, 13, 0 };
	struct ubee_map_spec s = { .type = BPF_MAP_TYPE_RINGBUF,
				   .max_entries = 4096 };
	struct bpf_insn prog[4 + RB_SIZES * 7], *p = prog;
	size_t page = (size_t)sysconf(_SC_PAGESIZE), kspan = 0, out_len;
	uint8_t pkt[64] = { 0 }, out[64], stack[16], *kmem = MAP_FAILED;
	uint8_t *umem;
	uint64_t lo = 0x11223344, hi = (uint64_t)(int64_t)-0x55667788;
	uint64_t kprod, uprod;
	struct ubee_map *m;
	int fd, pfd = -1, err;
	uint32_t ret;
	char log[4096];

	if (skip_unless_kernel())
		return;
	if (t_map_both_create(&s, &fd, &m))
		return;
	/* Stack: 16 known bytes at r10 - 16, the source of every record. */
	*p++ = INSN(BPF_ST | BPF_MEM | BPF_DW, 10, 0, -16, (int32_t)lo);
	*p++ = INSN(BPF_ST | BPF_MEM | BPF_DW, 10, 0, -8, (int32_t)hi);
	for (int i = 0; i < RB_SIZES; i++) {
		*p++ = INSN(BPF_LD | BPF_DW | BPF_IMM, 1, BPF_PSEUDO_MAP_FD, 0,
			    fd);
		*p++ = INSN(0, 0, 0, 0, 0);
		*p++ = INSN(BPF_ALU64 | BPF_MOV | BPF_X, 2, 10, 0, 0);
		*p++ = INSN(BPF_ALU64 | BPF_ADD | BPF_K, 2, 0, 0, -16);
		*p++ = INSN(BPF_ALU64 | BPF_MOV | BPF_K, 3, 0, 0,
			    (int32_t)sizes[i]);
		*p++ = INSN(BPF_ALU64 | BPF_MOV | BPF_K, 4, 0, 0, 0);
		*p++ = INSN(BPF_JMP | BPF_CALL, 0, 0, 0,
			    BPF_FUNC_ringbuf_output);
	}
	*p++ = INSN(BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, 0);
	*p++ = INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
	pfd = kbpf_prog_load(BPF_PROG_TYPE_XDP, prog, (size_t)(p - prog), log,
			     sizeof(log));
	if (pfd < 0) {
		t_skip("kernel refused the ring buffer program (%d): %s", pfd,
		       log);
		goto out;
	}
	out_len = sizeof(out);
	err = kbpf_test_run(pfd, pkt, sizeof(pkt), out, &out_len, &ret);
	T_EQ_U64(err, 0);
	/* What the kernel maps read-only: producer page, data twice. */
	kspan = page + 2 * s.max_entries;
	kmem = mmap(NULL, kspan, PROT_READ, MAP_SHARED, fd, (off_t)page);
	T_CHECK(kmem != MAP_FAILED, "mmap of the kernel ring buffer");
	if (kmem == MAP_FAILED)
		goto out;
	memcpy(stack, &lo, 8);
	memcpy(stack + 8, &hi, 8);
	for (int i = 0; i < RB_SIZES; i++)
		T_EQ_U64(ubee_ringbuf_output(m, stack, sizes[i], 0), 0);
	umem = (uint8_t *)ubee_ringbuf_area(m) + page;
	memcpy(&kprod, kmem, 8);
	memcpy(&uprod, umem, 8);
	T_EQ_U64(uprod, kprod);
	T_EQ_U64(ubee_ringbuf_query(m, UBEE_RB_PROD_POS), kprod);
	/*
	 * Where the kernel keeps a record's page offset (read only by its own
	 * submit), ubee keeps the producer's pid (ringbuf.c: a dead
	 * producer's record is skipped): check it, then compare the rest.
	 */
	for (uint64_t pos = 0; kprod < s.max_entries && pos + 8 <= kprod;) {
		uint32_t len, pid;

		memcpy(&len, umem + page + pos, 4);
		memcpy(&pid, umem + page + pos + 4, 4);
		T_EQ_U64(pid, getpid());
		memcpy(umem + page + pos + 4, kmem + page + pos + 4, 4);
		pos += ((uint64_t)(len & 0x3fffffffu) + 8 + 7) & ~7ull;
	}
	T_CHECK(kprod < s.max_entries &&
			!memcmp(kmem + page, umem + page, (size_t)kprod),
		"ring buffer bytes differ (first header: kernel %08x %08x, "
		"ubee %08x %08x)",
		*(uint32_t *)(kmem + page), *(uint32_t *)(kmem + page + 4),
		*(uint32_t *)(umem + page), *(uint32_t *)(umem + page + 4));
out:
	if (kmem != MAP_FAILED)
		munmap(kmem, kspan);
	if (pfd >= 0)
		close(pfd);
	t_map_both_free(fd, m);
}

int main(void)
{
	T_RUN(create_specs);
	T_RUN(lpm_random);
	T_RUN(queue_random);
	T_RUN(stack_random);
	T_RUN(bloom_random);
	T_RUN(ringbuf_layout);
	return t_summary();
}

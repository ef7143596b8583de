// SPDX-License-Identifier: MIT
/*
 * The interpreter: four engines compiled from one loop (interp_body.h),
 * {unchecked, checked} x {computed goto, switch}, and what they share:
 * the arithmetic with eBPF's edge cases (division by zero, INT_MIN / -1),
 * byte order, unaligned-safe memory access, legacy packet loads and the
 * checked mode's fault reports and helper argument checks.
 *
 * Unchecked code is only for verified (or explicitly trusted) programs:
 * it does what the instructions say with no questions, like the kernel's
 * interpreter. Checked code is for everything else: no access leaves the
 * regions of the run and no run exceeds its instruction budget.
 */
#include <errno.h>
#include <string.h>

#include "maps/maps.h"
#include "util/util.h"
#include "vm/vm.h"

/* What EXIT of a frame restores. */
struct interp_frame {
	uint64_t saved[5]; /* r6-r10 of the caller */
	const struct ubee_dinsn *ret;
	const struct ubee_prog *prog;
};

/* Reasons mem_fault reports; 1 and 2 are ubee_vm_region_check's. */
enum { FAULT_OOB = 1, FAULT_READ_ONLY = 2, FAULT_MISALIGNED = 3 };

/* Signed division as eBPF defines it: no traps, INT_MIN / -1 = INT_MIN. */
static inline uint64_t sdiv64(uint64_t a, uint64_t b)
{
	if (!b)
		return 0;
	if (b == UINT64_MAX)
		return -a;
	return (uint64_t)((int64_t)a / (int64_t)b);
}

/* Signed modulo: x % 0 = x, INT_MIN % -1 = 0; the sign follows x. */
static inline uint64_t smod64(uint64_t a, uint64_t b)
{
	if (!b)
		return a;
	if (b == UINT64_MAX)
		return 0;
	return (uint64_t)((int64_t)a % (int64_t)b);
}

static inline uint64_t sdiv32(uint32_t a, uint32_t b)
{
	if (!b)
		return 0;
	if (b == UINT32_MAX)
		return (uint32_t)-a;
	return (uint32_t)((int32_t)a / (int32_t)b);
}

static inline uint64_t smod32(uint32_t a, uint32_t b)
{
	if (!b)
		return a;
	if (b == UINT32_MAX)
		return 0;
	return (uint32_t)((int32_t)a % (int32_t)b);
}

#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
static inline uint64_t to_le16(uint16_t x) { return x; }
static inline uint64_t to_le32(uint32_t x) { return x; }
static inline uint64_t to_le64(uint64_t x) { return x; }
static inline uint64_t to_be16(uint16_t x) { return __builtin_bswap16(x); }
static inline uint64_t to_be32(uint32_t x) { return __builtin_bswap32(x); }
static inline uint64_t to_be64(uint64_t x) { return __builtin_bswap64(x); }
#else
static inline uint64_t to_le16(uint16_t x) { return __builtin_bswap16(x); }
static inline uint64_t to_le32(uint32_t x) { return __builtin_bswap32(x); }
static inline uint64_t to_le64(uint64_t x) { return __builtin_bswap64(x); }
static inline uint64_t to_be16(uint16_t x) { return x; }
static inline uint64_t to_be32(uint32_t x) { return x; }
static inline uint64_t to_be64(uint64_t x) { return x; }
#endif

/* Programs may access memory at any alignment: go through memcpy. */
#define LDST(bits)                                                            \
	static inline uint64_t ld_u##bits(uint64_t a)                         \
	{                                                                     \
		uint##bits##_t v;                                             \
		memcpy(&v, (const void *)(uintptr_t)a, sizeof(v));            \
		return v;                                                     \
	}                                                                     \
	static inline void st_u##bits(uint64_t a, uint##bits##_t v)          \
	{                                                                     \
		memcpy((void *)(uintptr_t)a, &v, sizeof(v));                  \
	}
LDST(8)
LDST(16)
LDST(32)
LDST(64)
#undef LDST

/*
 * r0 = big-endian value of size bytes at pkt[off]. Returns -1 when that
 * is outside the packet: the program then ends with r0 = 0.
 */
static inline int pkt_load(const struct ubee_run *run, int32_t off,
			   unsigned size, uint64_t *out)
{
	const uint8_t *p;

	if (off < 0 || (uint64_t)off + size > run->pkt_size)
		return -1;
	p = (const uint8_t *)run->pkt + off;
	switch (size) {
	case 1:
		*out = p[0];
		break;
	case 2:
		*out = (uint64_t)p[0] << 8 | p[1];
		break;
	default:
		*out = (uint64_t)p[0] << 24 | (uint64_t)p[1] << 16 |
		       (uint64_t)p[2] << 8 | p[3];
		break;
	}
	return 0;
}

__attribute__((cold, noinline)) static void
mem_fault(const struct ubee_run *run, size_t idx, uint64_t addr, int size,
	  int write, int why, unsigned reg, int off)
{
	unsigned long long a = (unsigned long long)addr;

	if (why == FAULT_READ_ONLY)
		ubee_logf(run->log,
			  "%zu: write of %d bytes to read-only memory at 0x%llx (r%u + %d)",
			  idx, size, a, reg, off);
	else if (why == FAULT_MISALIGNED)
		ubee_logf(run->log,
			  "%zu: misaligned atomic access of %d bytes at 0x%llx (r%u + %d)",
			  idx, size, a, reg, off);
	else
		ubee_logf(run->log,
			  "%zu: out-of-bounds %s of %d bytes at 0x%llx (r%u + %d)",
			  idx, write ? "write" : "read", size, a, reg, off);
}

/* Log an argument outside the regions; why is ubee_vm_region_check's. */
__attribute__((cold, noinline)) static int
arg_fault(const struct ubee_run *run, const struct ubee_helper *h, size_t idx,
	  int argno, uint64_t p, uint64_t size, int write, int why)
{
	if (why == FAULT_READ_ONLY)
		ubee_logf(run->log,
			  "%zu: %s arg%d: write of %llu bytes to read-only memory at 0x%llx",
			  idx, h->name, argno, (unsigned long long)size,
			  (unsigned long long)p);
	else
		ubee_logf(run->log,
			  "%zu: %s arg%d: out-of-bounds %s of %llu bytes at 0x%llx",
			  idx, h->name, argno, write ? "write" : "read",
			  (unsigned long long)size, (unsigned long long)p);
	return -EFAULT;
}

/*
 * Checked mode, before a helper call: memory arguments with a size
 * argument must lie inside the regions (readable, or writable for
 * uninitialised memory the helper fills); map arguments must be maps of
 * the program (or inner maps the run was handed), and keys and values
 * after them must hold the map's key_size / value_size readable bytes;
 * other pointers must at least point into some region, ctx must be the
 * run's ctx, callbacks must be callback entries. Returns 0 or -EFAULT
 * after one log line.
 */
__attribute__((noinline)) static int
check_helper_args(const struct ubee_run *run, const struct ubee_helper *h,
		  const uint64_t *reg, size_t idx, unsigned depth)
{
	const struct ubee_map *map = NULL;

	for (int i = 0; i < 5 && h->args[i] != UBEE_ARG_NONE; i++) {
		uint64_t p = reg[1 + i], size;
		uintptr_t lo;
		int kind = h->args[i], write, why;

		switch (kind) {
		case UBEE_ARG_PTR_TO_MEM_OR_NULL:
			if (!p) {
				i++; /* NULL with any size: the helper's case */
				continue;
			}
			/* fall through */
		case UBEE_ARG_PTR_TO_MEM:
		case UBEE_ARG_PTR_TO_MEM_RDONLY:
		case UBEE_ARG_PTR_TO_UNINIT_MEM:
			if (i == 4 || (h->args[i + 1] != UBEE_ARG_CONST_SIZE &&
				       h->args[i + 1] != UBEE_ARG_CONST_SIZE_OR_ZERO))
				goto somewhere;
			size = reg[2 + i];
			write = kind == UBEE_ARG_PTR_TO_UNINIT_MEM;
			i++; /* the size argument is checked here */
			if (!size) {
				if (h->args[i] == UBEE_ARG_CONST_SIZE_OR_ZERO)
					continue;
				ubee_logf(run->log, "%zu: %s arg%d: size must not be 0",
					  idx, h->name, i + 1);
				return -EFAULT;
			}
			why = ubee_vm_region_check(run, p, size, write, depth);
			if (why)
				return arg_fault(run, h, idx, i, p, size, write, why);
			break;
		case UBEE_ARG_CONST_MAP_PTR:
			if (!ubee_vm_map_ok(run, (const void *)(uintptr_t)p)) {
				ubee_logf(run->log,
					  "%zu: %s arg%d: 0x%llx is not a map of this program",
					  idx, h->name, i + 1, (unsigned long long)p);
				return -EFAULT;
			}
			map = (const struct ubee_map *)(uintptr_t)p;
			break;
		case UBEE_ARG_PTR_TO_MAP_KEY:
		case UBEE_ARG_PTR_TO_MAP_VALUE:
		case UBEE_ARG_PTR_TO_UNINIT_MAP_VALUE:
			/* Without a map before it, the helper knows the size. */
			if (!map)
				goto somewhere;
			size = kind == UBEE_ARG_PTR_TO_MAP_KEY ? map->key_size :
								 map->value_size;
			if (!size)
				goto somewhere;
			write = kind == UBEE_ARG_PTR_TO_UNINIT_MAP_VALUE;
			why = ubee_vm_region_check(run, p, size, write, depth);
			if (why)
				return arg_fault(run, h, idx, i + 1, p, size, write,
						 why);
			break;
		case UBEE_ARG_PTR_TO_LONG:
		case UBEE_ARG_PTR_TO_INT:
			size = kind == UBEE_ARG_PTR_TO_LONG ? 8 : 4;
			why = ubee_vm_region_check(run, p, size, 1, depth);
			if (why)
				return arg_fault(run, h, idx, i + 1, p, size, 1, why);
			break;
		case UBEE_ARG_PTR_TO_SPIN_LOCK:
		case UBEE_ARG_PTR_TO_CONST_STR:
		case UBEE_ARG_PTR_TO_RINGBUF_MEM:
		somewhere:
			/* The helper knows the size; it must be in a region. */
			if (ubee_vm_region_check(run, p, 1, 0, depth)) {
				ubee_logf(run->log,
					  "%zu: %s arg%d: pointer 0x%llx is outside every region",
					  idx, h->name, i + 1, (unsigned long long)p);
				return -EFAULT;
			}
			break;
		case UBEE_ARG_PTR_TO_STACK:
		case UBEE_ARG_PTR_TO_STACK_OR_NULL:
			/* NULL or into the frames of this run. */
			lo = run->stack_top - (uintptr_t)(depth + 1) * UBEE_STACK_SIZE;
			if (p && (p < lo || p >= run->stack_top)) {
				ubee_logf(run->log,
					  "%zu: %s arg%d: pointer 0x%llx is not on the stack",
					  idx, h->name, i + 1, (unsigned long long)p);
				return -EFAULT;
			}
			break;
		case UBEE_ARG_PTR_TO_CTX_OR_NULL:
			if (!p)
				break;
			/* fall through */
		case UBEE_ARG_PTR_TO_CTX:
			if (p != (uintptr_t)run->ctx) {
				ubee_logf(run->log, "%zu: %s arg%d: 0x%llx is not the ctx",
					  idx, h->name, i + 1, (unsigned long long)p);
				return -EFAULT;
			}
			break;
		case UBEE_ARG_PTR_TO_FUNC:
			if (!ubee_vm_is_func(run->prog, p)) {
				ubee_logf(run->log,
					  "%zu: %s arg%d: 0x%llx is not a callback of this program",
					  idx, h->name, i + 1, (unsigned long long)p);
				return -EFAULT;
			}
			break;
		default:
			/* Scalars and sizes without memory. */
			break;
		}
	}
	return 0;
}

#define INTERP_FN interp_fast_goto
#define INTERP_CHECKED 0
#define INTERP_THREADED 1
#include "vm/interp_body.h"
#undef INTERP_FN
#undef INTERP_CHECKED
#undef INTERP_THREADED

#define INTERP_FN interp_fast_switch
#define INTERP_CHECKED 0
#define INTERP_THREADED 0
#include "vm/interp_body.h"
#undef INTERP_FN
#undef INTERP_CHECKED
#undef INTERP_THREADED

#define INTERP_FN interp_checked_goto
#define INTERP_CHECKED 1
#define INTERP_THREADED 1
#include "vm/interp_body.h"
#undef INTERP_FN
#undef INTERP_CHECKED
#undef INTERP_THREADED

#define INTERP_FN interp_checked_switch
#define INTERP_CHECKED 1
#define INTERP_THREADED 0
#include "vm/interp_body.h"
#undef INTERP_FN
#undef INTERP_CHECKED
#undef INTERP_THREADED

typedef int (*interp_fn)(struct ubee_run *run, const struct ubee_dinsn *start,
			 const uint64_t args[5], unsigned depth, uint64_t *r0);

int ubee_interp_exec(struct ubee_run *run, const struct ubee_dinsn *start,
		     const uint64_t args[5], unsigned depth, uint64_t *r0)
{
	/* [checked][switch] */
	static const interp_fn engines[2][2] = {
		{ interp_fast_goto, interp_fast_switch },
		{ interp_checked_goto, interp_checked_switch },
	};

	return engines[!!run->checked][!!run->use_switch](run, start, args,
							   depth, r0);
}

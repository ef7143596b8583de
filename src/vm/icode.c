// SPDX-License-Identifier: MIT
/*
 * The direct-threaded interpreter's code: each slot of prog->code becomes
 * a struct ubee_icode holding its handler's address, so that a dispatch
 * is one indirect jump with no table lookup, and its registers as whole
 * bytes, so that no handler unpacks the dst/src nibbles. Slots keep their
 * indexes: jumps, call targets and error reports mean the same in both.
 */
#include <errno.h>

#include "util/util.h"
#include "vm/vm.h"

int ubee_interp_prepare(struct ubee_prog *prog)
{
	const void *const *h = ubee_interp_handlers();
	const struct ubee_dinsn *code = prog->code;
	struct ubee_icode *ic;

	ic = ubee_calloc(prog->cnt, sizeof(*ic));
	if (!ic)
		return -ENOMEM;
	for (size_t i = 0; i < prog->cnt; i++) {
		/* op UBEE_OP__COUNT: an lddw's second slot (never run) */
		ic[i].h = h[code[i].op < UBEE_OP__COUNT ? code[i].op :
							  UBEE_OP__COUNT];
		ic[i].dst = code[i].dst;
		ic[i].src = code[i].src;
		ic[i].off = code[i].off;
		ic[i].imm = code[i].imm;
	}
	prog->icode = ic;
	return 0;
}

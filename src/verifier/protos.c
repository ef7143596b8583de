// SPDX-License-Identifier: MIT
/*
 * Kernel helper prototypes for offline verification (UBEE_PROG_VERIFY_ONLY):
 * helpers the kernel has and ubee does not implement.
 */
#include "verifier/verifier.h"

const struct ubee_helper *ubee_vproto_find(int32_t id)
{
	(void)id;
	return NULL;
}

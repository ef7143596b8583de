// SPDX-License-Identifier: MIT
/*
 * Recorded facts (see verifier.h): owned by the program that recorded
 * them, freed with it.
 */
#include "util/util.h"
#include "verifier/verifier.h"

void ubee_vfacts_free(struct ubee_vfacts *f)
{
	if (!f)
		return;
	ubee_free(f->regs);
	ubee_free(f);
}

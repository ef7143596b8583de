// SPDX-License-Identifier: MIT
/* The engine configurations every test runs (see engines.h). */
#include "engines.h"

const struct t_engine t_engines[] = {
	{ "interp", UBEE_ENGINE_INTERP, UBEE_RUN_TRUSTED, 0 },
	{ "interp-switch", UBEE_ENGINE_INTERP, UBEE_RUN_TRUSTED | UBEE_RUN_SWITCH, 0 },
	{ "checked", UBEE_ENGINE_INTERP, UBEE_RUN_CHECKED, 1 },
	{ "checked-switch", UBEE_ENGINE_INTERP, UBEE_RUN_CHECKED | UBEE_RUN_SWITCH, 1 },
	{ "jit", UBEE_ENGINE_JIT, UBEE_RUN_TRUSTED, 0 },
};
const size_t t_nr_engines = sizeof(t_engines) / sizeof(t_engines[0]);

int t_engine_built(const struct t_engine *e)
{
	return ubee_engine_available(e->engine);
}

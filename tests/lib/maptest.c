// SPDX-License-Identifier: MIT
/* Helpers the map tests share (see maptest.h). */
#include <errno.h>
#include <unistd.h>

#include "kbpf.h"
#include "maptest.h"
#include "test.h"
#include "util/util.h"

uint64_t t_rnd(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 0x2545f4914f6cdd1dull;
}

struct ubee_map *t_map_new(uint32_t type, uint32_t ks, uint32_t vs,
			   uint32_t max, uint32_t flags, uint64_t extra)
{
	struct ubee_map_spec s = {
		.sz = sizeof(s), .type = type, .key_size = ks,
		.value_size = vs, .max_entries = max, .map_flags = flags,
		.map_extra = extra,
	};

	return ubee_map_new(&s, NULL);
}

int t_map_err(uint32_t type, uint32_t ks, uint32_t vs, uint32_t max,
	      uint32_t flags, uint64_t extra)
{
	struct ubee_map *m = t_map_new(type, ks, vs, max, flags, extra);

	if (!m)
		return -errno;
	ubee_map_put(m);
	return 0;
}

long t_map_alloc_walk(uint32_t type, uint32_t ks, uint32_t vs, uint32_t max,
		      long max_n)
{
	struct ubee_map *m = NULL;
	long n;

	for (n = 0; n < max_n && !m; n++) {
		ubee_fail_alloc_after(n);
		errno = 0;
		m = t_map_new(type, ks, vs, max, 0, 0);
		ubee_fail_alloc_after(-1);
		if (!m)
			T_CHECK(errno == ENOMEM, "type %u, n %ld: errno %d", type,
				n, errno);
	}
	if (!m)
		return 0;
	ubee_map_put(m);
	return n;
}

int t_map_both_create(struct ubee_map_spec *s, int *fd, struct ubee_map **m)
{
	const char *name = ubee_map_type_name(s->type);
	int ke, ue;

	s->sz = sizeof(*s);
	*fd = kbpf_map_create_extra(s->type, s->key_size, s->value_size,
				    s->max_entries, s->map_flags, s->map_extra);
	*m = ubee_map_new(s, NULL);
	ke = *fd < 0 ? *fd : 0;
	ue = *m ? 0 : -errno;
	T_CHECK(ke == ue,
		"create %s key %u value %u max %u flags 0x%x extra 0x%llx: "
		"kernel %d, ubee %d",
		name ? name : "?", s->key_size, s->value_size, s->max_entries,
		s->map_flags, (unsigned long long)s->map_extra, ke, ue);
	if (ke || ue) {
		t_map_both_free(*fd, *m);
		*fd = -1;
		*m = NULL;
		return -1;
	}
	return 0;
}

void t_map_both_free(int fd, struct ubee_map *m)
{
	if (fd >= 0)
		close(fd);
	ubee_map_put(m);
}

// SPDX-License-Identifier: MIT
/*
 * A map's BTF, kept for pretty printing: raw bytes copied in (and written
 * into the map file when pinned), parsed on demand. The loader hands its
 * parsed BTF, whose DATASECs it fixed up, so it is encoded back to the
 * raw format here (header, type words, strings, little-endian); `prog
 * load` encodes the object's BTF the same way for the program file.
 */
#include <errno.h>
#include <string.h>

#include "btf/btf_int.h"
#include "pin/pin.h"
#include "util/util.h"

#define BTF_MAGIC 0xeB9Fu

int ubee_map_set_btf(struct ubee_map *map, const void *btf, size_t size,
		     uint32_t key_type_id, uint32_t value_type_id)
{
	struct ubee_map_pin *pin;
	struct ubee_btf *parsed;
	void *copy;
	int err;

	if (!map || !btf || !size)
		return -EINVAL;
	if (map->pin && map->pin->path)
		return -EBUSY;
	err = ubee_btf_parse(btf, size, &parsed, NULL);
	if (err)
		return err;
	if (key_type_id >= ubee_btf_type_count(parsed) ||
	    value_type_id >= ubee_btf_type_count(parsed)) {
		ubee_btf_free(parsed);
		return -EINVAL;
	}
	pin = ubee_map_pin_state(map);
	copy = ubee_malloc(size);
	if (!pin || !copy) {
		ubee_free(copy);
		ubee_btf_free(parsed);
		return -ENOMEM;
	}
	memcpy(copy, btf, size);
	ubee_btf_free(pin->btf);
	ubee_free(pin->btf_raw);
	pin->btf = parsed;
	pin->btf_raw = copy;
	pin->btf_size = size;
	pin->btf_key_id = key_type_id;
	pin->btf_value_id = value_type_id;
	return 0;
}

int ubee_map_btf(struct ubee_map *map, const struct ubee_btf **btf,
		 uint32_t *key_type_id, uint32_t *value_type_id)
{
	if (!map || !btf)
		return -EINVAL;
	if (!map->pin || !map->pin->btf)
		return -ENOENT;
	*btf = map->pin->btf;
	if (key_type_id)
		*key_type_id = map->pin->btf_key_id;
	if (value_type_id)
		*value_type_id = map->pin->btf_value_id;
	return 0;
}

static void put32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)v;
	p[1] = (unsigned char)(v >> 8);
	p[2] = (unsigned char)(v >> 16);
	p[3] = (unsigned char)(v >> 24);
}

int ubee_pin_btf_raw(const struct ubee_btf *btf, void **raw, size_t *size)
{
	size_t tlen, n;
	unsigned char *p;

	*raw = NULL;
	*size = 0;
	if (!btf)
		return -EINVAL;
	tlen = (size_t)btf->nwords * 4;
	n = BTF_HDR_SIZE + tlen + btf->str_len;
	p = ubee_malloc(n);
	if (!p)
		return -ENOMEM;
	put32(p, BTF_MAGIC | 1u << 16);      /* magic, version 1, flags 0 */
	put32(p + 4, BTF_HDR_SIZE);
	put32(p + 8, 0);                     /* type_off */
	put32(p + 12, (uint32_t)tlen);       /* type_len */
	put32(p + 16, (uint32_t)tlen);       /* str_off */
	put32(p + 20, btf->str_len);
	for (uint32_t i = 0; i < btf->nwords; i++)
		put32(p + BTF_HDR_SIZE + (size_t)i * 4, btf->words[i]);
	memcpy(p + BTF_HDR_SIZE + tlen, btf->strs, btf->str_len);
	*raw = p;
	*size = n;
	return 0;
}

int ubee_map_set_btf_obj(struct ubee_map *map, const struct ubee_btf *btf,
			 uint32_t key_type_id, uint32_t value_type_id)
{
	void *raw;
	size_t size;
	int err;

	err = ubee_pin_btf_raw(btf, &raw, &size);
	if (err)
		return err;
	err = ubee_map_set_btf(map, raw, size, key_type_id, value_type_id);
	ubee_free(raw);
	return err;
}

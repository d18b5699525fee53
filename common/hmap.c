/*
 * hmap.c - open-addressing u64 -> u64 map with linear probing (hmap.h).
 */
#include "common/hmap.h"

#include <errno.h>
#include <stdlib.h>

static size_t slot_of(uint64_t key, size_t cap)
{
	uint64_t h = key * 0x9e3779b97f4a7c15ull;
	return (size_t)(h >> 17) & (cap - 1);
}

void hmap_init(struct hp_hmap *m)
{
	m->keys = NULL;
	m->vals = NULL;
	m->cap = 0;
	m->len = 0;
}

void hmap_release(struct hp_hmap *m)
{
	free(m->keys);
	free(m->vals);
	hmap_init(m);
}

int hmap_get(const struct hp_hmap *m, uint64_t key, uint64_t *val)
{
	if (!m->cap)
		return 0;
	for (size_t i = slot_of(key, m->cap);; i = (i + 1) & (m->cap - 1)) {
		if (m->keys[i] == key) {
			*val = m->vals[i];
			return 1;
		}
		if (!m->keys[i])
			return 0;
	}
}

static void put_slot(struct hp_hmap *m, uint64_t key, uint64_t val)
{
	size_t i = slot_of(key, m->cap);
	while (m->keys[i] && m->keys[i] != key)
		i = (i + 1) & (m->cap - 1);
	if (!m->keys[i])
		m->len++;
	m->keys[i] = key;
	m->vals[i] = val;
}

static int grow(struct hp_hmap *m)
{
	struct hp_hmap n;
	n.cap = m->cap ? m->cap * 2 : 64;
	n.len = 0;
	n.keys = calloc(n.cap, sizeof(*n.keys));
	n.vals = malloc(n.cap * sizeof(*n.vals));
	if (!n.keys || !n.vals) {
		free(n.keys);
		free(n.vals);
		return -ENOMEM;
	}
	for (size_t i = 0; i < m->cap; i++)
		if (m->keys[i])
			put_slot(&n, m->keys[i], m->vals[i]);
	free(m->keys);
	free(m->vals);
	*m = n;
	return 0;
}

int hmap_put(struct hp_hmap *m, uint64_t key, uint64_t val)
{
	if ((m->len + 1) * 4 >= m->cap * 3) {
		int err = grow(m);
		if (err)
			return err;
	}
	put_slot(m, key, val);
	return 0;
}

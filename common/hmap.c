/*
 * hmap.c - open-addressing u64 -> u64 map with linear probing (hmap.h).
 */
#include "common/hmap.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

static size_t slot_of(uint64_t key, size_t cap)
{
	uint64_t h = key * 0x9e3779b97f4a7c15ull;
	return (size_t)(h >> 17) & (cap - 1);
}

void hmap_init(struct hp_hmap *m)
{
	m->slots = NULL;
	m->cap = 0;
	m->len = 0;
}

void hmap_release(struct hp_hmap *m)
{
	free(m->slots);
	hmap_init(m);
}

int hmap_get(const struct hp_hmap *m, uint64_t key, uint64_t *val)
{
	if (!m->cap)
		return 0;
	for (size_t i = slot_of(key, m->cap);; i = (i + 1) & (m->cap - 1)) {
		const struct hp_hmap_slot *s = &m->slots[i];
		if (s->key == key) {
			*val = s->val;
			return 1;
		}
		if (!s->key)
			return 0;
	}
}

static void put_slot(struct hp_hmap *m, uint64_t key, uint64_t val)
{
	size_t i = slot_of(key, m->cap);
	while (m->slots[i].key && m->slots[i].key != key)
		i = (i + 1) & (m->cap - 1);
	if (!m->slots[i].key)
		m->len++;
	m->slots[i].key = key;
	m->slots[i].val = val;
}

/* Zeroed slots. Tables of megabytes (millions of live blocks) ask for
 * transparent huge pages: random probes then miss the TLB far less, which
 * halved the cost per probe in a VM (nested paging makes TLB misses dear). */
static struct hp_hmap_slot *alloc_slots(size_t cap)
{
	size_t bytes = cap * sizeof(struct hp_hmap_slot), huge = 2u << 20;
	void *p;
	if (bytes < huge)
		return calloc(cap, sizeof(struct hp_hmap_slot));
	if (posix_memalign(&p, huge, bytes))
		return NULL;
	madvise(p, bytes, MADV_HUGEPAGE);
	memset(p, 0, bytes);
	return p;
}

static int grow(struct hp_hmap *m)
{
	struct hp_hmap n;
	n.cap = m->cap ? m->cap * 2 : 64;
	n.len = 0;
	n.slots = alloc_slots(n.cap);
	if (!n.slots)
		return -ENOMEM;
	for (size_t i = 0; i < m->cap; i++)
		if (m->slots[i].key)
			put_slot(&n, m->slots[i].key, m->slots[i].val);
	free(m->slots);
	*m = n;
	return 0;
}

int hmap_put(struct hp_hmap *m, uint64_t key, uint64_t val)
{
	/* at most 5/8 full: short probe chains for misses too */
	if ((m->len + 1) * 8 >= m->cap * 5) {
		int err = grow(m);
		if (err)
			return err;
	}
	put_slot(m, key, val);
	return 0;
}

/* Linear probing: after emptying slot i, move later entries of the same
 * probe run back so that no lookup stops early at the hole. */
int hmap_del(struct hp_hmap *m, uint64_t key, uint64_t *val)
{
	size_t mask = m->cap - 1, i;
	if (!m->cap)
		return 0;
	for (i = slot_of(key, m->cap); m->slots[i].key != key; i = (i + 1) & mask)
		if (!m->slots[i].key)
			return 0;
	if (val)
		*val = m->slots[i].val;
	for (size_t j = (i + 1) & mask; m->slots[j].key; j = (j + 1) & mask) {
		size_t home = slot_of(m->slots[j].key, m->cap);
		/* move j into the hole unless its home lies in (i, j] */
		int stays = i <= j ? (home > i && home <= j) : (home > i || home <= j);
		if (!stays) {
			m->slots[i] = m->slots[j];
			i = j;
		}
	}
	m->slots[i].key = 0;
	m->len--;
	return 1;
}

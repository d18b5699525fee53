/*
 * hmap.h - an open-addressing hash map from 64-bit keys to 64-bit values.
 *
 * Used to intern locations, stack nodes and symbols, and by the allocation
 * tracker for millions of live blocks: a key and its value share one slot
 * so that a probe costs one cache miss. Key 0 is reserved (mix a tag into
 * keys that may be 0). Not thread-safe.
 */
#ifndef HP_HMAP_H
#define HP_HMAP_H

#include <stddef.h>
#include <stdint.h>

struct hp_hmap_slot {
	uint64_t key;                 /* 0 = empty */
	uint64_t val;
};

struct hp_hmap {
	struct hp_hmap_slot *slots;
	size_t cap;                   /* power of two */
	size_t len;
};

void hmap_init(struct hp_hmap *m);
void hmap_release(struct hp_hmap *m);
/* Value for key in *val; returns 1 when found, 0 when not. */
int hmap_get(const struct hp_hmap *m, uint64_t key, uint64_t *val);
/* Insert or replace. Returns 0 or -ENOMEM. key must not be 0. */
int hmap_put(struct hp_hmap *m, uint64_t key, uint64_t val);
/* Remove key; returns 1 when it was there (its value in *val if val). */
int hmap_del(struct hp_hmap *m, uint64_t key, uint64_t *val);

/* Mix two 64-bit values into one well-distributed non-zero key. */
static inline uint64_t hmap_key2(uint64_t a, uint64_t b)
{
	uint64_t h = a * 0x9e3779b97f4a7c15ull ^ (b + 0x632be59bd9b4e019ull + (a << 6) + (a >> 2));
	h ^= h >> 31;
	h *= 0xbf58476d1ce4e5b9ull;
	h ^= h >> 29;
	return h ? h : 1;
}

/* FNV-1a of the string s up to its NUL or n bytes, whichever is first, as
 * a non-zero key (the one string hash of the analyzer's tables). */
static inline uint64_t hmap_strn_key(const char *s, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ull;
	for (size_t i = 0; i < n && s[i]; i++)
		h = (h ^ (unsigned char)s[i]) * 0x100000001b3ull;
	return h ? h : 1;
}

static inline uint64_t hmap_str_key(const char *s)
{
	return hmap_strn_key(s, (size_t)-1);
}

#endif

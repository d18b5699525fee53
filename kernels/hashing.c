/*
 * hp-hashing - open addressing with good and bad hash functions, High
 * Performance Python ch. 4 (dictionaries and sets, ex. 4-4 to 4-7).
 *
 * Lesson: a dictionary lookup is O(1) only when the hash spreads the keys.
 * With hash = 42 every key lands in one probe chain, and the probe loop and
 * the key compare in lookup() take the samples (book: 21.8x slower).
 *
 * The 676 keys "aa".."zz" go into a 2048-slot table with the book's probing
 * (i = 5*i + perturb + 1; perturb >>= 5); then "zz", the last key inserted,
 * is looked up --lookups times. Collision counts are exact and checked.
 */
#include "kernels/kcommon.h"

#include <stdio.h>
#include <stdlib.h>

#define NSLOTS 2048             /* 676 keys at <= 2/3 load: the book's 2048 */
#define NKEYS (26 * 26)
#define PERTURB_SHIFT 5

enum variant { V_BAD, V_FIRSTLETTER, V_PERFECT, V_FNV };

static const struct kvariant variants[] = {
	{ "bad", "hash = 42: all 676 keys in one probe chain (BadHash, ex. 4-7)" },
	{ "firstletter", "hash = the first letter: 26 keys per initial slot (ex. 4-5)" },
	{ "perfect", "(k2-'a') + 26*(k1-'a'): no collisions (twoletter_hash, ex. 4-6)" },
	{ "fnv", "FNV-1a 64-bit over the two bytes: a general-purpose hash" },
	{ NULL, NULL },
};

typedef uint64_t (*hash_fn)(const char *key);

struct slot {
	uint64_t hash;
	char key[2];
	bool used;
};

struct table {
	struct slot slots[NSLOTS];
	hash_fn hash;
	long insert_collisions;         /* occupied slots probed by all inserts */
	long initial_slots;             /* distinct hash & mask over the keys */
	bool initial_seen[NSLOTS];
};

/*
 * Exact collision counts (computed): inserting all keys, one lookup of "zz",
 * and how many distinct initial slots the keys hash to. For bad, key k walks
 * the k keys before it, plus the first two slots of the chain (42 and 253,
 * visited while perturb is nonzero) when the 5*i+1 cycle comes back to them.
 */
static const struct {
	long insert, lookup, initial_slots;
} expected[] = {
	[V_BAD] = { 229190, 677, 1 },
	[V_FIRSTLETTER] = { 12806, 104, 26 },
	[V_PERFECT] = { 0, 0, NKEYS },
	[V_FNV] = { 0, 0, NKEYS },
};

KERNEL_FN static uint64_t hash_bad(const char *key)
{
	return 42;
}

KERNEL_FN static uint64_t hash_firstletter(const char *key)
{
	return (unsigned char)key[0];
}

KERNEL_FN static uint64_t hash_perfect(const char *key)
{
	return (uint64_t)(key[1] - 'a') + 26 * (uint64_t)(key[0] - 'a');
}

KERNEL_FN static uint64_t hash_fnv(const char *key)
{
	uint64_t h = 0xcbf29ce484222325ull;
	for (int k = 0; k < 2; k++)
		h = (h ^ (unsigned char)key[k]) * 0x100000001b3ull;
	return h;
}

static const hash_fn hashes[] = { hash_bad, hash_firstletter, hash_perfect, hash_fnv };

/*
 * The slot holding key, or the empty slot where it would go. *collisions
 * gets the number of occupied slots probed before it (ex. 4-4).
 */
KERNEL_FN static struct slot *probe(struct table *t, const char *key, long *collisions)
{
	uint64_t h = t->hash(key), perturb = h, i = h & (NSLOTS - 1);
	struct slot *s = &t->slots[i];
	long n = 0;

	while (s->used) {                                                        /* HOT: probe loop */
		if (s->hash == h && s->key[0] == key[0] && s->key[1] == key[1])  /* HOT: key compare */
			break;
		n++;                                                             /* HOT: probe loop */
		i = 5 * i + perturb + 1;                                         /* HOT: probe loop */
		perturb >>= PERTURB_SHIFT;                                       /* HOT: probe loop */
		s = &t->slots[i & (NSLOTS - 1)];                                 /* HOT: probe loop */
	}
	*collisions = n;
	return s;
}

static void insert(struct table *t, const char *key)
{
	long n;
	struct slot *s = probe(t, key, &n);
	uint64_t first = t->hash(key) & (NSLOTS - 1);

	t->initial_slots += !t->initial_seen[first];
	t->initial_seen[first] = true;
	t->insert_collisions += n;
	if (!s->used) {
		s->used = true;
		s->hash = t->hash(key);
		s->key[0] = key[0], s->key[1] = key[1];
	}
}

/* `key in table`: true when found; *collisions as for probe(). */
KERNEL_FN static bool lookup(struct table *t, const char *key, long *collisions)
{
	return probe(t, key, collisions)->used;
}

int main(int argc, char **argv)
{
	struct ktruth mark;
	ktruth_now(&mark);
	long lookups = 0;
	const struct kopt opts[] = {
		{ "lookups", KOPT_LONG, &lookups,
		  "lookups of \"zz\" (default 2e6, twice the book's timeit count; --small 1e5)" },
		{ NULL, 0, NULL, NULL },
	};
	const struct kspec spec = {
		"hashing", "open addressing: a bad hash turns O(1) lookups into a probe-chain walk",
		"HPP ch. 4", variants, opts,
		"Every variant does the same lookups, so their times compare directly; only bad "
		"takes long.",
	};
	bool small;
	enum variant v = kargs_parse(&spec, argc, argv, &small);
	lookups = lookups ? lookups : small ? 100000 : 2000000;

	struct table *t = kchecked(calloc(1, sizeof *t));
	t->hash = hashes[v];
	for (char a = 'a'; a <= 'z'; a++)
		for (char b = 'a'; b <= 'z'; b++)
			insert(t, (char[2]){ a, b });

	long found = 0, collisions = 0;
	ktruth_phase("hashing", "setup", &mark);
	double t0 = kclock();
	for (long k = 0; k < lookups; k++)
		found += lookup(t, "zz", &collisions);
	double elapsed = kclock() - t0;
	ktruth_phase("hashing", "compute", &mark);

	printf("hashing: variant %s: %ld lookups of \"zz\" in %.3f s (%.1f ns each), found %ld\n",
	       variants[v].name, lookups, elapsed, elapsed * 1e9 / (double)lookups, found);
	bool ok = found == lookups && t->insert_collisions == expected[v].insert &&
		  collisions == expected[v].lookup && t->initial_slots == expected[v].initial_slots;
	int rc = kvalidate("hashing", ok,
			   "%d keys in %ld initial slots (expected %ld), collisions: inserts %ld "
			   "(expected %ld), lookup \"zz\" %ld (expected %ld)",
			   NKEYS, t->initial_slots, expected[v].initial_slots, t->insert_collisions,
			   expected[v].insert, collisions, expected[v].lookup);
	free(t);
	ktruth_phase("hashing", "teardown", &mark);
	ktruth_process("hashing", "main", NULL);
	return rc;
}

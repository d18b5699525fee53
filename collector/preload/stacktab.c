/*
 * stacktab.c - the allocation stacks this process has already written to
 * its stream (shim.h), so that an allocation from a stack seen before
 * carries a small id instead of its frames.
 *
 * A lock-free open-addressing table keyed by a 64-bit hash of the frames
 * (pcs and their count). The first thread to claim a key's slot hands out
 * the next id, writes a STACK record (id, pcs) and only then publishes the
 * id in the slot with a release store: a thread that finds the id reserves
 * its ALLOC after that STACK, so the reader always knows an id before its
 * first use. A slot whose id is not published yet (another thread is
 * writing it, or its STACK was dropped) and a full table make the caller
 * send the frames inline; nothing waits. Two different stacks with the
 * same 64-bit hash would share an id (probability ~n^2 / 2^65 for n
 * distinct stacks: 3e-10 for 100,000).
 *
 * The table is anonymous memory of the target: 1 MiB reserved, of which
 * only the pages holding used slots become resident; stacktab_bytes()
 * measures that (mincore) for the run's facts. A forked child starts over
 * with an empty table, as its stream starts empty.
 */
#include "collector/preload/shim.h"

#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

enum {
	TAB_BITS = 16,                 /* 65,536 slots of 16 bytes */
	TAB_PROBES = 48,               /* longest probe sequence */
};

struct slot {
	uint64_t key;                  /* 0: empty */
	uint32_t id;                   /* 0: not published (yet) */
	uint32_t unused;
};

#define TAB_SIZE ((size_t)sizeof(struct slot) << TAB_BITS)

static struct slot *tab;
static uint32_t next_id;

void stacktab_init(void)
{
	void *m = mmap(NULL, TAB_SIZE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	tab = m == MAP_FAILED ? NULL : m;
}

void stacktab_fork_child(void)
{
	if (tab)
		madvise(tab, TAB_SIZE, MADV_DONTNEED);   /* private anonymous: zero again */
	next_id = 0;
}

uint64_t stacktab_bytes(void)
{
	long page = sysconf(_SC_PAGESIZE);
	unsigned char vec[TAB_SIZE / 4096 + 1];
	uint64_t n = 0;
	if (!tab || page != 4096 || mincore(tab, TAB_SIZE, vec) < 0)
		return 0;
	for (size_t i = 0; i < TAB_SIZE / 4096; i++)
		n += vec[i] & 1;
	return n * 4096;
}

/* Each frame mixed on its own with its position (two multiplies that do
 * not wait for the previous frame's, so frames hash in parallel rather
 * than in one chain of multiplies), the mixes added, then a full mix at
 * the end (splitmix64's). */
static uint64_t stack_hash(void *const *pcs, int n)
{
	uint64_t h = 0x9e3779b97f4a7c15ull ^ (uint64_t)n;
	for (int i = 0; i < n; i++) {
		uint64_t x = ((uint64_t)(uintptr_t)pcs[i] ^ ((uint64_t)i << 56)) * 0xff51afd7ed558ccdull;
		x ^= x >> 33;
		h += x * 0xc4ceb9fe1a85ec53ull;
	}
	h = (h ^ (h >> 30)) * 0xbf58476d1ce4e5b9ull;
	h = (h ^ (h >> 27)) * 0x94d049bb133111ebull;
	h ^= h >> 31;
	return h ? h : 1;
}

/* Write STACK(id, pcs); 0 when it went into the stream. */
static int write_stack(uint32_t id, void *const *pcs, int n)
{
	unsigned char buf[HP_AP_MAX_REC];
	unsigned char *p = hp_ap_put(buf + 4, id);
	p = put_pcs(hp_ap_put(p, (uint64_t)n), pcs, n);
	uint32_t len = rec_end(buf, p);
	return stream_put(buf, len, HP_AP_CHEAD(len, HP_AP_STACK, 0, 0), 0);
}

uint32_t stacktab_id(void *const *pcs, int n)
{
	if (!tab)
		return 0;
	uint64_t key = stack_hash(pcs, n);
	size_t mask = ((size_t)1 << TAB_BITS) - 1;
	for (size_t i = (size_t)(key >> (64 - TAB_BITS)), k = 0; k < TAB_PROBES; k++, i = (i + 1) & mask) {
		struct slot *s = &tab[i];
		uint64_t v = __atomic_load_n(&s->key, __ATOMIC_ACQUIRE);
		if (v == key)
			return __atomic_load_n(&s->id, __ATOMIC_ACQUIRE);
		if (v)
			continue;
		if (!__atomic_compare_exchange_n(&s->key, &v, key, 0, __ATOMIC_ACQ_REL,
						 __ATOMIC_ACQUIRE)) {
			if (v == key)
				return __atomic_load_n(&s->id, __ATOMIC_ACQUIRE);
			continue;
		}
		uint32_t id = __atomic_add_fetch(&next_id, 1, __ATOMIC_RELAXED);
		if (write_stack(id, pcs, n) < 0)
			return 0;           /* dropped: the slot stays unpublished, frames go inline */
		__atomic_store_n(&s->id, id, __ATOMIC_RELEASE);
		struct hp_ap_header *h = stream_header();
		if (h)
			__atomic_store_n(&h->stacks, id, __ATOMIC_RELAXED);
		return id;
	}
	return 0;
}

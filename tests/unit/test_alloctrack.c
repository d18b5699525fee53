/*
 * test_alloctrack.c - the allocation tracker's definitions (alloctrack.h)
 * against a brute-force replay of the same event sequences: per (process,
 * stack) the calls, bytes, bytes held at the process's heap peak (here by
 * copying every stack's live bytes at each new peak), leaks, and
 * heaptrack's temporaries (a free right after the last allocation, no free
 * between, when that allocation had the freed block's stack and size).
 * Hand-made sequences with known answers first, then random ones.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "collector/alloctrack.h"
#include "common/runfacts.h"
#include "common/store.h"
#include "hp_test.h"

#define NPID 3
#define NSITE 6
#define MAXLIVE 64

struct ref {                             /* the brute-force replay */
	int64_t allocs[NPID][NSITE], bytes[NPID][NSITE], live[NPID][NSITE], blocks[NPID][NSITE];
	int64_t at_peak[NPID][NSITE], temporary[NPID][NSITE];
	int64_t heap[NPID], peak[NPID];
	int last_site[NPID];                 /* -1: none since the last free */
	int64_t last_size[NPID];
};

struct block { uint64_t ptr; int pid, site; int64_t size; };

/* Stack id = pcs[0] (the test's locate). */
static int locate(void *ctx, const struct hp_alloc_event *ev, uint32_t *stack_id)
{
	(void)ctx;
	*stack_id = (uint32_t)ev->pcs[0];
	return 0;
}

static void ev_alloc(struct hp_alloctrack *t, struct ref *r, int pid, int site, uint64_t ptr,
		     int64_t size, uint64_t time)
{
	struct hp_alloc_event ev = { .pid = 100 + pid, .tid = 100 + pid, .kind = HP_ALLOC_ALLOC,
				     .nr_pcs = 1, .t_ns = time, .ptr = ptr, .size = (uint64_t)size,
				     .weight = (uint64_t)size };
	ev.pcs[0] = (uint64_t)site + 1;
	CHECK_EQ_INT(alloctrack_event(t, &ev), 0);
	r->allocs[pid][site]++;
	r->bytes[pid][site] += size;
	r->live[pid][site] += size;
	r->blocks[pid][site]++;
	r->heap[pid] += size;
	r->last_site[pid] = site;
	r->last_size[pid] = size;
	if (r->heap[pid] > r->peak[pid]) {
		r->peak[pid] = r->heap[pid];
		memcpy(r->at_peak[pid], r->live[pid], sizeof(r->live[pid]));
	}
}

static void ev_free(struct hp_alloctrack *t, struct ref *r, const struct block *b, uint64_t time)
{
	struct hp_alloc_event ev = { .pid = 100 + b->pid, .tid = 100 + b->pid, .kind = HP_ALLOC_FREE,
				     .t_ns = time, .ptr = b->ptr };
	CHECK_EQ_INT(alloctrack_event(t, &ev), 0);
	if (r->last_site[b->pid] == b->site && r->last_size[b->pid] == b->size)
		r->temporary[b->pid][b->site]++;
	r->last_site[b->pid] = -1;
	r->live[b->pid][b->site] -= b->size;
	r->blocks[b->pid][b->site]--;
	r->heap[b->pid] -= b->size;
}

struct got {
	int64_t allocs[NPID][NSITE], bytes[NPID][NSITE], peak[NPID][NSITE], leaked[NPID][NSITE];
	int64_t leaked_blocks[NPID][NSITE], temporary[NPID][NSITE];
	int rows;
};

static int on_row(void *ctx, const struct hp_alloc_site_row *row)
{
	struct got *g = ctx;
	int pid = (int)row->pid - 100, site = (int)row->stack_id - 1;
	if (pid < 0 || pid >= NPID || site < 0 || site >= NSITE)
		return -1;
	g->allocs[pid][site] = (int64_t)row->allocs;
	g->bytes[pid][site] = (int64_t)row->bytes;
	g->peak[pid][site] = (int64_t)row->peak_bytes;
	g->leaked[pid][site] = (int64_t)row->leaked_bytes;
	g->leaked_blocks[pid][site] = (int64_t)row->leaked_allocs;
	g->temporary[pid][site] = (int64_t)row->temporary;
	g->rows++;
	return 0;
}

/* Write the tracker to a fresh store and compare every row with ref. */
static void compare(struct hp_alloctrack *t, const struct ref *r, const char *what)
{
	char path[] = "/tmp/hpprof-test-alloctrack-XXXXXX";
	int fd = mkstemp(path);
	struct hp_store *st = NULL;
	struct hp_run_facts facts;
	struct got g = { 0 };
	close(fd);
	unlink(path);
	CHECK_EQ_INT(store_create(path, &st), 0);
	if (!st)
		return;
	store_facts_init(&facts);
	CHECK_EQ_INT(alloctrack_write(t, st, 0, &facts), 0);
	CHECK_EQ_INT(store_flush(st), 0);
	CHECK_EQ_INT(store_each_alloc_stack(st, on_row, &g), 0);
	int64_t temps = 0, best = 0;
	for (int p = 0; p < NPID; p++) {
		best = r->peak[p] > best ? r->peak[p] : best;
		for (int s = 0; s < NSITE; s++) {
			if (!r->allocs[p][s])
				continue;
			int bad = g.allocs[p][s] != r->allocs[p][s] || g.bytes[p][s] != r->bytes[p][s] ||
				  g.peak[p][s] != r->at_peak[p][s] || g.leaked[p][s] != r->live[p][s] ||
				  g.leaked_blocks[p][s] != r->blocks[p][s] ||
				  g.temporary[p][s] != r->temporary[p][s];
			if (bad)
				fprintf(stderr, "%s: pid %d site %d: got allocs %lld bytes %lld peak %lld"
					" leaked %lld/%lld temp %lld; want %lld %lld %lld %lld/%lld %lld\n",
					what, p, s, (long long)g.allocs[p][s], (long long)g.bytes[p][s],
					(long long)g.peak[p][s], (long long)g.leaked[p][s],
					(long long)g.leaked_blocks[p][s], (long long)g.temporary[p][s],
					(long long)r->allocs[p][s], (long long)r->bytes[p][s],
					(long long)r->at_peak[p][s], (long long)r->live[p][s],
					(long long)r->blocks[p][s], (long long)r->temporary[p][s]);
			CHECK(!bad);
			temps += r->temporary[p][s];
		}
	}
	CHECK_EQ_INT(facts.alloc_temporary, temps);
	CHECK_EQ_INT(facts.heap_peak_bytes, best);
	store_close(st);
	unlink(path);
}

static struct hp_alloctrack *fresh(struct ref *r)
{
	struct hp_alloctrack *t = NULL;
	memset(r, 0, sizeof(*r));
	for (int p = 0; p < NPID; p++)
		r->last_site[p] = -1;
	CHECK_EQ_INT(alloctrack_new(locate, NULL, 1000, &t), 0);
	return t;
}

/* Known answers: heaptrack's temporaries and the peak taken lazily. */
static void test_known(void)
{
	struct ref r;
	struct hp_alloctrack *t = fresh(&r);
	struct block a = { 0x1000, 0, 0, 64 }, b = { 0x2000, 0, 1, 48 }, c = { 0x3000, 0, 2, 48 };
	struct block u = { 0x4000, 0, 3, 80 }, v = { 0x5000, 0, 3, 80 };
	ev_alloc(t, &r, 0, 0, a.ptr, 64, 1);      /* pair: temporary */
	ev_free(t, &r, &a, 2);
	ev_alloc(t, &r, 0, 1, b.ptr, 48, 3);      /* cross: none */
	ev_alloc(t, &r, 0, 2, c.ptr, 48, 4);
	ev_free(t, &r, &b, 5);
	ev_free(t, &r, &c, 6);
	ev_alloc(t, &r, 0, 3, u.ptr, 80, 7);      /* twins: the first free is temporary */
	ev_alloc(t, &r, 0, 3, v.ptr, 80, 8);
	ev_free(t, &r, &u, 9);
	ev_free(t, &r, &v, 10);
	CHECK_EQ_INT(r.temporary[0][0] + r.temporary[0][3], 2);
	compare(t, &r, "known");
	alloctrack_free(t);
}

static uint64_t rnd_state = 88172645463325252ull;
static uint64_t rnd(void)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 7;
	rnd_state ^= rnd_state << 17;
	return rnd_state;
}

/* Random sequences over three processes, six stacks, few sizes (so that
 * temporaries and ties happen), addresses reused. */
static void test_random(int n)
{
	struct ref r;
	struct hp_alloctrack *t = fresh(&r);
	struct block live[NPID][MAXLIVE];
	int nlive[NPID] = { 0 };
	uint64_t next_ptr = 0x10000;
	for (int i = 0; i < n; i++) {
		int p = (int)(rnd() % NPID);
		if (nlive[p] && (nlive[p] == MAXLIVE || rnd() % 100 < 48)) {
			int k = (int)(rnd() % 3 == 0 ? (uint64_t)nlive[p] - 1 : rnd() % (uint64_t)nlive[p]);
			ev_free(t, &r, &live[p][k], (uint64_t)i);
			live[p][k] = live[p][--nlive[p]];
		} else {
			int s = (int)(rnd() % NSITE);
			int64_t size = (int64_t)(16 << (rnd() % 3));
			struct block b = { next_ptr += 16, p, s, size };
			ev_alloc(t, &r, p, s, b.ptr, size, (uint64_t)i);
			live[p][nlive[p]++] = b;
		}
	}
	compare(t, &r, "random");
	alloctrack_free(t);
}

int main(void)
{
	test_known();
	for (int k = 0; k < 20; k++)
		test_random(2000 + 500 * k);
	return hp_test_result();
}

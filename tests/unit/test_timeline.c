/*
 * test_timeline.c - analyzer/timeline.c on rows whose answer is known by
 * construction, written through a real store: main-sampler samples counted
 * per bucket and thread, and off-CPU intervals spread over the buckets they
 * cover. An interval whose stack was sampled (run --off-cpu at a high switch
 * rate) weighs more than its own time: its weighted time is spread over its
 * own span, never past the time it lasted. timeline_load_where counts the
 * threads a filter selects (a thread, a process) over the whole run's axis.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "analyzer/profile.h"
#include "analyzer/timeline.h"
#include "common/store.h"
#include "hp_test.h"

#define MS 1000000ull

static void add(struct hp_store *st, int event, uint32_t tid, uint64_t t, int64_t weighted,
		int64_t own)
{
	struct hp_sample *s = calloc(1, sizeof(*s));
	s->pid = 1;
	s->tid = tid;
	s->t_ns = t;
	s->event = event;
	s->unwind = -1;
	if (event) {
		s->nr_counters = 3;
		s->counters[0] = weighted;
		s->counters[2] = own;
	}
	CHECK_EQ_INT(store_add_sample(st, s), 0);
	free(s);
}

int main(void)
{
	char dir[] = "/tmp/test_timeline.XXXXXX", db[PATH_MAX];
	struct hp_store *st;
	struct hp_timeline *tl = NULL;
	if (!mkdtemp(dir))
		SKIP("no /tmp");
	snprintf(db, sizeof(db), "%s/t.db", dir);
	CHECK_EQ_INT(store_create(db, &st), 0);
	struct hp_event_info cpu = { .id = 0, .name = "cpu-clock", .role = "sampler",
				     .measured = 1, .total = -1 };
	struct hp_event_info off = { .id = 1, .name = "off-cpu", .role = "offcpu",
				     .measured = 1, .total = -1 };
	CHECK_EQ_INT(store_add_event(st, &cpu), 0);
	CHECK_EQ_INT(store_add_event(st, &off), 0);
	/* thread 7 runs in buckets 0 and 3 (of 10 ms each over 40 ms) */
	add(st, 0, 7, 1 * MS, 0, 0);
	add(st, 0, 7, 2 * MS, 0, 0);
	add(st, 0, 7, 35 * MS, 0, 0);
	/* an interval written as it is: 15 -> 25 ms (5 ms in buckets 1 and 2) */
	add(st, 1, 7, 15 * MS, 10 * MS, 10 * MS);
	/* a sampled interval: 4 ms of its own (26 -> 30 ms, bucket 2) standing
	 * for 8 ms: 8 ms blocked in bucket 2, nothing reaches bucket 3 */
	add(st, 1, 7, 26 * MS, 8 * MS, 4 * MS);
	CHECK_EQ_INT(timeline_load(st, 40 * MS, 4, &tl), 0);
	CHECK(tl && tl->blocked_ns && tl->nthreads == 1);
	if (tl && tl->blocked_ns && tl->nthreads == 1) {
		CHECK_EQ_INT(tl->bucket_ns, 10 * MS);
		CHECK_EQ_INT(tl->counts[0], 2);
		CHECK_EQ_INT(tl->counts[3], 1);
		CHECK_EQ_INT(tl->blocked_ns[0], 0);
		CHECK_EQ_INT(tl->blocked_ns[1], 5 * MS);
		CHECK_EQ_INT(tl->blocked_ns[2], 5 * MS + 8 * MS);
		CHECK_EQ_INT(tl->blocked_ns[3], 0);
	}
	timeline_free(tl);
	tl = NULL;

	/* thread 8 of another process (pid 2) runs once, at 5 ms: a filter on
	 * it or its process counts it alone, on the whole run's axis (the
	 * extent of every sample: 35 ms + 1 without a duration) */
	CHECK_EQ_INT(store_add_thread(st, 7, 1, "seven", 0), 0);
	CHECK_EQ_INT(store_add_thread(st, 8, 2, "eight", 0), 0);
	add(st, 0, 8, 5 * MS, 0, 0);
	struct hp_timeline *all = NULL;
	CHECK_EQ_INT(timeline_load(st, 0, 4, &all), 0);
	struct hp_profile_filter by[3] = { { .tid = 8 }, { .pid = 2 }, { .pid = 1 } };
	for (int i = 0; i < 3; i++) {
		CHECK_EQ_INT(timeline_load_where(st, 0, 4, &by[i], &tl), 0);
		CHECK(tl && all && tl->nthreads == 1);
		if (tl && all && tl->nthreads == 1) {
			CHECK_EQ_INT(tl->t_end, all->t_end);
			CHECK_EQ_INT(tl->tids[0], i < 2 ? 8 : 7);
			CHECK_EQ_INT(tl->nsamples, i < 2 ? 1 : 3);
			CHECK_EQ_INT(timeline_sum(tl, 1, 0, 4), i < 2 ? 1 : 3);
			/* bucket 0 is [0, 8.75 ms): thread 8's 5 ms, thread 7's 1 and 2 ms */
			CHECK_EQ_INT(tl->counts[0], i < 2 ? 1 : 2);
			uint64_t blocked = 0;             /* thread 7's 10 + 8 ms blocked */
			for (uint32_t b = 0; b < tl->nbuckets; b++)
				blocked += tl->blocked_ns[b];
			CHECK_EQ_INT(blocked, i < 2 ? 0 : 18 * MS);
		}
		timeline_free(tl);
		tl = NULL;
	}
	CHECK(all && all->nthreads == 2 && all->nsamples == 4);
	timeline_free(all);
	store_close(st);
	unlink(db);
	rmdir(dir);
	return hp_test_result();
}

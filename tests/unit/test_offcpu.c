/*
 * test_offcpu.c - collector/offcpu.c and perf_parse_switch on hand-made
 * records, writing to a real store: a switch-out sample, its SWITCH out
 * record and the SWITCH in record make one off-CPU sample with the
 * switch-out stack, the nanoseconds between the records and the wait class
 * (preempted from the record's flag, else blocked); a lost switch-out sample
 * keeps the time without a stack; an in without an out writes nothing; a
 * thread's exit drops its open interval; the end closes the others. The
 * gate: while the switch-out rate is within the stack budget every slot is
 * on and every interval written with its own time; above it slots are on
 * with probability pi, and the intervals of "on" slots, weighted 1/pi,
 * stand for all of them. The records gate: the records go off once the
 * intervals of an "on" period have ended, or after the hold; a wait still
 * open then is cut and ended from its thread's switch-in count (a table
 * the test keeps, by construction), exactly by a switch-in record seen
 * while the records were on since the last read, at the midpoint of two
 * reads otherwise; the flood's written time still adds up with the records
 * gated, and a long sleeper's cut waits keep their length to the reads'
 * spacing.
 */
#include <errno.h>
#include <linux/perf_event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hp_test.h"
#include "collector/offcpu.h"
#include "collector/perf_record.h"
#include "common/store.h"

#define ST (PERF_SAMPLE_IDENTIFIER | PERF_SAMPLE_IP | PERF_SAMPLE_TID | PERF_SAMPLE_TIME)

/* A PERF_RECORD_SWITCH with the sample_id trailer of ST. */
static void make_switch(uint64_t *rec, uint32_t pid, uint32_t tid, uint64_t t, uint16_t misc)
{
	struct perf_event_header h = { PERF_RECORD_SWITCH, misc, 8 + 3 * 8 };
	memcpy(rec, &h, sizeof(h));
	rec[1] = (uint64_t)pid | (uint64_t)tid << 32;
	rec[2] = t;
	rec[3] = 77;                               /* IDENTIFIER */
}

static void test_parse_switch(void)
{
	uint64_t rec[4];
	struct hp_perf_switch sw;
	make_switch(rec, 10, 11, 5000, PERF_RECORD_MISC_SWITCH_OUT |
		    PERF_RECORD_MISC_SWITCH_OUT_PREEMPT);
	CHECK_EQ_INT(perf_parse_switch(rec, 32, ST, &sw), 0);
	CHECK_EQ_INT(sw.pid, 10);
	CHECK_EQ_INT(sw.tid, 11);
	CHECK_EQ_INT(sw.time, 5000);
	CHECK(sw.out && sw.preempt);
	make_switch(rec, 10, 11, 6000, 0);
	CHECK_EQ_INT(perf_parse_switch(rec, 32, ST, &sw), 0);
	CHECK(!sw.out && !sw.preempt);
	/* short: the header says 24 bytes, the trailer needs 24 after it */
	struct perf_event_header h = { PERF_RECORD_SWITCH, 0, 24 };
	memcpy(rec, &h, sizeof(h));
	CHECK_EQ_INT(perf_parse_switch(rec, 24, ST, &sw), -EBADMSG);
	CHECK_EQ_INT(perf_parse_switch(rec, 32, PERF_SAMPLE_IP, &sw), -EINVAL);
}

struct rows {
	int n;
	struct { uint64_t t; uint32_t tid, stack; int64_t ns, cls, own; } r[8];
};

static int on_row(void *ctx, const struct hp_sample_row *s)
{
	struct rows *rs = ctx;
	if (rs->n < 8 && s->event == 9) {
		rs->r[rs->n].t = s->t_ns;
		rs->r[rs->n].tid = s->tid;
		rs->r[rs->n].stack = s->stack_id;
		rs->r[rs->n].ns = s->nr_counters > 0 ? s->counters[0] : -1;
		rs->r[rs->n].cls = s->nr_counters > 1 ? s->counters[1] : -1;
		rs->r[rs->n].own = s->nr_counters > 2 ? s->counters[2] : -1;
		rs->n++;
	}
	return 0;
}

static struct hp_perf_switch sw(uint32_t tid, int out, int preempt)
{
	return (struct hp_perf_switch){ 1, tid, 0, out, preempt };
}

/* A new store in a fresh temporary file (its name in path, a mkstemp
 * template) and an off-CPU recorder writing to it at hz. */
static void fixture_open(char *path, unsigned hz, struct hp_store **st, struct hp_offcpu **oc)
{
	int fd = mkstemp(path);
	CHECK(fd >= 0);
	close(fd);
	unlink(path);
	CHECK_EQ_INT(store_create(path, st), 0);
	CHECK_EQ_INT(offcpu_new(9, hz, oc), 0);
}

static void fixture_close(const char *path, struct hp_store *st, struct hp_offcpu *oc)
{
	offcpu_free(oc);
	store_close(st);
	unlink(path);
}

static void test_pairing(void)
{
	char path[] = "/tmp/test_offcpu.XXXXXX";
	struct hp_store *st;
	struct hp_offcpu *oc;
	static struct hp_sample smp;
	struct rows rs = { 0 };
	struct hp_perf_switch s;
	fixture_open(path, 0, &st, &oc);

	/* thread 2: sample at 100, out at 101, in at 1101: blocked 1000 ns */
	smp.pid = 1; smp.tid = 2; smp.t_ns = 100; smp.nr_frames = 2; smp.unwind = HP_STACK_END_OUTERMOST;
	smp.frames[0] = (struct hp_location){ 0, 0x1000 };
	smp.frames[1] = (struct hp_location){ 0, 0x2000 };
	CHECK_EQ_INT(offcpu_sample(oc, st, &smp, 0, 0), 0);
	s = sw(2, 1, 0);
	CHECK_EQ_INT(offcpu_switch(oc, st, &s, 101), 0);
	s = sw(2, 0, 0);
	CHECK_EQ_INT(offcpu_switch(oc, st, &s, 1101), 0);
	/* thread 3: preempted, its sample lost: 500 ns without a stack */
	s = sw(3, 1, 1);
	CHECK_EQ_INT(offcpu_switch(oc, st, &s, 2000), 0);
	s = sw(3, 0, 0);
	CHECK_EQ_INT(offcpu_switch(oc, st, &s, 2500), 0);
	/* thread 4: an in without an out writes nothing */
	s = sw(4, 0, 0);
	CHECK_EQ_INT(offcpu_switch(oc, st, &s, 3000), 0);
	/* thread 5 exits while out; thread 6 is still out at the end (4000) */
	s = sw(5, 1, 0);
	CHECK_EQ_INT(offcpu_switch(oc, st, &s, 3100), 0);
	offcpu_forget(oc, 5);
	s = sw(6, 1, 0);
	CHECK_EQ_INT(offcpu_switch(oc, st, &s, 3500), 0);
	CHECK_EQ_INT(offcpu_flush(oc, st, 4000), 0);

	struct hp_offcpu_totals t;
	offcpu_totals(oc, &t);
	CHECK_EQ_INT(t.intervals, 3);
	CHECK_EQ_INT(t.ns, 1000 + 500 + 500);
	CHECK_EQ_INT(t.no_stack, 2);
	CHECK_EQ_INT(store_flush(st), 0);
	CHECK_EQ_INT(store_each_sample(st, 0, 0, on_row, &rs), 0);
	CHECK_EQ_INT(rs.n, 3);
	for (int i = 0; i < rs.n; i++) {
		if (rs.r[i].tid == 2) {
			CHECK_EQ_INT(rs.r[i].t, 101);
			CHECK_EQ_INT(rs.r[i].ns, 1000);
			CHECK_EQ_INT(rs.r[i].cls, HP_WAIT_BLOCKED);
			CHECK_EQ_INT(rs.r[i].own, 1000);
			CHECK(rs.r[i].stack != 0);
		} else if (rs.r[i].tid == 3) {
			CHECK_EQ_INT(rs.r[i].ns, 500);
			CHECK_EQ_INT(rs.r[i].cls, HP_WAIT_PREEMPTED);
			CHECK_EQ_INT(rs.r[i].stack, 0);
		} else {
			CHECK_EQ_INT(rs.r[i].tid, 6);
			CHECK_EQ_INT(rs.r[i].ns, 500);
		}
	}
	fixture_close(path, st, oc);
}

/* offcpu_set_hold's callback: keeps the rows of thread 7, not the others. */
static struct hp_sample held_row;
static uint64_t held_func, held_sp;
static int nheld;

static int hold_fn(void *ctx, const struct hp_sample *s, uint64_t func, uint64_t sp)
{
	if (s->tid != 7)
		return 0;
	held_row = *s;
	held_func = func;
	held_sp = sp;
	nheld++;
	return 1;
}

/* A row whose stack was cut is offered to the hold function with where it
 * was cut, with its time and class; kept, it is not written. Rows not cut
 * are never offered. */
static void test_hold(void)
{
	char path[] = "/tmp/test_offcpu.XXXXXX";
	struct hp_store *st;
	struct hp_offcpu *oc;
	static struct hp_sample smp;
	struct rows rs = { 0 };
	struct hp_perf_switch s;
	fixture_open(path, 0, &st, &oc);
	offcpu_set_hold(oc, hold_fn, NULL);
	smp.pid = 1; smp.nr_frames = 1; smp.unwind = HP_STACK_END_HOLE;
	smp.frames[0] = (struct hp_location){ 0, 0x1000 };
	/* thread 7: cut at (0x2000, 0x7f00): held; thread 8: cut, refused by
	 * the hook: written; thread 9: not cut: written, never offered */
	for (uint32_t tid = 7; tid <= 9; tid++) {
		smp.tid = tid;
		smp.t_ns = 100 * tid;
		CHECK_EQ_INT(offcpu_sample(oc, st, &smp, tid < 9 ? 0x2000 : 0, tid < 9 ? 0x7f00 : 0), 0);
		s = sw(tid, 1, 0);
		CHECK_EQ_INT(offcpu_switch(oc, st, &s, 100 * tid + 1), 0);
		s = sw(tid, 0, 0);
		CHECK_EQ_INT(offcpu_switch(oc, st, &s, 100 * tid + 51), 0);
	}
	CHECK_EQ_INT(nheld, 1);
	CHECK_EQ_INT(held_row.tid, 7);
	CHECK_EQ_INT(held_row.t_ns, 701);
	CHECK_EQ_INT(held_row.counters[0], 50);
	CHECK_EQ_INT(held_row.counters[2], 50);
	CHECK_EQ_INT(held_row.unwind, HP_STACK_END_HOLE);
	CHECK_EQ_INT(held_func, 0x2000);
	CHECK_EQ_INT(held_sp, 0x7f00);
	CHECK_EQ_INT(store_flush(st), 0);
	CHECK_EQ_INT(store_each_sample(st, 0, 0, on_row, &rs), 0);
	CHECK_EQ_INT(rs.n, 2);
	for (int i = 0; i < rs.n; i++)
		CHECK(rs.r[i].tid == 8 || rs.r[i].tid == 9);
	fixture_close(path, st, oc);
}

struct sums {
	int64_t rows, ns, own_ns;
};

static int on_sum(void *ctx, const struct hp_sample_row *s)
{
	struct sums *x = ctx;
	if (s->event == 9 && s->nr_counters > 2) {
		x->rows++;
		x->ns += s->counters[0];
		x->own_ns += s->counters[2];
	}
	return 0;
}

/* nout switch-outs of thread tid every gap ns from t0, each 100 ns off the
 * CPU, each with its switch-out sample when offcpu_decide says its slot
 * is on. */
static void switches(struct hp_offcpu *oc, struct hp_store *st, uint32_t tid, int nout,
		     uint64_t t0, uint64_t gap)
{
	static struct hp_sample smp;
	struct hp_perf_switch s;
	smp.pid = 1; smp.tid = tid; smp.nr_frames = 1; smp.unwind = HP_STACK_END_OUTERMOST;
	smp.frames[0] = (struct hp_location){ 0, 0x1000 };
	for (int i = 0; i < nout; i++) {
		uint64_t t = t0 + gap * (uint64_t)i;
		if (offcpu_decide(oc, t)) {
			smp.t_ns = t;
			CHECK_EQ_INT(offcpu_sample(oc, st, &smp, 0, 0), 0);
		}
		s = sw(tid, 1, 0);
		CHECK_EQ_INT(offcpu_switch(oc, st, &s, t + 1), 0);
		s = sw(tid, 0, 0);
		CHECK_EQ_INT(offcpu_switch(oc, st, &s, t + 101), 0);
	}
}

/* A budget of 1000 stacks a second: 5 switch-outs every 10 ms (500 a
 * second) keep the samplers on, every interval written with its own time;
 * then 100 every 10 ms (10,000 a second): each decision is "on" with pi =
 * 0.1, as the session does it (session.c, gate_offcpu), and the "on"
 * periods' weights (1 + the "off" time before them / their own) make the
 * written time add up to all of it but the "off" time after the last "on"
 * period (to the rounding of each row, <= 0.5 ns). */
static void test_gate(void)
{
	char path[] = "/tmp/test_offcpu_w.XXXXXX";
	struct hp_store *st;
	struct hp_offcpu *oc;
	struct sums slow = { 0 }, fast = { 0 };
	struct hp_offcpu_totals t;
	fixture_open(path, 1000, &st, &oc);
	uint64_t t0 = 0, slot = 10000000;
	for (int k = 0; k < 100; k++, t0 += slot) {
		double pi = offcpu_gate_pi(oc, t0);
		CHECK(pi == 1.0 && offcpu_gate_draw(oc, pi));
		switches(oc, st, 2, 5, t0 + 1000, slot / 5);
	}
	offcpu_totals(oc, &t);
	CHECK_EQ_INT(t.intervals, 500);
	CHECK_EQ_INT(t.sampled, 500);
	CHECK_EQ_INT(t.unsampled, 0);
	CHECK_EQ_INT(t.weighted_ns, 500 * 100);
	CHECK_EQ_INT(store_flush(st), 0);
	CHECK_EQ_INT(store_each_sample(st, 0, 0, on_sum, &slow), 0);
	CHECK_EQ_INT(slow.rows, 500);
	CHECK_EQ_INT(slow.ns, slow.own_ns);

	int ons = 0, on = 1, trailing = 0;
	for (int k = 0; k < 1000; k++, t0 += slot) {
		double pi = offcpu_gate_pi(oc, t0);
		int next = offcpu_gate_draw(oc, pi);
		/* k = 0 still sees the slow phase's 100 ms window; k = 1 a 10 ms
		 * window that has seen 100 switch-outs, the budget's worth of a
		 * 100 ms window: gated from there */
		if (k >= 1)
			CHECK(pi > 0.0999 && pi < 0.1001);
		if (next && !on)
			offcpu_gate_on(oc, t0);
		if (!next && on)
			CHECK_EQ_INT(offcpu_gate_off(oc, st, t0), 0);
		on = next;
		ons += on;
		trailing = on ? 0 : trailing + 1;
		switches(oc, st, 3, 100, t0 + 1000, slot / 100);
	}
	CHECK_EQ_INT(offcpu_flush(oc, st, t0), 0);
	offcpu_totals(oc, &t);
	CHECK_EQ_INT(t.intervals, 500 + 100000);
	CHECK_EQ_INT(t.no_stack, 0);
	CHECK_EQ_INT(t.sampled + t.unsampled, t.intervals);
	CHECK_EQ_INT(t.sampled, 500 + 100 * ons);
	CHECK_EQ_INT(store_flush(st), 0);
	CHECK_EQ_INT(store_each_sample(st, 0, 0, on_sum, &fast), 0);
	fast.rows -= slow.rows;
	fast.ns -= slow.ns;
	CHECK_EQ_INT((int64_t)t.weighted_ns, slow.ns + fast.ns);
	/* ons ~ Binomial(999, 0.1) + the first (sd 9.5): within 4 sd of 101 */
	CHECK(ons >= 101 - 38 && ons <= 101 + 38);
	int64_t want = (int64_t)(1000 - trailing) * 100 * 100;
	CHECK(fast.ns >= want - fast.rows && fast.ns <= want + fast.rows);
	fixture_close(path, st, oc);
}

/* Switch-ins per thread, as /proc/.../schedstat would count them: the
 * test's own table (a thread at -1 is gone). */
static int64_t pcounts[16];

static int fake_pcount(void *ctx, uint32_t pid, uint32_t tid, uint64_t *count)
{
	(void)ctx;
	(void)pid;
	if (tid >= 16 || pcounts[tid] < 0)
		return -ESRCH;
	*count = (uint64_t)pcounts[tid];
	return 0;
}

struct tidrows {
	int64_t rows, ns, own_ns, own_min, own_max;
	int64_t own[16];
};

static int on_tid(void *ctx, const struct hp_sample_row *s)
{
	struct tidrows *x = ctx;
	if (s->event != 9 || s->nr_counters < 3)
		return 0;
	struct tidrows *r = &x[s->tid < 16 ? s->tid : 0];
	if (r->rows < 16)
		r->own[r->rows] = s->counters[2];
	if (!r->rows || s->counters[2] < r->own_min)
		r->own_min = s->counters[2];
	if (s->counters[2] > r->own_max)
		r->own_max = s->counters[2];
	r->rows++;
	r->ns += s->counters[0];
	r->own_ns += s->counters[2];
	return 0;
}

static void in_out(struct hp_offcpu *oc, struct hp_store *st, uint32_t tid, int out, uint64_t t)
{
	struct hp_perf_switch s = sw(tid, out, 0);
	CHECK_EQ_INT(offcpu_switch(oc, st, &s, t), 0);
}

/* The cut waits, by hand: the records go off after the hold with threads
 * 5, 6, 8 and 9 still off since the "on" period [0, 2 us) and thread 10
 * switched out after it (counted only: dropped). Thread 8's switch-in
 * record, written before the records went off, ends it exactly; thread 5
 * is read unchanged, then changed: ended at the midpoint of the two reads;
 * thread 6 is read unchanged when the records come back on, and its
 * switch-in record then ends it exactly; thread 9 is gone (dropped). */
static void test_cut(void)
{
	char path[] = "/tmp/test_offcpu_c.XXXXXX";
	struct hp_store *st;
	struct hp_offcpu *oc;
	struct hp_offcpu_totals t;
	struct tidrows rows[16];
	const uint64_t hold = 10000000, ms = 1000000;
	memset(rows, 0, sizeof(rows));
	fixture_open(path, 1000, &st, &oc);
	for (int i = 0; i < 16; i++)
		pcounts[i] = 7;
	in_out(oc, st, 5, 1, 1000);
	in_out(oc, st, 6, 1, 1500);
	in_out(oc, st, 8, 1, 1800);
	in_out(oc, st, 9, 1, 1900);
	CHECK(!offcpu_records_idle(oc, 1950, 1));      /* the stacks are on */
	CHECK_EQ_INT(offcpu_gate_off(oc, st, 2000), 0);
	in_out(oc, st, 10, 1, 2500);
	CHECK(!offcpu_records_idle(oc, 3000, 1));      /* four waits of the period open */
	CHECK(!offcpu_records_idle(oc, 2000 + hold, 0));   /* no counts: hold on */
	CHECK(offcpu_records_idle(oc, 2000 + hold, 1));
	offcpu_records_off(oc, 2000 + hold, fake_pcount, NULL);
	CHECK_EQ_INT(offcpu_cut_count(oc), 4);
	in_out(oc, st, 8, 0, 2000 + hold - 5);      /* drained after the cut: exact */
	CHECK_EQ_INT(offcpu_cut_count(oc), 3);
	in_out(oc, st, 10, 0, 2000 + hold + 100);   /* dropped at the cut: nothing */
	pcounts[9] = -1;
	/* due 2 ms after the cut: 5 and 6 unchanged, 9 gone */
	uint64_t t1 = 2000 + hold + 2 * ms;
	CHECK_EQ_INT(offcpu_poll(oc, st, t1 - 1, 0, fake_pcount, NULL), 0);
	CHECK_EQ_INT(offcpu_cut_count(oc), 3);      /* not due yet */
	CHECK_EQ_INT(offcpu_poll(oc, st, t1, 0, fake_pcount, NULL), 0);
	CHECK_EQ_INT(offcpu_cut_count(oc), 2);
	pcounts[5]++;                               /* thread 5 ran */
	uint64_t t2 = t1 + 2 * ms;
	CHECK_EQ_INT(offcpu_poll(oc, st, t2, 0, fake_pcount, NULL), 0);
	CHECK_EQ_INT(offcpu_cut_count(oc), 1);
	/* the records back on; thread 6 read unchanged after, then its in */
	uint64_t t3 = t2 + 5 * ms;
	in_out(oc, st, 6, 0, t3 - 10);              /* before the read: not trusted */
	offcpu_records_on(oc, t3);
	CHECK_EQ_INT(offcpu_poll(oc, st, t3 + 10, 1, fake_pcount, NULL), 0);
	CHECK_EQ_INT(offcpu_cut_count(oc), 1);
	in_out(oc, st, 6, 0, t3 + 500);
	CHECK_EQ_INT(offcpu_cut_count(oc), 0);
	CHECK_EQ_INT(offcpu_flush(oc, st, t3 + ms), 0);
	offcpu_totals(oc, &t);
	CHECK_EQ_INT(t.records_off, 1);
	CHECK_EQ_INT(t.cut, 4);
	CHECK_EQ_INT(t.estimated, 1);
	CHECK_EQ_INT(t.estimated_err_ns, (t2 - t1) / 2);   /* row 5's half-bracket */
	CHECK_EQ_INT(t.intervals, 3);
	CHECK_EQ_INT(store_flush(st), 0);
	CHECK_EQ_INT(store_each_sample(st, 0, 0, on_tid, rows), 0);
	CHECK_EQ_INT(rows[8].rows, 1);
	CHECK_EQ_INT(rows[8].own_ns, (int64_t)(2000 + hold - 5 - 1800));
	CHECK_EQ_INT(rows[5].rows, 1);
	CHECK_EQ_INT(rows[5].own_ns, (int64_t)(t1 + (t2 - t1) / 2 - 1000));
	CHECK_EQ_INT(rows[6].rows, 1);
	CHECK_EQ_INT(rows[6].own_ns, (int64_t)(t3 + 500 - 1500));
	CHECK_EQ_INT(rows[9].rows + rows[10].rows, 0);
	CHECK_EQ_INT(rows[5].ns, rows[5].own_ns);   /* the period [0, 2 us): weight 1 */

	/* A wait cut from a period of weight 1 + t4 / 1 us (on for 1 us after
	 * t4 off since the first one ended at 2 us) keeps that weight however
	 * many periods (more than offcpu.c remembers) come before it ends. */
	uint64_t t4 = t3 + 2 * ms;
	offcpu_gate_on(oc, t4 + 2000);
	in_out(oc, st, 11, 1, t4 + 2500);
	CHECK_EQ_INT(offcpu_gate_off(oc, st, t4 + 3000), 0);
	offcpu_records_off(oc, t4 + 3000 + hold, fake_pcount, NULL);
	uint64_t t5 = t4 + 3000 + hold;
	for (int i = 0; i < 300; i++, t5 += 10000) {
		offcpu_gate_on(oc, t5);
		CHECK_EQ_INT(offcpu_gate_off(oc, st, t5 + 5000), 0);
	}
	pcounts[11]++;
	CHECK_EQ_INT(offcpu_poll(oc, st, t5, 1, fake_pcount, NULL), 0);
	CHECK_EQ_INT(store_flush(st), 0);
	memset(rows, 0, sizeof(rows));
	CHECK_EQ_INT(store_each_sample(st, 0, 0, on_tid, rows), 0);
	CHECK_EQ_INT(rows[11].rows, 1);
	double w11 = 1.0 + (double)t4 / 1000.0;
	CHECK(rows[11].ns >= (int64_t)(w11 * (double)rows[11].own_ns) - 1 &&
	      rows[11].ns <= (int64_t)(w11 * (double)rows[11].own_ns) + 1);
	fixture_close(path, st, oc);
}

/* The records gated as the session does it (session.c: gate_offcpu before
 * a drain, records_gate after): thread 3 switches out 100 times every 10 ms
 * slot for 100 ns each, thread 4 sleeps 47 ms, runs 1 ms, and so on. A
 * record is written only while the records are on, a stack only while the
 * stacks are. Thread 3's written time still adds up to all of it but the
 * "off" time after the last "on" period (its waits all end in their
 * period: none is cut), with the records off most of the time (pi 0.1);
 * each of thread 4's written waits keeps its 47 ms to the reads' spacing
 * (here the 10 ms slot: its midpoint within 5 ms) or exactly. */
static void test_records_gate(void)
{
	char path[] = "/tmp/test_offcpu_r.XXXXXX";
	struct hp_store *st;
	struct hp_offcpu *oc;
	struct hp_offcpu_totals t;
	struct tidrows rows[16];
	static struct hp_sample smp;
	const uint64_t slot = 10000000, sleep_ns = 47000000;
	memset(rows, 0, sizeof(rows));
	memset(pcounts, 0, sizeof(pcounts));
	fixture_open(path, 1000, &st, &oc);
	smp.pid = 1; smp.nr_frames = 1; smp.unwind = HP_STACK_END_OUTERMOST;
	smp.frames[0] = (struct hp_location){ 0, 0x1000 };
	int on = 1, rec = 1, ons = 0, trailing = 0, nslots = 1000;
	uint64_t t0 = 0, t4_next_out = 3000000;     /* thread 4: its next switch-out */
	int t4_off = 0;
	uint64_t t4_in = 0;
	for (int k = 0; k < nslots; k++, t0 += slot) {
		double pi = offcpu_gate_pi(oc, t0);
		int next = offcpu_gate_draw(oc, pi);
		if (next && !on) {
			if (!rec) {
				offcpu_records_on(oc, t0);
				rec = 1;
				CHECK_EQ_INT(offcpu_poll(oc, st, t0, 1, fake_pcount, NULL), 0);
			}
			offcpu_gate_on(oc, t0);
		}
		if (!next && on)
			CHECK_EQ_INT(offcpu_gate_off(oc, st, t0), 0);
		on = next;
		ons += on;
		trailing = on ? 0 : trailing + 1;
		/* 10,000 switch-outs a second and thread 4's ~20 */
		if (k > 1)
			CHECK(pi > 0.0975 && pi < 0.1001);
		/* the slot's switches in time order: thread 3 every 100 us,
		 * thread 4's wake-up and its next sleep */
		for (int i = 0; i < 100; i++) {
			uint64_t ts = t0 + 1000 + (slot / 100) * (uint64_t)i;
			while (t4_off && t4_in <= ts + 101) {      /* 4 comes back */
				pcounts[4]++;
				if (rec)
					in_out(oc, st, 4, 0, t4_in);
				t4_off = 0;
				t4_next_out = t4_in + 1000000;
			}
			while (!t4_off && t4_next_out <= ts + 101) {  /* 4 sleeps */
				if (on) {
					smp.tid = 4;
					smp.t_ns = t4_next_out;
					CHECK_EQ_INT(offcpu_sample(oc, st, &smp, 0, 0), 0);
				}
				if (rec)
					in_out(oc, st, 4, 1, t4_next_out + 1);
				t4_off = 1;
				t4_in = t4_next_out + 1 + sleep_ns;
			}
			if (on) {
				smp.tid = 3;
				smp.t_ns = ts;
				CHECK_EQ_INT(offcpu_sample(oc, st, &smp, 0, 0), 0);
			}
			pcounts[3]++;
			if (rec) {
				in_out(oc, st, 3, 1, ts + 1);
				in_out(oc, st, 3, 0, ts + 101);
			}
		}
		/* the drain is over: records_gate */
		uint64_t end = t0 + slot - 1;
		if (rec && offcpu_records_idle(oc, end, 1)) {
			offcpu_records_off(oc, end, fake_pcount, NULL);
			rec = 0;
		}
		CHECK_EQ_INT(offcpu_poll(oc, st, end, 0, fake_pcount, NULL), 0);
	}
	CHECK_EQ_INT(offcpu_poll(oc, st, t0, 1, fake_pcount, NULL), 0);
	CHECK_EQ_INT(offcpu_flush(oc, st, t0), 0);
	offcpu_totals(oc, &t);
	CHECK_EQ_INT(store_flush(st), 0);
	CHECK_EQ_INT(store_each_sample(st, 0, 0, on_tid, rows), 0);
	/* ons ~ Binomial(998, 0.1) + the first two: within 4 sd of 102 */
	CHECK(ons >= 102 - 38 && ons <= 102 + 38);
	CHECK(t.records_off >= 50);
	CHECK_EQ_INT(t.no_stack, 0);
	/* thread 3: 100 intervals of 100 ns per slot, all but the trailing
	 * "off" slots stood for, to each row's rounding */
	int64_t want = (int64_t)(nslots - trailing) * 100 * 100;
	CHECK_EQ_INT(rows[3].rows, 100 * (int64_t)ons - 0);
	CHECK(rows[3].ns >= want - rows[3].rows && rows[3].ns <= want + rows[3].rows);
	/* thread 4: cut waits, each 47 ms to the reads' spacing */
	CHECK(t.cut >= 1);
	CHECK(t.estimated >= 1);
	CHECK(rows[4].rows >= 1);
	fprintf(stderr, "# records gate: %d on slots, records off %llu times, thread 4: %lld"
		" waits written (%llu cut, %llu ended from reads), %.3f-%.3f ms each\n", ons,
		(unsigned long long)t.records_off, (long long)rows[4].rows,
		(unsigned long long)t.cut, (unsigned long long)t.estimated,
		rows[4].own_min / 1e6, rows[4].own_max / 1e6);
	CHECK(rows[4].own_min >= (int64_t)(sleep_ns - slot / 2) &&
	      rows[4].own_max <= (int64_t)(sleep_ns + slot / 2));
	fixture_close(path, st, oc);
}

/* The gate's first rate (wave 11): before any switch-out record was
 * handled, the kernel's count of switch-outs (offcpu_gate_outs) over the
 * records' time since they went on (an attach enables them late) gives a
 * flood's pi at once; without it pi stayed 1 until the records were
 * handled (the first "on" period of an attached flood lasted 100-200 ms).
 * After the first measurement the count is no longer used. And the step
 * callback comes after every 64 switch-outs handled. */
static int steps;
static void count_step(void *ctx)
{
	(void)ctx;
	steps++;
}

static void test_first_rate(void)
{
	char path[] = "/tmp/hp_offcpu_first_XXXXXX";
	struct hp_store *st;
	struct hp_offcpu *oc;
	fixture_open(path, 2000, &st, &oc);
	offcpu_records_on(oc, 50000000);              /* enabled 50 ms after the start */
	CHECK(offcpu_gate_first(oc));
	CHECK(offcpu_gate_pi(oc, 52000000) == 1.0);   /* 2 ms: no rate yet */
	offcpu_gate_outs(oc, 1200);                   /* 100k switch-outs/s for 12 ms */
	double pi = offcpu_gate_pi(oc, 62000000);
	CHECK(pi > 0.015 && pi < 0.025);              /* 2000 / 100,000 */
	CHECK(!offcpu_gate_first(oc));
	offcpu_gate_outs(oc, 1000000);                /* measured since: not used */
	CHECK(offcpu_gate_pi(oc, 64000000) == pi);
	offcpu_set_step(oc, count_step, NULL);
	steps = 0;
	for (uint32_t i = 0; i < 200; i++) {
		struct hp_perf_switch o = sw(100 + i, 1, 0), in = sw(100 + i, 0, 0);
		CHECK_EQ_INT(offcpu_switch(oc, st, &o, 70000000 + 2000 * i), 0);
		CHECK_EQ_INT(offcpu_switch(oc, st, &in, 70001000 + 2000 * i), 0);
	}
	CHECK_EQ_INT(steps, 3);                       /* 200 / 64 */
	fixture_close(path, st, oc);
}

int main(void)
{
	test_parse_switch();
	test_pairing();
	test_hold();
	test_gate();
	test_cut();
	test_records_gate();
	test_first_rate();
	return hp_test_result();
}

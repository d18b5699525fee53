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
 * stand for all of them.
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

static void test_pairing(void)
{
	char path[] = "/tmp/test_offcpu.XXXXXX";
	int fd = mkstemp(path);
	struct hp_store *st;
	struct hp_offcpu *oc;
	static struct hp_sample smp;
	struct rows rs = { 0 };
	struct hp_perf_switch s;
	close(fd);
	unlink(path);
	CHECK_EQ_INT(store_create(path, &st), 0);
	CHECK_EQ_INT(offcpu_new(9, 0, &oc), 0);

	/* thread 2: sample at 100, out at 101, in at 1101: blocked 1000 ns */
	smp.pid = 1; smp.tid = 2; smp.t_ns = 100; smp.nr_frames = 2; smp.unwind = HP_STACK_END_OUTERMOST;
	smp.frames[0] = (struct hp_location){ 0, 0x1000 };
	smp.frames[1] = (struct hp_location){ 0, 0x2000 };
	CHECK_EQ_INT(offcpu_sample(oc, &smp), 0);
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
	offcpu_free(oc);
	store_close(st);
	unlink(path);
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
			CHECK_EQ_INT(offcpu_sample(oc, &smp), 0);
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
	int fd = mkstemp(path);
	struct hp_store *st;
	struct hp_offcpu *oc;
	struct sums slow = { 0 }, fast = { 0 };
	struct hp_offcpu_totals t;
	close(fd);
	unlink(path);
	CHECK_EQ_INT(store_create(path, &st), 0);
	CHECK_EQ_INT(offcpu_new(9, 1000, &oc), 0);
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
	offcpu_free(oc);
	store_close(st);
	unlink(path);
}

int main(void)
{
	test_parse_switch();
	test_pairing();
	test_gate();
	return hp_test_result();
}

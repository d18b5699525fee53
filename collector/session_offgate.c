/*
 * session_offgate.c - the off-CPU side of the loop (--off-cpu): the gate
 * that turns the switch-out stack samplers and the SWITCH records on and
 * off above the stack budget (collector/offcpu.h), the cut waits' ends
 * read from /proc/PID/task/TID/schedstat, and the intervals closed at the
 * end of the run. session.c calls session_gate_step before each drain and
 * session_records_step after it.
 */
#include "collector/session.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#include "collector/offcpu.h"
#include "collector/session_internal.h"
#include "common/clock.h"

/* --off-cpu: the switch-in count of thread tid (offcpu.h, offcpu_pcount_fn). */
static int read_pcount(void *ctx, uint32_t pid, uint32_t tid, uint64_t *count)
{
	char path[64], buf[96];
	unsigned long long run, delay, n;
	(void)ctx;
	snprintf(path, sizeof(path), "/proc/%u/task/%u/schedstat", pid, tid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ssize_t len = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (len <= 0)
		return -ESRCH;
	buf[len] = '\0';
	if (sscanf(buf, "%llu %llu %llu", &run, &delay, &n) != 3)
		return -EINVAL;
	*count = n;
	return 0;
}

/* The switch-outs the stack samplers counted (each a counting event too:
 * its children's included), for the gate's first rate (offcpu.h). */
static uint64_t switch_outs(const struct hp_session *s)
{
	uint64_t sum = 0, v;
	for (size_t i = 0; i < s->ngate; i++)
		if (read(s->gate_fds[i], &v, sizeof(v)) == (ssize_t)sizeof(v))
			sum += v;
	return sum;
}

/* --off-cpu: at most every GATE_SLOT_NS, the switch-out stack samplers
 * stay or go on or off (collector/offcpu.h): on with probability pi, 1 at
 * low switch rates. "On" periods are timed from after the samplers went
 * on to before they go off, so that every switch-out in one has its stack
 * and none outside is used; their weights are ratios of those real times.
 * The SWITCH records go on first (their "on" time is read for the cut
 * waits at once) and off after the drain (session_records_step). */
void session_gate_step(struct hp_session *s)
{
	uint64_t now = hp_now_ns();
	if (!s->oc || !s->ngate || now < s->gate_next)
		return;
	s->gate_next = now + GATE_SLOT_NS;
	if (offcpu_gate_first(s->oc))
		offcpu_gate_outs(s->oc, switch_outs(s));
	s->gate_pi = offcpu_gate_pi(s->oc, session_rel_time(s, now));
	int on = offcpu_gate_draw(s->oc, s->gate_pi), err = 0;
	if (on == s->gate_on)
		return;
	if (on) {
		if (!s->rec_on) {
			session_records_set(s, 1);
			offcpu_records_on(s->oc, session_rel_time(s, hp_now_ns()));
			s->rec_on = 1;
			err = offcpu_poll(s->oc, s->st, session_rel_time(s, hp_now_ns()), 1,
					  read_pcount, s);
		}
		session_gate_set(s, 1);
		offcpu_gate_on(s->oc, session_rel_time(s, hp_now_ns()));
	} else {
		err = offcpu_gate_off(s->oc, s->st, session_rel_time(s, hp_now_ns()));
		session_gate_set(s, 0);
	}
	if (err && !s->err)
		s->err = err;
	s->gate_on = on;
}

/* offcpu_set_step's callback: a step of the gate in the middle of a
 * drain (the drain's records are all stamped before its cut, before any
 * t_on or t_off taken now: they stay on their side of it). */
static void gate_step_cb(void *ctx)
{
	session_gate_step(ctx);
}

void session_gate_init(struct hp_session *s)
{
	if (s->oc && s->ngate)
		offcpu_set_step(s->oc, gate_step_cb, s);
}

/* After a drain: the records go off once the intervals of the last "on"
 * period have ended (or are cut), and the cut waits due are read. */
void session_records_step(struct hp_session *s)
{
	if (!s->oc || !s->nrec)
		return;
	uint64_t now = session_rel_time(s, hp_now_ns());
	if (s->rec_on && offcpu_records_idle(s->oc, now, s->have_schedstat)) {
		offcpu_records_off(s->oc, now, read_pcount, s);
		session_records_set(s, 0);
		s->rec_on = 0;
	}
	int err = offcpu_poll(s->oc, s->st, session_rel_time(s, hp_now_ns()), 0, read_pcount, s);
	if (err && !s->err)
		s->err = err;
}

int session_gate_timeout_ms(const struct hp_session *s, int idle_ms)
{
	if (s->ngate && (s->gate_pi < 1.0 || (s->oc && offcpu_cut_count(s->oc))))
		return (int)(GATE_SLOT_NS / 1000000);   /* gating: the slots need the beat */
	return idle_ms;
}

/* Close the off-CPU intervals still open (threads blocked at the end)
 * and report the totals. */
void session_offcpu_end(struct hp_session *s)
{
	struct hp_offcpu_totals t;
	if (!s->oc)
		return;
	int err = offcpu_poll(s->oc, s->st, session_rel_time(s, hp_now_ns()), 1, read_pcount, s);
	if (!err)
		err = offcpu_flush(s->oc, s->st, session_rel_time(s, hp_now_ns()));
	if (!err && s->join)      /* the rows just written may have been held */
		err = stackjoin_flush(s->join, 0, 0);
	if (err && !s->err)
		s->err = err;
	offcpu_totals(s->oc, &t);
	s->res->offcpu_intervals = t.intervals;
	s->res->offcpu_ns = t.ns;
	s->res->offcpu_no_stack = t.no_stack;
	s->res->offcpu_sampled = t.sampled;
	s->res->offcpu_weighted_ns = t.weighted_ns;
	s->res->offcpu_unsampled = t.unsampled;
	s->res->offcpu_slots = t.slots;
	s->res->offcpu_slots_off = t.slots_off;
	s->res->offcpu_records_off = t.records_off;
	s->res->offcpu_cut = t.cut;
	s->res->offcpu_estimated = t.estimated;
	s->res->offcpu_estimated_err_ns = t.estimated_err_ns;
}

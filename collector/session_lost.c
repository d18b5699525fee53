/*
 * session_lost.c - the records the kernel could not write into a
 * session's rings (res->lost, run_info lost_samples).
 *
 * The kernel says a ring lost records with a PERF_RECORD_LOST it writes
 * there before the next record that fits (session_records.c adds them up
 * per kind of ring as they are drained), so the losses of a ring that
 * stays full until its events close are never reported: a run whose
 * target ends while hpprof is behind (descheduled, or its rings filled
 * in the last "on" period of the off-CPU gate) under-counted. Since
 * Linux 6.0 each event also counts the records it could not write
 * (PERF_FORMAT_LOST, read with the event's value); the samplers, the
 * page-fault samplers and the off-CPU events are opened with it, and at
 * the end of a run, after the last drain and before the events close,
 * this file reads every one of them: the lost figure is the kernel's
 * count, never less than the records reported. Kernels without the
 * format refuse it with EINVAL (session_lost_probe): the figure is then
 * the records reported (res->lost_counted 0, said at --debug=perf:1 and
 * in run_info lost_count), as before.
 *
 * Does not decide what a loss costs the profile (session_records.c: the
 * gap charged to the next sample; offcpu.c: intervals without a stack).
 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "collector/offcpu.h"
#include "collector/perf_record.h"
#include "collector/session_internal.h"
#include "common/log.h"

static const char *const kind_name[LOST_KINDS] = { "samples", "switch records", "stacks" };

void session_lost_probe(struct hp_session *s)
{
	static int known = -1;       /* the kernel's answer does not change: asked once */
	if (known < 0) {
		struct perf_event_attr a;
		memset(&a, 0, sizeof(a));
		a.size = sizeof(a);
		a.type = PERF_TYPE_SOFTWARE;
		a.config = PERF_COUNT_SW_DUMMY;
		a.disabled = 1;
		a.exclude_kernel = 1;
		a.exclude_hv = 1;
		a.read_format = PERF_FORMAT_LOST;
		int fd = (int)syscall(SYS_perf_event_open, &a, 0, -1, -1, PERF_FLAG_FD_CLOEXEC);
		/* EINVAL: a read_format bit this kernel does not know (before
		 * 6.0); any other refusal is the events' own, said when they open */
		known = fd >= 0 || errno != EINVAL;
		if (fd >= 0)
			close(fd);
		else if (!known)
			hp_debug(HP_DBG_PERF, 1, "this kernel has no PERF_FORMAT_LOST (Linux < 6.0):"
				 " lost records are those it reported only, not those at the end of"
				 " a run");
	}
	s->lost_format = known ? PERF_FORMAT_LOST : 0;
}

/* The kind of records ring r holds (session_internal.h: the CPU rings,
 * then the switch rings, then the stack rings). */
static unsigned ring_kind(const struct hp_session *s, unsigned ring)
{
	if (ring < s->nrings)
		return LOST_SAMPLES;
	return ring < s->nrings + s->nswitch_rec ? LOST_SWITCHES : LOST_STACKS;
}

void session_lost_reported(struct hp_session *s, unsigned ring, uint64_t n)
{
	s->lost_reported[ring_kind(s, ring)] += n;
	s->res->lost += n;
}

/* fd's value and its records lost (rf: its read_format); -1 when it
 * cannot be read. */
static int read_event(int fd, uint64_t rf, uint64_t *value, uint64_t *lost)
{
	uint64_t buf[3 + 3 * (HP_MAX_COUNTERS + 1)], id;   /* a group read: the sampler's */
	struct hp_perf_sample r;
	if (session_read_event(fd, rf, buf, sizeof(buf) / sizeof(buf[0]), &r) || !r.read_nr)
		return -1;
	perf_read_entry(&r, 0, value, &id);
	*lost = perf_read_lost(&r, 0);
	return 0;
}

uint64_t session_fault_format(const struct hp_session *s)
{
	return PERF_FORMAT_TOTAL_TIME_ENABLED | PERF_FORMAT_TOTAL_TIME_RUNNING | s->lost_format;
}

/* Add fd's lost count to *sum, and its value to *value (NULL: not
 * needed); whether it was read. */
static int add_event(int fd, uint64_t rf, uint64_t *sum, uint64_t *value)
{
	uint64_t v, lost;
	if (read_event(fd, rf, &v, &lost))
		return 0;
	*sum += lost;
	if (value)
		*value += v;
	return 1;
}

/* The read_format of an attached thread's sampler or page-fault sampler
 * (by its perf id: session_remember_id); 0 with *off set for an off-CPU
 * event (counted from rec_fds and gate_fds). */
static uint64_t extra_format(const struct hp_session *s, int fd, int *off)
{
	uint64_t id, what = 0;
	*off = 0;
	if (ioctl(fd, PERF_EVENT_IOC_ID, &id) < 0 || !hmap_get(&s->ids, id ? id : 1ull << 63, &what))
		return s->read_format;
	*off = what >> 32 == ID_OFFCPU;
	return what >> 32 == ID_FAULT ? session_fault_format(s) : s->read_format;
}

/* The kernel's counts of every event, per kind (kernel[]), and the
 * switch-out samples the stack samplers took (*taken). */
static void kernel_counts(const struct hp_session *s, uint64_t kernel[LOST_KINDS],
			  uint64_t *taken)
{
	uint64_t off = s->lost_format;
	for (unsigned r = 0; r < s->nrings; r++)
		add_event(s->rings[r].fd, s->read_format, &kernel[LOST_SAMPLES], NULL);
	kernel[LOST_SAMPLES] += s->fault_lost;     /* read with their totals */
	for (size_t i = 0; i < s->nrec; i++)
		add_event(s->rec_fds[i], off, &kernel[LOST_SWITCHES], NULL);
	for (size_t i = 0; i < s->ngate; i++)      /* value: every switch-out while on */
		add_event(s->gate_fds[i], off, &kernel[LOST_STACKS], taken);
	/* an attach's other threads: samplers and fault samplers (their
	 * off-CPU events are in rec_fds, gate_fds); each has one format */
	for (size_t i = 0; i < s->nextra; i++) {
		int offcpu;
		uint64_t rf = extra_format(s, s->extra_fds[i], &offcpu);
		if (!offcpu)
			add_event(s->extra_fds[i], rf, &kernel[LOST_SAMPLES], NULL);
	}
}

void session_count_lost(struct hp_session *s)
{
	uint64_t kernel[LOST_KINDS] = { 0 }, taken = 0, reported = 0, counted = 0, unreceived = 0;
	struct hp_offcpu_totals t;
	if (s->o->no_perf && !s->nswitch) {
		s->res->lost_counted = -1;   /* no ring: nothing the kernel could drop */
		return;
	}
	kernel_counts(s, kernel, &taken);
	for (unsigned k = 0; k < LOST_KINDS; k++) {
		reported += s->lost_reported[k];
		counted += kernel[k];
		if (s->lost_format || s->lost_reported[k])
			hp_debug(HP_DBG_RUN, 1, "lost %s: %" PRIu64 " counted by the kernel, %"
				 PRIu64 " reported", kind_name[k], kernel[k], s->lost_reported[k]);
	}
	/* Without the kernel's counts, an attach's stack samplers still say
	 * how many switch-outs they sampled: those hpprof never received were
	 * lost (a stack ring full in the last "on" period before the detach:
	 * e2e_offcpu_attach). The stack samplers of a launched run count
	 * switch-outs after the last drain too. */
	if (s->oc && s->ngate) {
		offcpu_totals(s->oc, &t);
		hp_debug(HP_DBG_RUN, 1, "stack samples: taken %" PRIu64 ", received %" PRIu64,
			 taken, t.samples);
		if (s->attach && taken > t.samples)
			unreceived = taken - t.samples;
	}
	s->res->lost = reported;
	if (s->lost_format && counted > s->res->lost)
		s->res->lost = counted;
	if (unreceived > s->res->lost)
		s->res->lost = unreceived;
	s->res->lost_counted = s->lost_format != 0;
}

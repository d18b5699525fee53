/*
 * session_rings.c - the sizes of a session's perf rings and of its stack
 * copy, fitted to what the session may lock, the rings' mapping, and the
 * session's per-CPU arrays (session_internal.h). The events that write
 * into the rings are session_events.c's.
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <unistd.h>

#include "collector/perf_ring.h"
#include "collector/session_internal.h"
#include "common/error.h"
#include "common/log.h"

/* Ring pages per CPU (ring_pages_for, perf_ring.h): 4 MiB hold 64 samples
 * with a full 64 KiB stack copy (a record takes the room of the whole copy
 * however little the kernel copied), 64 ms of a busy CPU at the default
 * 1 kHz; a higher -F gets larger rings (up to 32 MiB), so that the loop has
 * as long to drain them (at -F 5000 4 MiB rings lost 101 of 7,388 samples
 * at load 13). An unprivileged user's perf_event_mlock_kb may refuse that,
 * so rings a quarter as large are tried, down to RING_PAGES_LAST, and the
 * default copy shrinks with them (session_stack_size_for); the sizes are
 * first fitted to that allowance (fit_ring_budget). */

/* The default copy takes at most this share of a ring. */
#define RING_RECORDS_MIN 64

/* Bytes of user stack to copy per sample with rings of the current size:
 * what the user asked for, else the default, at most 1/RING_RECORDS_MIN of
 * a ring (docs/performance.md, "The stack copy and complete stacks"). */
unsigned session_stack_size_for(const struct hp_session *s)
{
	uint64_t room = (uint64_t)s->ring_pages * 4096 / RING_RECORDS_MIN;
	if (s->o->stack_size)
		return s->o->stack_size;
	return (unsigned)(room < HP_STACK_SIZE_DEFAULT ? room & ~7ull : HP_STACK_SIZE_DEFAULT);
}

int session_map_ring(struct hp_session *s, struct hp_ring *r, int fd)
{
	for (;;) {
		int err = ring_map(r, fd, s->ring_pages);
		if (!err) {
			if (!s->nrings)
				hp_debug(HP_DBG_PERF, 1, "rings: %u pages per CPU", s->ring_pages);
			return 0;
		}
		/* Only the first ring may shrink: all rings share one size.
		 * Refused (EPERM) means over the user's locked-memory
		 * allowance, not perf_event_paranoid: the message says so. */
		if (err != -EPERM)
			return err;
		if (s->nrings || s->ring_pages <= RING_PAGES_LAST)
			return -HP_ERINGMEM;
		s->ring_pages = ring_part_pages(s->ring_pages, 4);
		hp_debug(HP_DBG_PERF, 1, "ring refused (perf_event_mlock_kb); trying %u pages",
			 s->ring_pages);
	}
}

/* CPUs the rings are for (sysconf reads /sys/devices/system/cpu/possible
 * at each call: asked once a session). */
int session_conf_cpus(void)
{
	static long n;
	if (n <= 0)
		n = sysconf(_SC_NPROCESSORS_CONF);
	return (int)n;
}

int session_event_cpus(const struct hp_session *s)
{
	int n = session_conf_cpus();
	return n > (int)s->nslots ? (int)s->nslots : n;
}

int session_alloc_slots(struct hp_session *s)
{
	int n = session_conf_cpus();
	s->nslots = n <= 0 ? 1 : n > MAX_CPUS ? MAX_CPUS : (unsigned)n;
	if (n > MAX_CPUS)
		hp_warn("this machine has %d CPUs; events open on the first %d only, and the"
			" program's time on the others is not sampled", n, MAX_CPUS);
	s->rings = calloc(3 * (size_t)s->nslots, sizeof(*s->rings));
	s->pfd = calloc(3 * (size_t)s->nslots + 1, sizeof(*s->pfd));
	s->counter_fds = calloc(s->nslots, sizeof(*s->counter_fds));
	s->fault_fds = calloc(s->nslots, sizeof(*s->fault_fds));
	s->offcpu_fds = calloc(s->nslots, sizeof(*s->offcpu_fds));
	s->swrec_fds = calloc(s->nslots, sizeof(*s->swrec_fds));
	if (s->rings && s->pfd && s->counter_fds && s->fault_fds && s->offcpu_fds && s->swrec_fds)
		return 0;
	session_free_slots(s);
	return -ENOMEM;
}

void session_free_slots(struct hp_session *s)
{
	free(s->rings);
	free(s->pfd);
	free(s->counter_fds);
	free(s->fault_fds);
	free(s->offcpu_fds);
	free(s->swrec_fds);
	s->rings = NULL;
	s->pfd = NULL;
	s->counter_fds = NULL;
	s->fault_fds = s->offcpu_fds = s->swrec_fds = NULL;
	s->nslots = 0;
}

/* All the rings of the session fit a budget (ring_lock_budget): at most
 * RING_SESSION_MAX, and, without the right to lock more (ring_may_grow),
 * the user's locked-memory allowance, beyond which the kernel refuses a
 * ring and only the first can still shrink (session_map_ring). The rings
 * shrink to fit, the stack copy with them (session_stack_size_for). The
 * CPU ring's size comes first, as the copy (complete stacks) depends on
 * it: when the off-CPU rings would make it smaller, the off-CPU events
 * write into the CPU's ring instead (as before wave 7; their records are
 * told apart by id, their losses counted per event). Until wave 23 the
 * sizes were not fitted: at the default limits (516 KiB a CPU, `ulimit -l`
 * 8 MiB) the third CPU's 4 MiB ring was refused, so on any machine of 3 or
 * more CPUs an unprivileged run fell back to the preload agent, blaming
 * perf_event_paranoid; and root's rings took 7 MiB a CPU however many. */
static void fit_ring_budget(struct hp_session *s)
{
	long online = sysconf(_SC_NPROCESSORS_ONLN);
	unsigned n = online > 0 ? (unsigned)online : 1;
	uint64_t budget = ring_lock_budget(n);
	if (n > s->nslots)
		n = s->nslots;
	int cpu = !s->offcpu_only, off = 0;
	if (s->o->off_cpu && s->res->kernel_samples)
		off = s->attach && ring_may_grow() ? RING_OFFCPU_ATTACH : RING_OFFCPU;
	unsigned p = ring_pages_fitting(s->ring_pages, n, cpu, off, budget);
	if (off && cpu) {
		unsigned alone = ring_pages_fitting(s->ring_pages, n, cpu, 0, budget);
		if (alone > p) {
			p = alone;
			s->offcpu_shared = 1;
		}
	}
	if (p && (p != s->ring_pages || s->offcpu_shared))
		hp_debug(HP_DBG_PERF, 1, "rings fitted to the budget of %llu pages: %u pages"
			 " per CPU%s", (unsigned long long)budget, p,
			 s->offcpu_shared ? ", the off-CPU events into the CPU's ring" : "");
	if (p)
		s->ring_pages = p;
}

/* The first ring size to try and the stack copy that fits it (also what
 * run reports), before any sampler opens. */
void session_ring_sizes(struct hp_session *s)
{
	if (!s->ring_pages) {
		const struct hp_session_opts *o = s->o;
		unsigned copy = o->call_graph != HP_CG_DWARF ? 0
				: o->stack_size ? o->stack_size : HP_STACK_SIZE_DEFAULT;
		/* a period given (-c, a sampler of the user's): the rate is unknown */
		unsigned freq = o->sampler_period ? 0 : o->freq;
		s->ring_pages = ring_pages_for(freq, copy, (unsigned)session_conf_cpus());
		if (s->ring_pages > RING_PAGES_MIN && !ring_may_grow())
			s->ring_pages = RING_PAGES_MIN;
		fit_ring_budget(s);
	}
	s->stack_size = session_stack_size_for(s);
	s->res->stack_size = s->o->call_graph == HP_CG_DWARF ? s->stack_size : 0;
}

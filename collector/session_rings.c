/*
 * session_rings.c - how large the session's perf rings are, and mapping
 * them.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "collector/session_internal.h"
#include "common/log.h"

/* Ring pages per CPU (ring_pages_for, perf_ring.h): 4 MiB hold 64 samples
 * with a full 64 KiB stack copy (a record takes the room of the whole copy
 * however little the kernel copied), 64 ms of a busy CPU at the default
 * 1 kHz; a higher -F gets larger rings (up to 32 MiB), so that the loop has
 * as long to drain them (at -F 5000 4 MiB rings lost 101 of 7,388 samples
 * at load 13). An unprivileged user's perf_event_mlock_kb may refuse that,
 * so rings a quarter as large are tried, down to RING_PAGES_LAST, and the
 * default copy shrinks with them (stack_size_for). */
#define RING_PAGES_LAST 64u

/* The default copy takes at most this share of a ring. */
#define RING_RECORDS_MIN 64

/* The off-CPU rings, per CPU, each waking the loop at a quarter: the
 * switch records' a quarter of a CPU ring (1 MiB by default, ~20,000
 * records of ~48 bytes: 100 ms of 100k switches a second, two records
 * each, with the records on throughout; above the stack budget they are
 * gated, on in ~5-10% of the time), the stacks' half of one (2 MiB, 128
 * switch-out samples of the 16 KiB copy). Until wave 10 both were 4 MiB
 * (the switch ring so since wave 7, when the records were not gated and a
 * 1 MiB one lost 27k records in one of 7 pingpong runs at load 10): the
 * kernel zeroes a ring's pages when it is mapped (0.6 ms per 4 MiB here)
 * and each page costs the loop a fault when it first reads it (1.7 ms per
 * 4 MiB in this VM): hpprof's own CPU for the julia kernel was +18 ms with
 * --off-cpu (median of 18 pairs), +9-11 ms with these (docs/offcpu.md,
 * "Wave 10"). */
static unsigned offcpu_ring_pages(unsigned ring_pages, unsigned div)
{
	unsigned p = ring_pages / div;
	if (p >= RING_PAGES_LAST)
		return p;
	return ring_pages < RING_PAGES_LAST ? ring_pages : RING_PAGES_LAST;
}

unsigned session_switch_ring_pages(const struct hp_session *s)
{
	return offcpu_ring_pages(s->ring_pages, 4);
}

/* Attached, twice a CPU ring (8 MiB by default, ~500 stacks): the loop
 * of a loaded machine gets a CPU milliseconds late, the gate's "on"
 * period lasts as long, and at 100k switches a second 2 MiB lost up to
 * a fifth of its stacks (docs/offcpu.md, "Waits without a stack"); an
 * attach has no start-up budget to spend the zeroing against. Only with
 * the right to lock more (ring_may_grow: root, CAP_IPC_LOCK). */
unsigned session_stack_ring_pages(const struct hp_session *s)
{
	return s->attach && ring_may_grow() ? s->ring_pages * 2 : offcpu_ring_pages(s->ring_pages, 2);
}

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

/* CPUs the rings are for (sysconf reads /sys/devices/system/cpu/possible
 * at each call: asked once a session). */
int session_conf_cpus(void)
{
	static long n;
	if (n <= 0)
		n = sysconf(_SC_NPROCESSORS_CONF);
	return (int)n;
}

/* The first ring size to try, from the options. */
static unsigned first_ring_pages(const struct hp_session_opts *o)
{
	unsigned copy = o->call_graph != HP_CG_DWARF ? 0
			: o->stack_size ? o->stack_size : HP_STACK_SIZE_DEFAULT;
	/* a period given (-c, a sampler of the user's): the rate is unknown */
	unsigned freq = o->sampler_period ? 0 : o->freq;
	unsigned pages = ring_pages_for(freq, copy, (unsigned)session_conf_cpus());
	return pages > RING_PAGES_MIN && !ring_may_grow() ? RING_PAGES_MIN : pages;
}

/* The first ring size to try and the stack copy that fits it (also what
 * run reports), before any sampler opens. */
void session_rings_and_copy_sizes(struct hp_session *s)
{
	if (!s->ring_pages)
		s->ring_pages = first_ring_pages(s->o);
	s->stack_size = session_stack_size_for(s);
	s->res->stack_size = s->o->call_graph == HP_CG_DWARF ? s->stack_size : 0;
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
		/* Only the first ring may shrink: all rings share one size. */
		if (err != -EPERM || s->nrings || s->ring_pages <= RING_PAGES_LAST)
			return err;
		s->ring_pages = s->ring_pages / 4 > RING_PAGES_LAST ? s->ring_pages / 4 : RING_PAGES_LAST;
		hp_debug(HP_DBG_PERF, 1, "ring refused (perf_event_mlock_kb); trying %u pages",
			 s->ring_pages);
	}
}

/*
 * ringhold.h - perf rings made ahead of the events that fill them.
 *
 * Mapping a ring is the kernel allocating and zeroing its pages (and, since
 * Linux 6.15, mapping them all at once): ~14 MiB of rings, ~3 ms of a run's
 * start in which the program waits (docs/performance.md, "Wave 19: rings
 * made ahead"). A ring belongs to the event it was mapped on, but any event
 * of the same CPU may write into it (PERF_EVENT_IOC_SET_OUTPUT): so a
 * thread started as soon as the run's options are known opens a disabled
 * dummy event on hpprof itself per CPU ("the holder", which never writes a
 * record) and maps the rings on it, while the main thread forks the target,
 * creates the store and opens the real events; the session then points each
 * event's output at the ring held for its CPU. Whatever the holder could
 * not make (perf_event_paranoid 3, perf_event_mlock_kb, an offline CPU) the
 * session maps itself, as without it.
 */
#ifndef HP_RINGHOLD_H
#define HP_RINGHOLD_H

#include "collector/perf_ring.h"

enum ringhold_kind {
	RINGHOLD_MAIN,                 /* the CPU's sampler ring */
	RINGHOLD_SWITCH,               /* the off-CPU switch records' ring */
	RINGHOLD_STACK,                /* the off-CPU stack samples' ring */
	RINGHOLD_KINDS
};

/* Data pages of each kind's ring (0: none of that kind), for ncpu CPUs. */
struct ringhold_plan {
	unsigned pages[RINGHOLD_KINDS];
	int ncpu;
};

struct hp_ringhold;

/* Start making the rings of plan on a thread. Returns 0 or -errno (no
 * thread: the session maps every ring itself). */
int ringhold_start(const struct ringhold_plan *plan, struct hp_ringhold **out);

/* Point event fd (of CPU cpu) at the ring of kind held for that CPU, if one
 * of `pages` data pages was made (waiting for it if it is being made), and
 * hand the mapping to r (r->fd = fd; ring_unmap releases it; the holder's
 * fd is closed: the mapping keeps its event). Returns 0, or
 * -ENOENT when there is no such ring (the caller maps one itself). */
int ringhold_take(struct hp_ringhold *h, enum ringhold_kind kind, int cpu, unsigned pages,
		  int fd, struct hp_ring *r);

/* Rings taken (for --debug). */
unsigned ringhold_taken(const struct hp_ringhold *h);

/* Wait for the thread, unmap the rings nobody took and close their holders.
 * The rings taken stay mapped (their hp_ring owns them). NULL is a no-op. */
void ringhold_free(struct hp_ringhold *h);

#endif

/*
 * repoint.h - perf events pointed at other rings later, on a thread.
 *
 * PERF_EVENT_IOC_SET_OUTPUT on an event that already writes into a ring
 * waits in the kernel for an RCU grace period (ring_buffer_attach: 7-12 ms
 * each on this VM), during which the event keeps writing into its old
 * ring. The session maps the off-CPU rings after the program's release
 * (session_map_late_rings) and lets this thread move the off-CPU events
 * into them, so that neither the program's start nor the run loop waits.
 */
#ifndef HP_COLLECTOR_REPOINT_H
#define HP_COLLECTOR_REPOINT_H

struct hp_repoint;

/* A thread that, after delay_ms (unless stopped first), points event ev[i]
 * at the ring of event to[i], for i in [0, n), in that order; the arrays
 * are copied. A failed move leaves that event where it was. *out is NULL
 * when n is 0. Returns 0 or a negative errno (no thread: nothing moves).
 * The caller keeps the fds open until repoint_stop returned. */
int repoint_start(const int *ev, const int *to, unsigned n, unsigned delay_ms,
		  struct hp_repoint **out);
/* Move nothing more, wait for a move in flight (at most one grace period)
 * and free rp (NULL: nothing). Returns how many events were moved. */
unsigned repoint_stop(struct hp_repoint *rp);

#endif

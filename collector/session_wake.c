/*
 * session_wake.c - the run loops' wake-ups (session.c's sample_loop;
 * attach's loop shares the rings that hung up): why each round began, the
 * rings that hung up (polled no more), and what --debug=run:1 says of the
 * launched loop at the end.
 */
#include <poll.h>
#include <sys/resource.h>

#include "collector/session_internal.h"
#include "common/log.h"

/* Stop polling the rings pfd[0..nrings) whose events hung up; how many
 * did. The kernel reports POLLHUP once every task of a ring's owner event
 * is gone, and again at every poll after. Launched, that is the target's
 * exit, which goes on (its memory is freed after its perf events exit)
 * before its pidfd says so: a loop polling the ring spun through it,
 * thousands of rounds for a target of a few hundred MB (docs/performance.md,
 * "Wave 12"); nothing more comes into it, the last drain reads what it
 * holds. Attached, the owner is one thread's event (a main thread that
 * called pthread_exit): the other threads' samples still come into the
 * ring, drained on the loop's beat like every ring. */
unsigned session_forget_hung_up(struct pollfd *pfd, unsigned nrings)
{
	unsigned hup = 0;
	for (unsigned r = 0; r < nrings; r++)
		if (pfd[r].revents & (POLLHUP | POLLERR)) {
			pfd[r].fd = -1;       /* poll skips it from now on */
			hup++;
		}
	return hup;
}

/* After poll returned n (pfd[0..nfd): the rings, then the pidfd; a
 * timeout of timeout ms, or of due ms set by the RSS readings): count why
 * (--debug=run:1), and stop polling a ring whose events hung up. */
void session_loop_woken(struct hp_session *s, struct pollfd *pfd, int nfd, int n, int timeout,
			int due)
{
	if (n <= 0) {
		if (due >= 0 && due < timeout)
			s->woke.mem++;
		else if (timeout < LOOP_IDLE_MS)
			s->woke.gate++;
		else
			s->woke.idle++;
		return;
	}
	unsigned hup = session_forget_hung_up(pfd, s->nrings + s->nswitch);
	s->woke.hup += hup;
	int first = 0;
	while (first < nfd && !pfd[first].revents)
		first++;
	if (hup || first == nfd)
		return;
	if (first < (int)s->nrings)
		s->woke.ring++;
	else if (first < (int)(s->nrings + s->nswitch))
		s->woke.offcpu_ring++;
	else
		s->woke.exited++;
}

/* --debug=run:1: the loop's rounds and why it woke; how full a ring was
 * at a drain at most (how late the loop came: the kernel wakes it at a
 * quarter) and its longest round; this thread's CPU since the events
 * were opened (s->ru0), user and system, and its page faults. */
void session_loop_debug(const struct hp_session *s)
{
	struct rusage ru;
	if (hp_debug_levels[HP_DBG_RUN] < 1 || getrusage(RUSAGE_THREAD, &ru))
		return;
	hp_debug_print(HP_DBG_RUN, "run loop: %llu rounds (woken by a CPU ring %llu, an off-CPU"
		       " ring %llu, rings hung up %llu, the exit %llu; timeouts for the RSS readings"
		       " %llu, the off-CPU gate %llu, idle %llu)", (unsigned long long)s->round,
		       (unsigned long long)s->woke.ring, (unsigned long long)s->woke.offcpu_ring,
		       (unsigned long long)s->woke.hup, (unsigned long long)s->woke.exited,
		       (unsigned long long)s->woke.mem, (unsigned long long)s->woke.gate,
		       (unsigned long long)s->woke.idle);
	hp_debug_print(HP_DBG_RUN, "run loop: a ring at most %.1f%% full at a drain, the longest"
		       " round %.2f ms; its thread's CPU %.2f ms user, %.2f ms system, %ld page"
		       " faults", s->reader.fill_max / 10.0, (double)s->round_max_ns / 1e6,
		       ((double)(ru.ru_utime.tv_sec - s->ru0.ru_utime.tv_sec) * 1e6 +
			(double)(ru.ru_utime.tv_usec - s->ru0.ru_utime.tv_usec)) / 1e3,
		       ((double)(ru.ru_stime.tv_sec - s->ru0.ru_stime.tv_sec) * 1e6 +
			(double)(ru.ru_stime.tv_usec - s->ru0.ru_stime.tv_usec)) / 1e3,
		       ru.ru_minflt - s->ru0.ru_minflt);
}

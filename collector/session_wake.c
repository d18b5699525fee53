/*
 * session_wake.c - the launched run loop's wake-ups (session.c,
 * sample_loop): why each round began, the rings that hung up (polled no
 * more), and what --debug=run:1 says of the loop at the end.
 */
#include <poll.h>
#include <sys/resource.h>

#include "collector/session_internal.h"
#include "common/log.h"

/* After poll returned n (pfd[0..nfd): the rings, then the pidfd; a
 * timeout of timeout ms, or of due ms set by the RSS readings): count why
 * (--debug=run:1), and stop polling a ring whose events hung up. The
 * kernel reports POLLHUP once every task of an event is gone, and again at
 * every poll after: the target's exit goes on (its memory is freed after
 * its perf events exit) before its pidfd says so, and a loop polling the
 * ring spun through that, thousands of rounds for a target of a few
 * hundred MB (docs/performance.md, "Wave 12"). Nothing more comes into a
 * ring whose every writer is gone; the last drain reads what it holds. */
void session_loop_woken(struct hp_session *s, struct pollfd *pfd, int nfd, int n, int timeout,
			int due)
{
	int first = -1;
	if (n <= 0) {
		if (due >= 0 && due < timeout)
			s->woke.mem++;
		else if (timeout < LOOP_IDLE_MS)
			s->woke.gate++;
		else
			s->woke.idle++;
		return;
	}
	for (int i = 0; i < nfd; i++) {
		if (!pfd[i].revents)
			continue;
		if (first < 0)
			first = i;
		if (i < (int)(s->nrings + s->nswitch) && pfd[i].revents & (POLLHUP | POLLERR)) {
			pfd[i].fd = -1;       /* poll skips it from now on */
			s->woke.hup++;
			first = nfd;
		}
	}
	if (first < 0 || first == nfd)
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

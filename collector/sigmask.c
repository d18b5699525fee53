/*
 * sigmask.c - the hpprof executable's sigprocmask: no system call while
 * hpprof itself is inside libunwind (sigmask.h).
 *
 * Why it is here. libunwind (Debian's, linked statically into hpprof)
 * wraps each of its locks in sigprocmask(SIG_SETMASK, full, &saved) ...
 * sigprocmask(SIG_SETMASK, &saved, NULL): its step cache, its memory pool
 * (_UIx86_64__mempool_alloc/free), its FDE search and register-state
 * iteration: 84-122 rt_sigprocmask calls in an `hpprof run /bin/true`,
 * 234-320 in a julia run (14 left with this file), ~1 us each in the
 * paravirtualized guests hpprof is measured on (docs/performance.md,
 * "Wave 15: hpprof's own kernel entries"). The executable's own
 * definition of sigprocmask binds the archive's references (and those of
 * a shared libunwind in the unit tests); the C library's internal calls
 * use its internal alias and never come here. The LD_PRELOAD agent is a
 * separate shared object with its own hook (preload/agent.c) and does
 * not contain this file.
 *
 * Why blocking is not needed inside hpprof's libunwind calls. The mask
 * exists so that a signal handler of the same thread that calls
 * libunwind cannot deadlock on a lock the interrupted code holds (or find
 * the memory pool half updated): it matters to a program that unwinds
 * itself from a handler. No signal handler of hpprof calls libunwind, or
 * any code that does. Its handlers (checked 2026-12-06) are:
 *   collector/session.c   on_stop_signal: stores the signal number;
 *   collector/counting.c  on_signal: stores it, kill() to the child;
 *   tui/term.c            on_stop_signal: stores it; on_fatal_signal:
 *                         endwin(), then the default action (raise);
 *   cmd/cmd_top.c         ignore_signal: nothing;
 *   hpprof.c              on_sigpipe: poll() and _exit();
 *   common/outfile.c      guard_handler (export, merge): unlink() of the
 *                         temporaries, then the default action;
 *   ncurses (tui, top)    its SIGTSTP/SIGWINCH handlers: the terminal only.
 * hpprof installs no SIGSEGV/SIGBUS guard of its own (faultguard.c is the
 * agent's); a fatal signal inside libunwind now reaches tui/term.c's
 * handler, which restores the terminal and dies, where a blocked
 * synchronous signal killed the process outright. Any thread may unwind
 * (the session's is the main thread; `top` and run_events' helpers do not
 * unwind): the bracket is per thread, and libunwind's mutexes still
 * serialize threads.
 *
 * What is answered: inside a bracket a call changes nothing, returns 0
 * and gives back a full set as the old mask (libunwind hands it back to
 * this function inside the same bracket, where it again changes nothing).
 * Outside, the real thing with sigprocmask's conventions (-1 and errno).
 */
#include "collector/sigmask.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>

static __thread int quiet;             /* depth of sigmask_quiet_begin() */
static __thread unsigned long answered;

int sigmask_quiet_begin(void)
{
	return quiet++;
}

void sigmask_quiet_end(int saved)
{
	quiet = saved;
}

unsigned long sigmask_quiet_calls(void)
{
	return answered;
}

int sigprocmask(int how, const sigset_t *restrict set, sigset_t *restrict old)
{
	int err;

	if (quiet) {
		if (set && how != SIG_BLOCK && how != SIG_UNBLOCK && how != SIG_SETMASK) {
			errno = EINVAL;
			return -1;
		}
		if (old)
			sigfillset(old);
		answered++;
		return 0;
	}
	/* glibc's sigprocmask is pthread_sigmask with errno (both keep the
	 * implementation's own signals out of the set). */
	if ((err = pthread_sigmask(how, set, old))) {
		errno = err;
		return -1;
	}
	return 0;
}

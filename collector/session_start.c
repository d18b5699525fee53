/*
 * session_start.c - what session_run does once the launched program was
 * let to exec (session_internal.h): the target's own rows, and a run
 * whose store could not be made then (opts.on_started failed: the store's
 * SQLite part comes after the release, docs/performance.md, "Wave 12"),
 * where the program runs to its end unprofiled, as after a store error in
 * the loop (docs/reliability.md, "Full disks").
 */
#include <errno.h>
#include <linux/perf_event.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "collector/launch.h"
#include "collector/session_internal.h"
#include "common/clock.h"
#include "common/hmap.h"
#include "common/store.h"

/* The target's row names its file as /proc/PID/exe does, symbolic links
 * resolved ("/usr/bin/true" for /bin/true on a merged /usr): the exec's
 * record sets that name when hpprof reads it while the program runs, and
 * a short program's row said one or the other by timing (CI run 162). */
void session_record_target(struct hp_session *s, pid_t pid, char *const argv[])
{
	const char *base = strrchr(argv[0], '/');
	char *exe = realpath(argv[0], NULL);
	base = base ? base + 1 : argv[0];
	store_add_process(s->st, (uint32_t)pid, (uint32_t)getpid(), base, exe ? exe : argv[0], 0);
	free(exe);
	store_add_thread(s->st, (uint32_t)pid, (uint32_t)pid, base, 0);
	hmap_put(&s->threads, (uint64_t)pid | 1ull << 32, 1);
	session_note_row(s, (uint32_t)pid);
}

void session_disable_events(struct hp_session *s)
{
	for (unsigned r = 0; r < s->nrings; r++) {
		ioctl(s->rings[r].fd, PERF_EVENT_IOC_DISABLE, 0);
		if (s->fault_fds[r] >= 0)
			ioctl(s->fault_fds[r], PERF_EVENT_IOC_DISABLE, 0);
	}
	for (unsigned r = 0; r < session_offcpu_slots(s); r++) {
		if (s->offcpu_fds[r] >= 0)
			ioctl(s->offcpu_fds[r], PERF_EVENT_IOC_DISABLE, 0);
		if (s->swrec_fds[r] >= 0)
			ioctl(s->swrec_fds[r], PERF_EVENT_IOC_DISABLE, 0);
	}
}

/* Nothing is recorded: the events are disabled and their rings never
 * drained. A stop signal hpprof gets (session_stop_signal) is passed on
 * once; Ctrl-C at a terminal reaches the program itself too. */
void session_run_unprofiled(struct hp_session *s, pid_t pid)
{
	int status = 0, forwarded = 0;
	session_disable_events(s);
	for (;;) {
		pid_t w = waitpid(pid, &status, WNOHANG);
		if (w == pid || (w < 0 && errno != EINTR))
			break;
		if (!forwarded && session_stop_signal()) {
			s->res->interrupted = 1;
			kill(pid, session_stop_signal());
			forwarded = 1;
		}
		usleep(10000);
	}
	s->res->duration_ns = hp_now_ns() - s->t0;
	s->res->exit_code = launch_exit_code(status);
	s->res->term_signal = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
}

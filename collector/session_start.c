/*
 * session_start.c - what session_run does once the launched program was
 * let to exec (session_internal.h): the target's own rows, and a run
 * whose store could not be made then (opts.on_started failed: the store's
 * SQLite part comes after the release, docs/performance.md, "Wave 12"),
 * where the program runs to its end unprofiled, as after a store error in
 * the loop (docs/reliability.md, "Full disks"); and the session's
 * teardown on a thread once the program ended (opts teardown_async).
 */
#include <errno.h>
#include <linux/perf_event.h>
#include <pthread.h>
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

void session_record_target(struct hp_session *s, pid_t pid, char *const argv[])
{
	const char *base = strrchr(argv[0], '/');
	base = base ? base + 1 : argv[0];
	store_add_process(s->st, (uint32_t)pid, (uint32_t)getpid(), base, argv[0], 0);
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

/* The teardown's thread: closing the events and unmapping the rings
 * (~0.9 ms for the 14 MiB of a 2-CPU julia run), the unwinder's module
 * images (~0.3 ms), while the caller symbolizes and closes the store
 * (docs/performance.md, "Wave 14"). Nothing in it writes the profile. */
struct session_releaser {
	pthread_t thread;
	struct hp_session *s;
};

static void *releaser_main(void *arg)
{
	struct session_releaser *r = arg;
	session_teardown(r->s);
	free(r->s);
	return NULL;
}

int session_teardown_async(struct hp_session *s)
{
	struct session_releaser *r = malloc(sizeof(*r));
	struct hp_session_result *res = s->res;    /* s is the thread's once it starts */
	pthread_attr_t attr;
	if (!r)
		return 0;
	r->s = s;
	/* a small stack: the thread calls nothing deep */
	int ok = !pthread_attr_init(&attr) && !pthread_attr_setstacksize(&attr, 256 << 10);
	int started = ok && !pthread_create(&r->thread, &attr, releaser_main, r);
	if (ok)
		pthread_attr_destroy(&attr);
	if (!started) {
		free(r);
		return 0;
	}
	res->teardown = r;
	return 1;
}

void session_teardown_wait(struct hp_session_result *res)
{
	struct session_releaser *r = res ? res->teardown : NULL;
	if (!r)
		return;
	pthread_join(r->thread, NULL);
	free(r);
	res->teardown = NULL;
}

/*
 * counting.c - counting mode: one run of a program with counters on it
 * (counting.h).
 */
#include "collector/counting.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "collector/launch.h"
#include "common/clock.h"

/* --- signals: forward to the program, stop repeating --- */

static volatile sig_atomic_t child_pid;
static volatile sig_atomic_t got_signal;

static const int stop_signals[HP_COUNT_NSIGNALS] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT };

static void on_signal(int sig, siginfo_t *si, void *uc)
{
	got_signal = sig;
	/* A terminal's Ctrl-C reached the child already (same process group):
	 * forward only what was sent to hpprof alone (kill, sigqueue). */
	if (child_pid > 0 && si->si_code <= 0)
		kill((pid_t)child_pid, sig);
}

void counting_signals_install(struct hp_count_signals *saved)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_signal;
	sa.sa_flags = SA_SIGINFO;
	sigemptyset(&sa.sa_mask);
	got_signal = 0;
	for (int i = 0; i < HP_COUNT_NSIGNALS; i++) {
		sigaction(stop_signals[i], NULL, &saved->old[i]);
		if (saved->old[i].sa_handler != SIG_IGN)
			sigaction(stop_signals[i], &sa, NULL);
	}
}

void counting_signals_restore(const struct hp_count_signals *saved)
{
	for (int i = 0; i < HP_COUNT_NSIGNALS; i++)
		sigaction(stop_signals[i], &saved->old[i], NULL);
}

int counting_stop_signal(void)
{
	return got_signal;
}

/* --- one run --- */

static void open_counters(struct hp_event_set *set, int *fds, pid_t pid)
{
	const unsigned flags = HP_EVOPEN_DISABLED | HP_EVOPEN_ENABLE_ON_EXEC | HP_EVOPEN_INHERIT;
	for (size_t i = 0; i < set->n; i++) {
		struct hp_event *ev = &set->ev[i];
		fds[i] = -1;
		if (!ev->available)
			continue;
		int fd = events_open(ev, pid, -1, -1, HP_EVENTS_READ_FORMAT, flags);
		if (fd < 0)
			events_mark_failed(ev, fd);
		else
			fds[i] = fd;
	}
}

static void close_counters(const struct hp_event_set *set, int *fds)
{
	for (size_t i = 0; i < set->n; i++)
		if (fds[i] >= 0)
			close(fds[i]);
}

static void read_counters(struct hp_event_set *set, const int *fds, struct hp_count_run *r)
{
	for (size_t i = 0; i < set->n; i++) {
		struct hp_count cnt;
		r->value[i] = NAN;
		r->running_pct[i] = NAN;
		r->running_ns[i] = NAN;
		if (fds[i] < 0)
			continue;
		int ret = events_read(fds[i], &cnt);
		if (ret < 0) {
			events_mark_failed(&set->ev[i], ret);
			continue;
		}
		if (!cnt.counted)
			continue;
		r->value[i] = cnt.value;
		r->running_pct[i] = cnt.running_pct;
		r->running_ns[i] = (double)cnt.running_ns;
	}
}

static int wait_child(pid_t pid, int *status, struct rusage *ru)
{
	while (wait4(pid, status, 0, ru) < 0) {
		if (errno != EINTR)
			return -errno;
	}
	return 0;
}

int counting_run(struct hp_event_set *set, char *const argv[], const char *argv0,
		 struct hp_count_run *r, enum hp_count_step *step)
{
	struct hp_launch l = { .pid = -1, .gate_fd = -1, .err_fd = -1, .argv0 = argv0 };
	int *fds = calloc(set->n ? set->n : 1, sizeof(*fds));
	int ret;

	*step = HP_COUNT_START;
	if (!fds)
		return -ENOMEM;
	if ((ret = launch_prepare(&l, argv)) < 0)
		goto out;
	open_counters(set, fds, l.pid);
	child_pid = l.pid;
	if (got_signal) {             /* it may have missed the signal while gated */
		launch_abort(&l);
		ret = -EINTR;
		goto out_close;
	}
	uint64_t t0 = hp_now_ns();
	if ((ret = launch_release(&l)) < 0) {   /* exec failed; the child was reaped */
		*step = HP_COUNT_EXEC;
		goto out_close;
	}
	r->exec_cpu_s = (double)l.exec_cpu_ns / 1e9;
	ret = wait_child(l.pid, &r->wstatus, &r->ru);
	r->elapsed_s = (double)(hp_now_ns() - t0) / 1e9;
	child_pid = 0;
	if (ret < 0) {
		*step = HP_COUNT_WAIT;
		goto out_close;
	}
	read_counters(set, fds, r);
out_close:
	child_pid = 0;
	close_counters(set, fds);
out:
	free(fds);
	return ret;
}

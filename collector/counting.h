/*
 * counting.h - counting mode (like perf stat): run a program once with
 * every available event of a set counting on it.
 *
 * Each run forks the program gated (launch.h), opens every available
 * event on the child (pid = child, cpu = -1, inherit, enable_on_exec:
 * counting needs no ring), lets it exec, reaps it with wait4() for its
 * rusage and reads the scaled counts (events.h). An event that fails to
 * open on the child is marked unavailable with its reason
 * (events_mark_failed), never counted as 0.
 *
 * Stop signals (SIGINT, SIGTERM, SIGHUP, SIGQUIT) sent to hpprof alone are
 * forwarded to the running program; a terminal's Ctrl-C reaches it
 * directly. Statistics over runs and output are not done here.
 */
#ifndef HP_COUNTING_H
#define HP_COUNTING_H

#include <signal.h>
#include <sys/resource.h>

#include "collector/events.h"

/* One run's result. The arrays are the caller's, set->n entries each. */
struct hp_count_run {
	int wstatus;                   /* wait status of the program */
	double elapsed_s;              /* exec to exit, CLOCK_MONOTONIC */
	struct rusage ru;              /* of the program and its reaped children */
	double exec_cpu_s;             /* of ru's CPU time, the child's before its exec
					* (and a little after): no counter runs then */
	double *value;                 /* scaled count; NAN when the event did not count */
	double *running_pct;           /* share of the time it counted (< 100: multiplexed) */
	double *running_ns;            /* time it counted */
};

/* What failed when counting_run returns an error. */
enum hp_count_step {
	HP_COUNT_START = 1,            /* forking the program (or memory) */
	HP_COUNT_EXEC,                 /* exec: the program cannot run (-ENOENT, -EACCES, ...) */
	HP_COUNT_WAIT,                 /* waiting for it */
};

/* Run argv (argv[0] resolved, see launch_resolve; argv0 the name the
 * program sees, what the user wrote) once with set's available events
 * counting on it. Returns 0 when it ran (whatever its
 * exit status: r->wstatus); -EINTR when a stop signal came before the
 * program started (nothing ran); else -errno with *step saying what
 * failed. */
int counting_run(struct hp_event_set *set, char *const argv[], const char *argv0,
		 struct hp_count_run *r, enum hp_count_step *step);

#define HP_COUNT_NSIGNALS 4

/* The handlers that counting_signals_install replaced. */
struct hp_count_signals {
	struct sigaction old[HP_COUNT_NSIGNALS];
};

/* Catch the stop signals (a signal ignored when hpprof started stays
 * ignored, for hpprof and the program) and clear the last stop signal. */
void counting_signals_install(struct hp_count_signals *saved);
void counting_signals_restore(const struct hp_count_signals *saved);
/* The stop signal caught since counting_signals_install, or 0. */
int counting_stop_signal(void);

#endif

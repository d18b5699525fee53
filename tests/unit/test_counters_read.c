/*
 * test_counters_read.c - which counters a session reads with every sample
 * (session_counters_per_sample, docs/offcpu.md): the default software set
 * (task-clock, context-switches, cpu-migrations, page-faults) only as
 * whole-run totals; any hardware counter - a generic one, or a PMU's own
 * event as libpfm4 encodes it in forced-PMU mode (LIBPFM_FORCE_PMU, as
 * test_events_encoding does) - makes the whole group read per sample;
 * --counters-per-sample forces it.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "collector/events.h"
#include "collector/session.h"
#include "hp_test.h"

/* Session opts holding the counters of LIST (comma-separated names). */
static int per_sample(const char *list, int force)
{
	struct hp_event_set set;
	struct hp_session_counter c[HP_MAX_COUNTERS];
	struct hp_session_opts o;
	memset(&o, 0, sizeof(o));
	events_init(&set);
	int err = events_parse(&set, list, HP_EV_USER);
	CHECK_EQ_INT(err, 0);
	for (size_t i = 0; !err && i < set.n && i < HP_MAX_COUNTERS; i++) {
		c[i].name = set.ev[i].name;
		c[i].attr = set.ev[i].attr;
		o.ncounters++;
	}
	o.counters = c;
	o.counters_per_sample = force;
	int r = session_counters_per_sample(&o);
	events_release(&set);
	return r;
}

/* In a child (libpfm4 reads the variable once): a Skylake event. */
static int forced_pmu_child(void)
{
	fflush(NULL);
	pid_t pid = fork();
	if (pid == 0) {
		hp_test_failures = 0;
		setenv("LIBPFM_FORCE_PMU", "skl", 1);
		struct hp_event_set set;
		events_init(&set);
		CHECK_EQ_INT(events_parse(&set, "INST_RETIRED:ANY_P", HP_EV_USER), 0);
		CHECK(set.n == 1 && set.ev[0].attr.type == PERF_TYPE_RAW);
		events_release(&set);
		CHECK_EQ_INT(per_sample("page-faults,INST_RETIRED:ANY_P", 0), 1);
		CHECK_EQ_INT(per_sample("page-faults,context-switches", 0), 0);
		fflush(NULL);
		_exit(hp_test_failures ? 1 : 0);
	}
	int status = 0;
	if (pid < 0 || waitpid(pid, &status, 0) < 0)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

int main(void)
{
	/* the default set without a PMU: software counters only */
	CHECK_EQ_INT(per_sample("task-clock,context-switches,cpu-migrations,page-faults", 0), 0);
	CHECK_EQ_INT(per_sample("task-clock,context-switches,cpu-migrations,page-faults", 1), 1);
	/* a generic hardware counter beside them: the group is read per sample */
	CHECK_EQ_INT(per_sample("page-faults,cycles", 0), 1);
	CHECK_EQ_INT(per_sample("cache-misses", 0), 1);
	/* no counters at all: nothing to read, forced or not */
	struct hp_session_opts none;
	memset(&none, 0, sizeof(none));
	none.counters_per_sample = 1;
	CHECK_EQ_INT(session_counters_per_sample(&none), 0);
	CHECK_EQ_INT(forced_pmu_child(), 0);
	return hp_test_result();
}

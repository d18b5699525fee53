/*
 * session_counters.c - the whole-run counters of a session (-e): opened
 * on the target with the samplers (session_open_events and
 * session_open_events_tasks call session_open_counters per CPU ring) and
 * read at the end into the session result's totals (counter_total,
 * counter_enabled, counter_running, and the page-fault sampler's
 * fault_total). Counters read with each sample ride in the samplers'
 * group reads, decoded by session_records.c; this file does not read
 * samples.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "collector/events.h"
#include "collector/perf_record.h"
#include "collector/session_internal.h"
#include "common/log.h"

/* Counters read with every sample (session_counters_per_sample) are
 * members of each CPU's sampler group. The others, read once at the end,
 * form one group of their own on the task, counting on any CPU (cpu -1):
 * every process the target forks inherits each of them once instead of
 * once per CPU (docs/realworld.md, "Wave 19": 4 events a child less on 2
 * CPUs, 4 x (CPUs - 1) in general; the kernel allocates, schedules and
 * frees each inherited event). The group's leader, the first counter that
 * opens, starts disabled, enabled at the target's exec as the samplers are
 * (or by session_open_events_tasks on an attach). */
/* The counters' read: their group's values with the times (a counter
 * writes no records: no lost count, PERF_FORMAT_LOST is the samplers'). */
#define COUNTER_FORMAT (PERF_FORMAT_GROUP | PERF_FORMAT_ID | PERF_FORMAT_TOTAL_TIME_ENABLED | \
			PERF_FORMAT_TOTAL_TIME_RUNNING)

static int counters_on_task(const struct hp_session *s)
{
	return !s->res->counters_sampled;
}

/* Counter i, of attributes a, is the page-faults count the fault
 * samplers make anyway: the same event, the same modes. It is then read
 * from them at the end instead of being opened: every fault of every
 * process then runs one perf event less, and every child inherits one
 * less (docs/realworld.md, "Wave 19"). Launched runs only: an attach
 * keeps the fault samplers of its other threads apart. */
static int folds_into_faults(const struct hp_session *s, const struct perf_event_attr *a)
{
	return s->o->fault_period && !s->attach && !s->faults_counter &&
	       a->type == PERF_TYPE_SOFTWARE && a->config == PERF_COUNT_SW_PAGE_FAULTS &&
	       !a->exclude_user && a->exclude_kernel == !s->res->kernel_samples;
}

/* Open counter i on pid and cpu in leader's group (-1: a group of its own,
 * disabled until the target's exec when on the task); its fd, or -1 with
 * its error in res->counter_err. */
static int open_counter(struct hp_session *s, unsigned i, const struct perf_event_attr *attr,
			pid_t pid, int cpu, int leader)
{
	struct perf_event_attr a = *attr;
	a.disabled = leader < 0;
	a.enable_on_exec = leader < 0 && !s->attach;
	int fd = s->res->counter_err[i] ? -1
		 : (int)syscall(SYS_perf_event_open, &a, pid, cpu, leader, PERF_FLAG_FD_CLOEXEC);
	if (fd < 0 && !s->res->counter_err[i]) {
		s->res->counter_err[i] = -errno;
		hp_debug(HP_DBG_PERF, 1, "counter '%s' on cpu %d: %s", s->o->counters[i].name,
			 cpu, strerror(errno));
	}
	if (fd >= 0)
		session_remember_id(s, fd, ID_COUNTER, i);
	return fd;
}

static void counter_attr(struct hp_session *s, unsigned i, struct perf_event_attr *a)
{
	*a = s->o->counters[i].attr;
	a->size = sizeof(*a);
	a->sample_period = 0;
	a->freq = 0;
	a->sample_type = 0;
	a->read_format = COUNTER_FORMAT;
	a->inherit = 1;
	a->exclude_kernel |= !s->res->kernel_samples;
	a->exclude_hv = 1;
	a->use_clockid = 1;                 /* group members must share the leader's clock */
	a->clockid = CLOCK_MONOTONIC;
	if (events_kernel_only(a) && !s->res->counter_err[i])
		s->res->counter_err[i] = -EACCES;  /* it would read 0: not measured */
}

void session_open_counters(struct hp_session *s, pid_t pid, int cpu, unsigned ring, int leader)
{
	int on_task = counters_on_task(s);
	if (on_task) {
		leader = -1;
		cpu = -1;
	}
	for (unsigned i = 0; i < s->o->ncounters; i++) {
		struct perf_event_attr a;
		s->counter_fds[ring][i] = -1;
		if (on_task && ring)               /* ring 0's holds them */
			continue;
		counter_attr(s, i, &a);
		if (on_task && !s->res->counter_err[i] && folds_into_faults(s, &a)) {
			s->faults_counter = (int)i + 1;
			continue;
		}
		int fd = open_counter(s, i, &a, pid, cpu, leader);
		s->counter_fds[ring][i] = fd;
		if (on_task && leader < 0 && fd >= 0)
			leader = fd;
	}
}

void session_counters_check_faults(struct hp_session *s, pid_t pid)
{
	struct perf_event_attr a;
	if (!s->faults_counter)
		return;
	for (unsigned r = 0; r < s->nrings; r++)
		if (s->fault_fds[r] >= 0)
			return;
	unsigned i = (unsigned)s->faults_counter - 1;
	s->faults_counter = 0;
	counter_attr(s, i, &a);
	s->counter_fds[0][i] = open_counter(s, i, &a, pid, -1, -1);
}

/* The leader of the task's counter group (counters_on_task), -1 when
 * none opened. */
int session_task_counter_leader(const struct hp_session *s)
{
	if (!counters_on_task(s) || !s->nrings)
		return -1;
	for (unsigned i = 0; i < s->o->ncounters; i++)
		if (s->counter_fds[0][i] >= 0)
			return s->counter_fds[0][i];
	return -1;
}

/* Add one CPU's reading of counter i. Hardware counters may be
 * multiplexed: scale by enabled/running per CPU as perf does. Software
 * counters never are (a per-CPU task event is "enabled but not running"
 * while its task runs on another CPU, which is not multiplexing). */
static void add_count(struct hp_session *s, unsigned i, uint64_t v, uint64_t enabled,
		      uint64_t running)
{
	struct hp_session_result *res = s->res;
	int hw = s->o->counters[i].attr.type != PERF_TYPE_SOFTWARE;
	if (hw && running && running < enabled)
		v = (uint64_t)((double)v * (double)enabled / (double)running);
	res->counter_total[i] += (int64_t)v;
	res->counter_enabled[i] += hw ? enabled : running;
	res->counter_running[i] += running;
}

int session_read_event(int fd, uint64_t rf, uint64_t *buf, size_t words, struct hp_perf_sample *r)
{
	ssize_t n = fd < 0 ? -1 : read(fd, buf, words * sizeof(*buf));
	return n <= 0 || perf_parse_read(buf, (size_t)n, rf, r) ? -1 : 0;
}

/* Add a group read (PERF_FORMAT_GROUP | ID | TOTAL_TIME_ENABLED |
 * TOTAL_TIME_RUNNING, and the samplers' PERF_FORMAT_LOST: rf) of fd's
 * group to the counters' totals. */
static void add_group_read(struct hp_session *s, int fd, uint64_t rf)
{
	uint64_t buf[3 + 3 * (HP_MAX_COUNTERS + 1)];
	struct hp_perf_sample r;
	if (session_read_event(fd, rf, buf, sizeof(buf) / sizeof(buf[0]), &r))
		return;
	for (uint64_t k = 0; k < r.read_nr && k <= HP_MAX_COUNTERS; k++) {
		uint64_t v, id, what;
		perf_read_entry(&r, k, &v, &id);
		if (!hmap_get(&s->ids, id, &what) || what >> 32 != ID_COUNTER)
			continue;
		add_count(s, (unsigned)what, v, r.time_enabled, r.time_running);
	}
}

/* Whole-run totals: the task's counter group, or the group reads of every
 * CPU's leader (counters read with the samples), and the fault samplers. */
void session_read_totals(struct hp_session *s)
{
	struct hp_session_result *res = s->res;
	for (unsigned i = 0; i < s->o->ncounters; i++)
		res->counter_total[i] = res->counter_err[i] ? -1 : 0;
	res->fault_total = s->o->fault_period ? 0 : -1;
	if (s->o->no_perf)      /* the agent's fault samples: each stands for its period */
		res->fault_total = res->fault_samples ? (int64_t)s->agent_faults : -1;
	if (s->o->ncounters && counters_on_task(s))
		add_group_read(s, session_task_counter_leader(s), COUNTER_FORMAT);
	for (unsigned r = 0; r < s->nrings; r++) {
		if (s->o->ncounters && !counters_on_task(s))
			add_group_read(s, s->rings[r].fd, s->read_format);
		uint64_t f[4], v, id;           /* count, time enabled, time running, [lost] */
		struct hp_perf_sample rd;
		if (session_read_event(s->fault_fds[r], session_fault_format(s), f, 4, &rd))
			continue;
		perf_read_entry(&rd, 0, &v, &id);
		res->fault_total += (int64_t)v;
		s->fault_lost += perf_read_lost(&rd, 0);
		if (s->faults_counter)
			add_count(s, (unsigned)s->faults_counter - 1, v, rd.time_enabled,
				  rd.time_running);
	}
}

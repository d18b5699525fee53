/*
 * session_attach.c - profile processes that are already running
 * (session_attach, session.h: `hpprof run -p PID[,PID...]`).
 *
 * Takes pids; produces the same facts as a launched session. Their maps
 * come from /proc/PID/maps (later mappings from MMAP2 records), their
 * threads from /proc/PID/task, and one sampler per CPU and thread is
 * opened (perf events follow one task each: the threads that exist are
 * opened one by one, those created later inherit). The loop drains the
 * rings until the duration passes, Ctrl-C (never forwarded: the targets
 * are not ours to stop), or every target is gone; closing the events is
 * the detach, and the targets run on unharmed.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "collector/memwatch.h"
#include "collector/offcpu.h"
#include "collector/offcpu_attach.h"
#include "collector/session_internal.h"
#include "common/clock.h"
#include "common/error.h"
#include "common/grow.h"
#include "common/log.h"
#include "common/store.h"

/* The state letter of /proc/PID/WHAT ("stat", "task/TID/stat"); 0 when
 * that process or thread is gone. */
static char stat_state(uint32_t pid, const char *what, uint32_t *ppid)
{
	char buf[512];
	session_read_proc(pid, what, buf, sizeof(buf));
	const char *p = strrchr(buf, ')');
	char st = 0;
	unsigned pp = 0;
	if (!p || sscanf(p + 1, " %c %u", &st, &pp) != 2)
		return 0;
	if (ppid)
		*ppid = pp;
	return st;
}

static char proc_state(uint32_t pid, uint32_t *ppid)
{
	return stat_state(pid, "stat", ppid);
}

/* The threads of pid (/proc/PID/task) appended to *tids. */
static int list_threads(uint32_t pid, uint32_t **tids, size_t *n, size_t *cap)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%u/task", pid);
	DIR *d = opendir(path);
	struct dirent *e;
	if (!d)
		return -errno;
	while ((e = readdir(d))) {
		char *end;
		unsigned long tid = strtoul(e->d_name, &end, 10);
		if (*end || !tid)
			continue;
		if (hp_grow((void **)tids, cap, *n + 1, sizeof(**tids))) {
			closedir(d);
			return -ENOMEM;
		}
		(*tids)[(*n)++] = (uint32_t)tid;
	}
	closedir(d);
	return 0;
}

/* A thread of pid other than its leader that has not exited. */
static int live_thread(uint32_t pid)
{
	uint32_t *tids = NULL;
	size_t n = 0, cap = 0;
	char what[48];
	int live = 0;
	list_threads(pid, &tids, &n, &cap);
	for (size_t i = 0; i < n && !live; i++) {
		snprintf(what, sizeof(what), "task/%u/stat", tids[i]);
		char st = tids[i] == pid ? 0 : stat_state(pid, what, NULL);
		live = st && st != 'Z' && st != 'X';
	}
	free(tids);
	return live;
}

/* A process runs while any of its threads does: a main thread that
 * called pthread_exit is a zombie while its other threads run on. */
static int alive(uint32_t pid)
{
	char st = proc_state(pid, NULL);
	return st && st != 'X' && (st != 'Z' || live_thread(pid));
}

/* Every pid must exist and be ours to trace: kill(pid, 0) says both. */
static int check_pids(const struct hp_session_opts *o, struct hp_session_result *res)
{
	for (unsigned i = 0; i < o->nattach; i++) {
		if (kill((pid_t)o->attach_pids[i], 0) < 0 || !alive(o->attach_pids[i])) {
			res->attach_bad_pid = o->attach_pids[i];
			return errno == EPERM ? -EPERM : -ESRCH;
		}
	}
	return 0;
}

/* The processes and threads tables, the maps and the RSS timeline. */
static int record_targets(struct hp_session *s, const uint32_t *tids, size_t ntids)
{
	const struct hp_session_opts *o = s->o;
	char comm[64], exe[PATH_MAX], path[64];
	int err = 0;
	for (unsigned i = 0; i < o->nattach && !err; i++) {
		uint32_t pid = o->attach_pids[i], ppid = 0;
		proc_state(pid, &ppid);
		session_read_proc(pid, "comm", comm, sizeof(comm));
		session_read_proc(pid, "exe", exe, sizeof(exe));
		procmaps_load_proc(s->pm, pid);
		memwatch_add(s->mw, pid);
		err = store_add_process(s->st, pid, ppid, comm[0] ? comm : NULL,
					exe[0] ? exe : NULL, 0);
	}
	for (size_t k = 0; k < ntids && !err; k++) {
		uint32_t pid = 0;
		for (unsigned i = 0; i < o->nattach && !pid; i++) {
			snprintf(path, sizeof(path), "task/%u/comm", tids[k]);
			session_read_proc(o->attach_pids[i], path, comm, sizeof(comm));
			if (comm[0])
				pid = o->attach_pids[i];
		}
		err = store_add_thread(s->st, tids[k], pid ? pid : tids[k], comm[0] ? comm : NULL, 0);
	}
	return err;
}

static int any_alive(const struct hp_session_opts *o)
{
	for (unsigned i = 0; i < o->nattach; i++)
		if (alive(o->attach_pids[i]))
			return 1;
	return 0;
}

/* Every ring wakes the loop at its watermark, the off-CPU switch and
 * stack rings too, and the off-CPU gate has its 2 ms beat (until wave 11
 * the loop polled the CPU rings only, every 10 ms: above the stack budget
 * the gate's "on" periods lasted 10-30 ms and the stack rings overflowed,
 * each lost stack a wait without one: docs/offcpu.md, "Attach"). */
static int attach_loop(struct hp_session *s)
{
	struct pollfd *pfd = s->pfd;
	uint64_t next_commit = hp_now_ns() + COMMIT_NS;
	unsigned n = s->nrings + s->nswitch;
	int err = 0;
	for (unsigned r = 0; r < n; r++)
		pfd[r] = (struct pollfd){ .fd = s->rings[r].fd, .events = POLLIN };
	for (;;) {
		if (poll(pfd, n, session_gate_timeout_ms(s, LOOP_MS)) > 0)
			session_forget_hung_up(pfd, n);
		if ((err = session_pump(s)))
			return err;
		if (hp_now_ns() >= next_commit) {
			if ((err = store_flush(s->st)))
				return err;
			next_commit = hp_now_ns() + COMMIT_NS;
		}
		session_release_exited(s);
		if (session_stop_signal()) {
			s->res->interrupted = 1;
			return 0;
		}
		if (s->o->duration_ns && hp_now_ns() - s->t0 >= s->o->duration_ns)
			return 0;
		if (!any_alive(s->o))
			return 0;
	}
}

/* Each target's end: its exit time when it is gone, else nothing (it
 * runs on); the exit status of a process that is not ours is unknown. */
static void end_targets(struct hp_session *s)
{
	for (unsigned i = 0; i < s->o->nattach; i++) {
		uint32_t pid = s->o->attach_pids[i];
		uint64_t peak = memwatch_peak(s->mw, pid);
		if (alive(pid))
			s->res->detached = 1;
		store_end_process(s->st, pid, alive(pid) ? s->res->duration_ns
			       : s->res->duration_ns, -1, peak ? (int64_t)peak : -1);
	}
}

/* The threads of pid asleep now (S or D), just after their events were
 * enabled: their waits began before (offcpu_attach.h). */
static void attach_asleep(struct hp_session *s, uint32_t pid)
{
	uint32_t *tids = NULL;
	size_t n = 0, cap = 0, k = 0;
	char what[48];
	uint64_t t_rel = session_rel_time(s, hp_now_ns());
	list_threads(pid, &tids, &n, &cap);
	for (size_t i = 0; i < n; i++) {
		snprintf(what, sizeof(what), "task/%u/stat", tids[i]);
		char st = stat_state(pid, what, NULL);
		if (st == 'S' || st == 'D')
			tids[k++] = tids[i];
	}
	offcpu_attach_asleep(s, pid, tids, k, t_rel);
	free(tids);
}

/* The detach of the switch-out stack samplers, before the last drain:
 * their "on" period ends now and no step of the gate turns them on again,
 * so the last drain holds every stack sample they took. */
static void detach_stacks(struct hp_session *s)
{
	if (!s->oc || !s->ngate)
		return;
	int err = offcpu_gate_off(s->oc, s->st, session_rel_time(s, hp_now_ns()));
	session_gate_set(s, 0);
	s->gate_on = 0;
	s->gate_next = UINT64_MAX;
	if (err && !s->err)
		s->err = err;
}

int session_attach(const struct hp_session_opts *o, struct hp_store *st,
		   struct hp_session_result *res)
{
	struct hp_session *s = calloc(1, sizeof(*s));
	uint32_t *tids = NULL;
	size_t ntids = 0, cap = 0;
	int err;
	if (!s)
		return -ENOMEM;
	s->attach = 1;
	if ((err = session_setup(s, o, st, res)) || (err = check_pids(o, res)))
		goto out;
	for (unsigned i = 0; i < o->nattach && !err; i++)
		if ((err = list_threads(o->attach_pids[i], &tids, &ntids, &cap)) == -ENOENT) {
			res->attach_bad_pid = o->attach_pids[i];
			err = -ESRCH;
		}
	if (err)
		goto out;
	if (s->oc)                    /* kallsyms read before the events, not in their window */
		offcpu_attach_prepare(s, tids, ntids);
	s->t0 = hp_now_ns();
	if (o->mem_interval_ms && (err = memwatch_start(o->mem_interval_ms, s->t0, &s->mw)))
		hp_warn("no memory timeline: %s", hp_strerror(err));
	if ((err = record_targets(s, tids, ntids)))
		goto out;
	if ((err = session_open_events_tasks(s, tids, ntids))) {
		res->attach_bad_pid = o->attach_pids[0];
		if (err != -EACCES && err != -EPERM) {
			res->perf_errno = -err;
			err = -HP_ENOPERF;
		}
		goto out;
	}
	for (unsigned i = 0; s->oc && i < o->nattach; i++)   /* waits begun before */
		attach_asleep(s, o->attach_pids[i]);
	res->ran = 1;
	session_catch_stop(1);
	err = attach_loop(s);
	for (unsigned r = 0; r < s->nrings; r++)        /* stop sampling: the detach */
		ioctl(s->rings[r].fd, PERF_EVENT_IOC_DISABLE, 0);
	detach_stacks(s);
	res->duration_ns = hp_now_ns() - s->t0;
	int ferr = session_finish_common(s);     /* lost records too: session_lost.c */
	if (!err)
		err = ferr;
	end_targets(s);
	res->exit_code = -1;
	session_catch_stop(0);
out:
	session_teardown(s);
	free(tids);
	free(s);
	return err;
}

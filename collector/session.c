/*
 * session.c - one profiling run (session.h).
 *
 * Takes an argv and options; produces rows in the store: processes,
 * threads, modules, interned stacks, samples and memory readings.
 *
 * The perf pipeline, one stage per file: session_events.c opens the events
 * (one sampling leader per online CPU on the target's pid, inherit +
 * enable_on_exec, the counters as its group, the page-fault sampler
 * redirected into the same ring); perf_ring.c maps the rings and drains
 * them in time order; perf_record.c parses each record with bounds checks;
 * session_records.c turns records into facts (maps, processes, threads,
 * unwound samples). This file is the loop: launch, drain when a ring
 * reaches its watermark (or every 100 ms; every 10 ms with an on_poll
 * stream), RSS readings (taken by the loop itself, memwatch_poll, on the
 * wake-ups it has anyway, unless an on_poll stream may keep it busy: then
 * by memwatch's thread), commits, on_poll, stop signals, and the end of
 * the run, noticed at once through the target's pidfd.
 *
 * In no_perf mode there are no rings: the caller feeds processes and
 * samples (session_add_process/_end_process/_add_sample) from on_poll,
 * and maps are read from /proc/PID/maps: when an image starts, and again
 * (at most once per poll round and process) when an address is unknown.
 */
#include "collector/session.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "collector/kstack.h"
#include "collector/launch.h"
#include "collector/mapfile.h"
#include "collector/memwatch.h"
#include "collector/offcpu.h"
#include "collector/module.h"
#include "collector/perf_ring.h"
#include "collector/procmap.h"
#include "collector/session_internal.h"
#include "collector/unwind.h"
#include "common/clock.h"
#include "common/error.h"
#include "common/hmap.h"
#include "common/log.h"
#include "common/store.h"

/* Bytes of samples cut for want of stack bytes held at once (stackjoin.h:
 * about 1 KiB each for 50 frames; a hole lasts until its function touches
 * the page): 10 s of holes at 1 kHz. */
#define STACKJOIN_MAX_BYTES (8u << 20)

static volatile sig_atomic_t stop_signal;

static void on_stop_signal(int sig)
{
	stop_signal = sig;
}

uint64_t session_t0(const struct hp_session *s)
{
	return s->t0;
}

struct hp_store *session_store(struct hp_session *s)
{
	return s->st;
}

/* --- processes, threads, memory --- */

/* Move the RSS readings taken so far into the store. */
static void store_memory(struct hp_session *s)
{
	struct hp_mem_reading buf[256];
	int n;
	while ((n = memwatch_take(s->mw, buf, 256)) > 0)
		for (int i = 0; i < n; i++) {
			int err = store_add_memory(s->st, &buf[i]);
			if (err && !s->err)
				s->err = err;
		}
}

/* A threads row for tid the first time one of its samples comes. */
int session_note_thread(struct hp_session *s, uint32_t pid, uint32_t tid, uint64_t t_rel)
{
	uint64_t key = (uint64_t)tid | 1ull << 32, seen;
	char path[64], comm[64];
	if (hmap_get(&s->threads, key, &seen))
		return 0;
	hmap_put(&s->threads, key, 1);
	snprintf(path, sizeof(path), "task/%u/comm", tid);
	session_read_proc(pid, path, comm, sizeof(comm));
	return store_add_thread(s->st, tid, pid, comm[0] ? comm : NULL, t_rel);
}

/* A sample of event whose frames smp->frames[0..n) are set: the rest,
 * and store it. The first error is also the session's. */
static int store_located(struct hp_session *s, uint32_t pid, uint32_t tid, uint64_t t_ns,
			 uint32_t n, int32_t event, int end)
{
	struct hp_sample *smp = &s->sample;
	smp->t_ns = session_rel_time(s, t_ns);
	smp->pid = pid;
	smp->tid = tid;
	smp->event = event;
	smp->nr_counters = 0;
	smp->unwind = end;
	smp->nr_frames = n;
	int err = session_note_thread(s, pid, tid, smp->t_ns);
	if (!err)
		err = store_add_sample(s->st, smp);
	if (err && !s->err)
		s->err = err;
	return err;
}

/* A CPU sample (event 0) whose frames are set: store and count it. */
static int add_located(struct hp_session *s, uint32_t pid, uint32_t tid, uint64_t t_ns,
		       uint32_t n, int end)
{
	int err = store_located(s, pid, tid, t_ns, n, 0, end);
	if (err)
		return err;
	s->res->samples++;
	return 0;
}

int session_add_sample(struct hp_session *s, uint32_t pid, uint32_t tid, uint64_t t_ns,
		       const uint64_t *pcs, uint32_t n, int end)
{
	if (s->stopped)
		return s->err;
	if (n > HP_MAX_FRAMES)
		n = HP_MAX_FRAMES;
	n = session_locate(s, pid, pcs, n, 0, s->sample.frames);
	return add_located(s, pid, tid, t_ns, n, end);
}

/* Frames located elsewhere (the Python agent's samples), copied into the
 * sample being built, at most HP_MAX_FRAMES of them: how many. */
static uint32_t take_frames(struct hp_session *s, const struct hp_location *frames, uint32_t n)
{
	if (n > HP_MAX_FRAMES)
		n = HP_MAX_FRAMES;
	memcpy(s->sample.frames, frames, n * sizeof(*frames));
	return n;
}

int session_add_located(struct hp_session *s, uint32_t pid, uint32_t tid, uint64_t t_ns,
			const struct hp_location *frames, uint32_t n, int end)
{
	if (s->stopped)
		return s->err;
	return add_located(s, pid, tid, t_ns, take_frames(s, frames, n), end);
}

int session_add_fault_located(struct hp_session *s, uint32_t pid, uint32_t tid, uint64_t t_ns,
			      const struct hp_location *frames, uint32_t n, unsigned period)
{
	if (s->stopped)
		return s->err;
	int err = store_located(s, pid, tid, t_ns, take_frames(s, frames, n), s->o->fault_event,
				HP_STACK_END_UNKNOWN);
	if (err)
		return err;
	s->res->fault_samples++;
	s->agent_faults += period;
	return 0;
}

/* --- the rings --- */

/* Handle what the rings hold, in time order, up to now (the last drain:
 * everything). Returns the first store error. */
static int drain(struct hp_session *s, int last)
{
	s->reader.cut = last ? 0 : hp_now_ns();   /* perf_ring.h: a consistent cut */
	session_gate_step(s);   /* first: the records drained look up their slots */
	int err = ring_drain(&s->reader, s->rings, s->nrings + s->nswitch, s->sample_type,
			     session_handle_record, s);
	session_records_step(s);
	if (last && s->join && !err)         /* no later sample will complete them */
		err = stackjoin_flush(s->join, 0, 0);
	return err ? err : s->err;
}

/* --- the run --- */

static void install_signals(struct sigaction *old_int, struct sigaction *old_term,
			    struct sigaction *old_hup)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop_signal;
	sigemptyset(&sa.sa_mask);
	stop_signal = 0;
	sigaction(SIGINT, &sa, old_int);
	sigaction(SIGTERM, &sa, old_term);
	sigaction(SIGHUP, &sa, old_hup);
}

static void restore_signals(struct sigaction *old_int, struct sigaction *old_term,
			    struct sigaction *old_hup)
{
	sigaction(SIGINT, old_int, NULL);
	sigaction(SIGTERM, old_term, NULL);
	sigaction(SIGHUP, old_hup, NULL);
}

/* Forward a stop request to the target: first the signal we got, then KILL. */
static void forward_stop(struct hp_session *s, pid_t pid, int *forwarded)
{
	if (!stop_signal)
		return;
	s->res->interrupted = 1;
	kill(pid, *forwarded ? SIGKILL : stop_signal);
	if (!*forwarded)
		hp_info("stopping the target; the profile will still be saved"
			" (press Ctrl-C again to kill it)");
	*forwarded = 1;
	stop_signal = 0;
}

static int wait_target(struct hp_session *s, pid_t pid, int *status, struct rusage *ru, int block)
{
	pid_t w;
	do
		w = wait4(pid, status, block ? 0 : WNOHANG, ru);
	while (w < 0 && errno == EINTR && block);
	return w == pid;
}

/* --duration passed: stop sampling, then end the target (kill_at_end:
 * SIGTERM, SIGKILL after 2 s) or leave it running. Returns 1 when it was
 * reaped (status, ru set), 0 when it runs on. */
static int duration_end(struct hp_session *s, pid_t pid, int *status, struct rusage *ru)
{
	session_disable_events(s);
	if (!s->o->kill_at_end) {
		s->res->detached = 1;
		return 0;
	}
	kill(pid, SIGTERM);
	for (int i = 0; i < 200; i++) {
		if (wait_target(s, pid, status, ru, 0))
			return 1;
		usleep(10000);
	}
	kill(pid, SIGKILL);
	return wait_target(s, pid, status, ru, 1);
}

/* How long the loop may sleep: the rings wake it at their watermark and
 * the target's pidfd when it exits, so only a caller that polls a stream
 * of its own (on_poll), or a kernel without pidfds, needs the 10 ms beat.
 * Fewer wake-ups are less of hpprof's CPU time beside the target's
 * (docs/performance.md, "Whole-run overhead"). While the off-CPU gate
 * decides, its slots' beat (session_gate_timeout_ms). */
static int loop_timeout_ms(const struct hp_session *s, int pidfd)
{
	return session_gate_timeout_ms(s, s->o->on_poll || pidfd < 0 || !s->nrings ? LOOP_MS
										: LOOP_IDLE_MS);
}

static int sample_loop(struct hp_session *s, pid_t pid)
{
	struct pollfd *pfd = s->pfd;
	int status = 0, forwarded = 0, err = 0;
	struct rusage ru;
	int pidfd = (int)syscall(SYS_pidfd_open, pid, 0), nfd = (int)(s->nrings + s->nswitch);

	for (unsigned r = 0; r < s->nrings + s->nswitch; r++)
		pfd[r] = (struct pollfd){ .fd = s->rings[r].fd, .events = POLLIN };
	if (pidfd >= 0)
		pfd[nfd++] = (struct pollfd){ .fd = pidfd, .events = POLLIN };
	uint64_t next_commit = hp_now_ns() + COMMIT_NS, t_woke = 0;
	for (;;) {
		int timeout = loop_timeout_ms(s, pidfd), due = memwatch_due_ms(s->mw, hp_now_ns());
		if (t_woke && hp_now_ns() - t_woke > s->round_max_ns)
			s->round_max_ns = hp_now_ns() - t_woke;
		int n = poll(pfd, (nfds_t)nfd, due >= 0 && due < timeout ? due : timeout);  /* no_perf: a nap */
		session_loop_woken(s, pfd, nfd, n, timeout, due);
		t_woke = hp_now_ns();
		memwatch_poll(s->mw, t_woke);
		s->round++;
		if ((err = drain(s, 0)))
			break;
		store_memory(s);
		/* Commit regularly: a crash of hpprof or a full disk loses at
		 * most the last half second. */
		if (hp_now_ns() >= next_commit) {
			if ((err = store_flush(s->st)))
				break;
			next_commit = hp_now_ns() + COMMIT_NS;
		}
		if (s->o->on_poll && (err = s->o->on_poll(s->o->poll_ctx, s, 0)) < 0)
			break;
		if ((err = s->err))                   /* a sample from on_poll failed to store */
			break;
		session_release_exited(s);
		forward_stop(s, pid, &forwarded);
		/* with a pidfd, wait4 only once it says the target ended */
		if ((pidfd < 0 || pfd[nfd - 1].revents) && wait_target(s, pid, &status, &ru, 0))
			goto reaped;
		if (s->o->duration_ns && hp_now_ns() - s->t0 >= s->o->duration_ns) {
			if (duration_end(s, pid, &status, &ru))
				goto reaped;
			s->res->duration_ns = hp_now_ns() - s->t0;
			s->res->exit_code = -1;        /* it runs on: no status */
			return 0;
		}
	}
	if (pidfd >= 0)
		close(pidfd);
	/* The profile cannot be written (disk full...): stop profiling, keep
	 * what was committed, and let the program finish its work. */
	hp_err("cannot write the profile: %s; sampling stops here, the program keeps"
	       " running%s", hp_strerror(err), stop_signal ? "" : " (Ctrl-C stops it)");
	session_disable_events(s);
	while (!wait_target(s, pid, &status, &ru, 0)) {
		forward_stop(s, pid, &forwarded);
		usleep(10000);
	}
	s->stopped = 1;
	pidfd = -1;
reaped:
	if (pidfd >= 0)
		close(pidfd);
	s->res->duration_ns = hp_now_ns() - s->t0;
	s->res->exit_code = launch_exit_code(status);
	s->res->term_signal = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
	s->res->user_s = (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6;
	s->res->sys_s = (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
	s->res->peak_rss = (int64_t)ru.ru_maxrss * 1024;
	return err;
}

static int finish(struct hp_session *s, pid_t pid)
{
	if (s->stopped)
		return s->err;
	int err = drain(s, 1);
	store_memory(s);
	session_loop_debug(s);
	if (s->o->on_poll) {
		int e = s->o->on_poll(s->o->poll_ctx, s, 1);
		if (!err)
			err = e;
	}
	session_release_exited(s);
	session_preload_finish(s);
	session_read_totals(s);
	session_offcpu_end(s);
	session_count_lost(s);
	s->res->bad_records += s->reader.bad;
	if (s->res->bad_records)
		hp_warn("skipped %llu malformed perf records (see --debug=perf)",
			(unsigned long long)s->res->bad_records);
	/* The target's own peak. rusage's covers its children too, and the
	 * copy of hpprof that the launch's fork made before exec: it counts
	 * only when the target was the only process and it is above that. */
	int64_t own = (int64_t)memwatch_peak(s->mw, (uint32_t)pid);
	if (memwatch_count(s->mw) == 1 && s->res->peak_rss > own &&
	    (uint64_t)s->res->peak_rss > s->preexec_rss + (256u << 10))
		own = s->res->peak_rss;
	store_end_process(s->st, (uint32_t)pid, s->res->duration_ns, s->res->exit_code,
			  own > 0 ? own : -1);
	return err;
}

int session_counters_per_sample(const struct hp_session_opts *o)
{
	for (unsigned i = 0; i < o->ncounters; i++)
		if (o->counters[i].attr.type != PERF_TYPE_SOFTWARE)
			return 1;
	return o->counters_per_sample && o->ncounters;
}

static int session_init(struct hp_session *s, const struct hp_session_opts *o,
			struct hp_store *st, struct hp_session_result *res)
{
	int err;
	memset(res, 0, sizeof(*res));
	s->o = o;
	s->st = st;
	s->res = res;
	if ((err = session_alloc_slots(s)))
		return err;
	session_kernel_access(s);
	hmap_init(&s->ids);
	hmap_init(&s->threads);
	hmap_init(&s->tcount_index);
	hmap_init(&s->refreshed);
	hmap_init(&s->adopted);
	hmap_init(&s->rows);
	hmap_init(&s->execd);
	hmap_init(&s->unpreloaded);
	s->sample_type = PERF_SAMPLE_IDENTIFIER | PERF_SAMPLE_IP | PERF_SAMPLE_TID |
			 PERF_SAMPLE_TIME;
	if (o->call_graph == HP_CG_DWARF)
		s->sample_type |= PERF_SAMPLE_REGS_USER | PERF_SAMPLE_STACK_USER;
	if (o->call_graph == HP_CG_FP || s->kernel_chain)
		s->sample_type |= PERF_SAMPLE_CALLCHAIN;
	if (o->ncounters) {
		/* the group's read_format serves the whole-run totals too */
		res->counters_sampled = session_counters_per_sample(o);
		if (res->counters_sampled)
			s->sample_type |= PERF_SAMPLE_READ;
		s->read_format = PERF_FORMAT_GROUP | PERF_FORMAT_ID |
				 PERF_FORMAT_TOTAL_TIME_ENABLED | PERF_FORMAT_TOTAL_TIME_RUNNING;
	}
	/* the samplers' group read carries each one's lost records too:
	 * read at the end (session_lost.c) */
	if (!o->no_perf || o->off_cpu)
		session_lost_probe(s);
	s->read_format |= s->lost_format;
	s->nregs = (uint32_t)__builtin_popcountll(HP_UNWIND_REGS_MASK);
	/* off-CPU stacks: all of them up to -F a second per CPU, a budget as
	 * many as the CPU samples; above it, gated (offcpu.h) */
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	unsigned hz = o->sampler || o->sampler_period || !o->freq ? OFFCPU_STACKS_HZ : o->freq;
	s->gate_on = 1;
	s->rec_on = 1;
	s->gate_pi = 1.0;
	if (o->off_cpu &&
	    (err = offcpu_new(o->offcpu_event, hz * (unsigned)(ncpu > 0 ? ncpu : 1), &s->oc)))
		return err;
	/* the cut waits' switch-in counts (CONFIG_SCHED_INFO) */
	s->have_schedstat = access("/proc/self/schedstat", R_OK) == 0;
	if ((err = modcache_new(&s->mc)) || (err = procmaps_new(s->mc, &s->pm)) ||
	    (err = procroot_new(&s->roots)) || (err = mapfiles_new(&s->files)) ||
	    (err = unwinder_new(s->pm, &s->uw)))
		return err;
	procmaps_set_names(s->pm, s->roots, s->files);
	if (o->call_graph == HP_CG_DWARF && !o->no_perf) {
		if ((err = stackjoin_new(STACKJOIN_MAX_BYTES, session_emit_sample,
					 session_func_start, s, &s->join)))
			return err;
		if (s->oc)
			offcpu_set_hold(s->oc, session_hold_offcpu, s);
	}
	return 0;
}

static void session_release(struct hp_session *s)
{
	session_close_events(s);
	session_free_slots(s);
	memwatch_stop(s->mw);
	offcpu_free(s->oc);
	stackjoin_free(s->join);
	kstack_free(s->kstack);
	if (s->uw)
		unwinder_free(s->uw);
	if (s->pm)
		procmaps_free(s->pm);
	procroot_free(s->roots);
	mapfiles_free(s->files);
	if (s->mc)
		modcache_free(s->mc);
	hmap_release(&s->ids);
	hmap_release(&s->threads);
	hmap_release(&s->refreshed);
	hmap_release(&s->adopted);
	hmap_release(&s->execd);
	hmap_release(&s->unpreloaded);
	hmap_release(&s->rows);
	ring_reader_release(&s->reader);
	free(s->tcount);
	hmap_release(&s->tcount_index);
}

int session_run(const struct hp_session_opts *o, char *const argv[], struct hp_store *st,
		struct hp_session_result *res)
{
	struct hp_session *s = calloc(1, sizeof(*s));
	struct hp_launch l = { .pid = -1, .gate_fd = -1, .err_fd = -1, .env = o->env,
				.argv0 = o->argv0 };
	struct sigaction oi, ot, oh;
	int err;

	if (o->nattach) {
		free(s);
		return session_attach(o, st, res);
	}
	if (!s)
		return -ENOMEM;
	if ((err = session_init(s, o, st, res)))
		goto out_release;
	if (o->launch && o->launch->pid > 0) {
		l = *o->launch;           /* forked early by the caller: ours now */
		o->launch->pid = -1;
		o->launch->gate_fd = o->launch->err_fd = -1;
	} else if ((err = launch_prepare(&l, argv))) {
		goto out_release;
	}
	if (hp_debug_levels[HP_DBG_RUN] >= 1)
		getrusage(RUSAGE_THREAD, &s->ru0);
	if (!o->no_perf && (err = session_open_events(s, l.pid))) {
		/* Not the program's fault: say that perf events failed, and why. */
		res->perf_errno = -err;
		err = -HP_ENOPERF;
		launch_abort(&l);
		goto out_release;
	}
	/* the preload agent samples CPU time; perf the off-CPU time, if it may */
	if (o->no_perf && o->off_cpu && (err = session_open_offcpu_events(s, l.pid)))
		hp_debug(HP_DBG_PERF, 1, "no off-CPU events: %s", hp_strerror(err));
	install_signals(&oi, &ot, &oh);
	s->t0 = hp_now_ns();
	s->preexec_rss = memwatch_rss_now((uint32_t)l.pid);
	if ((err = launch_release(&l))) {
		/* exec failed: the child already exited */
		restore_signals(&oi, &ot, &oh);
		goto out_release;
	}
	res->ran = 1;
	/* What the program's start does not need comes after it, the rings
	 * holding what it does meanwhile (docs/performance.md, "Wave 12"):
	 * the RSS readings (by the loop unless a stream may keep it busy) and
	 * a store the caller makes late (session_start.c). */
	if (o->mem_interval_ms && (err = (o->on_poll ? memwatch_start : memwatch_start_polled)
				   (o->mem_interval_ms, s->t0, &s->mw)))
		hp_warn("no memory timeline: %s", hp_strerror(err));
	if ((err = o->on_started ? o->on_started(o->started_ctx, &s->st) : 0)) {
		session_run_unprofiled(s, l.pid);
		restore_signals(&oi, &ot, &oh);
		goto out_release;
	}
	session_record_target(s, l.pid, argv);
	memwatch_add(s->mw, (uint32_t)l.pid);      /* the image as exec left it */
	err = sample_loop(s, l.pid);
	int ferr = finish(s, l.pid);
	if (!err)
		err = ferr;
	restore_signals(&oi, &ot, &oh);
out_release:
	session_release(s);
	free(s);
	return err;
}

/* --- shared with session_attach.c (session_internal.h) --- */

int session_setup(struct hp_session *s, const struct hp_session_opts *o, struct hp_store *st,
		  struct hp_session_result *res)
{
	return session_init(s, o, st, res);
}

void session_teardown(struct hp_session *s)
{
	session_release(s);
}

int session_pump(struct hp_session *s)
{
	int err = drain(s, 0);
	store_memory(s);
	return err;
}

int session_stop_signal(void)
{
	return stop_signal;
}

void session_catch_stop(int install)
{
	static struct sigaction oi, ot, oh;
	if (install)
		install_signals(&oi, &ot, &oh);
	else
		restore_signals(&oi, &ot, &oh);
}

int session_finish_common(struct hp_session *s)
{
	int err = drain(s, 1);
	store_memory(s);
	session_release_exited(s);
	session_preload_finish(s);
	session_read_totals(s);
	session_offcpu_end(s);
	session_count_lost(s);
	s->res->bad_records += s->reader.bad;
	return err ? err : s->err;
}

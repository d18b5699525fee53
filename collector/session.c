/*
 * session.c - one profiling run (session.h).
 *
 * Takes an argv and options; produces rows in the store: processes,
 * threads, modules, interned stacks, samples and memory readings.
 *
 * Events (opened in session_events.c): one sampling leader per online CPU
 * on the target's pid (inherit + enable_on_exec; per-task events with
 * cpu = -1 cannot be mmap'ed when inherited), with the counter events as
 * group members read with every sample, and an optional page-fault
 * sampler redirected into the same ring. This file handles the records,
 * the loop and the end of the run. Records of different CPU rings are not in time order:
 * each drain collects every ring's records, sorts them by time, handles
 * them, then releases the ring space.
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
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "collector/launch.h"
#include "collector/memwatch.h"
#include "collector/module.h"
#include "collector/procmap.h"
#include "collector/unwind.h"
#include "common/clock.h"
#include "common/error.h"
#include "common/grow.h"
#include "common/hmap.h"
#include "common/log.h"
#include "common/store.h"
#include "collector/session_internal.h"

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

static uint64_t rel_time(struct hp_session *s, uint64_t t)
{
	return t > s->t0 ? t - s->t0 : 0;
}

static void read_proc_string(uint32_t pid, const char *what, char *buf, size_t len)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%u/%s", pid, what);
	if (!strcmp(what, "exe")) {
		ssize_t n = readlink(path, buf, len - 1);
		buf[n > 0 ? n : 0] = '\0';
		return;
	}
	buf[0] = '\0';
	FILE *f = fopen(path, "re");
	if (f) {
		if (fgets(buf, (int)len, f))
			buf[strcspn(buf, "\n")] = '\0';
		fclose(f);
	}
}

static void handle_comm(struct hp_session *s, const uint8_t *rec, const struct perf_event_header *h,
			uint64_t t)
{
	uint32_t pid = *(const uint32_t *)(rec + 8), tid = *(const uint32_t *)(rec + 12);
	const char *comm = (const char *)(rec + 16);
	store_add_thread(s->st, tid, pid, comm, rel_time(s, t));
	store_set_thread_comm(s->st, tid, comm);
	if (h->misc & PERF_RECORD_MISC_COMM_EXEC) {
		char exe[PATH_MAX];
		read_proc_string(pid, "exe", exe, sizeof(exe));
		procmaps_exec(s->pm, pid);
		unwinder_forget(s->uw, pid);
		store_add_process(s->st, pid, 0, comm, exe[0] ? exe : NULL, rel_time(s, t));
		store_set_process_comm(s->st, pid, comm, exe[0] ? exe : NULL);
	} else if (pid == tid) {
		store_set_process_comm(s->st, pid, comm, NULL);
	}
}

static void handle_fork(struct hp_session *s, const uint8_t *rec, uint64_t t)
{
	const uint32_t *f = (const uint32_t *)(rec + 8);    /* pid, ppid, tid, ptid */
	char comm[64];
	read_proc_string(f[0], "comm", comm, sizeof(comm));
	if (f[0] != f[1]) {                                   /* a new process */
		procmaps_fork(s->pm, f[1], f[0]);
		store_add_process(s->st, f[0], f[1], comm[0] ? comm : NULL, NULL, rel_time(s, t));
		memwatch_add(s->mw, f[0]);
	}
	store_add_thread(s->st, f[2], f[0], comm[0] ? comm : NULL, rel_time(s, t));
}

/* A process exited: its maps are still needed for the events of other
 * streams (allocations) written just before the exit, so they are dropped
 * only after the next on_poll has run (release_exited). */
static void defer_exit(struct hp_session *s, uint32_t pid)
{
	if (s->nexited < MAX_PROCS) {
		s->exited[s->nexited++] = pid;
	} else {
		procmaps_exit(s->pm, pid);
		unwinder_forget(s->uw, pid);
	}
}

static void release_exited(struct hp_session *s)
{
	for (unsigned i = 0; i < s->nexited; i++) {
		procmaps_exit(s->pm, s->exited[i]);
		unwinder_forget(s->uw, s->exited[i]);
	}
	s->nexited = 0;
}

static void handle_exit(struct hp_session *s, const uint8_t *rec, uint64_t t)
{
	const uint32_t *f = (const uint32_t *)(rec + 8);
	store_end_thread(s->st, f[2], rel_time(s, t));
	if (f[0] == f[2]) {
		uint64_t peak = memwatch_peak(s->mw, f[0]);
		store_end_process(s->st, f[0], rel_time(s, t), -1, peak ? (int64_t)peak : -1);
		defer_exit(s, f[0]);
	}
}

static void handle_mmap2(struct hp_session *s, const uint8_t *rec, int v2)
{
	uint32_t pid = *(const uint32_t *)(rec + 8);
	const uint64_t *q = (const uint64_t *)(rec + 16);   /* addr, len, pgoff */
	const char *name;
	if (v2) {
		uint32_t prot = *(const uint32_t *)(rec + 16 + 24 + 24);
		if (!(prot & PROT_EXEC))
			return;
		name = (const char *)(rec + 16 + 24 + 24 + 8);
	} else {
		name = (const char *)(rec + 16 + 24);
	}
	hp_debug(HP_DBG_PERF, 2, "mmap pid %u %#llx-%#llx %s", pid, (unsigned long long)q[0],
		 (unsigned long long)(q[0] + q[1]), name);
	procmaps_add(s->pm, pid, q[0], q[1], q[2], name);
}

/* --- samples --- */

static uint32_t module_id_of(struct hp_session *s, struct hp_module *mod)
{
	if (mod->store_id)
		return mod->store_id;
	if (store_intern_module(s->st, mod->path, mod->build_id, &mod->store_id) < 0)
		return 0;
	if (s->o->on_module)
		s->o->on_module(s->o->module_ctx, mod->path);
	return mod->store_id;
}

/* No perf MMAP2 records: an unknown address may be in a library mapped
 * after /proc/PID/maps was read. Read it again, once per poll round. */
static int refresh_maps(struct hp_session *s, uint32_t pid)
{
	uint64_t key = (uint64_t)pid | 1ull << 32, round;
	if (!s->o->no_perf || (hmap_get(&s->refreshed, key, &round) && round == s->round))
		return 0;
	hmap_put(&s->refreshed, key, s->round);
	return procmaps_load_proc(s->pm, pid) == 0;
}

uint32_t session_locate(struct hp_session *s, uint32_t pid, const uint64_t *pcs, uint32_t n,
			struct hp_location *out)
{
	for (uint32_t i = 0; i < n; i++) {
		uint64_t pc = i ? pcs[i] - 1 : pcs[i];
		const struct hp_map *m = procmaps_find(s->pm, pid, pc);
		if (!m && refresh_maps(s, pid))
			m = procmaps_find(s->pm, pid, pc);
		if (m && m->mod && m->mod->valid) {
			out[i].module_id = module_id_of(s, m->mod);
			out[i].addr = pc - m->bias;
		} else {
			out[i].module_id = 0;
			out[i].addr = pc;
		}
	}
	return n;
}

static struct thread_counters *thread_counters(struct hp_session *s, uint32_t tid)
{
	uint64_t key = hmap_key2(tid, (uint64_t)s->cur_ring + 1), idx;
	if (hmap_get(&s->tcount_index, key, &idx))
		return &s->tcount[idx];
	if (hp_grow((void **)&s->tcount, &s->tcount_cap, s->ntcount + 1, sizeof(*s->tcount)) ||
	    hmap_put(&s->tcount_index, key, s->ntcount))
		return NULL;
	struct thread_counters *tc = &s->tcount[s->ntcount++];
	memset(tc, 0, sizeof(*tc));
	tc->tid = tid;
	tc->ring = s->cur_ring;
	return tc;
}

/* Group read: nr, enabled, running, {value, id}[nr]. Returns words used. */
static uint64_t parse_read(struct hp_session *s, const uint64_t *p, uint32_t tid,
			   struct hp_sample *smp)
{
	uint64_t nr = p[0];
	struct thread_counters *tc = thread_counters(s, tid);
	smp->nr_counters = s->o->ncounters;
	memset(smp->counters, 0, sizeof(smp->counters));
	for (uint64_t k = 0; k < nr; k++) {
		uint64_t v = p[3 + 2 * k], id = p[4 + 2 * k], what;
		if (!hmap_get(&s->ids, id, &what) || what >> 32 != ID_COUNTER || !tc)
			continue;
		unsigned i = (unsigned)what;
		smp->counters[i] = (int64_t)(v - tc->prev[i]);
		tc->prev[i] = v;
	}
	return 3 + 2 * nr;
}

static uint32_t kernel_frame(struct hp_session *s, struct hp_location *loc)
{
	if (!s->kernel_module)
		store_intern_module(s->st, KERNEL_PATH, NULL, &s->kernel_module);
	loc->module_id = s->kernel_module;
	loc->addr = 0;
	return 1;
}

static uint32_t fp_frames(struct hp_session *s, uint32_t pid, const uint64_t *ips, uint64_t nr)
{
	uint32_t n = 0;
	for (uint64_t i = 0; i < nr && n < HP_MAX_FRAMES; i++)
		if (ips[i] < (uint64_t)-4095)          /* skip PERF_CONTEXT_* markers */
			s->pcs[n++] = ips[i];
	return n;
}

static void handle_sample(struct hp_session *s, const uint8_t *rec, const struct perf_event_header *h)
{
	const uint64_t *p = (const uint64_t *)(rec + 8);
	struct hp_sample *smp = &s->sample;
	uint64_t id = *p++, ip = *p++, what = 0;
	uint32_t pid = (uint32_t)p[0], tid = (uint32_t)(p[0] >> 32);
	uint64_t time = p[1];
	const uint64_t *regs = NULL, *ips = NULL;
	uint64_t nips = 0, stack_size = 0;
	const uint8_t *stack = NULL;
	uint32_t n = 0, skip = 0;
	int complete = 0;

	p += 2;
	hmap_get(&s->ids, id, &what);
	smp->event = what >> 32 == ID_FAULT ? s->o->fault_event : 0;
	smp->nr_counters = 0;
	if (s->sample_type & PERF_SAMPLE_READ) {
		if (what >> 32 == ID_SAMPLER)
			p += parse_read(s, p, tid, smp);
	}
	if (s->sample_type & PERF_SAMPLE_CALLCHAIN) {
		nips = *p++;
		ips = p;
		p += nips;
	}
	if (s->sample_type & PERF_SAMPLE_REGS_USER) {
		if (*p++ != PERF_SAMPLE_REGS_ABI_NONE) {
			regs = p;
			p += s->nregs;
		}
	}
	if (s->sample_type & PERF_SAMPLE_STACK_USER) {
		uint64_t size = *p++;
		stack = (const uint8_t *)p;
		p += size / 8;
		if (size)
			stack_size = *p++;
	}

	smp->t_ns = rel_time(s, time);
	smp->pid = pid;
	smp->tid = tid;
	if ((h->misc & PERF_RECORD_MISC_CPUMODE_MASK) == PERF_RECORD_MISC_KERNEL)
		skip = kernel_frame(s, &smp->frames[0]);
	if (s->o->call_graph == HP_CG_FP && ips) {
		n = fp_frames(s, pid, ips, nips);
	} else if (regs) {
		uint64_t t = hp_now_ns();
		n = (uint32_t)unwind_sample(s->uw, pid, regs, stack, stack_size, s->pcs,
					    HP_MAX_FRAMES - (int)skip, &complete);
		s->res->unwind_ns += hp_now_ns() - t;
	} else if (!skip) {
		s->pcs[n++] = ip;
	}
	smp->nr_frames = skip + session_locate(s, pid, s->pcs, n, smp->frames + skip);
	smp->complete = (uint32_t)complete;

	int err = store_add_sample(s->st, smp);
	if (err && !s->err)
		s->err = err;
	if (smp->event) {
		s->res->fault_samples++;
	} else {
		s->res->samples++;
		s->res->complete += (uint64_t)complete;
	}
}

/* --- no_perf mode: facts from the caller --- */

int session_add_process(struct hp_session *s, uint32_t pid, uint32_t ppid, uint32_t gen,
			const char *exe, uint64_t t_ns)
{
	char comm[64];
	read_proc_string(pid, "comm", comm, sizeof(comm));
	procmaps_exec(s->pm, pid);                 /* whatever an earlier image left */
	if (procmaps_load_proc(s->pm, pid) < 0 && gen == 0)
		procmaps_fork(s->pm, ppid, pid);   /* gone already: a fork has its parent's maps */
	hmap_put(&s->refreshed, (uint64_t)pid | 1ull << 32, s->round);
	memwatch_add(s->mw, pid);
	const char *c = comm[0] ? comm : NULL, *e = exe && *exe ? exe : NULL;
	int err = store_add_process(s->st, pid, ppid, c, e, rel_time(s, t_ns));
	if (!err && gen)
		err = store_set_process_comm(s->st, pid, c, e);
	if (!err) {
		hmap_put(&s->threads, (uint64_t)pid | 1ull << 32, 1);
		err = store_add_thread(s->st, pid, pid, c, rel_time(s, t_ns));
	}
	if (err && !s->err)
		s->err = err;
	return err;
}

void session_end_process(struct hp_session *s, uint32_t pid, uint64_t t_ns, int execed)
{
	if (execed)
		return;                            /* the next image's start replaces the maps */
	uint64_t peak = memwatch_peak(s->mw, pid);
	store_end_process(s->st, pid, rel_time(s, t_ns), -1, peak ? (int64_t)peak : -1);
	procmaps_exit(s->pm, pid);                 /* its events are all in: the pid may come back */
	hmap_del(&s->refreshed, (uint64_t)pid | 1ull << 32, NULL);
}

/* A threads row for tid the first time one of its samples comes. */
static int note_thread(struct hp_session *s, uint32_t pid, uint32_t tid, uint64_t t_rel)
{
	uint64_t key = (uint64_t)tid | 1ull << 32, seen;
	char path[64], comm[64];
	if (hmap_get(&s->threads, key, &seen))
		return 0;
	hmap_put(&s->threads, key, 1);
	snprintf(path, sizeof(path), "task/%u/comm", tid);
	read_proc_string(pid, path, comm, sizeof(comm));
	return store_add_thread(s->st, tid, pid, comm[0] ? comm : NULL, t_rel);
}

int session_add_sample(struct hp_session *s, uint32_t pid, uint32_t tid, uint64_t t_ns,
		       const uint64_t *pcs, uint32_t n, int complete)
{
	struct hp_sample *smp = &s->sample;
	if (s->stopped)
		return s->err;
	if (n > HP_MAX_FRAMES)
		n = HP_MAX_FRAMES;
	smp->t_ns = rel_time(s, t_ns);
	smp->pid = pid;
	smp->tid = tid;
	smp->event = 0;
	smp->nr_counters = 0;
	smp->complete = (uint32_t)!!complete;
	smp->nr_frames = session_locate(s, pid, pcs, n, smp->frames);
	int err = note_thread(s, pid, tid, smp->t_ns);
	if (!err)
		err = store_add_sample(s->st, smp);
	if (err) {
		if (!s->err)
			s->err = err;
		return err;
	}
	s->res->samples++;
	s->res->complete += smp->complete;
	return 0;
}

/* --- ring draining --- */

static uint64_t record_time(struct hp_session *s, const uint8_t *rec, uint32_t size)
{
	const struct perf_event_header *h = (const void *)rec;
	if (h->type == PERF_RECORD_SAMPLE)
		return *(const uint64_t *)(rec + 32);     /* header, id, ip, pid/tid, time */
	if (size < 8 + 24)
		return 0;
	return *(const uint64_t *)(rec + size - 16);  /* ... pid/tid, time, identifier */
}

static const uint8_t *record_at(struct hp_session *s, struct ring *r, uint64_t pos, uint32_t size)
{
	uint64_t off = pos & r->mask;
	if (off + size <= r->size)
		return r->data + off;
	if (hp_grow((void **)&s->scratch, &s->scratch_cap, size, 1))
		return NULL;
	uint64_t first = r->size - off;
	memcpy(s->scratch, r->data + off, first);
	memcpy(s->scratch + first, r->data, size - first);
	return s->scratch;
}

static int push_entry(struct hp_session *s, const struct entry *e)
{
	int err = hp_grow((void **)&s->entries, &s->entries_cap, s->nentries + 1, sizeof(*e));
	if (!err)
		s->entries[s->nentries++] = *e;
	return err;
}

static int cmp_entry(const void *a, const void *b)
{
	const struct entry *x = a, *y = b;
	if (x->time != y->time)
		return x->time < y->time ? -1 : 1;
	if (x->ring != y->ring)
		return x->ring < y->ring ? -1 : 1;
	return x->pos < y->pos ? -1 : x->pos > y->pos;
}

static void handle_record(struct hp_session *s, const uint8_t *rec, uint64_t t)
{
	const struct perf_event_header *h = (const void *)rec;
	if (s->o->raw) {
		int err = store_add_raw_record(s->st, rel_time(s, t), s->cur_ring, rec, h->size);
		if (err && !s->err)
			s->err = err;
	}
	switch (h->type) {
	case PERF_RECORD_SAMPLE:
		handle_sample(s, rec, h);
		break;
	case PERF_RECORD_MMAP2:
		handle_mmap2(s, rec, 1);
		break;
	case PERF_RECORD_MMAP:
		handle_mmap2(s, rec, 0);
		break;
	case PERF_RECORD_COMM:
		handle_comm(s, rec, h, t);
		break;
	case PERF_RECORD_FORK:
		handle_fork(s, rec, t);
		break;
	case PERF_RECORD_EXIT:
		handle_exit(s, rec, t);
		break;
	case PERF_RECORD_LOST:
		s->res->lost += *(const uint64_t *)(rec + 16);
		break;
	default:
		break;
	}
}

static int drain(struct hp_session *s)
{
	s->nentries = 0;
	for (unsigned r = 0; r < s->nrings; r++) {
		struct ring *ring = &s->rings[r];
		uint64_t head = __atomic_load_n(&ring->meta->data_head, __ATOMIC_ACQUIRE);
		uint64_t pos = ring->meta->data_tail;
		ring->head = head;
		while (pos < head) {
			const struct perf_event_header *h =
				(const void *)(ring->data + (pos & ring->mask));
			if (h->size < sizeof(*h))
				break;
			const uint8_t *rec = record_at(s, ring, pos, h->size);
			struct entry e = { rec ? record_time(s, rec, h->size) : 0, r, h->size, pos };
			if (push_entry(s, &e) < 0)
				return -ENOMEM;
			pos += h->size;
		}
	}
	if (s->nentries)
		qsort(s->entries, s->nentries, sizeof(*s->entries), cmp_entry);
	for (size_t i = 0; i < s->nentries; i++) {
		const struct entry *e = &s->entries[i];
		const uint8_t *rec = record_at(s, &s->rings[e->ring], e->pos, e->size);
		s->cur_ring = e->ring;
		if (rec)
			handle_record(s, rec, e->time);
	}
	for (unsigned r = 0; r < s->nrings; r++)
		__atomic_store_n(&s->rings[r].meta->data_tail, s->rings[r].head, __ATOMIC_RELEASE);
	return s->err;
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

static int sample_loop(struct hp_session *s, pid_t pid)
{
	struct pollfd pfd[MAX_CPUS];
	int status = 0, forwarded = 0, err = 0;
	struct rusage ru;

	for (unsigned r = 0; r < s->nrings; r++)
		pfd[r] = (struct pollfd){ .fd = s->rings[r].fd, .events = POLLIN };
	uint64_t next_commit = hp_now_ns() + COMMIT_NS;
	for (;;) {
		poll(pfd, s->nrings, 10);             /* no rings (no_perf): a 10 ms nap */
		s->round++;
		if ((err = drain(s)))
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
		release_exited(s);
		forward_stop(s, pid, &forwarded);
		if (wait_target(s, pid, &status, &ru, 0))
			goto reaped;
	}
	/* The profile cannot be written (disk full...): stop profiling, keep
	 * what was committed, and let the program finish its work. */
	hp_err("cannot write the profile: %s; sampling stops here, the program keeps"
	       " running%s", hp_strerror(err), stop_signal ? "" : " (Ctrl-C stops it)");
	for (unsigned r = 0; r < s->nrings; r++)
		ioctl(s->rings[r].fd, PERF_EVENT_IOC_DISABLE, 0);
	while (!wait_target(s, pid, &status, &ru, 0)) {
		forward_stop(s, pid, &forwarded);
		usleep(10000);
	}
	s->stopped = 1;
reaped:
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
	int err = drain(s);
	store_memory(s);
	if (s->o->on_poll) {
		int e = s->o->on_poll(s->o->poll_ctx, s, 1);
		if (!err)
			err = e;
	}
	release_exited(s);
	session_read_totals(s);
	store_end_process(s->st, (uint32_t)pid, s->res->duration_ns, s->res->exit_code,
			  s->res->peak_rss);
	return err;
}

static int session_init(struct hp_session *s, const struct hp_session_opts *o,
			struct hp_store *st, struct hp_session_result *res)
{
	int err;
	memset(res, 0, sizeof(*res));
	res->kernel_samples = !o->no_perf;
	s->o = o;
	s->st = st;
	s->res = res;
	hmap_init(&s->ids);
	hmap_init(&s->threads);
	hmap_init(&s->tcount_index);
	hmap_init(&s->refreshed);
	s->sample_type = PERF_SAMPLE_IDENTIFIER | PERF_SAMPLE_IP | PERF_SAMPLE_TID |
			 PERF_SAMPLE_TIME;
	if (o->call_graph == HP_CG_DWARF)
		s->sample_type |= PERF_SAMPLE_REGS_USER | PERF_SAMPLE_STACK_USER;
	else
		s->sample_type |= PERF_SAMPLE_CALLCHAIN;
	if (o->ncounters)
		s->sample_type |= PERF_SAMPLE_READ;
	s->nregs = (uint32_t)__builtin_popcountll(HP_UNWIND_REGS_MASK);
	if ((err = modcache_new(&s->mc)) || (err = procmaps_new(s->mc, &s->pm)) ||
	    (err = unwinder_new(s->pm, &s->uw)))
		return err;
	return 0;
}

static void session_release(struct hp_session *s)
{
	session_close_events(s);
	memwatch_stop(s->mw);
	if (s->uw)
		unwinder_free(s->uw);
	if (s->pm)
		procmaps_free(s->pm);
	if (s->mc)
		modcache_free(s->mc);
	hmap_release(&s->ids);
	hmap_release(&s->threads);
	hmap_release(&s->refreshed);
	free(s->entries);
	free(s->scratch);
	free(s->tcount);
	hmap_release(&s->tcount_index);
}

static void record_target(struct hp_session *s, pid_t pid, char *const argv[])
{
	const char *base = strrchr(argv[0], '/');
	base = base ? base + 1 : argv[0];
	store_add_process(s->st, (uint32_t)pid, (uint32_t)getpid(), base, argv[0], 0);
	store_add_thread(s->st, (uint32_t)pid, (uint32_t)pid, base, 0);
	hmap_put(&s->threads, (uint64_t)pid | 1ull << 32, 1);
}

int session_run(const struct hp_session_opts *o, char *const argv[], struct hp_store *st,
		struct hp_session_result *res)
{
	struct hp_session *s = calloc(1, sizeof(*s));
	struct hp_launch l = { .pid = -1, .gate_fd = -1, .err_fd = -1, .env = o->env };
	struct sigaction oi, ot, oh;
	int err;

	if (!s)
		return -ENOMEM;
	if ((err = session_init(s, o, st, res)))
		goto out_release;
	if ((err = launch_prepare(&l, argv)))
		goto out_release;
	if (!o->no_perf && (err = session_open_events(s, l.pid))) {
		/* Not the program's fault: say that perf events failed, and why. */
		res->perf_errno = -err;
		err = -HP_ENOPERF;
		launch_abort(&l);
		goto out_release;
	}
	install_signals(&oi, &ot, &oh);
	s->t0 = hp_now_ns();
	record_target(s, l.pid, argv);
	if (o->mem_interval_ms && (err = memwatch_start(o->mem_interval_ms, s->t0, &s->mw)))
		hp_warn("no memory timeline: %s", hp_strerror(err));
	if ((err = launch_release(&l))) {
		/* exec failed: the child already exited */
		restore_signals(&oi, &ot, &oh);
		goto out_release;
	}
	res->ran = 1;
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

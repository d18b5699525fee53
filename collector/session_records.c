/*
 * session_records.c - what the records of a perf ring mean to a session.
 *
 * Takes each record in time order from the drain (perf_ring.c), parses it
 * with bounds checks (perf_record.c) and turns it into facts: MMAP/MMAP2
 * into per-pid maps (procmap), COMM/FORK/EXIT into the processes and
 * threads tables, SAMPLE into an unwound stack of (module, address)
 * locations with its counter deltas, written to the store. A kernel-mode
 * sample's stack starts (innermost) with its kernel frames - the kernel
 * callchain at absolute addresses in "[kernel.kallsyms]", or one
 * "[kernel]" frame when kernel frames are not recorded - followed by the
 * user stack that entered the kernel. A record that
 * does not parse is counted (res->bad_records) and skipped.
 *
 * Also holds session_locate(): absolute PCs to store locations, shared
 * with the samples that arrive without perf (session.c).
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "collector/mapfile.h"
#include "collector/memwatch.h"
#include "collector/offcpu.h"
#include "collector/perf_record.h"
#include "collector/pyremote.h"
#include "collector/session_internal.h"
#include "common/clock.h"
#include "common/error.h"
#include "common/grow.h"
#include "common/log.h"
#include "common/store.h"

void session_read_proc(uint32_t pid, const char *what, char *buf, size_t len)
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

static void note_err(struct hp_session *s, int err)
{
	if (err && !s->err)
		s->err = err;
}

/* --- processes and threads --- */

/* --alloc: a process image that never mapped the preload library (its
 * environment lost LD_PRELOAD: env -i, sudo; a static program; a chroot
 * without the library) has no allocation stream: counted, not silent. */
static void note_unpreloaded(struct hp_session *s, uint32_t pid)
{
	if (!s->res->unpreloaded++)
		s->res->unpreloaded_pid = pid;
	hp_debug(HP_DBG_MEM, 1, "pid %u: an image without the preload library", pid);
}

static void preload_exec(struct hp_session *s, uint32_t pid, uint64_t t)
{
	uint64_t key = (uint64_t)pid | 1ull << 32;
	if (!s->o->preload_lib)
		return;
	if (s->o->on_exec)                  /* the image before it: its stream is complete */
		note_err(s, s->o->on_exec(s->o->poll_ctx, pid, t));
	if (hmap_del(&s->unpreloaded, key, NULL))
		note_unpreloaded(s, pid);        /* the image before this exec */
	hmap_put(&s->unpreloaded, key, 1);
}

static const char *base_name(const char *path)
{
	const char *slash = strrchr(path, '/');
	return slash ? slash + 1 : path;
}

static void preload_mapped(struct hp_session *s, uint32_t pid, const char *path)
{
	const char *lib = s->o->preload_lib;
	if (lib && s->unpreloaded.len && !strcmp(base_name(path), base_name(lib)))
		hmap_del(&s->unpreloaded, (uint64_t)pid | 1ull << 32, NULL);
}

/* pid's image ends (count: it never mapped the library) or is unseen. */
static void preload_end(struct hp_session *s, uint32_t pid, int count)
{
	if (s->unpreloaded.len && hmap_del(&s->unpreloaded, (uint64_t)pid | 1ull << 32, NULL) &&
	    count)
		note_unpreloaded(s, pid);
}

void session_preload_finish(struct hp_session *s)
{
	for (size_t i = 0; i < s->unpreloaded.cap; i++)
		if (s->unpreloaded.slots[i].key)
			note_unpreloaded(s, (uint32_t)s->unpreloaded.slots[i].key);
	hmap_release(&s->unpreloaded);
}

static void handle_comm(struct hp_session *s, const struct hp_perf_comm *c, uint64_t t)
{
	store_add_thread(s->st, c->tid, c->pid, c->comm, session_rel_time(s, t));
	store_set_thread_comm(s->st, c->tid, c->comm);
	if (c->exec) {
		char exe[PATH_MAX];
		session_read_proc(c->pid, "exe", exe, sizeof(exe));
		if (s->join)                          /* its stacks are gone */
			note_err(s, stackjoin_flush(s->join, c->pid, 0));
		procmaps_exec(s->pm, c->pid);
		procroot_exec(s->roots, c->pid);      /* a chroot then exec */
		hmap_put(&s->execd, (uint64_t)c->pid | 1ull << 32, 1);
		preload_exec(s, c->pid, t);
		unwinder_forget(s->uw, c->pid);
		if (s->o->pyremote)                   /* the new image may run Python */
			pyremote_exec(s->o->pyremote, c->pid);
		store_add_process(s->st, c->pid, 0, c->comm, exe[0] ? exe : NULL,
				  session_rel_time(s, t));
		store_set_process_comm(s->st, c->pid, c->comm, exe[0] ? exe : NULL);
		session_note_row(s, c->pid);
	} else if (c->pid == c->tid) {
		store_set_process_comm(s->st, c->pid, c->comm, NULL);
	}
}

static void handle_fork(struct hp_session *s, const struct hp_perf_task *f, uint64_t t)
{
	char comm[64];
	session_read_proc(f->pid, "comm", comm, sizeof(comm));
	if (f->pid != f->ppid) {                              /* a new process */
		session_unadopt(s, f->pid);   /* its stream came first: the fork was not lost */
		procmaps_fork(s->pm, f->ppid, f->pid);
		procroot_fork(s->roots, f->ppid, f->pid);
		store_add_process(s->st, f->pid, f->ppid, comm[0] ? comm : NULL, NULL,
				  session_rel_time(s, t));
		session_note_row(s, f->pid);
		memwatch_add(s->mw, f->pid);
	}
	store_add_thread(s->st, f->tid, f->pid, comm[0] ? comm : NULL, session_rel_time(s, t));
}

/* A process exited: its maps are still needed for the events of other
 * streams (allocations) written just before the exit, so they are dropped
 * only after the next on_poll has run (session_release_exited). */
static void defer_exit(struct hp_session *s, uint32_t pid)
{
	if (s->nexited < MAX_PROCS) {
		s->exited[s->nexited++] = pid;
	} else {
		procmaps_exit(s->pm, pid);
		unwinder_forget(s->uw, pid);
	}
}

void session_release_exited(struct hp_session *s)
{
	for (unsigned i = 0; i < s->nexited; i++) {
		procmaps_exit(s->pm, s->exited[i]);
		unwinder_forget(s->uw, s->exited[i]);
	}
	s->nexited = 0;
}

/* The kernel removes every perf event from a process whose exec raises
 * its privileges (a set-user-ID or set-group-ID program, file
 * capabilities: perf_event_exit_task in fs/exec.c when the new image is
 * not dumpable), with an EXIT record after the exec's COMM record and
 * before any MMAP record of the new image, which a real exec maps before
 * the process can end. It runs on unseen: no end is recorded for it. */
static int privileged_exec(struct hp_session *s, uint32_t pid)
{
	if (!hmap_del(&s->execd, (uint64_t)pid | 1ull << 32, NULL))
		return 0;
	if (!s->res->privileged_execs++)
		s->res->privileged_pid = pid;
	hp_debug(HP_DBG_PERF, 1, "pid %u: its exec raised its privileges; the kernel removed"
		 " its events", pid);
	return 1;
}

static void handle_exit(struct hp_session *s, const struct hp_perf_task *f, uint64_t t)
{
	int unseen = f->pid == f->tid && privileged_exec(s, f->pid);
	if (!unseen)
		store_end_thread(s->st, f->tid, session_rel_time(s, t));
	if (s->join)
		note_err(s, stackjoin_flush(s->join, f->pid, f->tid));
	if (s->oc)
		offcpu_forget(s->oc, f->tid);
	if (f->pid == f->tid) {
		uint64_t peak = memwatch_peak(s->mw, f->pid);
		if (!unseen)
			store_end_process(s->st, f->pid, session_rel_time(s, t), -1,
					  peak ? (int64_t)peak : -1);
		preload_end(s, f->pid, !unseen);     /* a privileged exec is said as such */
		defer_exit(s, f->pid);
		procroot_forget(s->roots, f->pid);
	}
}

static void handle_mmap(struct hp_session *s, const struct hp_perf_mmap *m)
{
	hmap_del(&s->execd, (uint64_t)m->pid | 1ull << 32, NULL);   /* its exec mapped it */
	if (!(m->prot & PROT_EXEC))
		return;
	hp_debug(HP_DBG_PERF, 2, "mmap pid %u %#llx-%#llx %s", m->pid, (unsigned long long)m->addr,
		 (unsigned long long)(m->addr + m->len), m->filename);
	char buf[PATH_MAX];
	const char *path = procroot_path(s->roots, m->pid, m->filename, m->maj, m->min, m->ino,
					 buf, sizeof(buf));
	procmaps_add(s->pm, m->pid, m->addr, m->len, m->pgoff,
		     mapfiles_name(s->files, m->pid, path, m->addr, m->addr + m->len, m->maj,
				   m->min, m->ino));
	preload_mapped(s, m->pid, path);
	if (s->o->pyremote)                   /* a libpython: probe the pid again */
		pyremote_mapped(s->o->pyremote, m->pid, path);
}

/* --- locations --- */

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
			int first_is_return, struct hp_location *out)
{
	for (uint32_t i = 0; i < n; i++) {
		uint64_t pc = i || first_is_return ? pcs[i] - 1 : pcs[i];
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

/* --- samples --- */

/* Can pid's samples be joined? Not those of a process running Python:
 * their frames are merged with the Python ones (pyremote.h), which have
 * their own way past a cut native stack. */
static int joinable(struct hp_session *s, uint32_t pid)
{
	return s->join && (!s->o->pyremote || !pyremote_probe(s->o->pyremote, pid));
}

/* Where the unwinding of pid's pcs[0..n) (just unwound) stopped for want
 * of stack bytes: the outermost frame's function (its start; 0 when no
 * unwind table covers it) and SP, what a later sample of the thread must
 * have to complete it (stackjoin.h). */
struct cut_at {
	uint64_t func, sp;
};

static struct cut_at cut_at(struct hp_session *s, uint32_t pid, uint32_t n)
{
	int nsps;
	const uint64_t *sps = unwinder_sps(s->uw, &nsps);
	struct cut_at c = { 0, 0 };
	if (n && (uint32_t)nsps >= n) {
		c.func = unwinder_func_start(s->uw, pid, s->pcs[n - 1] - (n > 1));
		c.sp = sps[n - 1];
	}
	return c;
}

/* Is smp, whose unwinding ended so, to be held until a later sample of
 * its thread completes it? */
static int to_hold(struct hp_session *s, const struct hp_sample *smp, int end,
		   struct cut_at cut)
{
	return cut.func && (end == HP_STACK_END_CUT || end == HP_STACK_END_HOLE) &&
	       joinable(s, smp->pid);
}

int session_hold_offcpu(void *ctx, const struct hp_sample *smp, uint64_t func, uint64_t sp)
{
	struct hp_session *s = ctx;
	return stackjoin_hold(s->join, smp, func, sp);
}

/* smp is to be stored: the held samples of its thread are stored first,
 * joined with its callers where it is complete and has their frame. */
static void release_held(struct hp_session *s, const struct hp_sample *smp, uint32_t skip,
			 uint32_t n, int end)
{
	int nsps;
	if (!stackjoin_held(s->join))
		return;
	const uint64_t *sps = unwinder_sps(s->uw, &nsps);
	if (end != HP_STACK_END_OUTERMOST || !joinable(s, smp->pid))
		n = 0;
	note_err(s, stackjoin_next(s->join, smp, skip, s->pcs, sps,
				   n < (uint32_t)nsps ? n : (uint32_t)nsps));
}

int session_emit_sample(void *ctx, const struct hp_sample *smp)
{
	struct hp_session *s = ctx;
	return store_add_sample(s->st, smp);
}

uint64_t session_func_start(void *ctx, uint32_t pid, uint64_t pc)
{
	struct hp_session *s = ctx;
	return unwinder_func_start(s->uw, pid, pc);
}

static struct thread_counters *thread_counters(struct hp_session *s, uint32_t tid, unsigned ring)
{
	uint64_t key = hmap_key2(tid, (uint64_t)ring + 1), idx;
	if (hmap_get(&s->tcount_index, key, &idx))
		return &s->tcount[idx];
	if (hp_grow((void **)&s->tcount, &s->tcount_cap, s->ntcount + 1, sizeof(*s->tcount)) ||
	    hmap_put(&s->tcount_index, key, s->ntcount))
		return NULL;
	struct thread_counters *tc = &s->tcount[s->ntcount++];
	memset(tc, 0, sizeof(*tc));
	tc->tid = tid;
	tc->ring = ring;
	return tc;
}

/* A sample after lost records (or a throttled stretch) of its ring: its
 * deltas span the samples that never came. Keep one period of them for
 * it and owe the rest (struct thread_counters). */
static void split_gap(struct thread_counters *tc, uint64_t *running, int64_t *d, unsigned n)
{
	uint64_t own = tc->period, run = *running;
	if (!own || run <= own)
		return;                        /* no gap in it after all, or no period known */
	for (unsigned i = 0; i < n; i++) {
		int64_t keep = (int64_t)((double)d[i] * (double)own / (double)run);
		tc->debt[i] += d[i] - keep;
		d[i] = keep;
	}
	tc->debt_running += run - own;
	*running = own;
}

/* Charge what lost samples owe to the samples that follow them, as much
 * of it as the sample's own running time: the lost stretch is charged to
 * the next stretch of the thread's time as long as itself, in the
 * proportions sampled there - never all to the one function that happened
 * to run when the ring had room again (diff_time once saw work_a's time
 * charged to work_b). What is still owed at the end is not charged. */
static void repay_gap(struct thread_counters *tc, uint64_t running, int64_t *d, unsigned n)
{
	if (!tc->debt_running || !running)
		return;
	uint64_t take = running < tc->debt_running ? running : tc->debt_running;
	double f = (double)take / (double)tc->debt_running;
	for (unsigned i = 0; i < n; i++) {
		int64_t extra = (int64_t)((double)tc->debt[i] * f);
		d[i] += extra;
		tc->debt[i] -= extra;
	}
	tc->debt_running -= take;
}

/* The group read of the sampler: each counter's delta since the previous
 * sample of this thread on this ring (each CPU has its own instance). */
static void counter_deltas(struct hp_session *s, const struct hp_perf_sample *ps, unsigned ring,
			   struct hp_sample *smp)
{
	struct thread_counters *tc = thread_counters(s, ps->tid, ring);
	unsigned n = s->o->ncounters;
	smp->nr_counters = n;
	memset(smp->counters, 0, sizeof(smp->counters));
	for (uint64_t k = 0; k < ps->read_nr; k++) {
		uint64_t v, id, what;
		perf_read_entry(ps, k, &v, &id);
		if (!hmap_get(&s->ids, id, &what) || what >> 32 != ID_COUNTER || !tc)
			continue;
		unsigned i = (unsigned)what;
		smp->counters[i] = (int64_t)(v - tc->prev[i]);
		tc->prev[i] = v;
	}
	if (!tc || !ps->time_running)
		return;
	uint64_t running = ps->time_running - tc->prev_running;
	int first = !tc->prev_running;
	tc->prev_running = ps->time_running;
	if (tc->gap)
		split_gap(tc, &running, smp->counters, n);
	else if (!first)
		tc->period = running;
	tc->gap = 0;
	repay_gap(tc, running, smp->counters, n);
}

/* Records of ring were lost (or its sampler was throttled): the next
 * sample of each thread there spans the samples that never came. */
static void note_gap(struct hp_session *s, unsigned ring)
{
	for (size_t i = 0; i < s->ntcount; i++)
		if (s->tcount[i].ring == ring)
			s->tcount[i].gap = 1;
}

/* A kernel-mode sample without its kernel frames: one "[kernel]" frame. */
static uint32_t kernel_frame(struct hp_session *s, struct hp_location *loc)
{
	if (!s->kernel_module)
		store_intern_module(s->st, KERNEL_PATH, NULL, &s->kernel_module);
	loc->module_id = s->kernel_module;
	loc->addr = 0;
	return 1;
}

/* The kernel part of the callchain (after PERF_CONTEXT_KERNEL) as
 * "[kernel.kallsyms]" locations at their absolute addresses, innermost
 * first: the sampled instruction, then return addresses - 1 (their call's
 * line, as for user frames). The analyzer names them from kallsyms. */
static int kallsyms_module(struct hp_session *s)
{
	if (!s->kallsyms_module) {
		if (store_intern_module(s->st, KALLSYMS_PATH, NULL, &s->kallsyms_module) < 0)
			return 0;
		if (s->o->on_module)          /* e.g. read the kernel's symbols early */
			s->o->on_module(s->o->module_ctx, KALLSYMS_PATH);
	}
	return 1;
}

uint32_t session_locate_kernel(struct hp_session *s, const uint64_t *ips, uint32_t n,
			       struct hp_location *out)
{
	if (!kallsyms_module(s))
		return 0;
	for (uint32_t i = 0; i < n; i++) {
		out[i].module_id = s->kallsyms_module;
		out[i].addr = i ? ips[i] - 1 : ips[i];
	}
	return n;
}

static uint32_t kernel_chain(struct hp_session *s, const struct hp_perf_sample *ps,
			     struct hp_location *out)
{
	uint32_t n = 0;
	int in_kernel = 0;
	if (!kallsyms_module(s))
		return 0;
	for (uint64_t i = 0; i < ps->nr_ips && n < MAX_KERNEL_FRAMES; i++) {
		uint64_t ip = ps->ips[i];
		if (ip >= (uint64_t)PERF_CONTEXT_MAX) {
			in_kernel = ip == (uint64_t)PERF_CONTEXT_KERNEL;
			continue;
		}
		if (!in_kernel)
			continue;
		out[n].module_id = s->kallsyms_module;
		out[n].addr = n ? ip - 1 : ip;
		n++;
	}
	return n;
}

/* The frames of a kernel-mode sample's kernel part into out: its callchain
 * when recorded, else one "[kernel]" frame. Returns how many. */
static uint32_t kernel_frames(struct hp_session *s, const struct hp_perf_sample *ps,
			      struct hp_location *out)
{
	uint32_t n = s->kernel_chain && ps->ips ? kernel_chain(s, ps, out) : 0;
	return n ? n : kernel_frame(s, out);
}

/* The user part of a frame-pointer callchain: the addresses after
 * PERF_CONTEXT_USER (all of them when the chain has no context markers). */
static uint32_t fp_frames(struct hp_session *s, const uint64_t *ips, uint64_t nr, uint32_t max)
{
	uint32_t n = 0;
	int marked = 0, in_user = 0;
	for (uint64_t i = 0; i < nr && n < max; i++) {
		if (ips[i] >= (uint64_t)PERF_CONTEXT_MAX) {
			marked = 1;
			in_user = ips[i] == (uint64_t)PERF_CONTEXT_USER;
			continue;
		}
		if (in_user || !marked)
			s->pcs[n++] = ips[i];
	}
	return n;
}

/* The format a sample of the event with this kind was opened with. */
static void sample_format(const struct hp_session *s, uint64_t kind, struct hp_perf_format *f)
{
	f->sample_type = s->sample_type;
	f->read_format = s->read_format;
	f->nregs = s->nregs;
	if (kind != ID_SAMPLER)                /* the fault sampler reads no group */
		f->sample_type &= ~(uint64_t)PERF_SAMPLE_READ;
}

static int handle_sample(struct hp_session *s, const uint8_t *rec, uint32_t size, unsigned ring)
{
	struct hp_perf_sample ps;
	struct hp_perf_format f;
	struct hp_sample *smp = &s->sample;
	uint64_t id, what = 0;
	uint32_t n = 0, skip = 0;
	enum hp_stack_end end = HP_STACK_END_UNKNOWN;
	struct cut_at cut = { 0, 0 };
	int err;

	if ((err = perf_sample_id(rec, size, s->sample_type, &id)))
		return err;
	hmap_get(&s->ids, id, &what);
	sample_format(s, what >> 32, &f);
	if ((err = perf_parse_sample(rec, size, &f, &ps)))
		return err;
	smp->event = what >> 32 == ID_FAULT ? s->o->fault_event : 0;
	smp->nr_counters = 0;
	if ((f.sample_type & PERF_SAMPLE_READ) && what >> 32 == ID_SAMPLER)
		counter_deltas(s, &ps, ring, smp);
	smp->t_ns = session_rel_time(s, ps.time);
	smp->pid = ps.pid;
	smp->tid = ps.tid;
	/* a switch-out in an "off" slot (offcpu.h; the sampler was still on):
	 * its interval is counted, its stack never unwound */
	if (what >> 32 == ID_OFFCPU && !offcpu_decide(s->oc, smp->t_ns)) {
		if (s->o->pyremote)
			pyremote_unused(s->o->pyremote, ps.pid, ps.tid, ps.time, PYBPF_OFFCPU);
		return 0;
	}
	if (s->offcpu_only && !procmaps_count(s->pm, ps.pid))
		refresh_maps(s, ps.pid);    /* before its stream announced it: unwinding needs them */
	if ((ps.misc & PERF_RECORD_MISC_CPUMODE_MASK) == PERF_RECORD_MISC_KERNEL)
		skip = kernel_frames(s, &ps, smp->frames);
	if (s->o->call_graph == HP_CG_FP && ps.ips) {
		n = fp_frames(s, ps.ips, ps.nr_ips, HP_MAX_FRAMES - skip);
	} else if (ps.regs) {
		uint64_t t = hp_now_ns();
		n = (uint32_t)unwind_sample(s->uw, ps.pid, ps.regs, ps.stack, ps.stack_dyn_size,
					    s->pcs, HP_MAX_FRAMES - (int)skip, &end);
		s->res->unwind_ns += hp_now_ns() - t;
		int early = ps.stack_dyn_size < ps.stack_size;
		if (end == HP_STACK_END_CUT && (early || joinable(s, ps.pid)))
			cut = cut_at(s, ps.pid, n);
		/* The kernel ended the copy early: at a page not present (a frame
		 * not touched yet) when the last frame has unwind information,
		 * else past code without it (a guess, as at an exec's stack end). */
		if (end == HP_STACK_END_CUT && early)
			end = cut.func ? HP_STACK_END_HOLE : HP_STACK_END_STOPPED;
	} else if (!skip) {
		s->pcs[n++] = ps.ip;
	}
	if (s->o->pyremote && (what >> 32 == ID_SAMPLER || what >> 32 == ID_OFFCPU) && ps.regs)
		smp->nr_frames = skip + pyremote_locate(s->o->pyremote, s, ps.pid, ps.tid,
			ps.time, what >> 32 == ID_SAMPLER ? PYBPF_CPU : PYBPF_OFFCPU, ps.regs,
			ps.stack, ps.stack_dyn_size, s->pcs, n, &end,
			smp->frames + skip, HP_MAX_FRAMES - skip);
	else
		smp->nr_frames = skip + session_locate(s, ps.pid, s->pcs, n, 0, smp->frames + skip);
	smp->unwind = end;
	int hold = to_hold(s, smp, end, cut);
	if (what >> 32 == ID_OFFCPU) {          /* a switch-out: stored with its interval */
		if (s->offcpu_only)            /* no FORK records: the thread's row */
			note_err(s, session_note_thread(s, ps.pid, ps.tid, smp->t_ns));
		note_err(s, offcpu_sample(s->oc, s->st, smp, hold ? cut.func : 0, cut.sp));
		return 0;
	}

	if (!(hold && stackjoin_hold(s->join, smp, cut.func, cut.sp))) {
		release_held(s, smp, skip, n, end);
		note_err(s, store_add_sample(s->st, smp));
	}
	if (smp->event) {
		s->res->fault_samples++;
	} else {
		s->res->samples++;
	}
	return 0;
}

/* --- one record --- */

static int dispatch(struct hp_session *s, const uint8_t *rec, uint32_t size, unsigned ring,
		    uint64_t t)
{
	const struct perf_event_header *h = (const void *)rec;
	struct hp_perf_comm comm;
	struct hp_perf_task task;
	struct hp_perf_mmap mm;
	struct hp_perf_switch sw;
	uint64_t id, lost;
	int err;

	switch (h->type) {
	case PERF_RECORD_SAMPLE:
		return handle_sample(s, rec, size, ring);
	case PERF_RECORD_MMAP2:
	case PERF_RECORD_MMAP:
		if (!(err = perf_parse_mmap(rec, size, &mm)))
			handle_mmap(s, &mm);
		return err;
	case PERF_RECORD_COMM:
		if (!(err = perf_parse_comm(rec, size, &comm)))
			handle_comm(s, &comm, t);
		return err;
	case PERF_RECORD_FORK:
	case PERF_RECORD_EXIT:
		if ((err = perf_parse_task(rec, size, &task)))
			return err;
		if (s->offcpu_only) {          /* the agent's stream tells the rest */
			if (h->type == PERF_RECORD_EXIT)
				offcpu_forget(s->oc, task.tid);
		} else if (h->type == PERF_RECORD_FORK)
			handle_fork(s, &task, t);
		else
			handle_exit(s, &task, t);
		return 0;
	case PERF_RECORD_SWITCH:
		if (!s->oc)
			return 0;
		if (!(err = perf_parse_switch(rec, size, s->sample_type, &sw)))
			note_err(s, offcpu_switch(s->oc, s->st, &sw, session_rel_time(s, t)));
		return err;
	case PERF_RECORD_LOST:
		if (!(err = perf_parse_lost(rec, size, &id, &lost)))
			session_lost_reported(s, ring, lost);
		note_gap(s, ring);
		hmap_release(&s->execd);      /* a lost MMAP2 may have ended an exec */
		hmap_release(&s->unpreloaded);   /* ... or mapped the preload library */
		if (s->o->pyremote)           /* a lost MMAP2 may have mapped a Python */
			pyremote_mapped(s->o->pyremote, 0, NULL);
		return err;
	case PERF_RECORD_UNTHROTTLE:
		note_gap(s, ring);
		return 0;
	default:
		return 0;
	}
}

void session_handle_record(void *ctx, unsigned ring, const uint8_t *rec, uint32_t size,
			   uint64_t t)
{
	struct hp_session *s = ctx;
	if (s->o->raw)
		note_err(s, store_add_raw_record(s->st, session_rel_time(s, t), ring, rec, size));
	int err = dispatch(s, rec, size, ring, t);
	if (err) {
		s->res->bad_records++;
		hp_debug(HP_DBG_PERF, 1, "skipped a malformed record (type %u, %u bytes): %s",
			 ((const struct perf_event_header *)rec)->type, size, hp_strerror(err));
	}
}

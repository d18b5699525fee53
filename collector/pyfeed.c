/*
 * pyfeed.c - the agent's Python samples: resolve, merge, store (pyfeed.h).
 */
#include "collector/pyfeed.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "collector/allocstream.h"
#include "collector/pyframes.h"
#include "collector/pymerge.h"
#include "collector/pysample.h"
#include "collector/session.h"
#include "common/error.h"
#include "common/grow.h"
#include "common/hmap.h"
#include "common/log.h"
#include "common/record.h"
#include "common/runfacts.h"
#include "common/store.h"

enum { CWD_SLOTS = 64 };

struct cwd_slot {
	uint32_t pid;
	char path[PATH_MAX];
};

struct hp_pyfeed {
	struct pyframes *pf;
	struct hp_hmap locs;          /* digest(function, file, line) -> location id */
	struct hp_hmap mods;          /* digest(file) -> module id */
	struct hp_hmap next_addr;     /* module id -> last addr handed out */
	struct hp_hmap procs;         /* pid -> 1: its runtime was looked up */
	struct hp_hmap codes;         /* (pid, gen, code address) -> index + 1 in code[] */
	struct pycode *code;          /* code objects the agent sent (PYCODE) */
	size_t ncode, capcode;
	struct cwd_slot cwd[CWD_SLOTS];
	unsigned ncwd;
	struct pyfeed_counts n;       /* samples of Python threads */
	uint64_t alloc_stacks, alloc_native;  /* allocation stacks: all, left native */
	uint64_t faults, faults_native;       /* page-fault samples: all, left native */
	uint64_t kknown, kmode;       /* CPU samples whose kernel part is known; in the kernel */
	uint32_t version;             /* PY_VERSION_HEX of the first Python seen */
	int by_events, by_timers;     /* samples came from SIGTRAP events / CPU-time timers */
	char version_text[32];
	char note[256];               /* an unsupported Python's note */
	char sampler[384];
	struct pyframe py[HP_AP_MAX_PY_FRAMES];
	struct pymerge_frame merged_frames[HP_MAX_FRAMES];
	struct hp_location nat[HP_MAX_FRAMES], out[HP_MAX_FRAMES], all[HP_MAX_FRAMES];
};

int pyfeed_new(struct hp_pyfeed **out)
{
	struct hp_pyfeed *f = calloc(1, sizeof(*f));
	int err;
	*out = NULL;
	if (!f)
		return -ENOMEM;
	if ((err = pyframes_new(&f->pf))) {
		free(f);
		return err;
	}
	hmap_init(&f->locs);
	hmap_init(&f->mods);
	hmap_init(&f->next_addr);
	hmap_init(&f->procs);
	hmap_init(&f->codes);
	*out = f;
	return 0;
}

void pyfeed_free(struct hp_pyfeed *f)
{
	if (!f)
		return;
	pyframes_free(f->pf);
	hmap_release(&f->locs);
	hmap_release(&f->mods);
	hmap_release(&f->next_addr);
	hmap_release(&f->procs);
	hmap_release(&f->codes);
	for (size_t i = 0; i < f->ncode; i++)
		pycode_release(&f->code[i]);
	free(f->code);
	free(f);
}

/* FNV-1a over a string, continuing from h. */
static uint64_t str_digest(uint64_t h, const char *s)
{
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 0x100000001b3ull;
	return (h ^ 0xff) * 0x100000001b3ull;
}

/* The working directory of pid (relative co_filenames are relative to it
 * when the program started), read once per process; "" unknown. */
static const char *proc_cwd(struct hp_pyfeed *f, uint32_t pid)
{
	for (unsigned i = 0; i < f->ncwd; i++)
		if (f->cwd[i].pid == pid)
			return f->cwd[i].path;
	struct cwd_slot *c = &f->cwd[f->ncwd < CWD_SLOTS ? f->ncwd++ : pid % CWD_SLOTS];
	char link[64];
	snprintf(link, sizeof(link), "/proc/%u/cwd", pid);
	ssize_t n = readlink(link, c->path, sizeof(c->path) - 1);
	c->path[n > 0 ? n : 0] = 0;
	c->pid = pid;
	return c->path;
}

/* co_filename as a path: absolute when it names a file relative to the
 * program's directory ("<string>", "<frozen ...>" stay as they are). */
static const char *py_path(struct hp_pyfeed *f, uint32_t pid, const char *file, char *buf,
			   size_t len)
{
	if (file[0] == '/' || file[0] == '<')
		return file;
	const char *cwd = proc_cwd(f, pid);
	if (!cwd[0])
		return file;
	snprintf(buf, len, "%s/%s", cwd, file[0] == '.' && file[1] == '/' ? file + 2 : file);
	return buf;
}

static int module_of(struct hp_pyfeed *f, struct hp_store *st, const char *file, uint32_t *id)
{
	uint64_t key = str_digest(0xcbf29ce484222325ull, file), v;
	if (hmap_get(&f->mods, key, &v)) {
		*id = (uint32_t)v;
		return 0;
	}
	char path[PATH_MAX + 512];
	snprintf(path, sizeof(path), "[python] %s", file);
	int err = store_intern_module(st, path, NULL, id);
	return err ? err : hmap_put(&f->mods, key, *id);
}

/* The store location of a Python frame, with its one-frame chain written
 * the first time. */
static int py_location(struct hp_pyfeed *f, struct hp_store *st, uint32_t pid,
		       const struct pyframe *p, struct hp_location *loc)
{
	char buf[PATH_MAX + 256];
	const char *file = py_path(f, pid, p->file, buf, sizeof(buf));
	uint64_t key = str_digest(str_digest(0xcbf29ce484222325ull, p->function), file);
	key = hmap_key2(key, (uint64_t)(uint32_t)p->line << 32 | (uint32_t)p->first_line);
	uint64_t v, addr = 0;
	uint32_t mod, lid, file_id, func_id;
	int err = module_of(f, st, file, &mod);
	if (err)
		return err;
	loc->module_id = mod;
	if (hmap_get(&f->locs, key, &v)) {
		loc->addr = v;
		return 0;
	}
	hmap_get(&f->next_addr, mod, &addr);
	loc->addr = ++addr;
	if ((err = hmap_put(&f->next_addr, mod, addr)) || (err = hmap_put(&f->locs, key, addr)) ||
	    (err = store_intern_location(st, loc, &lid)) ||
	    (err = store_intern_file(st, file, &file_id)) ||
	    (err = store_intern_function_raw(st, p->function, p->function, mod, file_id,
					     &func_id)))
		return err;
	return store_add_location_frame(st, lid, 0, func_id, file_id, (uint32_t)p->line);
}

int pyfeed_location(struct hp_pyfeed *f, struct hp_store *st, uint32_t pid,
		    const struct pyframe *p, struct hp_location *loc)
{
	return py_location(f, st, pid, p, loc);
}

/* The version of the first Python seen (PY_VERSION_HEX; 0: not known). */
static void first_version(struct hp_pyfeed *f, uint32_t hex)
{
	if (f->version || !hex)
		return;
	f->version = hex;
	snprintf(f->version_text, sizeof(f->version_text), "%u.%u.%u", hex >> 24 & 0xff,
		 hex >> 16 & 0xff, hex >> 8 & 0xff);
}

/* Note the Python of a process the first time one of its samples comes. */
static void note_python(struct hp_pyfeed *f, const struct hp_alloc_event *ev)
{
	uint64_t seen;
	if (hmap_get(&f->procs, ev->pid, &seen))
		return;
	hmap_put(&f->procs, ev->pid, 1);
	const struct py_runtime *rt;
	pyframes_runtime(f->pf, ev->pid, &rt);          /* while it lives: cached */
	first_version(f, ev->py_version);
}

/* --- code objects the agent sent --- */

struct snapshot {
	const uint8_t *body, *end;
};

/* A py_read_fn over the ranges of a PYCODE body: the bytes must lie in one
 * range, else -EFAULT. */
static int snapshot_read(void *ctx, uint64_t addr, void *buf, size_t len)
{
	const struct snapshot *sn = ctx;
	const uint8_t *p = sn->body;
	uint64_t n, a, l;
	if (!(p = hp_ap_get(p, sn->end, &n)))
		return -EFAULT;
	for (uint64_t i = 0; i < n; i++) {
		if (!(p = hp_ap_get(p, sn->end, &a)) || !(p = hp_ap_get(p, sn->end, &l)) ||
		    l > (uint64_t)(sn->end - p))
			return -EFAULT;
		if (addr >= a && addr - a <= l && len <= l - (addr - a)) {
			memcpy(buf, p + (addr - a), len);
			return 0;
		}
		p += l;
	}
	return -EFAULT;
}

/* (pid, gen) names one process image (allocproto.h): its code objects. */
static uint64_t code_key(uint32_t pid, uint32_t gen, uint64_t addr)
{
	return hmap_key2((uint64_t)pid << 32 | gen, addr);
}

int pyfeed_code(struct hp_pyfeed *f, const struct hp_alloc_event *ev)
{
	const struct py_offsets *o = pyoffsets_for(ev->py_version >> 24 & 0xff,
						   ev->py_version >> 16 & 0xff);
	struct snapshot sn = { ev->blob, ev->blob + ev->blob_len };
	const uint8_t *p = ev->blob;
	uint64_t n, addr, idx;
	uint8_t hdr[512];
	struct pycode c;
	/* the first range is the code object's header */
	if (!o || o->code_size > sizeof(hdr) || !(p = hp_ap_get(p, sn.end, &n)) || !n ||
	    !hp_ap_get(p, sn.end, &addr) || snapshot_read(&sn, addr, hdr, o->code_size) ||
	    pycode_load(o, snapshot_read, &sn, addr, hdr, &c))
		return 0;
	uint64_t key = code_key(ev->pid, ev->gen, addr);
	if (hmap_get(&f->codes, key, &idx)) {
		pycode_release(&f->code[idx - 1]);
		f->code[idx - 1] = c;
		return 0;
	}
	int err = hp_grow((void **)&f->code, &f->capcode, f->ncode + 1, sizeof(*f->code));
	if (!err)
		err = hmap_put(&f->codes, key, f->ncode + 1);
	if (err) {
		pycode_release(&c);
		return err;
	}
	f->code[f->ncode++] = c;
	return 0;
}

/* The code object the agent sent for raw frame r of pid, or NULL. */
static const struct pycode *sent_code(struct hp_pyfeed *f, const struct hp_alloc_event *ev,
				      const struct pyframe_raw *r)
{
	uint64_t idx;
	return hmap_get(&f->codes, code_key(ev->pid, ev->gen, r->code), &idx) ? &f->code[idx - 1]
										: NULL;
}

/* Frames whose code objects the agent sent are named from those; the rest
 * are read from the process (pyframes_resolve). Returns n or an error. */
static int resolve(struct hp_pyfeed *f, const struct py_offsets *o,
		   const struct hp_alloc_event *ev, const struct pyframe_raw *raw, int n)
{
	int missing = 0, r = n;
	for (int i = 0; i < n; i++)
		missing += !sent_code(f, ev, &raw[i]);
	if (missing && (r = pyframes_resolve(f->pf, ev->pid, raw, n, f->py)) != n)
		return r < 0 ? r : -EAGAIN;
	for (int i = 0; i < n; i++) {
		const struct pycode *c = sent_code(f, ev, &raw[i]);
		if (!c)
			continue;
		long addr = (long)(int64_t)(raw[i].instr - (raw[i].code + o->code_adaptive));
		int line = pycode_addr2line(c->table, c->table_len, c->first_line, addr);
		f->py[i] = (struct pyframe){ .function = c->qualname, .file = c->filename,
					     .line = line > 0 ? line : 0,
					     .first_line = c->first_line,
					     .is_entry = raw[i].is_entry, .code = raw[i].code };
	}
	return n;
}

/* Resolve and merge; returns the merged frame count, or 0 when the sample
 * keeps its native frames only (counted unless quiet: allocation stacks
 * count apart). */
static int merge(struct hp_pyfeed *f, const struct hp_alloc_event *ev, int complete, int quiet)
{
	struct pyframe_raw raw[HP_AP_MAX_PY_FRAMES];
	const struct py_offsets *o = pyoffsets_for(ev->py_version >> 24 & 0xff,
						   ev->py_version >> 16 & 0xff);
	int n = ev->nr_py, r = -HP_EUNSUPPORTED;
	if (o) {
		pysample_unpack(o, ev->py, n, raw);
		r = resolve(f, o, ev, raw, n);
	}
	for (int i = 0; r == n && i < n; i++)
		if (!strcmp(f->py[i].function, "?"))
			r = -ENOENT;
	if (r != n) {
		hp_debug(HP_DBG_RUN, 1, "pid %u tid %u: %d Python frames unresolved: %s", ev->pid,
			 ev->tid, n, r < 0 ? hp_strerror(r) : "short");
		f->n.unresolved += !quiet;
		return 0;
	}
	enum pymerge_status status;
	int m = (ev->flags & HP_ALLOC_F_PYCUT ? pymerge_cut : pymerge)(ev->pcs, ev->nr_pcs,
			complete, ev->py_eval_start, ev->py_eval_end, f->py, n, f->merged_frames,
			HP_MAX_FRAMES, &status);
	if (status == PYMERGE_UNMERGED) {
		f->n.unmerged += !quiet;
		return 0;
	}
	if (quiet)
		return m;
	if (status == PYMERGE_TRUNCATED)
		f->n.truncated++;
	else
		f->n.merged++;
	return m;
}

/* The merged stack's m frames as store locations in f->out: Python frames
 * as theirs, native ones as located (nat: pcs located, nn of them; native
 * frames keep their order: the j-th native frame of the merged stack is
 * the next pcs[] with its pc, evaluation frames skipped). */
static int located(struct hp_pyfeed *f, struct hp_store *st, const struct hp_alloc_event *ev,
		   int m, uint32_t nn)
{
	uint32_t j = 0;
	for (int i = 0; i < m; i++) {
		const struct pymerge_frame *mf = &f->merged_frames[i];
		if (mf->py >= 0) {
			int err = py_location(f, st, ev->pid, &f->py[mf->py], &f->out[i]);
			if (err)
				return err;
			continue;
		}
		while (j < nn && ev->pcs[j] != mf->pc)
			j++;
		f->out[i] = j < nn ? f->nat[j++] : (struct hp_location){ 0, mf->pc };
	}
	return 0;
}

int pyfeed_locate_alloc(struct hp_pyfeed *f, struct hp_session *s,
			const struct hp_alloc_event *ev, struct hp_location *out)
{
	uint32_t n = ev->nr_pcs > HP_MAX_FRAMES ? HP_MAX_FRAMES : ev->nr_pcs;
	/* the shim keeps HP_AP_MAX_FRAMES native frames: fewer is a whole stack */
	int m = 0, err;
	f->alloc_stacks++;
	if (ev->nr_py) {
		note_python(f, ev);
		m = merge(f, ev, ev->nr_pcs < HP_AP_MAX_FRAMES, 1);
	}
	if (!m) {
		f->alloc_native++;
		return (int)session_locate(s, ev->pid, ev->pcs, n, 1, out);
	}
	uint32_t nn = session_locate(s, ev->pid, ev->pcs, n, 1, f->nat);
	if ((err = located(f, session_store(s), ev, m, nn)))
		return err;
	memcpy(out, f->out, (size_t)m * sizeof(*out));
	return m;
}

uint64_t pyfeed_fault_samples(const struct hp_pyfeed *f)
{
	return f->faults;
}

/* A page-fault sample: merged when its stacks agree, else native. */
static int fault_sample(struct hp_pyfeed *f, struct hp_session *s, const struct hp_alloc_event *ev,
			unsigned period)
{
	int m = 0, err;
	uint32_t n = ev->nr_pcs;
	f->faults++;
	if (ev->nr_py && !(ev->flags & HP_ALLOC_F_PYFAIL)) {
		note_python(f, ev);
		m = merge(f, ev, !(ev->flags & HP_ALLOC_F_TRUNCATED), 1);
	}
	uint32_t nn = session_locate(s, ev->pid, ev->pcs, n, 0, f->nat);
	if (!m) {
		f->faults_native++;
		return session_add_fault_located(s, ev->pid, ev->tid, ev->t_ns, f->nat, nn, period);
	}
	if ((err = located(f, session_store(s), ev, m, nn)))
		return err;
	return session_add_fault_located(s, ev->pid, ev->tid, ev->t_ns, f->out, (uint32_t)m,
					 period);
}

/* Store a CPU sample of a Python thread: its kernel part (when the agent
 * sent it: HP_ALLOC_F_KCHAIN) innermost, then the n user frames in loc. */
static int add_located(struct hp_pyfeed *f, struct hp_session *s, const struct hp_alloc_event *ev,
		       const struct hp_location *loc, uint32_t n, int end)
{
	uint32_t k = 0;
	if (ev->flags & HP_ALLOC_F_KCHAIN) {
		f->kknown++;
		f->kmode += ev->nr_kpcs > 0;
		k = session_locate_kernel(s, ev->kpcs, ev->nr_kpcs, f->all);
	}
	if (k + n > HP_MAX_FRAMES)
		n = HP_MAX_FRAMES - k;               /* the outermost user frames go */
	memcpy(f->all + k, loc, (size_t)n * sizeof(*loc));
	return session_add_located(s, ev->pid, ev->tid, ev->t_ns, f->all, k + n, end);
}

int pyfeed_sample(struct hp_pyfeed *f, struct hp_session *s, const struct hp_alloc_event *ev,
		  unsigned period)
{
	if (ev->flags & HP_ALLOC_F_FAULT)
		return fault_sample(f, s, ev, period ? period : 1);
	int complete = !(ev->flags & HP_ALLOC_F_TRUNCATED);
	/* how its unwinding ended (samples.unwind): the agent knows a cut only */
	int end = complete ? HP_STACK_END_UNKNOWN : HP_STACK_END_DEEP;
	f->n.backoff += !complete && ev->nr_pcs <= 1 && (ev->flags & HP_ALLOC_F_PYTHON);
	if (!(ev->flags & HP_ALLOC_F_PYTHON))
		return session_add_sample(s, ev->pid, ev->tid, ev->t_ns, ev->pcs, ev->nr_pcs,
					  end);
	note_python(f, ev);
	if (ev->py_state == HP_AP_PY_NOEVENT)
		f->by_timers = 1;
	else
		f->by_events = 1;
	int m = 0;
	if (ev->flags & HP_ALLOC_F_PYFAIL)
		f->n.unmerged++;
	else if (!ev->nr_py)
		f->n.native++;
	else
		m = merge(f, ev, complete, 0);
	uint32_t nn = session_locate(s, ev->pid, ev->pcs, ev->nr_pcs, 0, f->nat);
	if (!m)
		return add_located(f, s, ev, f->nat, nn, end);
	int err = located(f, session_store(s), ev, m, nn);
	if (err)
		return err;
	if (ev->flags & HP_ALLOC_F_PYCUT)
		end = HP_STACK_END_DEEP;         /* the outer Python frames were dropped */
	return add_located(f, s, ev, f->out, (uint32_t)m, end);
}

void pyfeed_end(struct hp_pyfeed *f, const struct hp_alloc_event *ev)
{
	if (ev->py_state == HP_AP_PY_UNSUPPORTED && !f->note[0]) {
		struct py_runtime rt = { 0 };
		rt.major = ev->py_version >> 24 & 0xff;
		rt.minor = ev->py_version >> 16 & 0xff;
		snprintf(rt.module, sizeof(rt.module), "%s", ev->exe && ev->exe[0] ? ev->exe : "?");
		pyruntime_note(&rt, f->note, sizeof(f->note));
		hp_info("process %u: %s", ev->pid, f->note);
	} else if (ev->py_state == HP_AP_PY_NOEVENT && !f->note[0]) {
		snprintf(f->note, sizeof(f->note), "Python frames: per-thread SIGTRAP perf events"
			 " could not be opened (Linux >= 5.13 and perf_event_open needed); Python"
			 " frames taken by CPU-time timers instead (at most CONFIG_HZ per second)");
		hp_info("process %u: %s", ev->pid, f->note);
	}
	if (ev->py_state)
		first_version(f, ev->py_version);
	pyframes_forget(f->pf, ev->pid);
	hmap_del(&f->procs, ev->pid, NULL);

	for (unsigned i = 0; i < f->ncwd; i++)
		if (f->cwd[i].pid == ev->pid)
			f->cwd[i].pid = 0;
}

uint64_t pyfeed_counts_all(const struct pyfeed_counts *c)
{
	return c->merged + c->truncated + c->unmerged + c->unresolved + c->native;
}

void pyfeed_put_facts(struct hp_run_facts *facts, const char *version, const char *note,
		      const char *frames, const struct pyfeed_counts *c)
{
	if (version[0])
		facts->python_version = version;
	if (note[0])
		facts->python_note = note;
	if (!pyfeed_counts_all(c))
		return;
	facts->python_frames = frames;
	facts->python_merged = (int64_t)c->merged;
	facts->python_truncated = (int64_t)c->truncated;
	facts->python_unmerged = (int64_t)c->unmerged;
	facts->python_unresolved = (int64_t)c->unresolved;
	facts->python_native = (int64_t)c->native;
	facts->python_backoff = (int64_t)c->backoff;
}

void pyfeed_facts(struct hp_pyfeed *f, struct hp_run_facts *facts)
{
	uint64_t all = pyfeed_counts_all(&f->n);
	pyfeed_put_facts(facts, f->version_text, f->note, f->sampler, &f->n);  /* f->sampler: below */
	if (!all)
		return;
	char kern[160] = "";
	if (f->kknown || f->by_events)
		snprintf(kern, sizeof(kern), "; kernel frames from the events' own samples: %llu of"
			 " %llu samples known (%llu in the kernel)", (unsigned long long)f->kknown,
			 (unsigned long long)all, (unsigned long long)f->kmode);
	snprintf(f->sampler, sizeof(f->sampler), "in the target: the agent reads the frame chain"
		 " at each sample (%s)%s", f->by_events && f->by_timers ? "per-thread SIGTRAP perf"
		 " events, CPU-time timers where they would not open" : f->by_timers ?
		 "CPU-time timers" : "per-thread SIGTRAP perf events", kern);
	if (f->kknown) {
		/* the events sampled kernel time and recorded its frames (cmd_run
		 * said "no" for the agent before the samples came) */
		facts->kernel_samples = "yes";
		facts->kernel_frames = "yes";
	} else if (f->by_events) {
		/* the events were opened without kernel time (agent_py.c) */
		facts->kernel_samples = "no (the Python threads' SIGTRAP events were refused kernel"
					" time, perf_event_paranoid: a Python line's time in the kernel"
					" is not sampled, run_info unseen_ns counts it; docs/python.md)";
	}
	if (f->faults_native)
		hp_info("Python frames: %llu of %llu page-fault samples of Python threads keep"
			" native frames only", (unsigned long long)f->faults_native,
			(unsigned long long)f->faults);
	if (f->alloc_native)
		hp_info("Python frames: %llu of %llu allocation stacks of Python processes keep"
			" native frames only (a code object unresolved, or the stacks disagree)",
			(unsigned long long)f->alloc_native, (unsigned long long)f->alloc_stacks);
	if (f->n.unmerged + f->n.unresolved)
		hp_info("Python frames: %llu of %llu samples of Python threads kept native frames"
			" only (%llu unmerged, %llu unresolved)",
			(unsigned long long)(f->n.unmerged + f->n.unresolved), (unsigned long long)all,
			(unsigned long long)f->n.unmerged, (unsigned long long)f->n.unresolved);
}

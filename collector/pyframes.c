/*
 * pyframes.c - Python frames of the threads of CPython 3.11 processes,
 * read from their memory (see pyframes.h).
 *
 * The chain comes from pywalk.c. struct pyframes adds, per process: the
 * runtime (pyruntime_find, once), thread id -> PyThreadState (checked
 * against native_thread_id on every use), and code object -> struct
 * pycode (checked against the object's name, file and table pointers on
 * every use, so a code object freed and replaced at the same address is
 * read again). Remote reads are process_vm_readv; the code objects of one
 * chain are read in one call.
 */
#include "collector/pyframes.h"

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>

#include "common/error.h"
#include "common/grow.h"
#include "common/hmap.h"

enum {
	HDR_MAX = 256,            /* bytes of a code object header or thread state */
};

static uint64_t u64_at(const uint8_t *p, size_t off)
{
	uint64_t v;
	memcpy(&v, p + off, sizeof v);
	return v;
}

/* ---- the per-process reader ----------------------------------------------- */

struct pyproc {
	uint32_t pid;
	int status;                     /* pyruntime_find's result */
	struct py_runtime rt;
	struct hp_hmap tids;            /* tid -> PyThreadState address */
	struct hp_hmap codes;           /* code address -> index + 1 in code[] */
	struct pycode *code;
	size_t ncode, capcode;
};

struct pyframes {
	struct pyproc **procs;
	size_t nprocs, cap;
	struct hp_hmap pids;            /* pid + 1 -> index + 1 in procs[] */
	uint8_t hdr[PYFRAMES_MAX][HDR_MAX];   /* code headers of one chain */
};

int pyframes_new(struct pyframes **out)
{
	/* hdr (32 KiB) is scratch, written before it is read: not cleared */
	struct pyframes *pf = malloc(sizeof(*pf));
	if (!pf)
		return -ENOMEM;
	size_t to = offsetof(struct pyframes, hdr) + sizeof(pf->hdr);
	memset(pf, 0, offsetof(struct pyframes, hdr));
	memset((char *)pf + to, 0, sizeof(*pf) - to);
	hmap_init(&pf->pids);
	*out = pf;
	return 0;
}

static void proc_free(struct pyproc *p)
{
	for (size_t i = 0; i < p->ncode; i++)
		pycode_release(&p->code[i]);
	free(p->code);
	hmap_release(&p->tids);
	hmap_release(&p->codes);
	free(p);
}

void pyframes_free(struct pyframes *pf)
{
	if (!pf)
		return;
	for (size_t i = 0; i < pf->nprocs; i++)
		proc_free(pf->procs[i]);
	free(pf->procs);
	hmap_release(&pf->pids);
	free(pf);
}

void pyframes_forget(struct pyframes *pf, uint32_t pid)
{
	uint64_t idx;
	if (!hmap_del(&pf->pids, (uint64_t)pid + 1, &idx))
		return;
	size_t i = (size_t)idx - 1, last = pf->nprocs - 1;
	proc_free(pf->procs[i]);
	if (i != last) {
		pf->procs[i] = pf->procs[last];
		hmap_put(&pf->pids, (uint64_t)pf->procs[i]->pid + 1, i + 1);  /* replaces: no growth */
	}
	pf->nprocs--;
}

/* The process entry for pid, created (and its runtime looked up) on first use. */
static int get_proc(struct pyframes *pf, uint32_t pid, struct pyproc **out)
{
	uint64_t idx;
	if (hmap_get(&pf->pids, (uint64_t)pid + 1, &idx)) {
		*out = pf->procs[idx - 1];
		return 0;
	}
	int err = hp_grow((void **)&pf->procs, &pf->cap, pf->nprocs + 1, sizeof(*pf->procs));
	struct pyproc *p = err ? NULL : calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->pid = pid;
	hmap_init(&p->tids);
	hmap_init(&p->codes);
	p->status = pyruntime_find(pid, &p->rt);
	if (p->status == -ESRCH) {        /* gone: do not remember it */
		proc_free(p);
		return -ESRCH;
	}
	if ((err = hmap_put(&pf->pids, (uint64_t)pid + 1, pf->nprocs + 1))) {
		proc_free(p);
		return err;
	}
	pf->procs[pf->nprocs++] = p;
	*out = p;
	return 0;
}

int pyframes_runtime(struct pyframes *pf, uint32_t pid, const struct py_runtime **rt)
{
	struct pyproc *p;
	int err = get_proc(pf, pid, &p);
	if (err)
		return err;
	*rt = &p->rt;
	return p->status;
}

/* Reads the headers of the n code objects in one process_vm_readv
 * (falling back to one read each when part of it fails). ok[i] says
 * whether hdr[i] was read. */
static void read_headers(struct pyframes *pf, const struct pyproc *p,
			 const struct pyframe_raw *raw, int n, uint8_t *ok)
{
	enum { IOV_BATCH = 64 };
	size_t len = p->rt.off->code_size;
	for (int base = 0; base < n; base += IOV_BATCH) {
		int m = n - base < IOV_BATCH ? n - base : IOV_BATCH;
		struct iovec loc[IOV_BATCH], rem[IOV_BATCH];
		for (int i = 0; i < m; i++) {
			loc[i] = (struct iovec){ pf->hdr[base + i], len };
			rem[i] = (struct iovec){ (void *)(uintptr_t)raw[base + i].code, len };
		}
		ssize_t got = process_vm_readv((pid_t)p->pid, loc, (unsigned long)m, rem,
					       (unsigned long)m, 0);
		int all = got == (ssize_t)(len * (size_t)m);
		for (int i = 0; i < m; i++)
			ok[base + i] = all || pywalk_read_remote((void *)(uintptr_t)p->pid,
								   raw[base + i].code,
								   pf->hdr[base + i], len) == 0;
	}
}

/* The cached struct pycode for the code object at addr with header hdr,
 * loading (or reloading) it when needed. hdr NULL (the object cannot be
 * read any more, e.g. the process has exited): the entry last seen at addr,
 * unchecked. NULL when there is none or it cannot be read. */
static const struct pycode *code_for(struct pyproc *p, uint64_t addr, const uint8_t *hdr)
{
	const struct py_offsets *o = p->rt.off;
	uint64_t key[4], idx;
	if (!hdr)
		return hmap_get(&p->codes, addr, &idx) ? &p->code[idx - 1] : NULL;
	pycode_key(o, hdr, key);
	if (hmap_get(&p->codes, addr, &idx)) {
		struct pycode *c = &p->code[idx - 1];
		if (!memcmp(c->key, key, sizeof key))
			return c;
		struct pycode fresh;
		if (pycode_load(o, pywalk_read_remote, (void *)(uintptr_t)p->pid, addr, hdr, &fresh))
			return NULL;
		pycode_release(c);
		*c = fresh;
		return c;
	}
	if (hp_grow((void **)&p->code, &p->capcode, p->ncode + 1, sizeof(*p->code)))
		return NULL;
	struct pycode *c = &p->code[p->ncode];
	if (pycode_load(o, pywalk_read_remote, (void *)(uintptr_t)p->pid, addr, hdr, c))
		return NULL;
	if (hmap_put(&p->codes, addr, p->ncode + 1)) {
		pycode_release(c);
		return NULL;
	}
	p->ncode++;
	return c;
}

/* Resolves raw[0..n) into out. strict: a frame whose f_code is not a code
 * object fails the whole chain (-EAGAIN), else it reads as "?". */
static int resolve(struct pyframes *pf, struct pyproc *p, const struct pyframe_raw *raw, int n,
		   struct pyframe *out, int strict)
{
	const struct py_offsets *o = p->rt.off;
	uint8_t ok[PYFRAMES_MAX];

	if (n > PYFRAMES_MAX)
		return -E2BIG;
	read_headers(pf, p, raw, n, ok);
	for (int i = 0; i < n; i++) {
		const struct pycode *c = NULL;
		if (ok[i] && u64_at(pf->hdr[i], o->object_type) == p->rt.code_type)
			c = code_for(p, raw[i].code, pf->hdr[i]);
		else if (!ok[i] && !strict)
			c = code_for(p, raw[i].code, NULL);
		if (!c && strict)
			return -EAGAIN;
		out[i] = (struct pyframe){ .function = "?", .file = "?", .is_entry = raw[i].is_entry,
					   .code = raw[i].code };
		if (!c)
			continue;
		long addr = (long)(int64_t)(raw[i].instr - (raw[i].code + o->code_adaptive));
		int line = pycode_addr2line(c->table, c->table_len, c->first_line, addr);
		out[i].function = c->qualname;
		out[i].file = c->filename;
		out[i].line = line > 0 ? line : 0;
		out[i].first_line = c->first_line;
	}
	return n;
}

/* A usable process entry for pid, or the error pyframes_read returns. */
static int usable_proc(struct pyframes *pf, uint32_t pid, struct pyproc **p)
{
	int err = get_proc(pf, pid, p);
	if (err)
		return err;
	if ((*p)->status)
		return (*p)->status;
	return (*p)->rt.off ? 0 : -HP_EUNSUPPORTED;
}

/* The thread state bytes of tid in ts, through the cache. */
static int thread_state(struct pyproc *p, uint32_t tid, uint8_t *ts)
{
	const struct py_offsets *o = p->rt.off;
	void *ctx = (void *)(uintptr_t)p->pid;
	uint64_t t;
	int err;

	if (hmap_get(&p->tids, (uint64_t)tid + 1, &t) &&
	    pywalk_read_remote(ctx, t, ts, o->tstate_size) == 0 &&
	    u64_at(ts, o->tstate_native_id) == tid)
		return 0;
	if ((err = pywalk_find_tstate(&p->rt, pywalk_read_remote, ctx, tid, &t)))
		return err;
	if ((err = pywalk_read_remote(ctx, t, ts, o->tstate_size)))
		return err;
	return hmap_put(&p->tids, (uint64_t)tid + 1, t);
}

int pyframes_read(struct pyframes *pf, uint32_t pid, uint32_t tid, struct pyframe *out,
		  int max, int *nentry)
{
	struct pyframe_raw raw[PYFRAMES_MAX];
	uint8_t ts[HDR_MAX];
	struct pyproc *p;
	uint64_t frame;
	int n, err;

	*nentry = 0;
	if ((err = usable_proc(pf, pid, &p)))
		return err;
	if ((err = thread_state(p, tid, ts)))
		return err == -ENOENT ? 0 : err;
	void *ctx = (void *)(uintptr_t)pid;
	if ((err = pywalk_first_frame(p->rt.off, pywalk_read_remote, ctx, ts, &frame)))
		return err;
	if (max > PYFRAMES_MAX)
		max = PYFRAMES_MAX;
	if ((n = pywalk_from(p->rt.off, pywalk_read_remote, ctx, frame, raw, max, nentry)) <= 0)
		return n;
	return resolve(pf, p, raw, n, out, 1);
}

int pyframes_resolve(struct pyframes *pf, uint32_t pid, const struct pyframe_raw *raw, int n,
		     struct pyframe *out)
{
	struct pyproc *p;
	int err = usable_proc(pf, pid, &p);
	return err ? err : resolve(pf, p, raw, n, out, 0);
}

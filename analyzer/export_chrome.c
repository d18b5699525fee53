/*
 * export_chrome.c - the Trace Event format (JSON) that Perfetto and
 * chrome://tracing open: a flame chart per thread, drawn from the samples.
 *
 * Per thread, samples are walked in time order; a frame that stays on the
 * stack from one sample to the next stays one slice, so each function call
 * seen by the sampler becomes one complete ("X") event spanning the samples
 * it covered (each sample covers one sampling period). A gap of more than
 * two periods between samples of a thread (it slept or was descheduled)
 * closes every open slice. Slices nest by construction, as the format
 * requires, and a slice that starts with its parent (at the same sample)
 * is written after it: readers nest slices of equal start in the order of
 * the file (speedscope, Perfetto for equal durations too), and the
 * innermost slice, which closes first, used to come first - every stack
 * entered at one sample was drawn upside down. Slices that start after
 * their parent are written as they close. Each carries the number of
 * samples it covers (args.samples),
 * so the top-level slices of a thread add up to its samples. Process and
 * thread names come as metadata ("M") events, the
 * RSS timeline as a counter ("C") track per process. Times are in
 * microseconds with nanosecond decimals.
 *
 * Reads the samples, processes, memory and the stack model (stacks.h).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "analyzer/export_internal.h"
#include "common/record.h"
#include "common/grow.h"
#include "common/store.h"

#define MAX_DEPTH (4 * HP_MAX_FRAMES)

struct open_frame {
	uint32_t func;
	uint32_t samples;             /* samples that had this frame on the stack */
	uint64_t start_ns;
	uint32_t mark;                /* cthread.npending when it opened */
};

/* A closed slice waiting for its parent to be written (same start). */
struct pslice {
	uint32_t func, samples, depth;
	uint64_t start_ns, end_ns;
};

struct cthread {
	uint32_t tid, pid;
	struct open_frame *open;
	uint32_t nopen;
	struct pslice *pending;       /* closed, not written: their ancestors are not yet */
	uint32_t npending;
	size_t pending_cap;
	uint64_t last_ns;
	int started;
};

struct chrome {
	FILE *out;
	struct hp_stacks *xs;
	uint64_t period;
	struct hp_xmap tids;
	struct cthread *threads;
	uint32_t nthreads;
	size_t threads_cap;
	int first;                    /* no event written yet */
};

static void sep(struct chrome *c)
{
	xw_str(c->out, c->first ? "\n" : ",\n");
	c->first = 0;
}

static void slice(struct chrome *c, const struct cthread *t, const struct pslice *f)
{
	const struct hp_sfunc *fn = stacks_func(c->xs, f->func);
	const char *module = fn ? stacks_module(c->xs, fn->module) : NULL;
	sep(c);
	xw_str(c->out, "{\"ph\":\"X\",\"pid\":");
	xw_u64(c->out, t->pid);
	xw_str(c->out, ",\"tid\":");
	xw_u64(c->out, t->tid);
	xw_str(c->out, ",\"ts\":");
	xw_us(c->out, f->start_ns);
	xw_str(c->out, ",\"dur\":");
	xw_us(c->out, f->end_ns > f->start_ns ? f->end_ns - f->start_ns : 0);
	xw_str(c->out, ",\"name\":");
	report_json_string(c->out, stacks_func_name(c->xs, f->func));
	xw_str(c->out, ",\"cat\":");
	report_json_string(c->out, module && *module ? stacks_basename(module) : "?");
	xw_str(c->out, ",\"args\":{\"samples\":");
	xw_u64(c->out, f->samples);
	xw_str(c->out, "}}");
}

/* Pre-order: by start, then outer before inner (then the shorter first). */
static int by_start(const void *a, const void *b)
{
	const struct pslice *x = a, *y = b;
	if (x->start_ns != y->start_ns)
		return x->start_ns < y->start_ns ? -1 : 1;
	if (x->depth != y->depth)
		return x->depth < y->depth ? -1 : 1;
	return (x->end_ns > y->end_ns) - (x->end_ns < y->end_ns);
}

/* Close the open frames above depth keep, innermost first, at end_ns. A
 * frame that started with its parent waits in t->pending; one that started
 * later is written at once, then the slices that waited for it (those
 * closed since it opened: its descendants), in pre-order. */
static int close_to(struct chrome *c, struct cthread *t, uint32_t keep, uint64_t end_ns)
{
	while (t->nopen > keep) {
		uint32_t d = --t->nopen;
		const struct open_frame *f = &t->open[d];
		struct pslice ps = { f->func, f->samples, d, f->start_ns, end_ns };
		if (d && f->start_ns == t->open[d - 1].start_ns) {
			if (hp_grow((void **)&t->pending, &t->pending_cap, (size_t)t->npending + 1,
				    sizeof(*t->pending)))
				return -ENOMEM;
			t->pending[t->npending++] = ps;
			continue;
		}
		slice(c, t, &ps);
		qsort(t->pending + f->mark, t->npending - f->mark, sizeof(*t->pending), by_start);
		for (uint32_t i = f->mark; i < t->npending; i++)
			slice(c, t, &t->pending[i]);
		t->npending = f->mark;
	}
	return 0;
}

static struct cthread *thread_of(struct chrome *c, uint32_t tid)
{
	uint32_t idx;
	int added;
	if (xmap_index(&c->tids, &tid, &idx, &added))
		return NULL;
	if (added) {
		if (hp_grow((void **)&c->threads, &c->threads_cap, c->nthreads + 1,
			    sizeof(*c->threads)))
			return NULL;
		struct cthread *t = &c->threads[idx];
		const struct hp_sthread *known = stacks_thread(c->xs, tid);
		memset(t, 0, sizeof(*t));
		t->tid = tid;
		t->pid = known && known->pid ? known->pid : tid;
		if (!(t->open = malloc(MAX_DEPTH * sizeof(struct open_frame))))
			return NULL;
		c->nthreads++;
	}
	return &c->threads[idx];
}

static int on_sample(void *ctx, const struct hp_sample_row *r)
{
	struct chrome *c = ctx;
	const struct hp_sframe *fr;
	uint32_t n, keep = 0;
	if (r->event != 0)
		return 0;
	struct cthread *t = thread_of(c, r->tid);
	int err = t ? stacks_expand(c->xs, r->stack_id, &fr, &n) : -ENOMEM;
	if (err)
		return err;
	uint64_t at = r->t_ns;
	/* A gap closes every slice one period after the last sample. So do a
	 * sample out of order and one at the same time as the last (two
	 * samplers of one thread): its slices then start where the closed ones
	 * ended, not before (they overlapped their siblings) or at the same
	 * time (slices of no duration, which readers nest wrongly). */
	if (t->started && (at <= t->last_ns || at > t->last_ns + 2 * c->period)) {
		uint64_t end = t->last_ns + c->period;
		if ((err = close_to(c, t, 0, end)))
			return err;
		at = at < end ? end : at;
	}
	while (keep < t->nopen && keep < n && t->open[keep].func == fr[keep].func)
		keep++;
	if ((err = close_to(c, t, keep, at)))
		return err;
	for (uint32_t k = keep; k < n && k < MAX_DEPTH; k++)
		t->open[t->nopen++] = (struct open_frame){ fr[k].func, 0, at, t->npending };
	for (uint32_t k = 0; k < t->nopen; k++)
		t->open[k].samples++;
	t->last_ns = at;
	t->started = 1;
	return 0;
}

static void meta_event(struct chrome *c, const char *what, uint32_t pid, uint32_t tid,
		       const char *name)
{
	sep(c);
	xw_str(c->out, "{\"ph\":\"M\",\"name\":\"");
	xw_str(c->out, what);
	xw_str(c->out, "\",\"pid\":");
	xw_u64(c->out, pid);
	if (tid) {
		xw_str(c->out, ",\"tid\":");
		xw_u64(c->out, tid);
	}
	xw_str(c->out, ",\"args\":{\"name\":");
	report_json_string(c->out, name);
	xw_str(c->out, "}}");
}

static int on_process(void *ctx, const struct hp_process_row *p)
{
	struct chrome *c = ctx;
	const char *exe = stacks_basename(p->exe);
	meta_event(c, "process_name", p->pid, 0, p->comm ? p->comm : exe ? exe : "");
	return 0;
}

static int on_memory(void *ctx, const struct hp_mem_reading *m)
{
	struct chrome *c = ctx;
	sep(c);
	xw_str(c->out, "{\"ph\":\"C\",\"name\":\"memory\",\"pid\":");
	xw_u64(c->out, m->pid);
	xw_str(c->out, ",\"ts\":");
	xw_us(c->out, m->t_ns);
	xw_str(c->out, ",\"args\":{\"rss_bytes\":");
	xw_u64(c->out, m->rss_bytes);
	if (m->heap_bytes >= 0) {
		xw_str(c->out, ",\"heap_bytes\":");
		xw_i64(c->out, m->heap_bytes);
	}
	xw_str(c->out, "}}");
	return 0;
}

static int finish_threads(struct chrome *c)
{
	for (uint32_t i = 0; i < c->nthreads; i++) {
		struct cthread *t = &c->threads[i];
		const struct hp_sthread *th = stacks_thread(c->xs, t->tid);
		const char *comm = th && th->comm && *th->comm ? th->comm : "thread";
		int err = close_to(c, t, 0, t->last_ns + c->period);
		if (err)
			return err;
		meta_event(c, "thread_name", t->pid, t->tid, comm);
	}
	return 0;
}

int export_chrome(FILE *out, struct hp_store *st, const struct hp_export_opts *o)
{
	struct chrome c = { .out = out, .first = 1 };
	char *cmd = NULL;
	int err;
	(void)o;
	c.period = export_period_ns(st);
	xmap_init(&c.tids, 1);
	xw_str(out, "{\"displayTimeUnit\":\"ns\",\"traceEvents\":[");
	if (!(err = stacks_load(st, &c.xs)) &&
	    !(err = store_each_process(st, on_process, &c)) &&
	    !(err = store_each_sample(st, 0, 0, on_sample, &c)) &&
	    !(err = store_each_memory(st, on_memory, &c)) && !(err = finish_threads(&c))) {
		store_get_meta(st, "command", &cmd);
		xw_str(out, "\n],\"otherData\":{\"exporter\":\"hpprof " HPPROF_VERSION "\",\"command\":");
		report_json_string(out, cmd ? cmd : "");
		xw_str(out, ",\"sampling_period_ns\":");
		xw_u64(out, c.period);
		xw_str(out, "}}\n");
		free(cmd);
	}
	for (uint32_t i = 0; i < c.nthreads; i++) {
		free(c.threads[i].open);
		free(c.threads[i].pending);
	}
	free(c.threads);
	xmap_release(&c.tids);
	stacks_free(c.xs);
	return err;
}

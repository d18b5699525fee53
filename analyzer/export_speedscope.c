/*
 * export_speedscope.c - speedscope's file format
 * (https://www.speedscope.app/file-format-schema.json): one "sampled"
 * profile per thread, samples in time order (so speedscope's "Time Order"
 * view is the run's timeline), frames shared: one per function, with its
 * defining file. Consecutive samples of a thread with the same stack are
 * written once with their summed weight; weights are nanoseconds
 * (samples x the sampling period), so sum(weights) / period = samples.
 * With --weight off-cpu (a run recorded with `run --off-cpu`) the samples
 * are the thread's off-CPU intervals, each weighing its nanoseconds; with
 * --weight wall, its CPU samples (each run_info cpu_sample_ns, as the
 * wall_profile view counts them) and its off-CPU intervals in time order.
 * The busiest thread (the largest weight) is the profile shown first.
 *
 * Reads the samples and the stack model (stacks.h).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "analyzer/export_internal.h"
#include "common/error.h"
#include "common/grow.h"
#include "common/store.h"

/* One sample of a thread; after collapse(), a run of consecutive
 * samples on one stack with their summed weight (ns). */
struct run {
	uint64_t t_ns;
	uint64_t weight;
	uint32_t stack_id;
};

struct sthread {
	uint32_t tid;
	struct run *runs;
	uint32_t nruns;
	size_t cap;
	uint64_t weight, first_ns;
};

struct ss {
	struct hp_stacks *xs;
	struct hp_xmap tids;          /* tid -> index into threads */
	struct sthread *threads;
	uint32_t nthreads;
	size_t threads_cap;
	uint32_t *frame_of;           /* function id -> frame index + 1 (0: not yet) */
	uint32_t nframes;
	uint32_t *frame_func;         /* frame index -> function id */
	uint64_t cpu_ns;              /* weight of a main sample; 0: main samples left out */
	struct hp_xrates rates;       /* runs at different rates: each one's cpu_ns */
	int off_event;                /* events.id of off-cpu when weighed in, else -1 */
	int counts;                   /* samples stand for no time: unit "none", 1 each */
};

static struct sthread *thread_of(struct ss *s, uint32_t tid)
{
	uint32_t idx;
	int added;
	if (xmap_index(&s->tids, &tid, &idx, &added))
		return NULL;
	if (added) {
		if (hp_grow((void **)&s->threads, &s->threads_cap, s->nthreads + 1,
			    sizeof(*s->threads)))
			return NULL;
		memset(&s->threads[idx], 0, sizeof(*s->threads));
		s->threads[idx].tid = tid;
		s->nthreads++;
	}
	return &s->threads[idx];
}

static int on_sample(void *c, const struct hp_sample_row *r)
{
	struct ss *s = c;
	uint64_t w;
	if (r->event == 0 && s->cpu_ns) {
		w = s->counts ? 1 : export_sample_ns(&s->rates, s->xs, r->tid, s->cpu_ns);
	} else if (s->off_event > 0 && r->event == s->off_event) {
		int64_t ns = 0;                /* the interval's nanoseconds off the CPU */
		if (r->nr_counters)
			memcpy(&ns, r->counters, sizeof(ns));
		w = ns > 0 ? (uint64_t)ns : 0;
	} else {
		return 0;
	}
	struct sthread *t = thread_of(s, r->tid);
	if (!t)
		return -ENOMEM;
	if (hp_grow((void **)&t->runs, &t->cap, (size_t)t->nruns + 1, sizeof(*t->runs)))
		return -ENOMEM;
	t->runs[t->nruns++] = (struct run){ r->t_ns, w, r->stack_id };
	return 0;
}

static int by_time(const void *a, const void *b)
{
	const struct run *x = a, *y = b;
	if (x->t_ns != y->t_ns)
		return x->t_ns < y->t_ns ? -1 : 1;
	return (x > y) - (x < y);    /* stored order: a stable sort */
}

/* Each thread's samples in time order, consecutive ones on one stack
 * merged into one run with their summed weight. */
static void collapse(struct sthread *t)
{
	uint32_t n = 0;
	qsort(t->runs, t->nruns, sizeof(*t->runs), by_time);
	for (uint32_t i = 0; i < t->nruns; i++) {
		t->weight += t->runs[i].weight;
		if (n && t->runs[n - 1].stack_id == t->runs[i].stack_id)
			t->runs[n - 1].weight += t->runs[i].weight;
		else
			t->runs[n++] = t->runs[i];
	}
	t->first_ns = t->nruns ? t->runs[0].t_ns : 0;
	t->nruns = n;
}

/* Give every function of every sampled stack a frame index. */
static int assign_frames(struct ss *s)
{
	uint32_t nf = stacks_nfuncs(s->xs);
	s->frame_of = calloc(nf, sizeof(uint32_t));
	s->frame_func = calloc(nf, sizeof(uint32_t));
	if (!s->frame_of || !s->frame_func)
		return -ENOMEM;
	for (uint32_t i = 0; i < s->nthreads; i++)
		for (uint32_t r = 0; r < s->threads[i].nruns; r++) {
			const struct hp_sframe *fr;
			uint32_t n;
			int err = stacks_expand(s->xs, s->threads[i].runs[r].stack_id, &fr, &n);
			if (err)
				return err;
			for (uint32_t k = 0; k < n; k++) {
				uint32_t f = fr[k].func < nf ? fr[k].func : 0;
				if (!s->frame_of[f]) {
					s->frame_func[s->nframes] = f;
					s->frame_of[f] = ++s->nframes;
				}
			}
		}
	return 0;
}

static void write_frames(FILE *out, const struct ss *s)
{
	xw_str(out, "\"shared\":{\"frames\":[");
	for (uint32_t i = 0; i < s->nframes; i++) {
		uint32_t f = s->frame_func[i];
		const struct hp_sfunc *fn = stacks_func(s->xs, f);
		const char *file = fn ? stacks_file(s->xs, fn->file) : NULL;
		xw_str(out, i ? ",\n{\"name\":" : "\n{\"name\":");
		report_json_string(out, stacks_func_name(s->xs, f));
		if (file && *file) {
			xw_str(out, ",\"file\":");
			report_json_string(out, file);
		}
		putc_unlocked('}', out);
	}
	xw_str(out, "]},\n");
}

static int write_thread(FILE *out, struct ss *s, const struct sthread *t)
{
	char name[256];
	const struct hp_sthread *th = stacks_thread(s->xs, t->tid);
	const char *comm = th && th->comm ? th->comm : "";
	snprintf(name, sizeof(name), "%s%stid %u", comm, *comm ? " " : "", t->tid);
	xw_str(out, "{\"type\":\"sampled\",\"name\":");
	report_json_string(out, name);
	xw_str(out, s->counts ? ",\"unit\":\"none\",\"startValue\":" :
			      ",\"unit\":\"nanoseconds\",\"startValue\":");
	xw_u64(out, s->counts ? 0 : t->first_ns);
	xw_str(out, ",\"endValue\":");
	xw_u64(out, (s->counts ? 0 : t->first_ns) + t->weight);
	xw_str(out, ",\n\"samples\":[");
	for (uint32_t r = 0; r < t->nruns; r++) {
		const struct hp_sframe *fr;
		uint32_t n;
		int err = stacks_expand(s->xs, t->runs[r].stack_id, &fr, &n);
		if (err)
			return err;
		xw_str(out, r ? ",[" : "[");
		for (uint32_t k = 0; k < n; k++) {
			if (k)
				putc_unlocked(',', out);
			uint32_t f = fr[k].func < stacks_nfuncs(s->xs) ? fr[k].func : 0;
			xw_u64(out, s->frame_of[f] - 1);
		}
		putc_unlocked(']', out);
		if (r % 16 == 15)
			putc_unlocked('\n', out);
	}
	xw_str(out, "],\n\"weights\":[");
	for (uint32_t r = 0; r < t->nruns; r++) {
		if (r)
			putc_unlocked(',', out);
		xw_u64(out, t->runs[r].weight);
	}
	xw_str(out, "]}");
	return 0;
}

static int by_tid(const void *a, const void *b)
{
	uint32_t x = ((const struct sthread *)a)->tid, y = ((const struct sthread *)b)->tid;
	return (x > y) - (x < y);
}

static int write_all(FILE *out, struct ss *s, struct hp_store *st, const char *weight)
{
	char title[1024];
	uint32_t busiest = 0;
	char *cmd = NULL;
	int err = 0;
	if (s->nthreads > 1)
		qsort(s->threads, s->nthreads, sizeof(*s->threads), by_tid);
	for (uint32_t i = 1; i < s->nthreads; i++)
		if (s->threads[i].weight > s->threads[busiest].weight)
			busiest = i;
	store_get_meta(st, "command", &cmd);
	xw_str(out, "{\"$schema\":\"https://www.speedscope.app/file-format-schema.json\",\n"
		    "\"exporter\":\"hpprof " HPPROF_VERSION "\",\"name\":");
	/* the document's name says what the weights are when not CPU time */
	snprintf(title, sizeof(title), "%s%s", cmd ? cmd : "hpprof",
		 !weight ? "" : !strcmp(weight, "wall") ? " (wall time)" : " (off-CPU time)");
	report_json_string(out, title);
	free(cmd);
	xw_str(out, ",\"activeProfileIndex\":");
	xw_u64(out, busiest);
	xw_str(out, ",\n");
	write_frames(out, s);
	xw_str(out, "\"profiles\":[");
	for (uint32_t i = 0; i < s->nthreads && !err; i++) {
		if (i)
			xw_str(out, ",\n");
		err = write_thread(out, s, &s->threads[i]);
	}
	xw_str(out, "]}\n");
	return err;
}

static int find_offcpu(void *c, const struct hp_event_info *ev)
{
	struct ss *s = c;
	if (ev->measured && !strcmp(ev->role, "offcpu") && (s->off_event < 0 || ev->id < s->off_event))
		s->off_event = ev->id;
	return 0;
}

/* What weighs: samples (period each), off-cpu or wall. 0, or -HP_EBADEVENT
 * when the weight is unknown or the run has no such time. */
static int pick_weight(struct ss *s, struct hp_store *st, const char *weight)
{
	int off = weight && !strcmp(weight, "off-cpu"), wall = weight && !strcmp(weight, "wall");
	int err;
	s->off_event = -1;
	s->cpu_ns = export_cpu_sample_ns(st);
	if (!s->cpu_ns && (err = export_rates_load(st, &s->rates)))
		return err;
	if (s->rates.n)               /* runs at different rates: each its own */
		s->cpu_ns = s->rates.r[0].ns;
	int64_t cpu_ns = (int64_t)s->cpu_ns;
	if (weight && !off && !wall)
		return -HP_EBADEVENT;
	if (!off && !wall) {
		/* samples of another sampler (-s page-faults) stand for no CPU
		 * time: counted, not timed (they were weighed duration / samples
		 * nanoseconds each) */
		s->counts = !s->cpu_ns;
		s->cpu_ns = s->cpu_ns ? s->cpu_ns : 1;
		return 0;
	}
	if ((err = store_each_event(st, find_offcpu, s)))
		return err;
	if (s->off_event <= 0)
		return -HP_EBADEVENT;     /* the run recorded no off-CPU time */
	/* wall: on-CPU time as the wall_profile view counts it */
	s->cpu_ns = off ? 0 : (uint64_t)cpu_ns;
	return wall && !s->cpu_ns ? -HP_EBADEVENT : 0;
}

int export_speedscope(FILE *out, struct hp_store *st, const struct hp_export_opts *o)
{
	struct ss s = { 0 };
	int err;
	xmap_init(&s.tids, 1);
	if (!(err = pick_weight(&s, st, o->weight)) && !(err = stacks_load(st, &s.xs)) &&
	    !(err = store_each_sample(st, 0, 0, on_sample, &s))) {
		for (uint32_t i = 0; i < s.nthreads; i++)
			collapse(&s.threads[i]);
		if (!(err = assign_frames(&s)))
			err = write_all(out, &s, st, o->weight);
	}
	for (uint32_t i = 0; i < s.nthreads; i++)
		free(s.threads[i].runs);
	free(s.threads);
	free(s.frame_of);
	free(s.frame_func);
	xmap_release(&s.tids);
	stacks_free(s.xs);
	export_rates_free(&s.rates);
	return err;
}

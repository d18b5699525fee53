/*
 * report_kernel.c - the kernel's part of a profile (report_kernel.h): the
 * note when it was not recorded, and the `report --kernel` tables.
 *
 * Takes a loaded hp_profile. A kernel sample is one whose innermost frame
 * is a kernel frame; its kernel function is that frame's, its line the
 * profile's leaf_line of the stack (the user line that entered the
 * kernel). Pairs (kernel function, line) are summed once, and both tables
 * are read from them. A sample of a Python thread also pairs its kernel
 * function with its innermost Python line (py_line), for the lines table
 * only: a .py line lists the kernel functions beneath it.
 *
 * Shares, and the order of the rows, weigh each sample by the CPU time it
 * stands for in a merge of runs sampled at different rates (its own run's
 * period: profile_time_share); the Self, Total and Kernel columns count
 * samples.
 */
#include "analyzer/report_kernel.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "analyzer/profile.h"
#include "analyzer/shortname.h"
#include "common/hmap.h"

#define TOP_BENEATH 3                 /* kernel functions named per line */
#define CELL 4096                     /* a location: file, line, function */

/* "no (why)" -> "why"; "yes" and NULL -> NULL. */
static const char *why_not(const char *fact, char *buf, size_t len)
{
	if (!fact || strncmp(fact, "no", 2))
		return NULL;
	const char *open = strchr(fact, '(');
	size_t n = open ? strlen(open + 1) : 0;
	if (!open || !n)
		return "not recorded";
	if (open[n] == ')')
		n--;
	snprintf(buf, len, "%.*s", (int)n, open + 1);
	return buf;
}

const char *report_kernel_note(const char *kernel_samples, const char *kernel_frames, char *buf,
			       size_t len)
{
	char why[512];
	const char *w;
	if ((w = why_not(kernel_samples, why, sizeof(why))))
		snprintf(buf, len, "kernel time not sampled: %s", w);
	else if ((w = why_not(kernel_frames, why, sizeof(why))))
		snprintf(buf, len, "kernel functions not recorded (kernel time is one [kernel] "
			 "frame): %s", w);
	else
		return NULL;
	return buf;
}

const char *report_kernel_note_of(const struct hp_profile *p, char *buf, size_t len)
{
	return report_kernel_note(profile_meta(p, "kernel_samples"),
				  profile_meta(p, "kernel_frames"), buf, len);
}

const char *report_privileged_note_of(const struct hp_profile *p, char *buf, size_t len)
{
	const char *n = profile_meta(p, "privileged_execs"), *first = profile_meta(p,
		"privileged_exec");
	long long k = n ? atoll(n) : 0;
	if (k <= 0)
		return NULL;
	snprintf(buf, len, "%lld %s raised %s privileges at %s exec and %s not sampled after it"
		 " (the kernel stops perf events there)%s%s", k, k > 1 ? "processes" : "process",
		 k > 1 ? "their" : "its", k > 1 ? "their" : "its", k > 1 ? "were" : "was",
		 first ? (k > 1 ? ": the first, " : ": ") : "", first ? first : "");
	return buf;
}

/* --- the sums --- */

/* Sums of "weights": samples, or in a merge of runs sampled at different
 * rates the samples' CPU time in ns (share_weight). */
struct ksums {
	uint64_t *self, *total;       /* per function index: kernel functions only (samples) */
	uint64_t *wself, *wtotal;     /* the same weighed */
	uint32_t *mark;               /* stack last counted in total, + 1 */
	struct hp_hmap pairs;         /* (kernel function + 1) << 32 | line -> self weight */
	struct hp_hmap tpairs;        /* the same -> total weight */
	uint64_t samples;             /* samples in the kernel */
	uint64_t wsamples;            /* their weight */
	uint32_t nfuncs;              /* kernel functions with samples */
	int python;                   /* some Python line has kernel time beneath it */
};

static int is_kernel_stack(const struct hp_pstack *s)
{
	return s->nframes && s->frames[s->nframes - 1].kind == HP_FRAME_KERNEL;
}

/* What a stack's samples weigh in the shares: their count, or their CPU
 * time in a merge of runs at different rates (profile_time_share's). */
static uint64_t share_weight(const struct hp_profile *p, const struct hp_pstack *s)
{
	return p->cpu_col >= 0 ? (uint64_t)profile_stack_cpu_ns(p, s) : s->samples;
}

/* The share of n samples of weight w. */
static double share(const struct hp_profile *p, uint64_t n, uint64_t w)
{
	return profile_time_share(p, n, (int64_t)w);
}

static int add_pair(struct hp_hmap *m, uint32_t func, uint32_t line, uint64_t w)
{
	uint64_t key = (uint64_t)(func + 1) << 32 | line, v = 0;
	hmap_get(m, key, &v);
	return hmap_put(m, key, v + w);
}

static int sum_stack(struct ksums *k, const struct hp_profile *p, const struct hp_pstack *s,
		     uint32_t gen)
{
	uint32_t leaf = s->func[s->nframes - 1], line = s->leaf_line;
	uint64_t w = share_weight(p, s);
	int err = 0;
	for (uint32_t i = s->nframes; !err && i-- > 0 && s->frames[i].kind == HP_FRAME_KERNEL;) {
		uint32_t f = s->func[i];
		if (k->mark[f] != gen) {
			k->mark[f] = gen;
			k->total[f] += s->samples;
			k->wtotal[f] += w;
			if (line != UINT32_MAX)
				err = add_pair(&k->tpairs, f, line, w);
		}
	}
	if (!k->self[leaf] && s->samples)
		k->nfuncs++;
	k->self[leaf] += s->samples;
	k->wself[leaf] += w;
	k->samples += s->samples;
	k->wsamples += w;
	if (!err && s->py_line != UINT32_MAX) {
		k->python = 1;
		err = add_pair(&k->pairs, leaf, s->py_line, w);
	}
	return err || line == UINT32_MAX ? err : add_pair(&k->pairs, leaf, line, w);
}

static void ksums_release(struct ksums *k)
{
	free(k->self);
	free(k->total);
	free(k->wself);
	free(k->wtotal);
	free(k->mark);
	hmap_release(&k->pairs);
	hmap_release(&k->tpairs);
}

static int ksums_build(struct ksums *k, const struct hp_profile *p)
{
	uint32_t n = p->nfunctions ? p->nfunctions : 1;
	int err = 0;
	memset(k, 0, sizeof(*k));
	hmap_init(&k->pairs);
	hmap_init(&k->tpairs);
	k->self = calloc(n, sizeof(*k->self));
	k->total = calloc(n, sizeof(*k->total));
	k->wself = calloc(n, sizeof(*k->wself));
	k->wtotal = calloc(n, sizeof(*k->wtotal));
	k->mark = calloc(n, sizeof(*k->mark));
	if (!k->self || !k->total || !k->wself || !k->wtotal || !k->mark)
		err = -ENOMEM;
	for (uint32_t i = 0; !err && i < p->nstacks; i++)
		if (is_kernel_stack(&p->stacks[i]))
			err = sum_stack(k, p, &p->stacks[i], i + 1);
	if (err)
		ksums_release(k);
	return err;
}

/* A (kernel function, line) pair and its weight (samples or CPU ns). */
struct pair { uint32_t func, line; uint64_t weight; };

/* Heavier first; ties in a stable order. */
static int better(const struct pair *a, const struct pair *b)
{
	if (a->weight != b->weight)
		return a->weight > b->weight;
	if (a->func != b->func)
		return a->func < b->func;
	return a->line < b->line;
}

/* The heaviest pairs of a kernel function (by line) or of a line (by
 * kernel function): up to max in out, heaviest first. func or line is the
 * fixed side; the other is UINT32_MAX. Returns how many. */
static uint32_t top_pairs(const struct hp_hmap *pairs, uint32_t func, uint32_t line,
			  struct pair *out, uint32_t max)
{
	uint32_t n = 0;
	for (size_t i = 0; i < pairs->cap; i++) {
		const struct hp_hmap_slot *sl = &pairs->slots[i];
		struct pair pr = { (uint32_t)(sl->key >> 32) - 1, (uint32_t)sl->key, sl->val };
		uint32_t at;
		if (!sl->key || !pr.weight ||    /* an off-CPU stack's: no CPU samples */
		    (func != UINT32_MAX && pr.func != func) ||
		    (line != UINT32_MAX && pr.line != line))
			continue;
		if (n < max)
			at = n++;
		else if (better(&pr, &out[max - 1]))
			at = max - 1;
		else
			continue;
		out[at] = pr;
		for (; at > 0 && better(&out[at], &out[at - 1]); at--) {
			struct pair t = out[at];
			out[at] = out[at - 1];
			out[at - 1] = t;
		}
	}
	return n;
}

/* --- the tables --- */

static int by_kernel_self(const void *a, const void *b, void *ctx)
{
	const struct ksums *k = ctx;
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	if (k->wself[x] != k->wself[y])
		return k->wself[x] > k->wself[y] ? -1 : 1;
	return (x > y) - (x < y);
}

/* "file:line function", a long C++ function shortened as the report's
 * tables shorten it (shortname.h), then cut: the share or the kernel
 * functions after it stay in sight (a name of 2,800 bytes took them). */
static void location(const struct hp_profile *p, uint32_t li, char *buf, size_t len)
{
	enum { NAME_MAX_COLS = 80 };
	const struct hp_pline *l = &p->lines[li];
	char brief[CELL];
	const char *fn = name_fit(p->functions[l->func].name, NAME_MAX_COLS, brief, sizeof(brief));
	int cut = (int)strlen(fn) > NAME_MAX_COLS;
	if (l->file && l->line)
		snprintf(buf, len, "%s:%u %.*s%s", stacks_basename(l->file), l->line,
			 cut ? NAME_MAX_COLS - 2 : NAME_MAX_COLS, fn, cut ? ".." : "");
	else
		snprintf(buf, len, "%.*s%s", cut ? NAME_MAX_COLS - 2 : NAME_MAX_COLS, fn,
			 cut ? ".." : "");
}

static void print_functions(FILE *out, const struct hp_profile *p, const struct ksums *k,
			    unsigned limit)
{
	uint32_t *rows = malloc((p->nfunctions ? p->nfunctions : 1) * sizeof(*rows)), n = 0;
	char where[CELL];
	if (!rows)
		return;
	for (uint32_t f = 0; f < p->nfunctions; f++)
		if (k->total[f])
			rows[n++] = f;
	qsort_r(rows, n, sizeof(*rows), by_kernel_self, (void *)k);
	fprintf(out, "\nKernel functions (self: time in the kernel function itself; entered from:"
		" the user line beneath which it was most often, with its share of the total)\n");
	fprintf(out, "%7s  %7s  %8s  %8s  %-32s  %s\n", "Self%", "Total%", "Self", "Total",
		"Function", "Entered from");
	for (uint32_t i = 0; i < n && (!limit || i < limit); i++) {
		uint32_t f = rows[i];
		struct pair top;
		where[0] = '\0';
		if (top_pairs(&k->tpairs, f, UINT32_MAX, &top, 1)) {
			location(p, top.line, where, sizeof(where));
			size_t m = strlen(where);
			snprintf(where + m, sizeof(where) - m, " (%.0f%%)",
				 100.0 * (double)top.weight / (double)k->wtotal[f]);
		}
		fprintf(out, "%7.2f  %7.2f  %8" PRIu64 "  %8" PRIu64 "  %-32s  %s\n",
			share(p, k->self[f], k->wself[f]), share(p, k->total[f], k->wtotal[f]),
			k->self[f], k->total[f], p->functions[f].name, where);
	}
	free(rows);
}

/* A line's kernel samples weighed as share_weight weighs a stack's. */
static uint64_t line_kernel_weight(const struct hp_profile *p, const struct hp_pline *l)
{
	return p->cpu_col >= 0 ? (uint64_t)l->kernel_ns : l->kernel;
}

static int by_line_kernel(const void *a, const void *b, void *ctx)
{
	const struct hp_profile *p = ctx;
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	uint64_t wx = line_kernel_weight(p, &p->lines[x]), wy = line_kernel_weight(p, &p->lines[y]);
	if (wx != wy)
		return wx > wy ? -1 : 1;
	return (x > y) - (x < y);
}

static void print_lines(FILE *out, const struct hp_profile *p, const struct ksums *k,
			unsigned limit)
{
	uint32_t *rows = malloc((p->nlines ? p->nlines : 1) * sizeof(*rows)), n = 0;
	char where[CELL], beneath[CELL];
	if (!rows)
		return;
	for (uint32_t l = 0; l < p->nlines; l++)
		if (p->lines[l].kernel)
			rows[n++] = l;
	qsort_r(rows, n, sizeof(*rows), by_line_kernel, (void *)p);
	fprintf(out, "\nLines that entered the kernel (kernel: samples in kernel functions beneath"
		" the line; self includes them%s)\n", k->python ? ", but for a Python line, whose"
		" self is its own bytecode" : "");
	fprintf(out, "%9s  %8s  %7s  %-40s  %s\n", "Kernel%", "Kernel", "Self%", "Line",
		"Kernel functions beneath it");
	for (uint32_t i = 0; i < n && (!limit || i < limit); i++) {
		const struct hp_pline *l = &p->lines[rows[i]];
		struct pair top[TOP_BENEATH];
		uint32_t nt = top_pairs(&k->pairs, UINT32_MAX, rows[i], top, TOP_BENEATH);
		size_t m = 0;
		beneath[0] = '\0';
		for (uint32_t t = 0; t < nt && m < sizeof(beneath); t++)
			m += (size_t)snprintf(beneath + m, sizeof(beneath) - m, "%s%s %.0f%%",
					      t ? ", " : "", p->functions[top[t].func].name,
					      100.0 * (double)top[t].weight /
					      (double)line_kernel_weight(p, l));
		location(p, rows[i], where, sizeof(where));
		fprintf(out, "%9.2f  %8" PRIu64 "  %7.2f  %-40s  %s\n",
			profile_time_share(p, l->kernel, l->kernel_ns), l->kernel,
			profile_share(p, l->self, l->c), where, beneath);
	}
	free(rows);
}

int report_kernel_print(FILE *out, const struct hp_profile *p, unsigned limit)
{
	struct ksums k;
	int err = ksums_build(&k, p);
	if (err)
		return err;
	fprintf(out, "\nKernel time: %.2f%% of the %s (%" PRIu64 " of %" PRIu64 "%s) in %u "
		"kernel function%s\n", share(p, k.samples, k.wsamples),
		p->cpu_col >= 0 ? "CPU time" : "samples", k.samples, p->nsamples,
		p->cpu_col >= 0 ? " samples, each its run's period" : "", k.nfuncs,
		k.nfuncs == 1 ? "" : "s");
	if (k.samples) {
		print_functions(out, p, &k, limit);
		print_lines(out, p, &k, limit);
	}
	ksums_release(&k);
	return ferror(out) ? -EIO : 0;
}

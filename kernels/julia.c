/*
 * hp-julia - the Julia set of High Performance Python ch. 2 (profiling to find
 * bottlenecks) and ch. 7 (compiling to C).
 *
 * Lesson: find the hot function (calculate_z), then the hot lines (the escape
 * loop), then why: a shared-library call per iteration (cabs), one heap
 * object per value (boxed), unequal work per thread (threads, static).
 *
 * The grid is built exactly as the book does: x from x1 while x < x2 and y
 * from y2 while y > y1, by repeated addition of the step, with z and c held
 * in two arrays. The sum of the iteration counts is the checksum (book:
 * 33219980 for width 1000 and 300 iterations).
 */
#include "kernels/kcommon.h"

#include <complex.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define X1 (-1.8)
#define X2 1.8
#define Y1 (-1.8)
#define Y2 1.8
#define C_REAL (-0.62772)
#define C_IMAG (-0.42193)

#ifndef CMPLX           /* C11, but glibc defines it only where GCC's builtin exists */
#define CMPLX(x, y) ((double complex)((double)(x) + _Complex_I * (double)(y)))
#endif

enum variant { V_EXPANDED, V_CABS, V_BOXED, V_THREADS };

static const struct kvariant variants[] = {
	{ "expanded", "|z|^2 < 4 on two arrays of complex values" },
	{ "cabs", "abs(z) < 2 via libm cabs(): a shared-library frame under calculate_z" },
	{ "boxed", "every complex value malloc'd alone, reached through pointer arrays" },
	{ "threads", "rows split over --threads N, --schedule static|dynamic" },
	{ NULL, NULL },
};

/* One boxed complex value: a heap object per number, like a Python complex. */
struct box {
	double re, im;
};

/* The book's zs and cs lists, in one of two layouts. */
struct points {
	size_t n;               /* width * height */
	size_t width, height;   /* lengths of the x and y coordinate lists */
	double complex *z, *c;  /* flat arrays (all variants but boxed) */
	struct box **zbox;      /* boxed: one malloc per value */
	struct box **cbox;
};

struct options {
	long width, iters, repeat, threads, chunk;
	const char *schedule;
};

/* The book's known checksums (width, iterations 300). */
static const struct {
	long width, checksum;
} book_checksums[] = {
	{ 100, 334236 }, { 200, 1329666 }, { 500, 8306884 }, { 1000, 33219980 },
};

/*
 * The escape-time loop over points [lo, hi): out[i] = iterations before |z|
 * reaches 2, at most maxiter. The HOT lines are the escape loops.
 */
KERNEL_FN static void calculate_z(enum variant v, int maxiter, const struct points *p,
				  size_t lo, size_t hi, int *out)
{
	for (size_t i = lo; i < hi; i++) {
		double zr, zi, cr, ci;
		if (v == V_BOXED) {
			zr = p->zbox[i]->re, zi = p->zbox[i]->im;
			cr = p->cbox[i]->re, ci = p->cbox[i]->im;
		} else {
			zr = creal(p->z[i]), zi = cimag(p->z[i]);
			cr = creal(p->c[i]), ci = cimag(p->c[i]);
		}
		int n = 0;
		if (v == V_CABS) {
			while (cabs(CMPLX(zr, zi)) < 2.0 && n < maxiter) { /* HOT: escape loop (cabs) */
				double t = zr * zr - zi * zi + cr;        /* HOT: escape loop (cabs) */
				zi = 2.0 * zr * zi + ci;                  /* HOT: escape loop (cabs) */
				zr = t;                                   /* HOT: escape loop (cabs) */
				n++;                                      /* HOT: escape loop (cabs) */
			}
		} else {
			while (zr * zr + zi * zi < 4.0 && n < maxiter) { /* HOT: escape loop */
				double t = zr * zr - zi * zi + cr;      /* HOT: escape loop */
				zi = 2.0 * zr * zi + ci;                /* HOT: escape loop */
				zr = t;                                 /* HOT: escape loop */
				n++;                                    /* HOT: escape loop */
			}
		}
		out[i] = n;
	}
}

/* The book's coordinate list: start, start+step, ... while it is on the near
 * side of stop. Returns the count; out holds at most cap values. */
static size_t make_axis(double start, double stop, double step, double *out, size_t cap)
{
	size_t n = 0;
	for (double v = start; step > 0 ? v < stop : v > stop; v += step) {
		if (n == cap) {
			fprintf(stderr, "hp-julia: axis longer than %zu points\n", cap);
			exit(1);
		}
		out[n++] = v;
	}
	return n;
}

static struct box *box_new(double re, double im)
{
	struct box *b = kchecked(malloc(sizeof *b));          /* ALLOC: one box per value */
	b->re = re, b->im = im;
	return b;
}

static void points_init(struct points *p, long width, bool boxed)
{
	size_t cap = (size_t)width + 2;
	double *xs = kchecked(calloc(cap, sizeof *xs)), *ys = kchecked(calloc(cap, sizeof *ys));

	p->width = make_axis(X1, X2, (X2 - X1) / (double)width, xs, cap);
	p->height = make_axis(Y2, Y1, (Y1 - Y2) / (double)width, ys, cap);
	p->n = p->width * p->height;
	if (boxed) {
		p->zbox = kchecked(calloc(p->n, sizeof *p->zbox));
		p->cbox = kchecked(calloc(p->n, sizeof *p->cbox));
	} else {
		p->z = kchecked(calloc(p->n, sizeof *p->z));
		p->c = kchecked(calloc(p->n, sizeof *p->c));
	}
	for (size_t row = 0, i = 0; row < p->height; row++) {
		for (size_t col = 0; col < p->width; col++, i++) {
			if (boxed) {
				p->zbox[i] = box_new(xs[col], ys[row]);
				p->cbox[i] = box_new(C_REAL, C_IMAG);
			} else {
				p->z[i] = CMPLX(xs[col], ys[row]);
				p->c[i] = CMPLX(C_REAL, C_IMAG);
			}
		}
	}
	free(xs);
	free(ys);
}

static void points_release(struct points *p)
{
	if (p->zbox) {
		for (size_t i = 0; i < p->n; i++) {
			free(p->zbox[i]);
			free(p->cbox[i]);
		}
	}
	free(p->zbox);
	free(p->cbox);
	free(p->z);
	free(p->c);
}

/* Shared by the worker threads of the threads variant. */
struct pool {
	const struct points *points;
	int maxiter, *out;
	long repeat, threads, chunk;
	bool dynamic;
	atomic_size_t next;             /* dynamic: next work item (row of a pass) */
};

struct worker {
	struct pool *pool;
	long id;
	size_t rows;                    /* rows computed, all passes */
	long work;                      /* escape-loop iterations of those rows */
	struct ktruth busy;             /* the thread's CPU time and faults */
	pid_t tid;
	pthread_t thread;
};

/* Escape-loop iterations of points [lo, hi): the work a thread did. */
static long iterations(const int *out, size_t lo, size_t hi)
{
	long sum = 0;
	for (size_t i = lo; i < hi; i++)
		sum += out[i];
	return sum;
}

/* static: rows [id*H/T, (id+1)*H/T), once per pass. */
static void run_static(struct worker *w)
{
	const struct pool *pl = w->pool;
	size_t h = pl->points->height, wd = pl->points->width;
	size_t r0 = h * (size_t)w->id / (size_t)pl->threads;
	size_t r1 = h * (size_t)(w->id + 1) / (size_t)pl->threads;

	for (long pass = 0; pass < pl->repeat; pass++) {
		calculate_z(V_THREADS, pl->maxiter, pl->points, r0 * wd, r1 * wd, pl->out);
		w->rows += r1 - r0;
		w->work += iterations(pl->out, r0 * wd, r1 * wd);
	}
}

/* dynamic: take --chunk rows at a time from one counter over all passes. */
static void run_dynamic(struct worker *w)
{
	struct pool *pl = w->pool;
	size_t h = pl->points->height, wd = pl->points->width;
	size_t items = h * (size_t)pl->repeat, chunk = (size_t)pl->chunk;

	for (;;) {
		size_t first = atomic_fetch_add(&pl->next, chunk);
		if (first >= items)
			break;
		size_t last = first + chunk < items ? first + chunk : items;
		for (size_t item = first; item < last; item++) {
			size_t row = item % h;
			calculate_z(V_THREADS, pl->maxiter, pl->points, row * wd,
				    (row + 1) * wd, pl->out);
			w->work += iterations(pl->out, row * wd, (row + 1) * wd);
		}
		w->rows += last - first;
	}
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	if (w->pool->dynamic)
		run_dynamic(w);
	else
		run_static(w);
	w->tid = ktruth_tid();
	ktruth_now(&w->busy);           /* a new thread's counters start at 0 */
	return NULL;
}

/* Runs the threads variant and prints each thread's share of the work:
 * its CPU time (which other load on the machine does not change) and its
 * escape-loop iterations (which nothing changes). */
static void run_threads(struct pool *pl)
{
	struct worker *ws = kchecked(calloc((size_t)pl->threads, sizeof *ws));
	double max = 0, sum = 0;
	long wmax = 0, wsum = 0;

	for (long t = 0; t < pl->threads; t++) {
		ws[t].pool = pl;
		ws[t].id = t;
		if (pthread_create(&ws[t].thread, NULL, worker_main, &ws[t])) {
			fprintf(stderr, "hp-julia: cannot create thread %ld\n", t);
			exit(1);
		}
	}
	for (long t = 0; t < pl->threads; t++) {
		pthread_join(ws[t].thread, NULL);
		sum += ws[t].busy.cpu_s;
		max = ws[t].busy.cpu_s > max ? ws[t].busy.cpu_s : max;
		wsum += ws[t].work;
		wmax = ws[t].work > wmax ? ws[t].work : wmax;
	}
	for (long t = 0; t < pl->threads; t++) {
		char name[32];
		printf("julia: thread %ld rows %zu iterations %ld busy %.3f s (%.1f%%)\n", t,
		       ws[t].rows, ws[t].work, ws[t].busy.cpu_s,
		       sum > 0 ? 100.0 * ws[t].busy.cpu_s / sum : 0.0);
		snprintf(name, sizeof name, "worker%ld", t);
		ktruth_print("julia", "thread", name, ws[t].tid, &ws[t].busy, "rows=%zu work=%ld",
			     ws[t].rows, ws[t].work);
	}
	printf("julia: busy max/mean %.2f\n", sum > 0 ? max / (sum / (double)pl->threads) : 0.0);
	printf("julia: work max/mean %.2f\n",
	       wsum > 0 ? (double)wmax / ((double)wsum / (double)pl->threads) : 0.0);
	free(ws);
}

static long checksum(const int *out, size_t n)
{
	long sum = 0;
	for (size_t i = 0; i < n; i++)
		sum += out[i];
	return sum;
}

/* The book's checksum for this size, or one computed by a serial pass of
 * calculate_z (in the verify phase: a test that counts calculate_z's share
 * must use a book width or add that phase). */
static long expected_checksum(const struct options *o, const struct points *p)
{
	for (size_t i = 0; i < sizeof book_checksums / sizeof book_checksums[0]; i++)
		if (o->iters == 300 && book_checksums[i].width == o->width)
			return book_checksums[i].checksum;
	int *ref = kchecked(calloc(p->n, sizeof *ref));
	calculate_z(p->zbox ? V_BOXED : V_EXPANDED, (int)o->iters, p, 0, p->n, ref);
	long sum = checksum(ref, p->n);
	free(ref);
	return sum;
}

int main(int argc, char **argv)
{
	struct ktruth mark;
	ktruth_now(&mark);
	struct options o = { 0 };
	const struct kopt opts[] = {
		{ "width", KOPT_LONG, &o.width, "grid width (default 1000, --small 100)" },
		{ "iters", KOPT_LONG, &o.iters, "maximum iterations per point (default 300)" },
		{ "repeat", KOPT_LONG, &o.repeat, "passes over the grid (default 12, --small 1)" },
		{ "threads", KOPT_LONG, &o.threads, "threads variant: worker threads (default 4)" },
		{ "schedule", KOPT_STRING, &o.schedule, "threads variant: static|dynamic (default static)" },
		{ "chunk", KOPT_LONG, &o.chunk, "dynamic schedule: rows per grab (default 1)" },
		{ NULL, 0, NULL, NULL },
	};
	const struct kspec spec = {
		"julia", "Julia set: the hot function calculate_z and its escape loop",
		"HPP ch. 2 and 7", variants, opts,
		"The checksum is the sum of the iteration counts (book: 33219980 at width 1000).",
	};
	bool small;
	enum variant v = kargs_parse(&spec, argc, argv, &small);

	o.width = o.width ? o.width : small ? 100 : 1000;
	o.iters = o.iters ? o.iters : 300;
	o.repeat = o.repeat ? o.repeat : small ? 1 : 12;
	o.threads = o.threads ? o.threads : 4;
	o.chunk = o.chunk ? o.chunk : 1;
	o.schedule = o.schedule ? o.schedule : "static";
	bool dynamic = !strcmp(o.schedule, "dynamic");
	if (!dynamic && strcmp(o.schedule, "static")) {
		fprintf(stderr, "hp-julia: unknown schedule '%s' (static or dynamic)\n", o.schedule);
		return 2;
	}

	struct points p = { 0 };
	points_init(&p, o.width, v == V_BOXED);
	int *out = kchecked(calloc(p.n, sizeof *out));
	ktruth_phase("julia", "setup", &mark);
	double t0 = kclock();
	if (v == V_THREADS) {
		struct pool pl = { &p, (int)o.iters, out, o.repeat, o.threads, o.chunk, dynamic, 0 };
		run_threads(&pl);
	} else {
		for (long pass = 0; pass < o.repeat; pass++)
			calculate_z(v, (int)o.iters, &p, 0, p.n, out);
	}
	double elapsed = kclock() - t0;
	ktruth_phase("julia", "compute", &mark);

	long sum = checksum(out, p.n), want = expected_checksum(&o, &p);
	printf("julia: variant %s width %ld (%zux%zu points) iters %ld repeat %ld: %.3f s\n",
	       variants[v].name, o.width, p.width, p.height, o.iters, o.repeat, elapsed);
	printf("julia: %.1f escape-loop iterations per point\n", (double)sum / (double)p.n);
	int rc = kvalidate("julia", sum == want, "checksum %ld (expected %ld)", sum, want);
	ktruth_phase("julia", "verify", &mark);
	free(out);
	points_release(&p);
	ktruth_phase("julia", "teardown", &mark);
	ktruth_process("julia", "main", NULL);
	return rc;
}

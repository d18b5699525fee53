/*
 * hp-diffusion - the 2-D heat equation of High Performance Python ch. 6
 * (matrix and vector computation, the `perf stat` chapter).
 *
 * Lesson: the same stencil costs very different amounts depending on how
 * memory is handled. Allocating every step (lists, temporaries) shows up as
 * malloc/mmap frames and page faults; reusing memory (lists_prealloc,
 * inplace) removes them; one fused pass (fused) is fastest; sweeping
 * columns first (colmajor) is the cache-hostile order.
 *
 * Grid N x N (book 1024), dt = 0.1, D = 1, periodic boundaries, zero except
 * the block [0.4N, 0.5N)^2 set to 0.005. The check is conservation of mass.
 */
#include "kernels/kcommon.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#define DT 0.1
#define D 1.0
#define NTERMS 5        /* the stencil terms: four neighbours and the centre */

enum variant { V_LISTS, V_LISTS_PREALLOC, V_TEMPORARIES, V_INPLACE, V_FUSED, V_COLMAJOR };

static const struct kvariant variants[] = {
	{ "lists", "row pointers, a new grid (N row mallocs) every step: pure Python (ex. 6-3)" },
	{ "lists_prealloc", "row pointers, two grids reused (ex. 6-6)" },
	{ "temporaries", "flat arrays, each stencil term a fresh mmap'd grid every step: numpy (ex. 6-9)" },
	{ "inplace", "the same passes with the temporaries allocated once (ex. 6-14)" },
	{ "fused", "one pass, no temporaries (roll_add / C)" },
	{ "colmajor", "fused, but sweeping columns first: the cache-hostile order" },
	{ NULL, NULL },
};

/* Default steps per variant: each takes 1-3 s at N = 1024 here. */
static const long default_steps[] = { 300, 500, 50, 250, 1000, 100 };

/* The book's mass for the standard initial condition (computed). */
static const struct {
	long n;
	double mass;
} book_mass[] = { { 1024, 53.045 }, { 512, 13.52 }, { 256, 3.38 } };

struct sim {
	enum variant v;
	size_t n;
	double **rows, **rows_next;     /* lists variants: one malloc per row */
	double *grid, *next;            /* flat variants, row-major */
	double *terms[NTERMS];          /* inplace: the reused temporaries */
};

/* The time spent allocating and freeing the lists' rows, for the truth
 * lines: a test compares it with the samples under rows_new and rows_free. */
static struct ktruth_calls rows_new_calls = { "rows_new", { 0, 0, 0 }, 0 };
static struct ktruth_calls rows_free_calls = { "rows_free", { 0, 0, 0 }, 0 };

/* A zeroed grid of n rows, each its own allocation (a list of lists). */
KERNEL_FN static double **rows_new(size_t n)
{
	struct ktruth start;
	ktruth_now(&start);
	double **rows = kchecked(calloc(n, sizeof *rows));
	for (size_t i = 0; i < n; i++)
		rows[i] = kchecked(calloc(n, sizeof **rows));      /* ALLOC: one row */
	ktruth_calls_end(&rows_new_calls, &start);
	return rows;
}

KERNEL_FN static void rows_free(double **rows, size_t n)
{
	struct ktruth start;
	ktruth_now(&start);
	for (size_t i = 0; i < n; i++)
		free(rows[i]);
	free(rows);
	ktruth_calls_end(&rows_free_calls, &start);
}

/* The book's pure-Python loop, modulo indexing and all (ex. 6-3). */
KERNEL_FN static void step_lists(double *const *g, double *const *out, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		for (size_t j = 0; j < n; j++) {
			double xx = g[(i + 1) % n][j] + g[(i + n - 1) % n][j] - 2.0 * g[i][j]; /* HOT: stencil (lists) */
			double yy = g[i][(j + 1) % n] + g[i][(j + n - 1) % n] - 2.0 * g[i][j]; /* HOT: stencil (lists) */
			out[i][j] = g[i][j] + D * (xx + yy) * DT;                           /* HOT: stencil (lists) */
		}
	}
}

/* out = numpy.roll(u, shift, axis) on an n x n grid: out[i] = u[i - shift]
 * along the axis, wrapping around. */
KERNEL_FN static void roll(const double *u, size_t n, int shift, int axis, double *out)
{
	size_t by = (size_t)(shift < 0 ? -shift : (long)n - shift) % n; /* source = dest + by */

	for (size_t i = 0; i < n; i++) {
		const double *src = u + (axis == 0 ? (i + by) % n : i) * n;
		double *dst = out + i * n;
		size_t off = axis == 1 ? by : 0, j;
		for (j = 0; j + off < n; j++)
			dst[j] = src[j + off];                    /* HOT: roll copy */
		for (; j < n; j++)
			dst[j] = src[j + off - n];                /* HOT: roll copy */
	}
}

/* out = -4 * u: the centre term of the Laplacian. */
KERNEL_FN static void centre(const double *u, size_t n, double *out)
{
	for (size_t k = 0; k < n * n; k++)
		out[k] = -4.0 * u[k];                             /* HOT: centre term */
}

/* out = u + dt * D * (sum of the stencil terms). */
KERNEL_FN static void combine(const double *u, double *const *t, size_t n, double *out)
{
	for (size_t k = 0; k < n * n; k++)
		out[k] = u[k] + DT * D * (t[0][k] + t[1][k] + t[2][k] + t[3][k] + t[4][k]); /* HOT: stencil sum */
}

/* The numpy-style Laplacian: every term written to its own full grid. */
static void laplacian_terms(const double *u, size_t n, double *const *t)
{
	roll(u, n, +1, 0, t[0]);
	roll(u, n, -1, 0, t[1]);
	roll(u, n, +1, 1, t[2]);
	roll(u, n, -1, 1, t[3]);
	centre(u, n, t[4]);
}

/* One pass, no temporaries, rows outer (the cache-friendly order). */
KERNEL_FN static void stencil_fused(const double *u, size_t n, double *out)
{
	for (size_t i = 0; i < n; i++) {
		const double *up = u + (i + n - 1) % n * n, *row = u + i * n, *down = u + (i + 1) % n * n;
		for (size_t j = 0; j < n; j++) {
			size_t l = j ? j - 1 : n - 1, r = j + 1 < n ? j + 1 : 0;
			out[i * n + j] = row[j] + DT * D * (up[j] + down[j] + row[l] + row[r] - 4.0 * row[j]); /* HOT: stencil */
		}
	}
}

/* The same pass with columns outer: each access strides N doubles. */
KERNEL_FN static void stencil_colmajor(const double *u, size_t n, double *out)
{
	for (size_t j = 0; j < n; j++) {
		size_t l = j ? j - 1 : n - 1, r = j + 1 < n ? j + 1 : 0;
		for (size_t i = 0; i < n; i++) {
			size_t up = (i + n - 1) % n * n, row = i * n, down = (i + 1) % n * n;
			out[row + j] = u[row + j] + DT * D * (u[up + j] + u[down + j] + u[row + l] + u[row + r] - 4.0 * u[row + j]); /* HOT: stencil (colmajor) */
		}
	}
}

/* temporaries: fresh pages for every term and for the result, each step. */
static double *evolve_temporaries(double *u, size_t n)
{
	size_t cells = n * n;
	double *t[NTERMS], *out;

	for (int k = 0; k < NTERMS; k++)
		t[k] = ktemp_new(cells);                          /* ALLOC: temporary term */
	laplacian_terms(u, n, t);
	out = ktemp_new(cells);                                   /* ALLOC: new grid */
	combine(u, t, n, out);
	for (int k = 0; k < NTERMS; k++)
		ktemp_free(t[k], cells);
	ktemp_free(u, cells);
	return out;
}

static void swap_flat(struct sim *s)
{
	double *t = s->grid;
	s->grid = s->next;
	s->next = t;
}

/* One time step of the chosen variant. */
KERNEL_FN static void evolve(struct sim *s)
{
	size_t n = s->n;

	switch (s->v) {
	case V_LISTS: {
		double **out = rows_new(n);
		step_lists(s->rows, out, n);
		rows_free(s->rows, n);
		s->rows = out;
		break;
	}
	case V_LISTS_PREALLOC: {
		double **t = s->rows;
		step_lists(s->rows, s->rows_next, n);
		s->rows = s->rows_next;
		s->rows_next = t;
		break;
	}
	case V_TEMPORARIES:
		s->grid = evolve_temporaries(s->grid, n);
		break;
	case V_INPLACE:
		laplacian_terms(s->grid, n, s->terms);
		combine(s->grid, s->terms, n, s->next);
		swap_flat(s);
		break;
	case V_FUSED:
		stencil_fused(s->grid, n, s->next);
		swap_flat(s);
		break;
	case V_COLMAJOR:
		stencil_colmajor(s->grid, n, s->next);
		swap_flat(s);
		break;
	}
}

static bool is_lists(enum variant v)
{
	return v == V_LISTS || v == V_LISTS_PREALLOC;
}

static double *cell(struct sim *s, size_t i, size_t j)
{
	return is_lists(s->v) ? &s->rows[i][j] : &s->grid[i * s->n + j];
}

/* Allocates the grids of the variant and sets the book's initial block. */
static void sim_init(struct sim *s, enum variant v, size_t n)
{
	s->v = v;
	s->n = n;
	if (is_lists(v)) {
		s->rows = rows_new(n);
		if (v == V_LISTS_PREALLOC)
			s->rows_next = rows_new(n);
	} else if (v == V_TEMPORARIES) {
		s->grid = ktemp_new(n * n);
	} else {
		s->grid = kchecked(calloc(n * n, sizeof *s->grid));
		s->next = kchecked(calloc(n * n, sizeof *s->next));
	}
	if (v == V_INPLACE)
		for (int k = 0; k < NTERMS; k++)
			s->terms[k] = kchecked(calloc(n * n, sizeof *s->terms[k]));
	size_t lo = (size_t)((double)n * 0.4), hi = (size_t)((double)n * 0.5);
	for (size_t i = lo; i < hi; i++)
		for (size_t j = lo; j < hi; j++)
			*cell(s, i, j) = 0.005;
}

static void sim_release(struct sim *s)
{
	if (is_lists(s->v)) {
		rows_free(s->rows, s->n);
		if (s->rows_next)
			rows_free(s->rows_next, s->n);
	} else if (s->v == V_TEMPORARIES) {
		ktemp_free(s->grid, s->n * s->n);
	} else {
		free(s->grid);
		free(s->next);
	}
	for (int k = 0; k < NTERMS; k++)
		free(s->terms[k]);
}

static double mass(struct sim *s)
{
	double sum = 0;
	for (size_t i = 0; i < s->n; i++)
		for (size_t j = 0; j < s->n; j++)
			sum += *cell(s, i, j);
	return sum;
}

/* The second moment sum(u^2): it falls as heat spreads, and agrees across
 * variants to rounding (a wrong neighbour would change it, not the mass). */
static double energy(struct sim *s)
{
	double sum = 0;
	for (size_t i = 0; i < s->n; i++)
		for (size_t j = 0; j < s->n; j++)
			sum += *cell(s, i, j) * *cell(s, i, j);
	return sum;
}

int main(int argc, char **argv)
{
	struct ktruth mark;
	ktruth_now(&mark);
	long size = 0, steps = 0;
	const struct kopt opts[] = {
		{ "size", KOPT_LONG, &size, "grid is N x N (default 1024, --small 256)" },
		{ "steps", KOPT_LONG, &steps,
		  "time steps (default lists 300, lists_prealloc 500, temporaries 50, inplace 250, "
		  "fused 1000, colmajor 100; --small 20)" },
		{ NULL, 0, NULL, NULL },
	};
	const struct kspec spec = {
		"diffusion", "2-D diffusion: allocation, page faults and cache order around one stencil",
		"HPP ch. 6", variants, opts,
		"The check is conservation of mass (book: 53.045 at N=1024, 13.52 at 512, 3.38 at 256).",
	};
	bool small;
	enum variant v = kargs_parse(&spec, argc, argv, &small);
	size = size ? size : small ? 256 : 1024;
	steps = steps ? steps : small ? 20 : default_steps[v];
	if (size < 3) {
		fprintf(stderr, "hp-diffusion: --size must be at least 3\n");
		return 2;
	}

	struct sim s = { 0 };
	sim_init(&s, v, (size_t)size);
	double m0 = mass(&s);
	ktruth_phase("diffusion", "setup", &mark);
	double t0 = kclock();
	for (long k = 0; k < steps; k++)
		evolve(&s);
	double elapsed = kclock() - t0;
	ktruth_phase("diffusion", "compute", &mark);
	double m = mass(&s), e = energy(&s);
	ktruth_phase("diffusion", "verify", &mark);
	sim_release(&s);
	ktruth_phase("diffusion", "teardown", &mark);
	ktruth_print_calls("diffusion", &rows_new_calls);
	ktruth_print_calls("diffusion", &rows_free_calls);
	ktemp_print_truth("diffusion");
	ktruth_process("diffusion", "main", NULL);

	printf("diffusion: variant %s size %ld steps %ld: %.3f s (%.2f ns per cell update)\n",
	       variants[v].name, size, steps, elapsed,
	       elapsed * 1e9 / ((double)size * (double)size * (double)steps));
	printf("diffusion: sum of squares %.12e\n", e);
	bool ok = fabs(m - m0) <= 1e-9 * m0;
	char book[48] = "";
	for (size_t i = 0; i < sizeof book_mass / sizeof book_mass[0]; i++) {
		if (book_mass[i].n == size) {
			snprintf(book, sizeof book, ", book %g", book_mass[i].mass);
			ok = ok && fabs(m0 - book_mass[i].mass) <= 1e-9 * book_mass[i].mass;
		}
	}
	return kvalidate("diffusion", ok, "mass %.10f (initial %.10f%s)", m, m0, book);
}

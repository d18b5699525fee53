/*
 * hp-laplace - the Laplace solver of the SciPy "PerformancePython" article
 * (seed 002): the same 5-point stencil in-place, numpy-style and column-first.
 *
 * Lesson: the stencil line is the hot line. The numpy-style sweep (jacobi)
 * allocates a copy and temporaries every sweep (allocation and page-fault
 * activity per sweep) and needs about twice the sweeps to converge, because
 * it only reads old values; colmajor walks the grid against its layout.
 *
 * Grid nx x ny on [0,1]^2, boundary u = x^2 - y^2, interior 0, a fixed 100
 * sweeps (the article's timing; it does not converge in 100). Check: on a
 * small grid, run to convergence, the 5-point stencil reproduces x^2 - y^2
 * exactly (to 1e-9).
 */
#include "kernels/kcommon.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum variant { V_LOOP, V_JACOBI, V_COLMAJOR };

static const struct kvariant variants[] = {
	{ "loop", "in-place Gauss-Seidel, rows outer (the article's C++ row)" },
	{ "jacobi", "numpy-style: a copy and fresh temporaries every sweep, old values only" },
	{ "colmajor", "in-place Gauss-Seidel, columns outer" },
	{ NULL, NULL },
};

struct grid {
	size_t nx, ny;
	double dx, dy;
	double *u;              /* nx x ny, row-major: u[i * ny + j] */
};

static double boundary(double x, double y)
{
	return x * x - y * y;
}

/* The time in grid_init (truth lines): the solves minus it is the sweeps. */
static struct ktruth_calls grid_init_calls = { "grid_init", { 0, 0, 0 }, 0 };

/* Interior 0, edges x^2 - y^2, as the article's setBCFunc. */
KERNEL_FN static void grid_init(struct grid *g, size_t nx, size_t ny)
{
	struct ktruth start;
	ktruth_now(&start);
	g->nx = nx, g->ny = ny;
	g->dx = 1.0 / (double)(nx - 1);
	g->dy = 1.0 / (double)(ny - 1);
	g->u = kchecked(calloc(nx * ny, sizeof *g->u));
	for (size_t j = 0; j < ny; j++) {
		g->u[j] = boundary(0.0, (double)j * g->dy);
		g->u[(nx - 1) * ny + j] = boundary(1.0, (double)j * g->dy);
	}
	for (size_t i = 0; i < nx; i++) {
		g->u[i * ny] = boundary((double)i * g->dx, 0.0);
		g->u[i * ny + ny - 1] = boundary((double)i * g->dx, 1.0);
	}
	ktruth_calls_end(&grid_init_calls, &start);
}

/* One in-place sweep, rows outer (slowTimeStep / the C++ version). Returns
 * the L2 norm of the change. */
KERNEL_FN static double sweep_loop(struct grid *g)
{
	size_t nx = g->nx, ny = g->ny;
	double dx2 = g->dx * g->dx, dy2 = g->dy * g->dy, dnr_inv = 0.5 / (dx2 + dy2);
	double *u = g->u, err = 0;

	for (size_t i = 1; i < nx - 1; i++) {
		for (size_t j = 1; j < ny - 1; j++) {
			double tmp = u[i * ny + j];                                         /* HOT: stencil */
			u[i * ny + j] = ((u[(i - 1) * ny + j] + u[(i + 1) * ny + j]) * dy2 + /* HOT: stencil */
					 (u[i * ny + j - 1] + u[i * ny + j + 1]) * dx2) * dnr_inv; /* HOT: stencil */
			double diff = u[i * ny + j] - tmp;                                  /* HOT: stencil */
			err += diff * diff;                                                 /* HOT: stencil */
		}
	}
	return sqrt(err);
}

/* The same sweep with columns outer: consecutive updates are ny apart. */
KERNEL_FN static double sweep_colmajor(struct grid *g)
{
	size_t nx = g->nx, ny = g->ny;
	double dx2 = g->dx * g->dx, dy2 = g->dy * g->dy, dnr_inv = 0.5 / (dx2 + dy2);
	double *u = g->u, err = 0;

	for (size_t j = 1; j < ny - 1; j++) {
		for (size_t i = 1; i < nx - 1; i++) {
			double tmp = u[i * ny + j];
			u[i * ny + j] = ((u[(i - 1) * ny + j] + u[(i + 1) * ny + j]) * dy2 + /* HOT: stencil (colmajor) */
					 (u[i * ny + j - 1] + u[i * ny + j + 1]) * dx2) * dnr_inv; /* HOT: stencil (colmajor) */
			double diff = u[i * ny + j] - tmp;
			err += diff * diff;
		}
	}
	return sqrt(err);
}

/*
 * numericTimeStep: old = u.copy(); the vertical and horizontal terms each
 * into a fresh temporary; then u[1:-1,1:-1] = (vert + horiz) * dnr_inv and
 * err = |u - old|. Temporaries come from mmap, so every sweep faults pages.
 */
KERNEL_FN static double sweep_jacobi(struct grid *g)
{
	size_t nx = g->nx, ny = g->ny, cells = nx * ny;
	double dx2 = g->dx * g->dx, dy2 = g->dy * g->dy, dnr_inv = 0.5 / (dx2 + dy2);
	double *u = g->u, err = 0;
	double *old = ktemp_new(cells);                           /* ALLOC: u.copy() */
	double *vert = ktemp_new(cells);                          /* ALLOC: temporary */
	double *horiz = ktemp_new(cells);                         /* ALLOC: temporary */

	memcpy(old, u, cells * sizeof *u);
	for (size_t i = 1; i < nx - 1; i++)
		for (size_t j = 1; j < ny - 1; j++)
			vert[i * ny + j] = (u[(i - 1) * ny + j] + u[(i + 1) * ny + j]) * dy2; /* HOT: stencil (jacobi) */
	for (size_t i = 1; i < nx - 1; i++)
		for (size_t j = 1; j < ny - 1; j++)
			horiz[i * ny + j] = (u[i * ny + j - 1] + u[i * ny + j + 1]) * dx2;   /* HOT: stencil (jacobi) */
	for (size_t i = 1; i < nx - 1; i++)
		for (size_t j = 1; j < ny - 1; j++)
			u[i * ny + j] = (vert[i * ny + j] + horiz[i * ny + j]) * dnr_inv;     /* HOT: stencil (jacobi) */
	for (size_t k = 0; k < cells; k++)
		err += (u[k] - old[k]) * (u[k] - old[k]);
	ktemp_free(horiz, cells);
	ktemp_free(vert, cells);
	ktemp_free(old, cells);
	return sqrt(err);
}

typedef double (*sweep_fn)(struct grid *g);

static const sweep_fn sweeps[] = { sweep_loop, sweep_jacobi, sweep_colmajor };

/* The article's solve(n_iter): sweeps until err <= eps or n_iter sweeps
 * (n_iter 0: no limit). Returns the last error; *count gets the sweeps. */
static double solve(sweep_fn sweep, struct grid *g, long n_iter, double eps, long *count)
{
	double err;
	*count = 0;
	do {
		err = sweep(g);
		++*count;
	} while (err > eps && (!n_iter || *count < n_iter));
	return err;
}

/* Largest |u - (x^2 - y^2)| over the grid. */
static double max_error(const struct grid *g)
{
	double worst = 0;
	for (size_t i = 0; i < g->nx; i++)
		for (size_t j = 0; j < g->ny; j++) {
			double e = fabs(g->u[i * g->ny + j] -
					boundary((double)i * g->dx, (double)j * g->dy));
			worst = e > worst ? e : worst;
		}
	return worst;
}

int main(int argc, char **argv)
{
	struct ktruth mark;
	ktruth_now(&mark);
	long size = 0, iters = 0, repeat = 0, check = 0;
	const struct kopt opts[] = {
		{ "size", KOPT_LONG, &size, "grid is N x N (default 500, --small 100)" },
		{ "iters", KOPT_LONG, &iters, "sweeps per solve (default 100, the article's)" },
		{ "repeat", KOPT_LONG, &repeat,
		  "solves from the initial grid (default loop 16, jacobi 5, colmajor 10; --small 1)" },
		{ "check-size", KOPT_LONG, &check, "grid of the convergence check (default 20)" },
		{ NULL, 0, NULL, NULL },
	};
	const struct kspec spec = {
		"laplace", "Laplace solver: the stencil line in-place, numpy-style and column-first",
		"PerformancePython (seed 002)", variants, opts,
		"Each solve restarts from the initial grid, so the printed error does not depend on --repeat.",
	};
	static const long default_repeat[] = { 16, 5, 10 };
	bool small;
	enum variant v = kargs_parse(&spec, argc, argv, &small);
	size = size ? size : small ? 100 : 500;
	iters = iters ? iters : 100;
	repeat = repeat ? repeat : small ? 1 : default_repeat[v];
	check = check ? check : 20;
	if (size < 3 || check < 3) {
		fprintf(stderr, "hp-laplace: grids must be at least 3 x 3\n");
		return 2;
	}

	ktruth_phase("laplace", "setup", &mark);
	double err = 0, t0 = kclock();
	long count;
	for (long r = 0; r < repeat; r++) {
		struct grid g;
		grid_init(&g, (size_t)size, (size_t)size);
		err = solve(sweeps[v], &g, iters, 0.0, &count);
		free(g.u);
	}
	double elapsed = kclock() - t0;
	ktruth_phase("laplace", "compute", &mark);
	printf("laplace: variant %s size %ld iters %ld repeat %ld: %.3f s, error after %ld sweeps %.6e\n",
	       variants[v].name, size, iters, repeat, elapsed, iters, err);

	struct grid g;
	grid_init(&g, (size_t)check, (size_t)check);
	solve(sweeps[v], &g, 1000000, 1e-14, &count);
	double worst = max_error(&g);
	free(g.u);
	int rc = kvalidate("laplace", worst <= 1e-9,
			   "converged %ldx%ld grid in %ld sweeps, max |u - (x^2-y^2)| %.3e (tolerance 1e-9)",
			   check, check, count, worst);
	ktruth_phase("laplace", "verify", &mark);
	ktruth_print_calls("laplace", &grid_init_calls);
	ktemp_print_truth("laplace");
	ktruth_process("laplace", "main", NULL);
	return rc;
}

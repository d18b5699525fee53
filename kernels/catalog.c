/*
 * catalog.c - the table of bundled kernels behind `hpprof kernels` and
 * `hpprof run -k NAME`, and where their binaries are.
 *
 * The Python kernels (julia-py, diffusion-py, diffusion-numpy) are scripts
 * with a #!/usr/bin/python3.11 line: their path is run like a binary.
 * The table lists user-facing kernels only; the test helpers built beside
 * them (hp-forkexec, hp-julia-stripped, hp-julia-static) are not in it, but
 * kcatalog_path finds them too. What each variant must show in hpprof is in
 * kernels/README.md.
 */
#include "kernels/catalog.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#ifndef HP_KERNELS_INSTALL_REL
#define HP_KERNELS_INSTALL_REL "../libexec/hpprof"  /* from bindir; set by CMake */
#endif

const struct hp_kernel hp_kernels[] = {
	{ "julia", "Julia set: the hot function calculate_z and its escape loop",
	  "expanded (default), cabs, boxed, threads", "HPP ch. 2, 7" },
	{ "diffusion", "2-D diffusion: allocation, page faults and cache order around one stencil",
	  "lists (default), lists_prealloc, temporaries, inplace, fused, colmajor", "HPP ch. 6" },
	{ "laplace", "Laplace solver: the stencil line in-place, numpy-style and column-first",
	  "loop (default), jacobi, colmajor", "PerformancePython (seed 002)" },
	{ "hashing", "open addressing: a bad hash turns O(1) lookups into a probe-chain walk",
	  "bad (default), firstletter, perfect, fnv", "HPP ch. 4" },
	{ "memory", "memory growth, footprints and leaks: RSS timeline and allocation sites",
	  "stream (default), materialize, boxed, contiguous, leak, growvec, exactvec",
	  "HPP ch. 2, 3, 5, 11" },
	{ "primes", "prime counting by trial division: serial, threads, forked processes",
	  "serial (default), threads, procs", "HPP ch. 9, seed 004" },
	{ "pi", "Monte Carlo pi: threads, forked processes, and a contended lock",
	  "serial (default), threads, procs, locked", "HPP ch. 9, seed 004" },
	{ "io", "I/O-bound requests to a local delay server: serial vs concurrent (run --off-cpu)",
	  "serial (default), concurrent", "HPP ch. 8" },
	{ "calib", "calibration: CPU time split 60/30/10 between calib_a, calib_b, calib_c",
	  "split (default)", "hpprof's own ground truth" },
#ifdef HP_HAVE_MPI
	{ "mpi-pi", "Monte Carlo pi over MPI ranks (run under mpirun): compute vs MPI time,"
	  " --skew imbalance", "allreduce (default)", "HPP ch. 10, seed 004" },
#endif
	{ "julia-py", "Julia set in pure Python: calculate_z line by line, C beneath abs()",
	  "complex (default), expanded", "HPP ch. 2", "julia.py" },
	{ "diffusion-py", "2-D diffusion in pure Python: the stencil line, a new grid per step or two",
	  "lists (default), lists_prealloc", "HPP ch. 6", "diffusion.py" },
	{ "diffusion-numpy", "2-D diffusion with NumPy: C loops under Python lines, temporaries or not",
	  "temporaries (default), inplace", "HPP ch. 6", "diffusion_numpy.py" },
};

const size_t hp_nkernels = sizeof hp_kernels / sizeof hp_kernels[0];

const struct hp_kernel *kcatalog_find(const char *name)
{
	for (size_t i = 0; i < hp_nkernels; i++)
		if (!strcmp(hp_kernels[i].name, name))
			return &hp_kernels[i];
	return NULL;
}

/* Directory of the running executable in dir (no trailing slash). */
static int self_dir(char *dir, size_t len)
{
	ssize_t n = readlink("/proc/self/exe", dir, len - 1);
	if (n < 0)
		return -errno;
	dir[n] = '\0';
	char *slash = strrchr(dir, '/');
	if (!slash)
		return -ENOENT;
	*slash = '\0';
	return 0;
}

/* Writes dir/rel/hp-name (or dir/rel/script for a Python kernel) to out;
 * 0 when it is an executable file. */
static int try_path(char *out, size_t outlen, const char *dir, const char *rel, const char *name)
{
	const struct hp_kernel *k = kcatalog_find(name);
	int n = k && k->script ? snprintf(out, outlen, "%s/%s/%s", dir, rel, k->script)
			       : snprintf(out, outlen, "%s/%s/hp-%s", dir, rel, name);
	if (n < 0 || (size_t)n >= outlen)
		return -ENAMETOOLONG;
	return access(out, X_OK) ? -ENOENT : 0;
}

int kcatalog_path(const char *name, char *out, size_t outlen)
{
	char dir[PATH_MAX];
	int rc;

	if (!*name || strchr(name, '/'))
		return -ENOENT;
	if ((rc = self_dir(dir, sizeof dir)))
		return rc;
	if ((rc = try_path(out, outlen, dir, "kernels", name)) != -ENOENT)
		return rc;
	if ((rc = try_path(out, outlen, dir, HP_KERNELS_INSTALL_REL, name)) == -ENOENT && outlen)
		out[0] = '\0';
	return rc;
}

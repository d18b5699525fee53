/*
 * hp-mpi-pi - Monte Carlo estimate of pi over MPI ranks, summed with
 * MPI_Allreduce: the book's last parallel example (High Performance Python
 * ch. 10, `mpi4py` with 4 processes, and seed 004), in C on Open MPI.
 *
 * Lesson: `mpirun -np 4 hpprof run -o prof.%r.db hp-mpi-pi --skew 2` and
 * `hpprof merge` show each rank's compute and MPI time. --skew F gives rank
 * 0 F times the darts of every other rank, so it computes while the others
 * wait (busy-polling) inside MPI_Allreduce: the compute imbalance (max/mean
 * of the ranks' compute time) is F * N / (F + N - 1) for N ranks - 1.6 for
 * F = 2 and 4 ranks - and rank 0 spends the least time in MPI.
 *
 * Each rank draws from its own splitmix64 stream (seeded from --seed and
 * its rank) in --rounds rounds; after each round the ranks sum their
 * counts with MPI_Allreduce. The check, on every rank: |pi_hat - pi|
 * within 5 standard errors of the estimate over all darts of all ranks.
 *
 * Truth lines (kernels/README.md): per rank, the CPU time inside
 * count_in_circle (the compute) and inside each MPI call it makes
 * (MPI_Init, MPI_Allreduce, MPI_Finalize), each with rank=R; the process
 * line comes after MPI_Finalize, so process cpu_s minus the MPI calls is
 * the rank's compute time including its start-up.
 */
#include "kernels/kcommon.h"

#include <math.h>
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>

static const struct kvariant variants[] = {
	{ "allreduce", "every rank throws darts, MPI_Allreduce sums them after each round" },
	{ NULL, NULL },
};

/* Darts thrown into the unit square that land in the quarter circle. */
KERNEL_FN static long count_in_circle(long n, uint64_t *rng)
{
	long in = 0;
	for (long k = 0; k < n; k++) {
		double x = kuniform(rng), y = kuniform(rng);      /* HOT: dart loop */
		in += x * x + y * y <= 1.0;                       /* HOT: dart loop */
	}
	return in;
}

/* The CPU time of every call of one function, as a truth line of this rank. */
static struct ktruth_calls compute_calls = { "count_in_circle", { 0, 0, 0 }, 0 };
static struct ktruth_calls init_calls = { "MPI_Init", { 0, 0, 0 }, 0 };
static struct ktruth_calls allreduce_calls = { "MPI_Allreduce", { 0, 0, 0 }, 0 };
static struct ktruth_calls finalize_calls = { "MPI_Finalize", { 0, 0, 0 }, 0 };

static void print_calls(const struct ktruth_calls *c, int rank, long work)
{
	if (work >= 0)
		ktruth_print("mpi-pi", "calls", c->name, ktruth_tid(), &c->sum,
			     "calls=%ld work=%ld rank=%d", c->calls, work, rank);
	else
		ktruth_print("mpi-pi", "calls", c->name, ktruth_tid(), &c->sum, "calls=%ld rank=%d",
			     c->calls, rank);
}

/* The job: darts per round of this rank and of all ranks. */
struct job {
	int rank, size;
	long base;                      /* darts per round of a rank other than 0 */
	long mine;                      /* darts per round of this rank */
	long rounds;
	uint64_t rng;
};

/* rounds x (throw my darts, sum everyone's): *inside and *thrown over all ranks. */
KERNEL_FN static void estimate_pi(struct job *j, long *inside, long *thrown)
{
	struct ktruth t;
	*inside = *thrown = 0;
	for (long r = 0; r < j->rounds; r++) {
		long mine[2], sum[2];
		ktruth_now(&t);
		mine[0] = count_in_circle(j->mine, &j->rng);
		mine[1] = j->mine;
		ktruth_calls_end(&compute_calls, &t);
		ktruth_now(&t);
		MPI_Allreduce(mine, sum, 2, MPI_LONG, MPI_SUM, MPI_COMM_WORLD);
		ktruth_calls_end(&allreduce_calls, &t);
		*inside += sum[0];
		*thrown += sum[1];
	}
}

/* --skew F: a positive real (1 = balanced). */
static double parse_skew(const char *s)
{
	char *end;
	double f = s ? strtod(s, &end) : 1.0;
	if (s && (*end || !(f > 0) || f > 1e6)) {
		fprintf(stderr, "hp-mpi-pi: invalid --skew '%s': expected a positive number\n", s);
		exit(2);
	}
	return f;
}

int main(int argc, char **argv)
{
	struct ktruth mark, t;
	ktruth_now(&mark);
	long n = 0, rounds = 0, seed = 0;
	const char *skew_s = NULL;
	const struct kopt opts[] = {
		{ "samples", KOPT_LONG, &n,
		  "darts per rank other than 0, over all rounds (default 2e8; --small 8e6)" },
		{ "rounds", KOPT_LONG, &rounds, "rounds, each ending in MPI_Allreduce (default 10)" },
		{ "skew", KOPT_STRING, &skew_s, "rank 0 throws F times the darts of the others (default 1)" },
		{ "seed", KOPT_LONG, &seed, "seed of the generators (default 1)" },
		{ NULL, 0, NULL, NULL },
	};
	const struct kspec spec = {
		"mpi-pi", "Monte Carlo pi over MPI ranks: compute vs MPI time, load imbalance",
		"HPP ch. 10 (mpi4py), seed 004", variants, opts,
		"Run it under mpirun (mpirun -np 4 hp-mpi-pi --skew 2); alone it is one rank.\n"
		"With --skew F and N ranks the compute imbalance (max/mean) is F*N/(F+N-1).",
	};
	bool small;
	kargs_parse(&spec, argc, argv, &small);
	double skew = parse_skew(skew_s);

	struct job j = { 0 };
	ktruth_now(&t);
	if (MPI_Init(&argc, &argv) != MPI_SUCCESS) {
		fprintf(stderr, "hp-mpi-pi: MPI_Init failed\n");
		return 1;
	}
	ktruth_calls_end(&init_calls, &t);
	MPI_Comm_rank(MPI_COMM_WORLD, &j.rank);
	MPI_Comm_size(MPI_COMM_WORLD, &j.size);
	j.rounds = rounds ? rounds : small ? 4 : 10;
	n = n ? n : small ? 8000000 : 200000000;
	j.base = n / j.rounds > 0 ? n / j.rounds : 1;
	j.mine = j.rank == 0 ? (long)llround(skew * (double)j.base) : j.base;
	if (j.mine < 1)
		j.mine = 1;
	uint64_t s = (seed ? (uint64_t)seed : 1) ^ ((uint64_t)j.rank * 0xD1B54A32D192ED03ull);
	j.rng = ksplitmix64(&s);
	ktruth_phase("mpi-pi", "setup", &mark);

	long inside, thrown;
	double t0 = kclock();
	estimate_pi(&j, &inside, &thrown);
	double elapsed = kclock() - t0;
	ktruth_phase("mpi-pi", "compute", &mark);

	double pi_hat = 4.0 * (double)inside / (double)thrown;
	double p = M_PI / 4, tol = 5 * 4 * sqrt(p * (1 - p) / (double)thrown);
	double err = fabs(pi_hat - M_PI);
	if (j.rank == 0)
		printf("mpi-pi: ranks %d rounds %ld darts %ld (rank 0: %ld, skew %g) seed %ld: %.3f s\n",
		       j.size, j.rounds, thrown, j.mine * j.rounds, skew, seed ? seed : 1, elapsed);
	int rc = err < tol ? 0 : 1;
	if (j.rank == 0 || rc)
		rc = kvalidate("mpi-pi", err < tol,
			       "rank %d: estimate %.8f |error| %.2e (tolerance %.2e, 5 standard errors)",
			       j.rank, pi_hat, err, tol);
	ktruth_phase("mpi-pi", "verify", &mark);

	print_calls(&compute_calls, j.rank, j.mine * j.rounds);
	print_calls(&init_calls, j.rank, -1);
	print_calls(&allreduce_calls, j.rank, -1);
	ktruth_now(&t);
	MPI_Finalize();
	ktruth_calls_end(&finalize_calls, &t);
	print_calls(&finalize_calls, j.rank, -1);
	ktruth_phase("mpi-pi", "teardown", &mark);
	ktruth_process("mpi-pi", "main", "rank=%d size=%d", j.rank, j.size);
	return rc;
}

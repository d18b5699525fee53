/*
 * run_mpi.c - `hpprof run` as one rank of an MPI job (docs/mpi.md): which
 * rank this is, from the launcher's environment, and the -o pattern that
 * gives every rank its own file (%r rank, %h host, %p pid, %% a '%').
 *
 * Launchers tell each process its rank in the environment, and hpprof runs
 * between the launcher and the program (`mpirun -np 4 hpprof run -o
 * prof.%r.db ./app`), so it sees what the program will see: Open MPI sets
 * OMPI_COMM_WORLD_RANK, MPICH's Hydra PMI_RANK, PMIx launchers PMIX_RANK,
 * Slurm's srun SLURM_PROCID. The first one set (a non-negative integer)
 * wins. The facts land in run_info (mpi_rank, mpi_size, mpi_job,
 * mpi_rank_from), so `hpprof merge` keeps the ranks apart.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "cmd/run.h"
#include "common/log.h"
#include "common/runfacts.h"

/* A variable holding a non-negative integer, or -1. */
static int64_t env_count(const char *name)
{
	const char *v = getenv(name);
	char *end;
	if (!v || !*v)
		return -1;
	long long n = strtoll(v, &end, 10);
	return *end || n < 0 ? -1 : (int64_t)n;
}

static const struct {
	const char *rank, *size;
} rank_vars[] = {
	{ "OMPI_COMM_WORLD_RANK", "OMPI_COMM_WORLD_SIZE" },  /* Open MPI's mpirun */
	{ "PMI_RANK", "PMI_SIZE" },                          /* MPICH / Intel MPI (Hydra) */
	{ "PMIX_RANK", "OMPI_COMM_WORLD_SIZE" },             /* PMIx launchers (prterun) */
	{ "SLURM_PROCID", "SLURM_NTASKS" },                  /* srun */
};

/* The job's id: Open MPI's jobid, the PMIx namespace, Slurm's job.step. */
static void job_id(struct run_mpi *m)
{
	const char *v, *step;
	m->job[0] = '\0';
	if ((v = getenv("OMPI_MCA_ess_base_jobid")) || (v = getenv("PMIX_NAMESPACE")))
		snprintf(m->job, sizeof(m->job), "%s", v);
	else if ((v = getenv("SLURM_JOB_ID")) && (step = getenv("SLURM_STEP_ID")))
		snprintf(m->job, sizeof(m->job), "%s.%s", v, step);
	else if (v)
		snprintf(m->job, sizeof(m->job), "%s", v);
}

void run_mpi_detect(struct run_mpi *m)
{
	memset(m, 0, sizeof(*m));
	m->rank = m->size = -1;
	for (size_t i = 0; i < sizeof(rank_vars) / sizeof(rank_vars[0]); i++) {
		int64_t r = env_count(rank_vars[i].rank);
		if (r < 0)
			continue;
		m->rank = r;
		m->rank_from = rank_vars[i].rank;
		m->size = env_count(rank_vars[i].size);
		/* srun --mpi=pmix gives its tasks PMIX_RANK too, but no size: the
		 * job's size is srun's when its SLURM_PROCID is this rank */
		if (m->size < 0 && env_count("SLURM_PROCID") == r)
			m->size = env_count("SLURM_NTASKS");
		if (m->size < 0 && env_count("SLURM_PROCID") == r)
			m->size = env_count("SLURM_NPROCS");
		break;
	}
	if (m->rank >= 0)
		job_id(m);
}

void run_mpi_facts(const struct run_mpi *m, struct hp_run_facts *f)
{
	if (m->rank < 0)
		return;
	f->mpi_rank = m->rank;
	if (m->size >= 0)
		f->mpi_size = m->size;
	if (m->job[0])
		f->mpi_job = m->job;
	f->mpi_rank_from = m->rank_from;
}

/* Append s to out[*n..len); 0, or -1 when it does not fit. */
static int append(char *out, size_t len, size_t *n, const char *s)
{
	size_t l = strlen(s);
	if (*n + l >= len)
		return -1;
	memcpy(out + *n, s, l + 1);
	*n += l;
	return 0;
}

int run_output_expand(const char *pattern, const struct run_mpi *m, char *out, size_t len)
{
	struct utsname uts;
	char num[32];
	size_t n = 0;
	out[0] = '\0';
	for (const char *p = pattern; *p; p++) {
		char lit[2] = { *p, '\0' };
		const char *piece = lit;
		if (*p == '%') {
			if (!p[1]) {
				hp_err("-o '%s' ends with a lone '%%' (write %%%% for a '%%')", pattern);
				return -1;
			}
			switch (*++p) {
			case '%': break;
			case 'p':
				snprintf(num, sizeof(num), "%ld", (long)getpid());
				piece = num;
				break;
			case 'h':
				piece = uname(&uts) == 0 ? uts.nodename : "unknown";
				break;
			case 'r':
				if (m->rank < 0) {
					hp_err("-o '%s' asks for the MPI rank (%%r), but no launcher set"
					       " one: OMPI_COMM_WORLD_RANK, PMI_RANK, PMIX_RANK and"
					       " SLURM_PROCID are all unset (run under mpirun or srun)",
					       pattern);
					return -1;
				}
				snprintf(num, sizeof(num), "%lld", (long long)m->rank);
				piece = num;
				break;
			default:
				hp_err("-o '%s': unknown '%%%.1s' (use %%r rank, %%h host, %%p pid or %%%%)",
				       pattern, p);
				return -1;
			}
		}
		if (append(out, len, &n, piece)) {
			hp_err("-o '%s' expands to a path that is too long", pattern);
			return -1;
		}
	}
	if (m->rank >= 0 && m->size != 1 && !strstr(pattern, "%r") && !strstr(pattern, "%p"))
		hp_warn("this is MPI rank %lld of a job, and -o '%s' names the same file for every"
			" rank: use %%r (e.g. -o prof.%%r.db)", (long long)m->rank, pattern);
	return 0;
}

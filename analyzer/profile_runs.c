/*
 * profile_runs.c - sums over a loaded profile (profile.h): its counters
 * over its stacks, each run's (MPI rank's) self and total of a function,
 * a run's weight in CPU time, finding a rank, and the rank_stats rows
 * (samples, compute and MPI samples per run) written with the statistics.
 */
#include <errno.h>
#include <stdlib.h>

#include "analyzer/profile.h"
#include "common/satarith.h"
#include "common/store.h"

void profile_stack_sums(const struct hp_profile *p, int64_t *sums)
{
	for (uint32_t e = 0; e < p->nevents; e++)
		sums[e] = 0;
	for (uint32_t s = 0; s < p->nstacks; s++)
		for (uint32_t e = 0; e < p->nevents; e++)
			sums[e] = hp_add_sat(sums[e], p->stacks[s].c[e]);
}

uint64_t profile_run_self(const struct hp_profile *p, const struct hp_pfunc *f, uint32_t r)
{
	return f->rself ? f->rself[r] : r < p->nruns ? f->self : 0;
}

uint64_t profile_run_total(const struct hp_profile *p, const struct hp_pfunc *f, uint32_t r)
{
	return f->rtotal ? f->rtotal[r] : r < p->nruns ? f->total : 0;
}

double profile_run_ms(const struct hp_profile *p, uint32_t r)
{
	return r < p->nruns ? (double)p->runs[r].sample_ns / 1e6 : 0;
}

int profile_rank_index(const struct hp_profile *p, int64_t rank)
{
	for (uint32_t i = 0; i < p->nruns; i++)
		if (p->runs[i].rank == rank)
			return (int)i;
	return -1;
}

int profile_has_ranks(const struct hp_profile *p)
{
	for (uint32_t i = 0; i < p->nruns; i++)
		if (p->runs[i].rank >= 0)
			return 1;
	return 0;
}

/* rank_stats: each run's samples split into compute and MPI time. */
int profile_write_rank_stats(struct hp_store *st, const struct hp_profile *p)
{
	struct hp_rank_stat *rows = calloc(p->nruns ? p->nruns : 1, sizeof(*rows));
	if (!rows)
		return -ENOMEM;
	for (uint32_t i = 0; i < p->nruns; i++) {
		const struct hp_prun *r = &p->runs[i];
		rows[i] = (struct hp_rank_stat){ r->id, r->rank, r->host, r->pid, r->samples,
						 r->mpi_samples };
	}
	int err = store_write_rank_stats(st, rows, p->nruns);
	free(rows);
	return err;
}

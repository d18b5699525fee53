/*
 * ranks_diff_print.c - the rank comparison of `hpprof diff` as text and
 * JSON (ranks.h, ranks_diff.c): the two jobs' load imbalance with its
 * change and verdict, compute per rank, MPI share, each rank's compute and
 * MPI samples side by side, and the functions across ranks (min, mean,
 * max, the rank of the max and max/mean, before and after).
 */
#include "analyzer/ranks.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "analyzer/profile.h"
#include "analyzer/report.h"
#include "common/pct.h"

const char *ranks_diff_verdict_name(int verdict)
{
	return verdict < 0 ? "better" : verdict > 0 ? "worse" : "same";
}

const char *ranks_diff_verdict_text(const struct hp_ranks_diff *d, char *buf, size_t len)
{
	if (d->verdict)
		snprintf(buf, len, "%s balanced", d->verdict < 0 ? "better" : "worse");
	else if (d->p_value >= d->alpha)
		snprintf(buf, len, "same (within the noise)");
	else
		snprintf(buf, len, "same (under the threshold of %g%%)", d->threshold);
	return buf;
}

/* --- text --- */

uint32_t ranks_diff_nrows(const struct hp_ranks_diff *d)
{
	return d->r[0]->n >= d->r[1]->n ? d->r[0]->n : d->r[1]->n;
}

void ranks_diff_row(const struct hp_ranks_diff *d, uint32_t k, int idx[2])
{
	int side = d->r[0]->n >= d->r[1]->n ? 0 : 1;    /* the job with more ranks */
	const struct hp_profile *rp = d->p[side];
	int run = (int)d->r[side]->order[k];
	int64_t rank = rp->runs[run].rank;
	idx[side] = run;
	idx[!side] = rank >= 0 ? profile_rank_index(d->p[!side], rank) : -1;
}

static void text_rank_rows(FILE *out, const struct hp_ranks_diff *d)
{
	fprintf(out, "%6s  %9s  %9s  %9s  %9s  %7s  %7s\n", "Rank", "Compute", "after", "MPI",
		"after", "MPI%", "after");
	for (uint32_t k = 0; k < ranks_diff_nrows(d); k++) {
		int idx[2];
		ranks_diff_row(d, k, idx);
		const struct hp_prun *sides[2] = { idx[0] >= 0 ? &d->p[0]->runs[idx[0]] : NULL,
						   idx[1] >= 0 ? &d->p[1]->runs[idx[1]] : NULL };
		char cell[32];
		fprintf(out, "%6s", ranks_cell(sides[0] ? sides[0] : sides[1], cell, sizeof(cell)));
		for (int col = 0; col < 3; col++)
			for (int side = 0; side < 2; side++) {
				const struct hp_prun *r = sides[side];
				if (!r)
					fprintf(out, "  %*s", col == 2 ? 7 : 9, "-");
				else if (col == 0)
					fprintf(out, "  %9" PRIu64, r->samples - r->mpi_samples);
				else if (col == 1)
					fprintf(out, "  %9" PRIu64, r->mpi_samples);
				else
					fprintf(out, "  %7.2f", hp_pct(r->mpi_samples, r->samples));
			}
		fputc('\n', out);
	}
}

static void text_imbalance(FILE *out, const struct hp_ranks_diff *d)
{
	const struct hp_ranks *ra = d->r[0], *rb = d->r[1];
	char na[256], nb[256], rel[32] = "", verdict[64];
	if (ra->imbalance > 0)
		snprintf(rel, sizeof(rel), " (%+.1f%%)", 100 * d->delta / ra->imbalance);
	fprintf(out, "  load imbalance (compute %s, max/mean): %.2f, max on %s -> %.2f,"
		" max on %s\n", ranks_unit(ra), ra->imbalance,
		ra->n ? ranks_name(d->p[0], ra->compute_max_run, na, sizeof(na)) : "-",
		rb->imbalance, rb->n ? ranks_name(d->p[1], rb->compute_max_run, nb, sizeof(nb)) : "-");
	fprintf(out, "    change %+.2f%s ±%.2f: %s\n", d->delta, rel, d->ci,
		ranks_diff_verdict_text(d, verdict, sizeof(verdict)));
	fprintf(out, "  compute per rank: min %" PRIu64 " -> %" PRIu64 ", mean %.2f -> %.2f, max %"
		PRIu64 " -> %" PRIu64 "\n", ra->compute_min, rb->compute_min, ra->compute_mean,
		rb->compute_mean, ra->compute_max, rb->compute_max);
	fprintf(out, "  MPI time: %.2f%% -> %.2f%% of all %s\n",
		hp_pct(ra->mpi_samples, ra->samples), hp_pct(rb->mpi_samples, rb->samples),
		ra->timed ? "CPU time" : "samples");
}

void ranks_diff_cells(const struct hp_ranks_diff *d, const struct hp_ranks_fdiff *f, int side,
		      int total, struct hp_ranks_cells *c)
{
	const struct hp_rank_fstat *s = &f->side[side][total];
	if (!d->r[side]->n) {
		strcpy(c->min, "-");
		strcpy(c->mean, "-");
		strcpy(c->max, "-");
		strcpy(c->rank, "-");
		strcpy(c->ratio, "-");
		return;
	}
	snprintf(c->min, sizeof(c->min), "%" PRIu64, s->min);
	snprintf(c->mean, sizeof(c->mean), "%.2f", s->mean);
	snprintf(c->max, sizeof(c->max), "%" PRIu64, s->max);
	if (s->max > 0) {
		ranks_cell(&d->p[side]->runs[s->max_run], c->rank, sizeof(c->rank));
		snprintf(c->ratio, sizeof(c->ratio), "%.2f", (double)s->max / s->mean);
	} else {                      /* it ran on no rank of this job */
		strcpy(c->rank, "-");
		strcpy(c->ratio, "-");
	}
}

static void text_functions(FILE *out, const struct hp_ranks_diff *d, int total, unsigned limit)
{
	fprintf(out, "\n%s across ranks (%s %s per rank, before and after)\n",
		total ? "Call paths" : "Functions", total ? "total" : "self", ranks_unit(d->r[0]));
	/* the group labels centered over their before/after columns */
	fputs("       Min              Mean             Max         Max rank      Max/Mean\n", out);
	fprintf(out, "  %6s %6s  %8s %8s  %6s %6s  %6s %5s  %5s %5s  %s\n", "before", "after",
		"before", "after", "before", "after", "before", "after", "bef.", "after", "Function");
	uint32_t shown = 0, rows = 0;
	for (uint32_t i = 0; i < d->nfuncs; i++) {
		const struct hp_ranks_fdiff *f = &d->funcs[total ? d->by_total[i] : i];
		struct hp_ranks_cells b, a;
		if (!f->side[0][total].max && !f->side[1][total].max)
			continue;             /* no samples of its own on any rank (self) */
		if (rows++, limit && shown >= limit)
			continue;
		shown++;
		ranks_diff_cells(d, f, 0, total, &b);
		ranks_diff_cells(d, f, 1, total, &a);
		fprintf(out, "  %6s %6s  %8s %8s  %6s %6s  %6s %5s  %5s %5s  %s", b.min, a.min, b.mean,
			a.mean, b.max, a.max, b.rank, a.rank, b.ratio, a.ratio, f->name);
		if (f->module)
			fprintf(out, " (%s)", f->module);
		fputc('\n', out);
	}
	if (rows > shown)
		fprintf(out, "  ... %u more (-n 0 shows all)\n", rows - shown);
}

static void print_text(FILE *out, const struct hp_ranks_diff *d, unsigned limit)
{
	fprintf(out, "\nMPI ranks: %u before, %u after\n", d->r[0]->n, d->r[1]->n);
	text_imbalance(out, d);
	text_rank_rows(out, d);
	fprintf(out, "  noise: the sampling error of each rank's compute samples (binomial%s),"
		" %.4g%% interval;\n  run-to-run variation is not in it; a change counts when beyond"
		" it and by %g%% or more\n", d->r[0]->timed ? ", x its period" : "",
		100 * (1 - d->alpha), d->threshold);
	text_functions(out, d, 0, limit);
	text_functions(out, d, 1, limit);
}

/* --- JSON --- */

static void json_rank_or_null(FILE *out, int64_t rank)
{
	if (rank >= 0)
		fprintf(out, "%lld", (long long)rank);
	else
		fputs("null", out);
}

static void json_side(FILE *out, const char *name, const struct hp_ranks_diff *d, int side)
{
	const struct hp_profile *p = d->p[side];
	const struct hp_ranks *r = d->r[side];
	fprintf(out, "  \"%s\": {\"count\": %u, ", name, r->n);
	if (r->timed)                /* else samples, as files before it had them */
		fputs("\"unit\": \"ms\", ", out);
	fprintf(out, "\"imbalance\": %.4f, \"imbalance_rank\": ", r->imbalance);
	json_rank_or_null(out, r->n ? p->runs[r->compute_max_run].rank : -1);
	fprintf(out, ", \"imbalance_se\": %.4f, \"compute_min\": %" PRIu64 ", \"compute_mean\": %.4f,"
		" \"compute_max\": %" PRIu64 ", \"mpi_pct\": %.2f, \"rows\": [", d->imbalance_se[side],
		r->compute_min, r->compute_mean, r->compute_max, hp_pct(r->mpi_samples, r->samples));
	for (uint32_t k = 0; k < r->n; k++) {
		const struct hp_prun *run = &p->runs[r->order[k]];
		fprintf(out, "%s\n    {\"rank\": ", k ? "," : "");
		json_rank_or_null(out, run->rank);
		fprintf(out, ", \"samples\": %" PRIu64 ", \"compute_samples\": %" PRIu64
			", \"mpi_samples\": %" PRIu64 "}", run->samples, run->samples - run->mpi_samples,
			run->mpi_samples);
	}
	fprintf(out, "\n  ]}");
}

static void json_fstat(FILE *out, const struct hp_ranks_diff *d, const struct hp_ranks_fdiff *f,
		       int side)
{
	fputc('{', out);
	for (int total = 0; total < 2; total++) {
		const struct hp_rank_fstat *s = &f->side[side][total];
		const char *k = total ? "total" : "self";
		fprintf(out, "%s\"%s_min\": %" PRIu64 ", \"%s_mean\": %.4f, \"%s_max\": %" PRIu64
			", \"%s_max_rank\": ", total ? ", " : "", k, s->min, k, s->mean, k, s->max, k);
		json_rank_or_null(out, s->max > 0 ? d->p[side]->runs[s->max_run].rank : -1);
	}
	fputc('}', out);
}

static void print_json(FILE *out, const struct hp_ranks_diff *d, unsigned limit)
{
	const struct hp_ranks *ra = d->r[0], *rb = d->r[1];
	fprintf(out, "{\n");
	json_side(out, "before", d, 0);
	fprintf(out, ",\n");
	json_side(out, "after", d, 1);
	fprintf(out, ",\n  \"imbalance_change\": %.4f,\n  \"imbalance\": {\"before\": %.4f,"
		" \"after\": %.4f, \"change\": %.4f, \"change_pct\": ", d->delta, ra->imbalance,
		rb->imbalance, d->delta);
	if (ra->imbalance > 0)
		fprintf(out, "%.2f", 100 * d->delta / ra->imbalance);
	else
		fputs("null", out);
	fprintf(out, ", \"ci\": %.4f, \"p\": %.4g, \"alpha\": %g, \"threshold_pct\": %g,"
		" \"verdict\": \"%s\"},\n  \"functions\": [", d->ci, d->p_value, d->alpha,
		d->threshold, ranks_diff_verdict_name(d->verdict));
	for (uint32_t i = 0; i < d->nfuncs && (!limit || i < limit); i++) {
		const struct hp_ranks_fdiff *f = &d->funcs[i];
		fprintf(out, "%s\n    {\"function\": ", i ? "," : "");
		report_json_string(out, f->name);
		fputs(", \"module\": ", out);
		report_json_string(out, f->module);
		fputs(", \"before\": ", out);
		json_fstat(out, d, f, 0);
		fputs(", \"after\": ", out);
		json_fstat(out, d, f, 1);
		fputc('}', out);
	}
	fprintf(out, "\n  ]\n}\n");
}

void ranks_diff_print(FILE *out, const struct hp_ranks_diff *d, unsigned limit, int json)
{
	if (json)
		print_json(out, d, limit);
	else
		print_text(out, d, limit);
}

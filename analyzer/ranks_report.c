/*
 * ranks_report.c - the rank dimension as text, CSV and JSON (ranks.h): the
 * rank section of `hpprof report`, the problems `hpprof merge` warns
 * about (the rank comparison of `hpprof diff` is ranks_diff_print.c).
 *
 * Figures are samples (one per 1/frequency seconds of CPU time on the
 * rank); the imbalance is max/mean of the ranks' compute samples. In a
 * merge of runs at different rates the figures across ranks are CPU ms
 * (hp_ranks.timed), a rank's own row its samples.
 */
#include "analyzer/ranks.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "analyzer/profile.h"
#include "analyzer/report.h"
#include "common/pct.h"

/* How a run ended: "0", "137 (SIGKILL)", "interrupted", "?". */
static const char *ending(const struct hp_prun *r, char *buf, size_t len)
{
	if (r->interrupted)
		snprintf(buf, len, "interrupted");
	else if (r->signal)
		snprintf(buf, len, "%lld (%s)", (long long)r->exit_status, r->signal);
	else if (r->exit_status >= 0)
		snprintf(buf, len, "%lld", (long long)r->exit_status);
	else
		snprintf(buf, len, "?");
	return buf;
}

const char *ranks_missing_list(const struct hp_ranks *r, char *buf, size_t len)
{
	size_t n = 0;
	buf[0] = '\0';
	for (uint32_t i = 0; i < r->nmissing && n + 24 < len; i++)
		n += (size_t)snprintf(buf + n, len - n, "%s%lld", i ? "," : "",
				      (long long)r->missing[i]);
	return buf;
}

unsigned ranks_print_problems(FILE *out, const struct hp_profile *p, const struct hp_ranks *r,
			      const char *prefix)
{
	char list[512], name[256], end[64];
	unsigned n = 0;
	if (r->nmissing) {
		fprintf(out, "%s%s %s of %lld %s missing: no database of %s was merged\n", prefix,
			r->nmissing > 1 ? "ranks" : "rank", ranks_missing_list(r, list, sizeof(list)),
			(long long)r->size, r->nmissing > 1 ? "are" : "is",
			r->nmissing > 1 ? "them" : "it");
		n++;
	}
	for (uint32_t i = 0; i < r->nduplicate; i++, n++)
		fprintf(out, "%srank %lld comes from more than one database (different jobs?)\n",
			prefix, (long long)r->duplicate[i]);
	for (uint32_t k = 0; k < r->n; k++) {
		const struct hp_prun *run = &p->runs[r->order[k]];
		if (!run->interrupted && !run->signal && run->exit_status < 0) {
			fprintf(out, "%s%s: its profile stops early (hpprof was killed before its"
				" program ended, as a launcher kills the ranks of an aborted job)\n", prefix,
				ranks_name(p, r->order[k], name, sizeof(name)));
			n++;
		}
		if (run->interrupted || (!run->signal && run->exit_status <= 0))
			continue;
		fprintf(out, "%s%s%s%s%s ended with exit status %s\n", prefix,
			ranks_name(p, r->order[k], name, sizeof(name)), run->path && run->rank >= 0
			? " (" : "", run->path && run->rank >= 0 ? run->path : "",
			run->path && run->rank >= 0 ? ")" : "", ending(run, end, sizeof(end)));
		n++;
	}
	if (r->ninterrupted) {
		fprintf(out, "%s%u of %u ranks were interrupted (stopped by SIGINT or SIGTERM: an"
			" aborted job stops its ranks so)\n", prefix, r->ninterrupted, r->n);
		n++;
	}
	return n;
}

static void text_ranks(FILE *out, const struct hp_profile *p, const struct hp_ranks *r)
{
	char rank[32], end[64];
	fprintf(out, "%6s  %-16s  %8s  %9s  %9s  %9s  %6s  %s\n", "Rank", "Host", "PID", "Samples",
		"Compute", "MPI", "MPI%", "Exit");
	for (uint32_t k = 0; k < r->n; k++) {
		const struct hp_prun *run = &p->runs[r->order[k]];
		ranks_cell(run, rank, sizeof(rank));
		fprintf(out, "%6s  %-16.16s  %8u  %9" PRIu64 "  %9" PRIu64 "  %9" PRIu64 "  %6.2f  %s\n",
			rank, run->host ? run->host : "?", run->pid, run->samples,
			run->samples - run->mpi_samples, run->mpi_samples,
			hp_pct(run->mpi_samples, run->samples), ending(run, end, sizeof(end)));
	}
}

static void text_functions(FILE *out, const struct hp_profile *p, const struct hp_ranks *r,
			   const struct hp_rank_fstat *fs, unsigned limit, const char *title)
{
	char rank[32];
	fprintf(out, "\n%s\n%9s  %11s  %9s  %8s  %9s  %s\n", title, "Min", "Mean", "Max",
		"Max rank", "Max/Mean", "Function");
	for (uint32_t i = 0; i < r->nfuncs && (!limit || i < limit); i++) {
		const struct hp_rank_fstat *s = &fs[i];
		const struct hp_pfunc *f = &p->functions[s->func];
		ranks_cell(&p->runs[s->max_run], rank, sizeof(rank));
		fprintf(out, "%9" PRIu64 "  %11.2f  %9" PRIu64 "  %8s  %9.2f  %s\n", s->min, s->mean,
			s->max, rank, s->mean > 0 ? (double)s->max / s->mean : 0.0, f->name);
	}
}

void ranks_report_text(FILE *out, const struct hp_profile *p, const struct hp_ranks *r,
		       unsigned limit)
{
	char name[256];
	const struct hp_prun *first = r->n ? &p->runs[r->order[0]] : NULL;
	fprintf(out, "\nMPI ranks: %u", r->n);
	if (r->size >= 0)
		fprintf(out, " of %lld", (long long)r->size);
	if (first && first->job)
		fprintf(out, " (job %s)", first->job);
	char self[64], total[64];
	fprintf(out, "\n  load imbalance (compute %s, max/mean): %.2f, the max on %s\n",
		ranks_unit(r), r->imbalance,
		r->n ? ranks_name(p, r->compute_max_run, name, sizeof(name)) : "-");
	fprintf(out, "  compute per rank: min %" PRIu64 ", mean %.2f, max %" PRIu64
		"; MPI time: %.2f%% of all %s\n", r->compute_min, r->compute_mean,
		r->compute_max, hp_pct(r->mpi_samples, r->samples),
		r->timed ? "CPU time" : "samples");
	text_ranks(out, p, r);
	ranks_print_problems(out, p, r, "  note: ");
	snprintf(self, sizeof(self), "Functions across ranks (self %s per rank)", ranks_unit(r));
	snprintf(total, sizeof(total), "Call paths across ranks (total %s per rank)",
		 ranks_unit(r));
	text_functions(out, p, r, r->self, limit, self);
	text_functions(out, p, r, r->total, limit, total);
}

void ranks_report_csv(FILE *out, const struct hp_profile *p, const struct hp_ranks *r,
		      unsigned limit)
{
	char end[64];
	fprintf(out, "section,rank,run,host,pid,samples,compute_samples,mpi_samples,mpi_pct,exit\n");
	for (uint32_t k = 0; k < r->n; k++) {
		const struct hp_prun *run = &p->runs[r->order[k]];
		fprintf(out, "ranks,");
		if (run->rank >= 0)
			fprintf(out, "%lld", (long long)run->rank);
		fprintf(out, ",%u,", run->id);
		report_csv_field(out, run->host);
		fprintf(out, ",%u,%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%.2f,", run->pid, run->samples,
			run->samples - run->mpi_samples, run->mpi_samples,
			hp_pct(run->mpi_samples, run->samples));
		report_csv_field(out, ending(run, end, sizeof(end)));
		fputc('\n', out);
	}
	fprintf(out, r->timed ? "section,function,module,kind,min_ms,mean_ms,max_ms,max_rank\n"
			      : "section,function,module,kind,min,mean,max,max_rank\n");
	for (int total = 0; total < 2; total++)
		for (uint32_t i = 0; i < r->nfuncs && (!limit || i < limit); i++) {
			const struct hp_rank_fstat *s = total ? &r->total[i] : &r->self[i];
			const struct hp_pfunc *f = &p->functions[s->func];
			fprintf(out, "rank_functions,");
			report_csv_field(out, f->name);
			fputc(',', out);
			report_csv_field(out, f->module);
			fprintf(out, ",%s,%" PRIu64 ",%.4f,%" PRIu64 ",", total ? "total" : "self",
				s->min, s->mean, s->max);
			if (p->runs[s->max_run].rank >= 0)
				fprintf(out, "%lld", (long long)p->runs[s->max_run].rank);
			fputc('\n', out);
		}
}

static void json_rank_or_null(FILE *out, int64_t rank)
{
	if (rank >= 0)
		fprintf(out, "%lld", (long long)rank);
	else
		fputs("null", out);
}

static void json_stat(FILE *out, const char *kind, const struct hp_profile *p,
		      const struct hp_rank_fstat *s)
{
	fprintf(out, "\"%s_min\": %" PRIu64 ", \"%s_mean\": %.4f, \"%s_max\": %" PRIu64
		", \"%s_max_rank\": ", kind, s->min, kind, s->mean, kind, s->max, kind);
	json_rank_or_null(out, p->runs[s->max_run].rank);
}

/* The total figures of the function of self row s. */
static const struct hp_rank_fstat *total_of(const struct hp_ranks *r, uint32_t func)
{
	for (uint32_t i = 0; i < r->nfuncs; i++)
		if (r->total[i].func == func)
			return &r->total[i];
	return NULL;
}

void ranks_report_json(FILE *out, const struct hp_profile *p, const struct hp_ranks *r,
		       unsigned limit)
{
	char end[64], list[512];
	fprintf(out, ",\n  \"ranks\": {\n    \"count\": %u, \"size\": ", r->n);
	json_rank_or_null(out, r->size);
	if (r->timed)                /* else samples, as files before it had them */
		fputs(", \"unit\": \"ms\"", out);
	fprintf(out, ", \"imbalance\": %.4f, \"imbalance_rank\": ", r->imbalance);
	json_rank_or_null(out, r->n ? p->runs[r->compute_max_run].rank : -1);
	fprintf(out, ", \"mpi_pct\": %.2f,\n    \"missing\": [%s], \"failed\": %u,"
		" \"interrupted\": %u,\n    \"rows\": [", hp_pct(r->mpi_samples, r->samples),
		ranks_missing_list(r, list, sizeof(list)), r->nfailed, r->ninterrupted);
	for (uint32_t k = 0; k < r->n; k++) {
		const struct hp_prun *run = &p->runs[r->order[k]];
		fprintf(out, "%s\n      {\"rank\": ", k ? "," : "");
		json_rank_or_null(out, run->rank);
		fprintf(out, ", \"run\": %u, \"host\": ", run->id);
		report_json_string(out, run->host);
		fprintf(out, ", \"pid\": %u, \"samples\": %" PRIu64 ", \"compute_samples\": %" PRIu64
			", \"mpi_samples\": %" PRIu64 ", \"mpi_pct\": %.2f, \"exit\": ", run->pid,
			run->samples, run->samples - run->mpi_samples, run->mpi_samples,
			hp_pct(run->mpi_samples, run->samples));
		report_json_string(out, ending(run, end, sizeof(end)));
		fputc('}', out);
	}
	fprintf(out, "\n    ],\n    \"functions\": [");
	for (uint32_t i = 0; i < r->nfuncs && (!limit || i < limit); i++) {
		const struct hp_rank_fstat *s = &r->self[i], *t = total_of(r, s->func);
		const struct hp_pfunc *f = &p->functions[s->func];
		fprintf(out, "%s\n      {\"function\": ", i ? "," : "");
		report_json_string(out, f->name);
		fputs(", \"module\": ", out);
		report_json_string(out, f->module);
		fputs(", ", out);
		json_stat(out, "self", p, s);
		if (t) {
			fputs(", ", out);
			json_stat(out, "total", p, t);
		}
		fputc('}', out);
	}
	fprintf(out, "\n    ]\n  }");
}

/*
 * report_wall.c - wall-clock and off-CPU sections of the text report
 * (report_wall.h).
 *
 * Reads the profile's off-cpu and wall columns (summed per function, line
 * and stack by profile.c, self at the innermost program frame), its wait
 * class totals and each thread's off-CPU time. Times print in ms. Kernel
 * functions are left out of the function tables (every wait passes
 * through schedule(); their time is the program frame's that called in).
 */
#include "analyzer/report_wall.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "analyzer/offcpu_class.h"
#include "analyzer/profile.h"
#include "analyzer/stacks.h"
#include "common/pct.h"

static double ms(int64_t ns)
{
	return (double)ns / 1e6;
}

/* Whose time the totals and percentages are. */
static const char *whose(int selected)
{
	return selected ? "the selection's" : "all threads'";
}

void report_wall_summary(FILE *out, const struct hp_profile *p, int selected)
{
	const char *over = selected ? "in the selection" : "over all threads";
	if (p->offcpu_col < 0)
		return;
	int64_t off = 0, on = p->cpu_col >= 0 ? p->events[p->cpu_col].total   /* runs at */
						  : p->cpu_sample_ns * (int64_t)p->nsamples; /* several rates */
	for (int c = 0; c < HP_WAIT_NCLASSES; c++)
		off += p->wait_ns[c];
	if (p->cpu_sample_ns > 0 || p->cpu_col >= 0)
		fprintf(out, "  wall time: %.1f ms %s = on-CPU %.1f ms (%.1f%%)"
			" + off-CPU %.1f ms (%.1f%%)\n", ms(on + off), over, ms(on),
			hp_pct(on, on + off), ms(off), hp_pct(off, on + off));
	else
		fprintf(out, "  off-CPU time: %.1f ms %s\n", ms(off), over);
	fprintf(out, "  off-CPU by wait:");
	for (int c = 1; c < HP_WAIT_NCLASSES; c++)
		if (p->wait_ns[c])
			fprintf(out, "  %s %.1f ms (%.1f%%)", offcpu_class_name(c), ms(p->wait_ns[c]),
				hp_pct(p->wait_ns[c], off));
	fputc('\n', out);
}

/* Indices of n rows ordered by key descending. */
static int64_t *sort_keys;
static int by_key(const void *a, const void *b)
{
	int64_t x = sort_keys[*(const uint32_t *)a], y = sort_keys[*(const uint32_t *)b];
	return x == y ? 0 : x > y ? -1 : 1;
}

static uint32_t *order(int64_t *keys, uint32_t n)
{
	uint32_t *idx = malloc((n ? n : 1) * sizeof(*idx));
	if (!idx)
		return NULL;
	for (uint32_t i = 0; i < n; i++)
		idx[i] = i;
	sort_keys = keys;
	qsort(idx, n, sizeof(*idx), by_key);
	return idx;
}

static int functions(FILE *out, const struct hp_profile *p, int col, const char *what,
		     int64_t all, unsigned limit, int by_total, int selected)
{
	int64_t *keys = malloc((p->nfunctions ? p->nfunctions : 1) * sizeof(*keys));
	if (!keys)
		return -ENOMEM;
	for (uint32_t i = 0; i < p->nfunctions; i++) {
		const struct hp_pfunc *f = &p->functions[i];
		/* program frames only: every wait passes through schedule() */
		int kernel = f->module && !strncmp(f->module, "[kernel", 7);
		keys[i] = kernel ? 0 : by_total ? f->ctotal[col] : f->cself[col];
	}
	uint32_t *idx = order(keys, p->nfunctions);
	fprintf(out, "\nFunctions by %s %s (ms; %% of %s %s)\n%8s %8s %11s %11s  %s\n",
		by_total ? "total" : "self", what, whose(selected), what, "Self%", "Total%", "Self", "Total",
		"Function");
	for (uint32_t i = 0, shown = 0; idx && i < p->nfunctions && (!limit || shown < limit); i++) {
		const struct hp_pfunc *f = &p->functions[idx[i]];
		if (!keys[idx[i]])
			break;
		fprintf(out, "%8.2f %8.2f %11.1f %11.1f  %s\n", hp_pct(f->cself[col], all),
			hp_pct(f->ctotal[col], all), ms(f->cself[col]), ms(f->ctotal[col]), f->name);
		shown++;
	}
	free(idx);
	free(keys);
	return 0;
}

static int lines(FILE *out, const struct hp_profile *p, int col, const char *what, int64_t all,
		 unsigned limit)
{
	int64_t *keys = malloc((p->nlines ? p->nlines : 1) * sizeof(*keys));
	if (!keys)
		return -ENOMEM;
	for (uint32_t i = 0; i < p->nlines; i++)
		keys[i] = p->lines[i].c[col];
	uint32_t *idx = order(keys, p->nlines);
	fprintf(out, "\nLines by self %s\n%8s %11s  %-30s %s\n", what, "Self%", "Self", "Location",
		"Function");
	for (uint32_t i = 0, shown = 0; idx && i < p->nlines && (!limit || shown < limit); i++) {
		const struct hp_pline *l = &p->lines[idx[i]];
		char loc[512];
		if (!keys[idx[i]])
			break;
		snprintf(loc, sizeof(loc), "%s:%u", l->file ? stacks_basename(l->file) : "??", l->line);
		fprintf(out, "%8.2f %11.1f  %-30s %s\n", hp_pct(l->c[col], all), ms(l->c[col]), loc,
			p->functions[l->func].name);
		shown++;
	}
	free(idx);
	free(keys);
	return 0;
}

static void threads(FILE *out, const struct hp_profile *p)
{
	fprintf(out, "\nThreads: running vs waiting\n%8s %8s %11s %11s %8s  %s\n", "PID", "TID",
		"On-CPU", "Off-CPU", "Off%", "Command");
	for (uint32_t i = 0; i < p->nthreads; i++) {
		const struct hp_pthread *t = &p->threads[i];
		int64_t on = profile_thread_cpu_ns(p, t, t->samples);
		if (!on && !t->off_ns)
			continue;
		fprintf(out, "%8u %8u %11.1f %11.1f %8.2f  %s\n", t->pid, t->tid, ms(on),
			ms(t->off_ns), hp_pct(t->off_ns, on + t->off_ns), t->comm ? t->comm : "?");
	}
}

int report_wall_print(FILE *out, const struct hp_profile *p, const char *weight, unsigned limit,
		      int selected)
{
	int col = !strcmp(weight, "wall") ? p->wall_col : p->offcpu_col;
	const char *what = col == p->wall_col ? "wall time" : "off-CPU time";
	if (col < 0)
		return -ENOENT;
	int64_t all = p->events[col].total;
	if (col == p->offcpu_col) {
		all = 0;
		for (int c = 0; c < HP_WAIT_NCLASSES; c++)
			all += p->wait_ns[c];
	}
	if (functions(out, p, col, what, all, limit, 1, selected) ||
	    functions(out, p, col, what, all, limit, 0, selected) ||
	    lines(out, p, col, what, all, limit))
		return -ENOMEM;
	threads(out, p);
	return ferror(out) ? -1 : 0;
}

/*
 * annotate.c - per-line self and total costs of one function's source
 * (annotate.h). Reads the source file named in the debug info; a missing
 * file still yields the line numbers and costs.
 */
#include "analyzer/annotate.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyzer/profile.h"

#define CONTEXT 3

int annotate_find_function(const struct hp_profile *p, const char *name)
{
	int best = -1;
	for (uint32_t i = 0; i < p->nfunctions; i++)
		if (!strcmp(p->functions[i].name, name) &&
		    (best < 0 || p->functions[i].total > p->functions[best].total))
			best = (int)i;
	return best;
}

/* Line range of the function's costs in its file. */
static int line_range(const struct hp_profile *p, uint32_t fi, uint32_t file_id, uint32_t *lo,
		      uint32_t *hi)
{
	*lo = UINT32_MAX;
	*hi = 0;
	for (uint32_t s = 0; s < p->nstacks; s++) {
		const struct hp_pstack *st = &p->stacks[s];
		for (uint32_t k = 0; k < st->nframes; k++) {
			if (st->frames[k] != fi || st->files[k] != file_id || !st->lines[k])
				continue;
			if (st->lines[k] < *lo)
				*lo = st->lines[k];
			if (st->lines[k] > *hi)
				*hi = st->lines[k];
		}
	}
	return *hi ? 0 : -ENOENT;
}

/* The file the function's samples point at most often. */
static uint32_t main_file(const struct hp_profile *p, uint32_t fi, const char **path)
{
	uint32_t best = 0;
	uint64_t best_n = 0;
	*path = NULL;
	for (uint32_t i = 0; i < p->nlines; i++) {
		const struct hp_pline *l = &p->lines[i];
		if (l->func == fi && l->file_id && l->self >= best_n) {
			best = l->file_id;
			best_n = l->self;
			*path = l->file;
		}
	}
	for (uint32_t s = 0; s < p->nstacks && !best; s++)
		for (uint32_t k = 0; k < p->stacks[s].nframes && !best; k++)
			if (p->stacks[s].frames[k] == fi && p->stacks[s].files[k])
				best = p->stacks[s].files[k];
	if (best && !*path)
		for (uint32_t i = 0; i < p->nlines; i++)
			if (p->lines[i].file_id == best)
				*path = p->lines[i].file;
	return best;
}

static void read_source(struct hp_annotation *a, uint32_t lo)
{
	FILE *f = a->file ? fopen(a->file, "r") : NULL;
	char buf[4096];
	uint32_t n = 0;
	if (!f) {
		a->source_missing = 1;
		return;
	}
	while (fgets(buf, sizeof(buf), f)) {
		n++;
		if (n < lo)
			continue;
		if (n >= lo + a->nlines)
			break;
		buf[strcspn(buf, "\n")] = '\0';
		a->lines[n - lo].text = strdup(buf);
	}
	fclose(f);
}

static void add_costs(const struct hp_profile *p, uint32_t fi, uint32_t file_id,
		      struct hp_annotation *a, uint32_t lo)
{
	for (uint32_t s = 0; s < p->nstacks; s++) {
		const struct hp_pstack *st = &p->stacks[s];
		int seen = 0;
		/* innermost occurrence of F: where F itself was executing */
		for (uint32_t k = st->nframes; k-- > 0;) {
			if (st->frames[k] != fi)
				continue;
			if (!seen)
				a->function_total += st->samples;
			if (!seen && st->files[k] == file_id && st->lines[k] >= lo &&
			    st->lines[k] < lo + a->nlines) {
				struct hp_annotated_line *l = &a->lines[st->lines[k] - lo];
				l->total += st->samples;
				if (k == st->nframes - 1) {
					l->self += st->samples;
					for (uint32_t e = 0; e < p->nevents; e++)
						l->c[e] += st->c[e];
				}
			}
			seen = 1;
		}
	}
}

int annotate_function(const struct hp_profile *p, uint32_t fi, struct hp_annotation **out)
{
	struct hp_annotation *a = calloc(1, sizeof(*a));
	uint32_t lo, hi, file_id;
	if (!a)
		return -ENOMEM;
	a->function = p->functions[fi].name;
	file_id = main_file(p, fi, &a->file);
	if (!file_id || line_range(p, fi, file_id, &lo, &hi)) {
		free(a);
		return -ENOENT;
	}
	lo = lo > CONTEXT ? lo - CONTEXT : 1;
	hi += CONTEXT;
	a->nlines = hi - lo + 1;
	a->lines = calloc(a->nlines, sizeof(*a->lines));
	if (!a->lines)
		goto nomem;
	for (uint32_t i = 0; i < a->nlines; i++) {
		a->lines[i].line = lo + i;
		if (p->nevents && !(a->lines[i].c = calloc(p->nevents, sizeof(int64_t))))
			goto nomem;
	}
	add_costs(p, fi, file_id, a, lo);
	read_source(a, lo);
	*out = a;
	return 0;
nomem:
	annotate_free(a);
	return -ENOMEM;
}

void annotate_free(struct hp_annotation *a)
{
	if (!a)
		return;
	for (uint32_t i = 0; a->lines && i < a->nlines; i++) {
		free(a->lines[i].c);
		free(a->lines[i].text);
	}
	free(a->lines);
	free(a);
}

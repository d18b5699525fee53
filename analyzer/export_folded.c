/*
 * export_folded.c - folded stacks, the input of flamegraph.pl and inferno:
 * one line per distinct call path, "outer;middle;inner COUNT", outermost
 * frame first, inline frames expanded, lines sorted and identical paths
 * merged (two locations of one function fold into one path).
 *
 * Takes the profile model's stacks; COUNT is samples, or the sum of one
 * counter (--weight) so a page-fault flame graph is one option away.
 * A sample without a stack folds as "[unknown]".
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "analyzer/export_internal.h"
#include "analyzer/profile.h"
#include "common/error.h"
#include "common/satarith.h"

struct folded_line {
	char *path;
	int64_t weight;
};

/* Append a frame name, with ';' (the separator) and control characters
 * replaced so the line stays parseable. */
static void append_frame(char *buf, size_t *len, const char *name)
{
	if (*len)
		buf[(*len)++] = ';';
	for (; *name; name++)
		buf[(*len)++] = *name == ';' ? ':' : (unsigned char)*name < 0x20 ? '?' : *name;
}

static char *fold_stack(const struct hp_profile *p, const struct hp_pstack *s)
{
	size_t cap = 16, len = 0;
	for (uint32_t i = 0; i < s->nframes; i++)
		cap += strlen(p->functions[s->func[i]].name) + 1;
	char *buf = malloc(cap);
	if (!buf)
		return NULL;
	for (uint32_t i = 0; i < s->nframes; i++)
		append_frame(buf, &len, p->functions[s->func[i]].name);
	if (!s->nframes)
		append_frame(buf, &len, "[unknown]");
	buf[len] = '\0';
	return buf;
}

static int by_path(const void *a, const void *b)
{
	return strcmp(((const struct folded_line *)a)->path, ((const struct folded_line *)b)->path);
}

int export_folded(FILE *out, const struct hp_profile *p, const struct hp_export_opts *o)
{
	int col = export_weight_column(p, o->weight), err = 0;
	struct folded_line *lines;
	uint32_t n = 0;
	if (col == -2)
		return -HP_EBADEVENT;
	lines = calloc(p->nstacks ? p->nstacks : 1, sizeof(*lines));
	if (!lines)
		return -ENOMEM;
	for (uint32_t i = 0; i < p->nstacks; i++) {
		const struct hp_pstack *s = &p->stacks[i];
		int64_t w = profile_stack_weight(s, col);
		if (w <= 0)
			continue;
		if (!(lines[n].path = fold_stack(p, s))) {
			err = -ENOMEM;
			goto out;
		}
		lines[n++].weight = w;
	}
	qsort(lines, n, sizeof(*lines), by_path);
	for (uint32_t i = 0; i < n;) {
		int64_t w = 0;
		uint32_t j = i;
		for (; j < n && !strcmp(lines[j].path, lines[i].path); j++)
			w = hp_add_sat(w, lines[j].weight);
		xw_str(out, lines[i].path);
		putc_unlocked(' ', out);
		xw_i64(out, w);
		putc_unlocked('\n', out);
		i = j;
	}
out:
	for (uint32_t i = 0; i < n; i++)
		free(lines[i].path);
	free(lines);
	return err;
}

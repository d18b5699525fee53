/*
 * memreport_py.c - Python lines in `hpprof report --memory` (memreport.h):
 * the allocations of a Python program charged to the Python line that
 * made them (the innermost Python frame of each allocation stack: the
 * collector merged the allocating thread's Python frames into it,
 * docs/python.md), and the frame the memory report charges a stack to.
 */
#include "analyzer/memreport.h"

#include <errno.h>
#include <inttypes.h>

#include "analyzer/lineacc.h"
#include "analyzer/profile.h"
#include "common/satarith.h"
#include "common/textsafe.h"

int memreport_python_frame(const struct hp_pstack *s)
{
	for (uint32_t k = s->nframes; k-- > 0;)      /* frames are outermost first */
		if (s->frames[k].kind == HP_FRAME_PYTHON)
			return (int)k;
	return -1;
}

/* The allocation columns (allocs, alloc-bytes, peak-bytes, leaked-bytes)
 * summed per innermost Python line into acc, by bytes; *rest gets the
 * bytes of stacks with no Python frame. Returns 0 or -ENOMEM. */
static int python_lines(const struct hp_profile *p, const int col[4], struct hp_lineacc *acc,
			int64_t *rest)
{
	*rest = 0;
	for (uint32_t i = 0; i < p->nstacks; i++) {
		const struct hp_pstack *st = &p->stacks[i];
		if (st->c[col[0]] <= 0)
			continue;
		int k = memreport_python_frame(st);
		if (k < 0) {
			*rest = hp_add_sat(*rest, st->c[col[1]]);
			continue;
		}
		const struct hp_sframe *fr = &st->frames[k];
		int64_t v[4];
		for (int c = 0; c < 4; c++)
			v[c] = st->c[col[c]];
		if (lineacc_add(acc, st->func[k], fr->file, fr->line, v, 4))
			return -ENOMEM;
	}
	lineacc_sort(acc, 1);
	return 0;
}

void memreport_python_allocations(FILE *out, const struct hp_profile *p, unsigned limit)
{
	const char *names[4] = { "allocs", "alloc-bytes", "peak-bytes", "leaked-bytes" };
	int col[4];
	struct hp_lineacc acc;
	int64_t rest;
	for (int c = 0; c < 4; c++)
		if ((col[c] = profile_event_index(p, names[c])) < 0)
			return;
	lineacc_init(&acc);
	if (python_lines(p, col, &acc, &rest) || !acc.n) {
		lineacc_release(&acc);
		return;
	}
	const struct hp_lineacc_row *g = acc.rows;
	uint32_t n = acc.n;
	fprintf(out, "\nPython lines that allocated (each allocation charged to the innermost"
		" Python frame of its thread when it was made)\n");
	fprintf(out, "%10s  %14s  %12s  %12s  %-28s  %s\n", "Allocs", "Bytes", "At peak", "Leaked",
		"Location", "Function");
	for (uint32_t i = 0; i < n && (!limit || i < limit); i++) {
		char sl[384], sf[1024];
		fprintf(out, "%10" PRId64 "  %14" PRId64 "  %12" PRId64 "  %12" PRId64 "  %-28s  %s\n",
			g[i].v[0], g[i].v[1], g[i].v[2], g[i].v[3],
			memreport_line_location(p, &g[i], sl, sizeof(sl)),
			textsafe(p->functions[g[i].func].name, sf, sizeof(sf)));
	}
	if (rest)
		fprintf(out, "%10s  %14" PRId64 "  %12s  %12s  no Python frame (start-up, shutdown,"
			" threads running no Python)\n", "", rest, "", "");
	lineacc_release(&acc);
}

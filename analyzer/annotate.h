/*
 * annotate.h - per-line costs of one function's source (line_profiler style).
 *
 * For a function F: every source line of F's file between the first and
 * last line that has costs (widened to a few lines of context), with
 * self samples (the line itself is the innermost frame), total samples
 * (the line is where F was executing, including time in its callees; once
 * per sample) and the counter columns of the self samples. Used by
 * `hpprof annotate` and the TUI's source view.
 */
#ifndef HP_ANNOTATE_H
#define HP_ANNOTATE_H

#include <stdint.h>

struct hp_profile;

struct hp_annotated_line {
	uint32_t line;
	uint64_t self, total;
	int64_t *c;                   /* [profile->nevents] self counter sums */
	char *text;                   /* source text without newline; NULL when unreadable */
};

struct hp_annotation {
	const char *function;
	const char *file;             /* path from the debug info, NULL when unknown */
	int source_missing;           /* 1 when the file could not be read */
	uint64_t function_total;      /* samples with F on the stack */
	struct hp_annotated_line *lines;
	uint32_t nlines;
};

/* Annotate the function at index fi of p->functions. *out is owned by the
 * caller (annotate_free). Returns 0, -ENOENT when the function has no line
 * information, or -ENOMEM. */
int annotate_function(const struct hp_profile *p, uint32_t fi, struct hp_annotation **out);
void annotate_free(struct hp_annotation *a);

/* Index of the function named name in p->functions (the one with the most
 * total samples when several modules define it), or -1. */
int annotate_find_function(const struct hp_profile *p, const char *name);

#endif

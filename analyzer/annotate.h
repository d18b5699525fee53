/*
 * annotate.h - per-line costs of source files (line_profiler style), the
 * one definition behind `hpprof annotate` and the browser's source view.
 *
 * A source line is (file, line). Its self = samples whose innermost frame
 * is at that line, kernel frames aside: a kernel-mode sample counts for the
 * user line that entered the kernel (profile.h's lines); its total = samples with a frame at that line anywhere
 * in the stack, counted once per sample (recursion, or a line calling
 * itself, adds nothing) - stacks.h's definition, over the stack model's
 * frames. Counter columns are those of the self samples.
 *
 * annotate_function() lists one function F: every line of F's file between
 * the first and last line where F has a frame (widened by a few lines of
 * context), with the text of the line and F's own part of those costs:
 * only F's frames count (self: F innermost at the line; total: F's frame
 * at the line on the stack). A line several functions share - the
 * instantiations of a C++ template, an inline function of a header, each
 * inlined copy - adds all of them in the file's costs (the TUI's source
 * view of the whole file), but only F's in F's listing, whose lines then
 * never hold more than F's own total. In a run
 * simulated instead of sampled (run --cache-sim) F has no frames: its lines
 * with simulated counts (profile lines[]) give the range and the file.
 */
#ifndef HP_ANNOTATE_H
#define HP_ANNOTATE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct hp_profile;

/* Costs of one source line of a file. */
struct hp_line_cost {
	uint64_t self;                /* samples with this line innermost (all functions) */
	uint64_t total;               /* samples with this line anywhere in the stack, once each */
	uint64_t kernel;              /* of self: samples in kernel functions this line entered */
	int64_t self_ns, total_ns, kernel_ns;  /* their CPU time in a merge of runs at
						* different rates, else 0 (profile_time_share) */
	int64_t *c;                   /* [nevents] counter sums of self, or NULL */
};

struct hp_file_costs {
	uint32_t file_id;
	uint32_t nlines;              /* lines[0..nlines): indexed by line number (0 unused) */
	struct hp_line_cost *lines;
	uint64_t self, total;         /* sums over the file (total: once per sample) */
	uint64_t kernel;              /* of self: in the kernel (0: no line entered it) */
	int64_t self_ns, total_ns, kernel_ns;  /* as in hp_line_cost */
	uint32_t hottest;             /* line number with the most self, 0 if none */
	void *priv;
};

/* Per-line costs of file_id (a files.id) from p's stacks. *out is owned by
 * the caller (annotate_file_costs_free). Returns 0 or -ENOMEM. */
int annotate_file_costs(const struct hp_profile *p, uint32_t file_id, struct hp_file_costs **out);
void annotate_file_costs_free(struct hp_file_costs *fc);

/* A kernel function beneath a source line, and the samples it took there. */
struct hp_kernel_share {
	uint32_t func;                /* index into p->functions */
	uint64_t samples;
};

/* The kernel functions beneath source line (file_id, line): where the
 * samples of the kernel it entered ran (the innermost frame), heaviest
 * first, up to max into out. Returns how many (0 when the line never
 * entered the kernel, or on ENOMEM). */
uint32_t annotate_line_kernel(const struct hp_profile *p, uint32_t file_id, uint32_t line,
			      struct hp_kernel_share *out, uint32_t max);

/* Where function f (an index into p->functions) spends its samples: the
 * line with the most self samples, else the call site in f through which
 * most samples pass. In a simulated profile (no samples): the line with
 * the most of the first counter (sim_Ir) in the file annotate lists. Sets *file_id, *line and *path (owned by p; NULL when
 * only the id is known). Returns 0, or -ENOENT when f has no line
 * information. */
int annotate_function_line(const struct hp_profile *p, uint32_t f, uint32_t *file_id,
			   uint32_t *line, const char **path);

struct hp_annotated_line {
	uint32_t line;
	uint64_t self, total, kernel; /* as in hp_line_cost */
	int64_t self_ns, total_ns, kernel_ns;
	int64_t *c;                   /* [profile->nevents] self counter sums, or NULL */
	char *text;                   /* source text without newline; NULL when unreadable */
};

struct hp_annotation {
	const char *function;
	const char *file;             /* path from the debug info, NULL when unknown */
	char *source_path;            /* the file read (srcpath.h), NULL when none */
	int source_missing;           /* 1 when the file could not be read */
	char source_why[512];         /* why not, when source_missing */
	uint64_t function_total;      /* samples with F on the stack */
	int64_t function_total_ns;    /* their CPU time (as in hp_line_cost) */
	struct hp_annotated_line *lines;
	uint32_t nlines;
	struct hp_file_costs *costs;  /* F's part of the file's costs: lines[].c point into it */
	/* a simulated profile: F's first counter (sim_Ir) in all, and in the
	 * lines of other files (code inlined into F), in how many files */
	int64_t sim_all, sim_elsewhere;
	uint32_t sim_other_files;
};

/* The largest source file read (a larger one is not shown). */
#define ANNOTATE_MAX_SOURCE (64u << 20)

/* Open a source file named by a profile for reading. The path comes from
 * the database (untrusted) and is read with the invoking user's rights:
 * only a regular file of at most ANNOTATE_MAX_SOURCE bytes is opened
 * (never a device, FIFO, socket or directory: /dev/zero or a FIFO would
 * never end), without blocking and without becoming a controlling
 * terminal. Returns the stream, or NULL with why[] saying why not
 * ("No such file or directory", "a character device: not read", ...). */
FILE *annotate_open_source(const char *path, char *why, size_t len);

/* Why a function's source is not shown, and what would show it: one
 * line, the same words in `hpprof annotate` and the TUI's source and
 * machine-code views (docs/symbols.md's table of remedies).
 *   file NULL, why NULL: the function has no line information; module is
 *       its binary (a system library's remedy is its debug package, a
 *       program's is -g);
 *   file NULL, why set: it has lines but no file is known;
 *   file set: file could not be read, why is srcpath_open's reason
 *       (strerror(ENOENT): not on this machine, the remedy --source-map; a
 *       Rust std path's why names the rust-src wanted).
 * Paths are written as recorded (the caller escapes what it prints).
 * Returns out. */
const char *annotate_source_why(const char *module, const char *file, const char *why, char *out,
				size_t len);

/* Annotate the function at index fi of p->functions. *out is owned by the
 * caller (annotate_free). Returns 0, -ENOENT when the function has no line
 * information, or -ENOMEM. */
int annotate_function(const struct hp_profile *p, uint32_t fi, struct hp_annotation **out);
void annotate_free(struct hp_annotation *a);

/* Index of the function named name in p->functions (the one with the most
 * total samples when several modules define it), or -1. */
int annotate_find_function(const struct hp_profile *p, const char *name);

#endif

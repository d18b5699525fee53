/*
 * cachegrind.h - read a Cachegrind output file (cachegrind.out.PID): the
 * simulated cache geometry, the events it counted and the cost of every
 * source line, as valgrind --tool=cachegrind wrote them.
 *
 * The format (valgrind's docs/cl-format, the subset Cachegrind writes):
 *
 *   desc: I1 cache:         32768 B, 64 B, 8-way associative   header lines
 *   desc: D1 cache: ...                                         "key: value"
 *   desc: LL cache: ...
 *   cmd: /path/prog args
 *   events: Ir I1mr ILmr Dr D1mr DLmr Dw D1mw DLmw Bc Bcm Bi Bim
 *   fl=/path/file.c          the source file of the lines below
 *   fn=function              the function of the lines below
 *   LINE C1 C2 ...           one cost line: a line number and up to one
 *                            count per event (missing trailing ones are 0)
 *   summary: C1 C2 ...       the whole run, last
 *
 * The file comes from another process and is read as untrusted input:
 * every line, name, number and count is bounds-checked (limits below), the
 * summary must equal the sum of the cost lines (a truncated or edited file
 * is refused, never half-read), and a refusal says which line and why.
 * Callgrind files ("# callgrind format", name compression "(id)") are
 * refused with that reason: hpprof runs Cachegrind (docs/cache-sim.md says
 * why).
 *
 * Costs of the same (file, function, line) are summed. The parse result
 * owns all its memory (cachegrind_free).
 */
#ifndef HP_CACHEGRIND_H
#define HP_CACHEGRIND_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define HP_CG_MAX_EVENTS   32            /* events on the events: line */
#define HP_CG_MAX_LINE     (1u << 20)    /* bytes per text line (long C++ names) */
#define HP_CG_MAX_BYTES    (512ull << 20) /* the whole file */
#define HP_CG_MAX_COSTS    (8u << 20)    /* distinct (file, function, line) entries */

/* A simulated cache as a desc: line gives it ("I1 cache: 32768 B, 64 B,
 * 8-way associative"); known = 0 when the file had no such line. */
struct hp_cg_cache {
	int known;
	uint64_t size, line_size, assoc;    /* bytes, bytes, ways (0: fully associative) */
};

/* The cost of one source line. */
struct hp_cg_cost {
	uint32_t file;                /* index into files[] */
	uint32_t fn;                  /* index into fns[] */
	uint32_t line;                /* 0: cachegrind had no line */
	uint64_t *v;                  /* [nevents] */
};

struct hp_cachegrind {
	char *cmd;                    /* the cmd: line, or NULL */
	char *events[HP_CG_MAX_EVENTS];
	uint32_t nevents;
	struct hp_cg_cache I1, D1, LL;
	uint64_t summary[HP_CG_MAX_EVENTS];
	char **files;                 /* as written after fl= ("???" when unknown) */
	uint32_t nfiles;
	char **fns;                   /* as written after fn= */
	uint32_t nfns;
	struct hp_cg_cost *costs;
	uint32_t ncosts;
	void *priv;
};

/* Parse the file at path. On success *out is the caller's
 * (cachegrind_free) and 0 is returned; on failure a negative error and a
 * one-line reason in why ("line 12: count 'x' is not a number"). */
int cachegrind_parse_file(const char *path, struct hp_cachegrind **out, char *why,
			  size_t whylen);
/* The same from an open stream. */
int cachegrind_parse_stream(FILE *f, struct hp_cachegrind **out, char *why, size_t whylen);
void cachegrind_free(struct hp_cachegrind *cg);

/* Index of the event called name in cg->events, or -1. */
int cachegrind_event(const struct hp_cachegrind *cg, const char *name);

/* ---------------------------------------------------------------------
 * Attaching the costs to a profile (cachegrind_attach.c)
 *
 * Cachegrind names functions and files, not addresses, and its costs are
 * flat: per source line, with no call stack. They attach to hpprof's model
 * by name: each fl= path becomes a files row (the same table the
 * symbolizer fills, so a path both know is one file), each fn= a
 * functions row (name without valgrind's "@@VERSION" suffix, as the
 * symbolizer names it) in the module that defines it - the first object
 * valgrind read symbols from whose symbol table has that name (the
 * program first, as the dynamic linker resolves), module 0 when none
 * does - and each cost line a sim_costs row per simulated event. The
 * profile model (profile.c) adds those rows to its lines and functions as
 * self costs, so every view reads them through the same tables as
 * samples; they carry no total (no stacks: they weigh no call tree).
 * --------------------------------------------------------------------- */

/* A simulated event: a column named so that it cannot be taken for a
 * hardware counter, the sum of one or more Cachegrind events. */
struct hp_sim_event {
	const char *name;             /* "sim_LLmiss" */
	const char *parts[3];         /* Cachegrind events summed: { "ILmr", "DLmr", "DLmw" } */
	int shown;                    /* a column of the report and the TUI (others: SQL, CSV, JSON) */
	const char *what;             /* what it counts, for docs and help */
};
extern const struct hp_sim_event hp_sim_events[];
extern const unsigned hp_nsim_events;
/* The simulated event named name, or NULL. */
const struct hp_sim_event *cachegrind_sim_event(const char *name);

/* Add cg's whole-run totals of each simulated event to total[k] (k indexes
 * hp_sim_events); counted[k] is cleared when a Cachegrind event it sums
 * is missing from cg. */
void cachegrind_sim_totals(const struct hp_cachegrind *cg, uint64_t *total, int *counted);

/* An object valgrind read symbols from, with its separate debug file. */
struct hp_cg_object {
	const char *path;
	const char *debug;            /* NULL when none */
};

struct hp_store;
struct hp_run_facts;
struct hp_cg_attach;

/* Start attaching to st: the simulated events get the ids first_id,
 * first_id + 1, ... *out is the caller's (cachegrind_attach_end). */
int cachegrind_attach_begin(struct hp_store *st, int first_id, struct hp_cg_attach **out);
/* Keep the names as the binary spells them (run --no-demangle) instead of
 * demangling them (functions.raw_name has them either way). */
void cachegrind_attach_raw_names(struct hp_cg_attach *a, int raw);
/* Attach one process's results; objs[0..nobjs) are the objects of that
 * process in load order (the program first). Returns 0 or an error. */
int cachegrind_attach(struct hp_cg_attach *a, const struct hp_cachegrind *cg,
		      const struct hp_cg_object *objs, unsigned nobjs);
/* Write the events (totals: the summaries added up; an event whose
 * Cachegrind parts were not counted is "not measured" with the reason)
 * and fill the simulation facts of f (simulation, sim_I1/D1/LL from the
 * first process attached, sim_processes); the strings stay valid until
 * cachegrind_attach_free. Returns 0 or an error. */
int cachegrind_attach_end(struct hp_cg_attach *a, struct hp_run_facts *f);
void cachegrind_attach_free(struct hp_cg_attach *a);

#endif

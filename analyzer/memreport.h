/*
 * memreport.h - the memory section of `hpprof report --memory`, and the
 * per-process memory facts the browser shares with it.
 *
 * From the profile model: the processes as a tree (pid under its parent)
 * with each one's own peak RSS (never its children's) and heap peak; per
 * process the RSS timeline summarized (start, peak and when, end, growth
 * phases); the lines that grew RSS (first-touch page faults sampled with
 * their stacks, charged to the program's own code); and, when allocation
 * tracking ran, the allocation sites, the callers of each site (a
 * bottom-up tree weighted by bytes), the sites holding memory at the heap
 * peak and the leaks. Definitions: docs/memory.md.
 */
#ifndef HP_MEMREPORT_H
#define HP_MEMREPORT_H

#include <stdint.h>
#include <stdio.h>

struct hp_profile;
struct hp_pprocess;
struct hp_store;

/* A stretch of the timeline where RSS rose, fell or stayed flat. */
struct hp_mem_phase {
	uint64_t t_from, t_to;        /* ns */
	int64_t delta;                /* bytes */
};

/* Split pid's readings into at most max phases. Returns how many. */
uint32_t memreport_phases(const struct hp_profile *p, uint32_t pid, struct hp_mem_phase *out,
			  uint32_t max);

/* The process's own peak RSS in bytes: the recorded one (its readings,
 * VmHWM), else its highest reading; -1 when unknown. */
int64_t memreport_peak(const struct hp_profile *p, const struct hp_pprocess *proc);

/* The processes in tree order: a parent before its children, siblings by
 * start time; order[i] indexes p->processes and depth[i] is its depth
 * (0: a root, whose parent is not in the run). Both arrays hold
 * p->nprocesses entries. Returns how many were placed (all of them). */
uint32_t memreport_tree(const struct hp_profile *p, uint32_t *order, uint32_t *depth);

/* Index into p->processes of the process with the largest own peak, or
 * UINT32_MAX when no process has one. */
uint32_t memreport_largest(const struct hp_profile *p);

/* Whether frame k of stack s is the program's own code for memory
 * attribution: not the C runtime (libc, the dynamic loader, libm,
 * libstdc++, libgcc_s), not the kernel, not hpprof's preload library. */
struct hp_pstack;
int memreport_own_frame(const struct hp_profile *p, const struct hp_pstack *s, uint32_t k);
/* Whether stack s runs in hpprof's preload library (its own work, never
 * the user's). */
int memreport_tool_stack(const struct hp_profile *p, const struct hp_pstack *s);

/* The share of p's samples (0..1) in hpprof's allocation tracker, running
 * in the target under --alloc (memreport_tool_stack); 0 without tracking. */
double memreport_tool_share(const struct hp_profile *p);

/* run_info's alloc_untracked as a note ("allocations not tracked in 1
 * process image (the first: NAME (pid N, PATH)): ..."), or NULL when the
 * preload library reached every image. */
const char *memreport_untracked_note(const struct hp_profile *p, char *buf, size_t len);

/* Print the memory report as text; st supplies the allocation sites.
 * p should be loaded with alloc_weights (the callers tree). limit: rows
 * per table (0 = all). */
int memreport_print(FILE *out, const struct hp_profile *p, struct hp_store *st, unsigned limit);

/* The innermost Python frame of s (an index into s->frames), or -1 when
 * it has none (memreport_py.c). */
int memreport_python_frame(const struct hp_pstack *s);
/* The allocations of a Python program per Python line (innermost Python
 * frame); prints nothing when no allocation stack has a Python frame. */
void memreport_python_allocations(FILE *out, const struct hp_profile *p, unsigned limit);

/* "file:line" of a row of the line tables (analyzer/lineacc.h: the lines
 * that grew RSS, the Python lines that allocated), made safe for a
 * terminal in buf; returns buf. */
struct hp_lineacc_row;
const char *memreport_line_location(const struct hp_profile *p, const struct hp_lineacc_row *r,
				    char *buf, size_t len);

/* The allocation part (memreport_alloc.c). */
void memreport_allocations(FILE *out, const struct hp_profile *p, struct hp_store *st,
			   unsigned limit);

#endif

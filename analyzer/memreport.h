/*
 * memreport.h - the memory section of `hpprof report --memory`.
 *
 * From the profile model: per process the RSS timeline summarized (start,
 * peak and when, end, growth phases), the lines that grew RSS (first-touch
 * page faults sampled with their stacks), and, when allocation tracking
 * ran, the allocation sites, the sites holding memory at the heap peak and
 * the leaks.
 */
#ifndef HP_MEMREPORT_H
#define HP_MEMREPORT_H

#include <stdint.h>
#include <stdio.h>

struct hp_profile;
struct hp_store;

/* A stretch of the timeline where RSS rose, fell or stayed flat. */
struct hp_mem_phase {
	uint64_t t_from, t_to;        /* ns */
	int64_t delta;                /* bytes */
};

/* Split pid's readings into at most max phases. Returns how many. */
uint32_t memreport_phases(const struct hp_profile *p, uint32_t pid, struct hp_mem_phase *out,
			  uint32_t max);

/* Print the memory report as text; st supplies the allocation sites.
 * limit: rows per table (0 = all). */
int memreport_print(FILE *out, const struct hp_profile *p, struct hp_store *st, unsigned limit);

#endif

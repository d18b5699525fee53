/*
 * memreport.c - memory growth report (memreport.h).
 *
 * Growth phases: the timeline of one process is walked in order and cut
 * where the direction changes (rise, fall, flat); a step smaller than 1% of
 * the peak counts as flat, and adjacent phases of the same direction merge.
 */
#include "analyzer/memreport.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "analyzer/profile.h"
#include "common/hmap.h"
#include "common/satarith.h"
#include "common/store.h"
#include "common/textsafe.h"

#define MIB (1024.0 * 1024.0)

static int direction(int64_t step, uint64_t peak)
{
	int64_t flat = (int64_t)(peak / 100);
	return step > flat ? 1 : step < -flat ? -1 : 0;
}

static uint64_t peak_of(const struct hp_profile *p, uint32_t pid, uint64_t *when)
{
	uint64_t peak = 0;
	for (uint32_t i = 0; i < p->nmemory; i++)
		if (p->memory[i].pid == pid && p->memory[i].rss_bytes > peak) {
			peak = p->memory[i].rss_bytes;
			if (when)
				*when = p->memory[i].t_ns;
		}
	return peak;
}

uint32_t memreport_phases(const struct hp_profile *p, uint32_t pid, struct hp_mem_phase *out,
			  uint32_t max)
{
	uint64_t peak = peak_of(p, pid, NULL);
	const struct hp_mem_reading *prev = NULL;
	uint32_t n = 0;
	int dir = 2;
	for (uint32_t i = 0; i < p->nmemory; i++) {
		const struct hp_mem_reading *m = &p->memory[i];
		if (m->pid != pid)
			continue;
		if (prev) {
			int64_t step = (int64_t)m->rss_bytes - (int64_t)prev->rss_bytes;
			int d = direction(step, peak);
			if (d != dir && n < max) {
				out[n++] = (struct hp_mem_phase){ prev->t_ns, m->t_ns, 0 };
				dir = d;
			}
			if (n) {
				out[n - 1].t_to = m->t_ns;
				out[n - 1].delta += step;
			}
		}
		prev = m;
	}
	return n;
}

#define MAX_PHASES_SHOWN 8

static int by_magnitude(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return x == y ? 0 : x > y ? -1 : 1;
}

static void print_process(FILE *out, const struct hp_profile *p, const struct hp_pprocess *proc)
{
	const struct hp_mem_reading *first = NULL, *last = NULL;
	struct hp_mem_phase phases[32];
	uint64_t when = 0, peak = peak_of(p, proc->pid, &when);
	for (uint32_t i = 0; i < p->nmemory; i++)
		if (p->memory[i].pid == proc->pid) {
			if (!first)
				first = &p->memory[i];
			last = &p->memory[i];
		}
	char safe[256];
	fprintf(out, "\nProcess %u (%s)\n", proc->pid,
		proc->comm ? textsafe(proc->comm, safe, sizeof(safe)) : "?");
	if (!first) {
		fprintf(out, "  no memory readings (it ran shorter than the interval)\n");
		return;
	}
	fprintf(out, "  RSS start %.1f MiB, peak %.1f MiB at %.3f s, end %.1f MiB",
		(double)first->rss_bytes / MIB, (double)peak / MIB, (double)when / 1e9,
		(double)last->rss_bytes / MIB);
	if (proc->peak_rss > 0)
		fprintf(out, "; high-water mark %.1f MiB", (double)proc->peak_rss / MIB);
	fputc('\n', out);
	uint32_t n = memreport_phases(p, proc->pid, phases, 32), shown = 0;
	/* A sawtooth (allocate, free, repeat) makes many phases: show the
	 * largest, in time order. */
	int64_t cut = 0;
	if (n > MAX_PHASES_SHOWN) {
		int64_t mags[32];
		for (uint32_t i = 0; i < n; i++)
			mags[i] = phases[i].delta < 0 ? -phases[i].delta : phases[i].delta;
		qsort(mags, n, sizeof(mags[0]), by_magnitude);
		cut = mags[MAX_PHASES_SHOWN - 1];
	}
	for (uint32_t i = 0; i < n; i++) {
		int64_t mag = phases[i].delta < 0 ? -phases[i].delta : phases[i].delta;
		if (!phases[i].delta || mag < cut || shown == MAX_PHASES_SHOWN)
			continue;
		shown++;
		fprintf(out, "  %8.3f - %8.3f s  %+9.1f MiB  %s\n", (double)phases[i].t_from / 1e9,
			(double)phases[i].t_to / 1e9, (double)phases[i].delta / MIB,
			direction(phases[i].delta, peak) > 0 ? "growth"
			: direction(phases[i].delta, peak) < 0 ? "release" : "");
	}
	if (n > shown && shown)
		fprintf(out, "  (%u smaller phases not shown; the timeline is in memory_timeline)\n",
			n - shown);
}

/* A frame of the program's own code: not a system library, not the kernel.
 * Memory first touched inside memset or malloc belongs to the caller. */
static int own_code(const struct hp_profile *p, uint32_t fi)
{
	const char *m = p->functions[fi].module;
	if (!m || m[0] == '[' || strstr(m, "libhpprof_alloc"))
		return 0;
	return strncmp(m, "/lib/", 5) && strncmp(m, "/usr/lib/", 9) && strncmp(m, "/lib64/", 7);
}

struct growth_line {
	uint32_t func, file, line;
	int64_t faults;
};

static int by_growth(const void *a, const void *b)
{
	const struct growth_line *x = a, *y = b;
	return x->faults == y->faults ? 0 : x->faults > y->faults ? -1 : 1;
}

/* Sampled faults per line of the program's own code: for each stack, the
 * innermost frame that is the program's, or the leaf when none is. */
static struct growth_line *growth_lines(const struct hp_profile *p, int e, uint32_t *n)
{
	struct growth_line *g = calloc(p->nstacks ? p->nstacks : 1, sizeof(*g));
	struct hp_hmap index;         /* (file, line, function) -> index in g */
	*n = 0;
	if (!g)
		return NULL;
	hmap_init(&index);
	for (uint32_t i = 0; i < p->nstacks; i++) {
		const struct hp_pstack *st = &p->stacks[i];
		if (st->c[e] <= 0 || !st->nframes)
			continue;
		uint32_t k = st->nframes - 1;
		while (k > 0 && !own_code(p, st->func[k]))
			k--;
		if (!own_code(p, st->func[k]))
			k = st->nframes - 1;
		const struct hp_sframe *fr = &st->frames[k];
		uint64_t key = hmap_key2(((uint64_t)fr->file << 32) | fr->line, st->func[k]);
		uint64_t j;
		if (!hmap_get(&index, key, &j)) {
			j = (*n)++;
			g[j] = (struct growth_line){ st->func[k], fr->file, fr->line, 0 };
			if (hmap_put(&index, key, j))
				break;
		}
		g[j].faults = hp_add_sat(g[j].faults, st->c[e]);
	}
	hmap_release(&index);
	qsort(g, *n, sizeof(*g), by_growth);
	return g;
}

static void print_growth_lines(FILE *out, const struct hp_profile *p, unsigned limit)
{
	int e = -1;
	uint32_t n;
	for (uint32_t i = 0; i < p->nevents; i++)
		if (!strcmp(p->events[i].role, "pagefault") && p->events[i].measured)
			e = (int)i;
	if (e < 0) {
		const char *mode = profile_meta(p, "sampling");
		fprintf(out, "\nLines that grew RSS: page faults were not sampled (%s)\n",
			mode && !strncmp(mode, "preload", 7) ? "the preload agent cannot sample them"
							       : "--fault-period 0");
		return;
	}
	struct growth_line *g = growth_lines(p, e, &n);
	if (!g)
		return;
	int64_t total = p->events[e].total > 0 ? p->events[e].total : 1;
	fprintf(out, "\nLines that grew RSS (first-touch page faults, sampled; library frames such"
		" as memset are charged to their caller)\n");
	fprintf(out, "%9s  %7s  %10s  %-28s  %s\n", "Faults", "Share%", "~MiB", "Location",
		"Function");
	for (uint32_t i = 0; i < n && (!limit || i < limit); i++) {
		char loc[64], sl[256], sf[1024];
		const char *base = stacks_basename(stacks_file(p->model, g[i].file));
		snprintf(loc, sizeof(loc), "%s:%u", base ? base : "??", g[i].line);
		fprintf(out, "%9" PRId64 "  %7.2f  %10.1f  %-28s  %s\n", g[i].faults,
			100.0 * (double)g[i].faults / (double)total, (double)g[i].faults * 4096.0 / MIB,
			textsafe(loc, sl, sizeof(sl)),
			textsafe(p->functions[g[i].func].name, sf, sizeof(sf)));
	}
	free(g);
}

struct site_print {
	FILE *out;
	unsigned limit, shown;
	int leaks;                    /* print only sites with leaked bytes */
	int peak;                     /* print only sites holding bytes at the peak */
};

static int print_site(void *ctx, const struct hp_alloc_site *a)
{
	struct site_print *sp = ctx;
	char loc[96], sl[384], sf[1024];
	if ((sp->leaks && !a->leaked_bytes) || (sp->peak && !a->peak_bytes))
		return 0;
	if (sp->limit && sp->shown >= sp->limit)
		return 1;
	const char *base = stacks_basename(a->file);
	snprintf(loc, sizeof(loc), "%s:%u", base ? base : "??", a->line);
	const char *l = textsafe(loc, sl, sizeof(sl));
	const char *f = a->function ? textsafe(a->function, sf, sizeof(sf)) : "?";
	if (sp->leaks)
		fprintf(sp->out, "%14" PRIu64 "  %9" PRIu64 "  %-28s  %s\n", a->leaked_bytes,
			a->leaked_allocs, l, f);
	else
		fprintf(sp->out, "%10" PRIu64 "  %14" PRIu64 "  %12" PRIu64 "  %9" PRIu64
			"  %-28s  %s\n", a->allocs, a->bytes, a->peak_bytes, a->temporary, l, f);
	sp->shown++;
	return 0;
}

static void print_allocations(FILE *out, const struct hp_profile *p, struct hp_store *st,
			      unsigned limit)
{
	const char *mode = profile_meta(p, "alloc_tracking");
	struct site_print sp = { out, limit, 0, 0, 0 };
	if (!mode) {
		fprintf(out, "\nAllocations: not tracked (run with --alloc)\n");
		return;
	}
	char sm[256], sc[64];
	fprintf(out, "\nAllocations (%s): %s calls, heap peak %.1f MiB at %.3f s\n",
		textsafe(mode, sm, sizeof(sm)),
		profile_meta(p, "alloc_count") ? textsafe(profile_meta(p, "alloc_count"), sc, sizeof(sc))
					       : "?",
		(double)strtoll(profile_meta(p, "heap_peak_bytes") ?
				profile_meta(p, "heap_peak_bytes") : "0", NULL, 10) / MIB,
		(double)strtoll(profile_meta(p, "heap_peak_t_ns") ?
				profile_meta(p, "heap_peak_t_ns") : "0", NULL, 10) / 1e9);
	fprintf(out, "%10s  %14s  %12s  %9s  %-28s  %s\n", "Allocs", "Bytes", "At peak", "Temporary",
		"Location", "Function");
	store_each_alloc_site(st, "bytes", print_site, &sp);
	fprintf(out, "\nHeld at the heap peak\n%10s  %14s  %12s  %9s  %-28s  %s\n", "Allocs",
		"Bytes", "At peak", "Temporary", "Location", "Function");
	sp = (struct site_print){ out, limit, 0, 0, 1 };
	store_each_alloc_site(st, "peak_bytes", print_site, &sp);
	fprintf(out, "\nLeaks (never freed before exit)\n%14s  %9s  %-28s  %s\n", "Bytes", "Blocks",
		"Location", "Function");
	sp = (struct site_print){ out, limit, 0, 1, 0 };
	store_each_alloc_site(st, "leaked_bytes", print_site, &sp);
	if (!sp.shown)
		fprintf(out, "%14s\n", "none");
}

int memreport_print(FILE *out, const struct hp_profile *p, struct hp_store *st, unsigned limit)
{
	fprintf(out, "Memory\n");
	for (uint32_t i = 0; i < p->nprocesses; i++)
		print_process(out, p, &p->processes[i]);
	print_growth_lines(out, p, limit);
	if (st)
		print_allocations(out, p, st, limit);
	return ferror(out) ? -1 : 0;
}

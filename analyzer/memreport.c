/*
 * memreport.c - memory report (memreport.h): the process tree with each
 * process's own peak, the RSS timeline of the largest processes, and the
 * lines that grew RSS. The allocation part is memreport_alloc.c.
 *
 * Growth phases: the timeline of one process is walked in order and cut
 * where the direction changes (rise, fall, flat); a step smaller than 1% of
 * the peak counts as flat, and adjacent phases of the same direction merge.
 *
 * First-touch faults are charged to the innermost frame of the program's
 * own code: a fault inside memset, memcpy, calloc or the kernel belongs to
 * the code that called them. Faults with a frame of hpprof's preload
 * library in their stack are hpprof's (its ring, its start-up, the
 * libraries it pulls in, such as liblzma) and are counted apart.
 */
#include "analyzer/memreport.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "analyzer/lineacc.h"
#include "analyzer/profile.h"
#include "common/store.h"
#include "common/satarith.h"
#include "common/textsafe.h"

#define MIB (1024.0 * 1024.0)

static int direction(int64_t step, uint64_t peak)
{
	int64_t flat = (int64_t)(peak / 100);
	return step > flat ? 1 : step < -flat ? -1 : 0;
}

/* pid's highest RSS reading (heap points carry a copy of an RSS reading,
 * so they are left out). */
static uint64_t peak_of(const struct hp_profile *p, uint32_t pid, uint64_t *when)
{
	uint64_t peak = 0;
	for (uint32_t i = 0; i < p->nmemory; i++)
		if (p->memory[i].pid == pid && p->memory[i].heap_bytes < 0 &&
		    p->memory[i].rss_bytes > peak) {
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
		if (m->pid != pid || m->heap_bytes >= 0)
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

static int by_magnitude(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return x == y ? 0 : x > y ? -1 : 1;
}

#define MAX_PHASES_SHOWN 8
#define DETAILED 3               /* processes whose timeline is summarized */

int64_t memreport_peak(const struct hp_profile *p, const struct hp_pprocess *proc)
{
	uint64_t seen = peak_of(p, proc->pid, NULL);
	if (proc->peak_rss > 0)
		return proc->peak_rss > (int64_t)seen ? proc->peak_rss : (int64_t)seen;
	return seen ? (int64_t)seen : -1;
}

/* The process with the largest own peak among those not yet shown (shown
 * may be NULL: all), or UINT32_MAX. */
static uint32_t largest_peak(const struct hp_profile *p, const uint8_t *shown)
{
	uint32_t best = UINT32_MAX;
	int64_t most = -1;
	for (uint32_t i = 0; i < p->nprocesses; i++) {
		int64_t v = memreport_peak(p, &p->processes[i]);
		if ((!shown || !shown[i]) && v > most) {
			most = v;
			best = i;
		}
	}
	return best;
}

uint32_t memreport_largest(const struct hp_profile *p)
{
	return largest_peak(p, NULL);
}

/* The process whose pid is pid (not i itself), or UINT32_MAX. */
static uint32_t index_of(const struct hp_profile *p, uint32_t pid, uint32_t i)
{
	for (uint32_t k = 0; k < p->nprocesses; k++)
		if (k != i && p->processes[k].pid == pid)
			return k;
	return UINT32_MAX;
}

static uint32_t place(const struct hp_profile *p, uint32_t i, uint32_t d, uint32_t *order,
		      uint32_t *depth, uint8_t *done, uint32_t n)
{
	done[i] = 1;
	order[n] = i;
	depth[n++] = d;
	/* processes[] is in start order: children come out in start order */
	for (uint32_t k = 0; k < p->nprocesses; k++)
		if (!done[k] && p->processes[k].ppid == p->processes[i].pid && k != i)
			n = place(p, k, d + 1, order, depth, done, n);
	return n;
}

uint32_t memreport_tree(const struct hp_profile *p, uint32_t *order, uint32_t *depth)
{
	uint8_t *done = calloc(p->nprocesses ? p->nprocesses : 1, 1);
	uint32_t n = 0;
	if (!done)
		return 0;
	for (uint32_t i = 0; i < p->nprocesses; i++)
		if (!done[i] && index_of(p, p->processes[i].ppid, i) == UINT32_MAX)
			n = place(p, i, 0, order, depth, done, n);
	for (uint32_t i = 0; i < p->nprocesses; i++)      /* a cycle of reused pids */
		if (!done[i])
			n = place(p, i, 0, order, depth, done, n);
	free(done);
	return n;
}

static void print_phases(FILE *out, const struct hp_profile *p, uint32_t pid, uint64_t peak)
{
	struct hp_mem_phase phases[32];
	uint32_t n = memreport_phases(p, pid, phases, 32), shown = 0;
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
		fprintf(out, "  (%u smaller phase%s not shown; the timeline is in memory_timeline)\n",
			n - shown, n - shown == 1 ? "" : "s");
}

/* A memory size as the tables show it: MiB with one decimal, KiB below
 * one MiB (a 12 KiB process read "0.0 MiB"), bytes below one KiB; "-"
 * when unknown. */
static const char *bytes_cell(char *buf, size_t len, int64_t v)
{
	if (v < 0)
		snprintf(buf, len, "-");
	else if (v < 1024)
		snprintf(buf, len, "%lld B", (long long)v);
	else if (v < MIB)
		snprintf(buf, len, "%.0f KiB", (double)v / 1024);
	else
		snprintf(buf, len, "%.1f MiB", (double)v / MIB);
	return buf;
}

static void print_process(FILE *out, const struct hp_profile *p, const struct hp_pprocess *proc)
{
	const struct hp_mem_reading *first = NULL, *last = NULL, *split = NULL;
	uint64_t when = 0, peak = peak_of(p, proc->pid, &when);
	for (uint32_t i = 0; i < p->nmemory; i++)
		if (p->memory[i].pid == proc->pid && p->memory[i].heap_bytes < 0) {
			if (!first)
				first = &p->memory[i];
			last = &p->memory[i];
			if (p->memory[i].split && p->memory[i].rss_bytes == peak && !split)
				split = &p->memory[i];
		}
	char safe[256];
	fprintf(out, "\nProcess %u (%s)\n", proc->pid,
		proc->comm ? textsafe(proc->comm, safe, sizeof(safe)) : "?");
	if (!first) {
		fprintf(out, "  no memory readings (it ran shorter than the interval)\n");
		return;
	}
	char b1[32], b2[32], b3[32];
	fprintf(out, "  RSS start %s, highest reading %s at %.3f s, end %s",
		bytes_cell(b1, sizeof(b1), first->rss_bytes), bytes_cell(b2, sizeof(b2), peak),
		(double)when / 1e9, bytes_cell(b3, sizeof(b3), last->rss_bytes));
	if (proc->peak_rss > 0)
		fprintf(out, "; own peak %s", bytes_cell(b1, sizeof(b1), proc->peak_rss));
	fputc('\n', out);
	if (split)
		fprintf(out, "  at that reading: anonymous %s, file %s, shared memory %s\n",
			bytes_cell(b1, sizeof(b1), split->rss_anon),
			bytes_cell(b2, sizeof(b2), split->rss_file),
			bytes_cell(b3, sizeof(b3), split->rss_shmem));
	print_phases(out, p, proc->pid, peak);
}


/* Which processes the tree shows under a --limit: the limit's largest own
 * peaks and their ancestors (the tree stays a tree). keep[i] = 1 for them. */
static void tree_keep(const struct hp_profile *p, unsigned limit, uint8_t *keep)
{
	uint32_t n = p->nprocesses;
	memset(keep, !limit || n <= limit, n);
	if (!limit || n <= limit)
		return;
	for (unsigned k = 0; k < limit; k++) {
		uint32_t best = largest_peak(p, keep);
		if (best == UINT32_MAX)
			break;
		keep[best] = 1;
	}
	for (uint32_t i = 0; i < n; i++) {
		uint32_t j = i, steps = 0;
		while (keep[i] && steps++ < n && (j = index_of(p, p->processes[j].ppid, j)) != UINT32_MAX
		       && !keep[j])
			keep[j] = 1;
	}
	if (!memchr(keep, 1, n))
		keep[0] = 1;               /* no peak known: the first process */
}

/* The tree: one line per process, its own peak and heap peak. */
static void print_tree(FILE *out, const struct hp_profile *p, unsigned limit)
{
	uint32_t *order = calloc(p->nprocesses + 1, sizeof(*order));
	uint32_t *depth = calloc(p->nprocesses + 1, sizeof(*depth));
	uint8_t *keep = calloc(p->nprocesses + 1, 1);
	uint32_t hidden = 0;
	if (!order || !depth || !keep)
		goto out;
	tree_keep(p, limit, keep);
	uint32_t n = memreport_tree(p, order, depth);
	fprintf(out, "Processes (each one's own peak RSS, never its children's)\n");
	fprintf(out, "%8s  %8s  %10s  %10s  %8s  %s\n", "PID", "PPID", "Peak RSS", "Heap peak",
		"Samples", "Command");
	for (uint32_t i = 0; i < n; i++) {
		const struct hp_pprocess *pr = &p->processes[order[i]];
		char rss[32], heap[32], safe[256];
		if (!keep[order[i]]) {
			hidden++;
			continue;
		}
		bytes_cell(rss, sizeof(rss), memreport_peak(p, pr));
		bytes_cell(heap, sizeof(heap), pr->heap_peak);
		fprintf(out, "%8u  %8u  %10s  %10s  %8" PRIu64 "  %*s%s\n", pr->pid, pr->ppid, rss,
			heap, pr->samples, (int)(depth[i] > 8 ? 16 : 2 * depth[i]), "",
			pr->comm ? textsafe(pr->comm, safe, sizeof(safe)) : "?");
	}
	if (hidden)
		fprintf(out, "  (%u more process%s not shown: -n 0 shows all)\n",
			hidden, hidden == 1 ? "" : "es");
out:
	free(keep);
	free(order);
	free(depth);
}

/* The processes whose timeline is summarized: the largest own peaks. */
static void print_largest(FILE *out, const struct hp_profile *p)
{
	uint8_t *shown = calloc(p->nprocesses ? p->nprocesses : 1, 1);
	if (!shown)
		return;
	for (int k = 0; k < DETAILED; k++) {
		uint32_t best = largest_peak(p, shown);
		if (best == UINT32_MAX)
			break;
		shown[best] = 1;
		print_process(out, p, &p->processes[best]);
	}
	if (p->nprocesses > DETAILED)
		fprintf(out, "  (the timeline%s of the %u other process%s %s in memory_timeline)\n",
			p->nprocesses - DETAILED == 1 ? "" : "s", p->nprocesses - DETAILED,
			p->nprocesses - DETAILED == 1 ? "" : "es",
			p->nprocesses - DETAILED == 1 ? "is" : "are");
	free(shown);
}

/* --- the lines that grew RSS --- */

static const char *frame_module(const struct hp_profile *p, const struct hp_sframe *fr)
{
	return stacks_basename(stacks_module(p->model, fr->module));
}

static int tool_module(const char *base)
{
	return base && !strncmp(base, "libhpprof_alloc", 15);
}

/* A library the preload library loaded (run_info preload_libraries holds
 * their sonames; a file name starts with its soname). */
static int tool_dep(const struct hp_profile *p, const char *base)
{
	const char *list = profile_meta(p, "preload_libraries");
	while (base && list && *list) {
		size_t n = strcspn(list, ",");
		if (n && !strncmp(base, list, n))
			return 1;
		list += n + (list[n] == ',');
	}
	return 0;
}

/* The C runtime, whose routines (memset, memcpy, malloc, calloc, operator
 * new) touch memory on behalf of their caller. */
static int runtime_module(const char *base)
{
	static const char *const prefixes[] = {
		"libc.so", "libc-", "ld-linux", "ld-", "libm.so", "libm-", "libpthread", "libdl.",
		"libdl-", "librt.", "librt-", "libstdc++", "libgcc_s", "libc++", "libc++abi",
		"libhpprof_alloc", "[",
	};
	if (!base)
		return 0;
	for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++)
		if (!strncmp(base, prefixes[i], strlen(prefixes[i])))
			return 1;
	return 0;
}

/* Functions of the preload library that only pass a call on: the
 * program's malloc runs the real one inside them, a thread's start routine
 * runs inside the agent's wrapper. What happens below them is the
 * program's. */
static int pass_through(const char *name)
{
	static const char *const hooks[] = {
		"malloc", "calloc", "realloc", "reallocarray", "free", "posix_memalign",
		"aligned_alloc", "memalign", "valloc", "pvalloc", "malloc_usable_size",
		"realloc_tracked", "boot_realloc", "pthread_create", "thread_main", "sigaction",
		"signal", "sigset", "bsd_signal", "sysv_signal",
	};
	size_t n = strcspn(name, ".");      /* "note_alloc.constprop.0" */
	for (size_t i = 0; i < sizeof(hooks) / sizeof(hooks[0]); i++)
		if (strlen(hooks[i]) == n && !strncmp(name, hooks[i], n))
			return 1;
	return 0;
}

int memreport_tool_stack(const struct hp_profile *p, const struct hp_pstack *s)
{
	for (uint32_t k = s->nframes; k-- > 0;)       /* the innermost frame of the library */
		if (tool_module(frame_module(p, &s->frames[k])))
			return !pass_through(p->functions[s->func[k]].name);
	return 0;
}

double memreport_tool_share(const struct hp_profile *p)
{
	uint64_t tool = 0;
	if (!profile_meta(p, "alloc_tracking") || !p->nsamples)
		return 0;
	for (uint32_t i = 0; i < p->nstacks; i++)
		if (p->stacks[i].nframes && memreport_tool_stack(p, &p->stacks[i]))
			tool += p->stacks[i].samples;
	return (double)tool / (double)p->nsamples;
}

const char *memreport_untracked_note(const struct hp_profile *p, char *buf, size_t len)
{
	const char *n = profile_meta(p, "alloc_untracked");
	const char *first = profile_meta(p, "alloc_untracked_first");
	long long k = n ? atoll(n) : 0;
	if (k <= 0)
		return NULL;
	snprintf(buf, len, "allocations not tracked in %lld process image%s%s%s%s: the preload"
		 " library was not loaded into %s (an environment without LD_PRELOAD, a static"
		 " program); the heap figures leave %s out", k, k > 1 ? "s" : "",
		 first ? " (the first: " : "", first ? first : "", first ? ")" : "",
		 k > 1 ? "them" : "it", k > 1 ? "them" : "it");
	return buf;
}

int memreport_own_frame(const struct hp_profile *p, const struct hp_pstack *s, uint32_t k)
{
	const struct hp_sframe *fr = &s->frames[k];
	const char *base = frame_module(p, fr);
	if (fr->kind == HP_FRAME_PYTHON)
		return 1;                           /* the program's own Python code */
	return fr->kind == HP_FRAME_USER && fr->module && !runtime_module(base) &&
	       !tool_dep(p, base);
}

/* Whether a stack with no frame of the program's own runs in a library
 * the preload library loaded, in its initializer run by the loader (a
 * frame of ld.so's). A program may use that library itself: xz's worker
 * threads run in liblzma, which libunwind also needs; until wave 17 their
 * faults (96.5% of xz -9 -T2's under --alloc) were counted hpprof's own. */
static int tool_dep_stack(const struct hp_profile *p, const struct hp_pstack *s)
{
	int dep = 0, loader = 0;
	for (uint32_t k = 0; k < s->nframes; k++) {
		const char *base = frame_module(p, &s->frames[k]);
		dep |= tool_dep(p, base);
		loader |= base && (!strncmp(base, "ld-linux", 8) || !strncmp(base, "ld-", 3));
	}
	return dep && loader;
}

const char *memreport_line_location(const struct hp_profile *p, const struct hp_lineacc_row *r,
				    char *buf, size_t len)
{
	char loc[96];
	const char *base = stacks_basename(stacks_file(p->model, r->file));
	snprintf(loc, sizeof(loc), "%s:%u", base ? base : "??", r->line);
	const char *safe = textsafe(loc, buf, len);   /* loc itself when it needs no escape */
	if (safe != buf)
		snprintf(buf, len, "%s", safe);
	return buf;
}

/* Sampled faults (event e) per line of the program's own code, summed
 * into acc's column 0 and sorted: for each stack, the innermost frame that
 * is the program's, or the leaf when none is; the preload library's stacks
 * go to *tool. Returns 0 or -ENOMEM. */
static int growth_lines(const struct hp_profile *p, int e, struct hp_lineacc *acc, int64_t *tool)
{
	*tool = 0;
	for (uint32_t i = 0; i < p->nstacks; i++) {
		const struct hp_pstack *st = &p->stacks[i];
		if (st->c[e] <= 0 || !st->nframes)
			continue;
		if (memreport_tool_stack(p, st)) {
			*tool = hp_add_sat(*tool, st->c[e]);
			continue;
		}
		int py = memreport_python_frame(st);   /* a Python program's line first */
		uint32_t k = py >= 0 ? (uint32_t)py : st->nframes - 1;
		while (py < 0 && k > 0 && !memreport_own_frame(p, st, k))
			k--;
		if (py < 0 && !memreport_own_frame(p, st, k)) {
			if (tool_dep_stack(p, st)) {
				*tool = hp_add_sat(*tool, st->c[e]);
				continue;
			}
			k = st->nframes - 1;
		}
		const struct hp_sframe *fr = &st->frames[k];
		if (lineacc_add(acc, st->func[k], fr->file, fr->line, &st->c[e], 1))
			return -ENOMEM;
	}
	lineacc_sort(acc, 0);
	return 0;
}

static void print_growth_lines(FILE *out, const struct hp_profile *p, unsigned limit)
{
	int e = -1;
	int64_t tool;
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
	struct hp_lineacc acc;
	lineacc_init(&acc);
	if (growth_lines(p, e, &acc, &tool)) {
		lineacc_release(&acc);
		return;
	}
	const struct hp_lineacc_row *g = acc.rows;
	uint32_t n = acc.n;
	int64_t total = p->events[e].total > 0 ? p->events[e].total : 1;
	fprintf(out, "\nLines that grew RSS (first-touch page faults, sampled; a fault in memset,"
		" memcpy, calloc or the kernel is charged to the program's code that called it)\n");
	fprintf(out, "%9s  %7s  %10s  %-28s  %s\n", "Faults", "Share%", "~MiB", "Location",
		"Function");
	for (uint32_t i = 0; i < n && (!limit || i < limit); i++) {
		char sl[384], sf[1024];
		fprintf(out, "%9" PRId64 "  %7.2f  %10.1f  %-28s  %s\n", g[i].v[0],
			100.0 * (double)g[i].v[0] / (double)total, (double)g[i].v[0] * 4096.0 / MIB,
			memreport_line_location(p, &g[i], sl, sizeof(sl)),
			textsafe(p->functions[g[i].func].name, sf, sizeof(sf)));
	}
	if (tool)
		fprintf(out, "%9" PRId64 "  %7.2f  %10.1f  hpprof's own (its preload library: ring,"
			" start-up, libraries it loads)\n", tool, 100.0 * (double)tool / (double)total,
			(double)tool * 4096.0 / MIB);
	lineacc_release(&acc);
}

int memreport_print(FILE *out, const struct hp_profile *p, struct hp_store *st, unsigned limit)
{
	fprintf(out, "Memory\n\n");
	print_tree(out, p, limit);
	print_largest(out, p);
	print_growth_lines(out, p, limit);
	if (st)
		memreport_allocations(out, p, st, limit);
	return ferror(out) ? -1 : 0;
}

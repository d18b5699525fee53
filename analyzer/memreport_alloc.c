/*
 * memreport_alloc.c - the allocation part of `hpprof report --memory`
 * (memreport.h): totals with heaptrack's definitions, the allocation sites
 * (the alloc_sites view: the line that called malloc & co), the callers of
 * each site, the sites holding memory at the heap peak, the leaks, and what
 * the tracker itself cost.
 *
 * The callers are the profile's allocation weights (profile.h,
 * alloc_weights) in the one call tree (calltree.h), bottom-up: its roots
 * are the functions that called the allocator (a wrapper such as xmalloc),
 * their children the functions that called those, each with the bytes and
 * calls that came through it. Nothing here rebuilds stacks.
 */
#include "analyzer/memreport.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "analyzer/calltree.h"
#include "analyzer/profile.h"
#include "common/store.h"
#include "common/textsafe.h"

#define MIB (1024.0 * 1024.0)
#define CALLER_DEPTH 4           /* levels of callers below a site */
#define CALLER_FANOUT 6          /* callers shown per node */

struct site_print {
	FILE *out;
	unsigned limit, shown;
	int leaks;                    /* print only sites with leaked bytes */
	int peak;                     /* print only sites holding bytes at the peak */
	uint64_t sites, bytes, blocks; /* leaks: every leaking site's, shown or not */
};

static int print_site(void *ctx, const struct hp_alloc_site *a)
{
	struct site_print *sp = ctx;
	char loc[96], sl[384], sf[1024];
	if ((sp->leaks && !a->leaked_bytes) || (sp->peak && !a->peak_bytes))
		return 0;
	if (sp->leaks) {              /* the total counts the sites not shown too */
		sp->sites++;
		sp->bytes += a->leaked_bytes;
		sp->blocks += a->leaked_allocs;
	}
	if (sp->limit && sp->shown >= sp->limit)
		return !sp->leaks;
	const char *base = stacks_basename(a->file);
	snprintf(loc, sizeof(loc), "%s:%u", base ? base : "??", a->line);
	const char *l = textsafe(loc, sl, sizeof(sl));     /* untrusted names (textsafe.h) */
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

static int64_t meta_int(const struct hp_profile *p, const char *key, int64_t dflt)
{
	const char *v = profile_meta(p, key);
	return v ? strtoll(v, NULL, 10) : dflt;
}

/* --- callers --- */

struct callers {
	FILE *out;
	const struct hp_profile *p;
	const struct hp_calltree *t;
	int bytes, calls;             /* profile columns */
};

static int by_bytes(const void *a, const void *b, void *ctx)
{
	const struct callers *c = ctx;
	const struct hp_cnode *x = &c->t->nodes[*(const uint32_t *)a];
	const struct hp_cnode *y = &c->t->nodes[*(const uint32_t *)b];
	if (x->c[c->bytes] != y->c[c->bytes])
		return x->c[c->bytes] > y->c[c->bytes] ? -1 : 1;
	return strcmp(c->p->functions[x->func].name, c->p->functions[y->func].name);
}

/* The children of node, most bytes first (malloc'ed; NULL when none). */
static uint32_t *sorted_children(const struct callers *c, uint32_t node, uint32_t *n)
{
	uint32_t *kids = malloc((c->t->nodes[node].nchildren + 1) * sizeof(*kids));
	*n = 0;
	if (!kids)
		return NULL;
	for (uint32_t k = c->t->nodes[node].first_child; k != HP_CT_NONE;
	     k = c->t->nodes[k].next_sibling)
		kids[(*n)++] = k;
	qsort_r(kids, *n, sizeof(*kids), by_bytes, (void *)c);
	return kids;
}

/* 1 when another root of the tree has the name of root's function (the
 * same allocator wrapper, e.g. libiberty's xmalloc, linked into several
 * programs of a process tree): its rows then name their module. */
static int name_shared(const struct callers *c, const uint32_t *roots, uint32_t n, uint32_t root)
{
	const char *name = c->p->functions[c->t->nodes[root].func].name;
	for (uint32_t i = 0; i < n; i++)
		if (roots[i] != root && !strcmp(c->p->functions[c->t->nodes[roots[i]].func].name, name))
			return 1;
	return 0;
}

static void print_caller(const struct callers *c, uint32_t node, uint32_t depth, int64_t root,
			 int qualify)
{
	const struct hp_cnode *n = &c->t->nodes[node];
	const struct hp_pfunc *f = &c->p->functions[n->func];
	uint32_t nk, shown = 0, *kids;
	char sf[1024], sm[512];
	const char *mod = f->module ? strrchr(f->module, '/') : NULL;
	fprintf(c->out, "%14" PRId64 "  %10" PRId64 "  %*s%s%s", n->c[c->bytes], n->c[c->calls],
		(int)(2 * depth), "", depth ? "<- " : "", textsafe(f->name, sf, sizeof(sf)));
	if (qualify && f->module)
		fprintf(c->out, " (%s)", textsafe(mod ? mod + 1 : f->module, sm, sizeof(sm)));
	fputc('\n', c->out);
	if (depth >= CALLER_DEPTH)
		return;
	if (!(kids = sorted_children(c, node, &nk)))
		return;
	for (uint32_t i = 0; i < nk; i++) {
		const struct hp_cnode *k = &c->t->nodes[kids[i]];
		if (shown == CALLER_FANOUT || k->c[c->bytes] * 100 < root) {
			int64_t rest = 0;
			for (uint32_t j = i; j < nk; j++)
				rest += c->t->nodes[kids[j]].c[c->bytes];
			fprintf(c->out, "%14" PRId64 "  %10s  %*s<- (%u other caller%s)\n", rest, "",
				(int)(2 * depth + 2), "", nk - i, nk - i == 1 ? "" : "s");
			break;
		}
		print_caller(c, kids[i], depth + 1, root, 0);
		shown++;
	}
	free(kids);
}

/* Who called each allocation site, bottom-up, by bytes allocated. */
static void print_callers(FILE *out, const struct hp_profile *p, unsigned limit)
{
	struct callers c = { out, p, NULL, profile_event_index(p, "alloc-bytes"),
			     profile_event_index(p, "allocs") };
	struct hp_calltree_opts o;
	struct hp_calltree *t = NULL;
	uint32_t n, *roots;
	if (c.bytes < 0 || c.calls < 0)
		return;
	calltree_opts_init(&o);
	o.kind = HP_CALLTREE_BOTTOM_UP;
	o.weighted_only = 1;
	o.weight = c.calls;
	if (calltree_build(p, &o, &t))
		return;
	c.t = t;
	fprintf(out, "\nCallers of the allocation sites (bottom-up: the function that called the"
		" allocator, then who called it; bytes and calls through each)\n");
	fprintf(out, "%14s  %10s  %s\n", "Bytes", "Allocs", "Function");
	if ((roots = sorted_children(&c, 0, &n)))
		for (uint32_t i = 0; i < n && (!limit || i < limit); i++)
			print_caller(&c, roots[i], 0, t->nodes[roots[i]].c[c.bytes],
				     name_shared(&c, roots, n, roots[i]));
	free(roots);
	calltree_free(t);
}

/* --- what the tracker cost --- */

static void print_tracker(FILE *out, const struct hp_profile *p)
{
	int64_t bytes = meta_int(p, "alloc_stream_bytes", -1);
	int64_t events = meta_int(p, "alloc_stream_events", -1);
	int64_t target = meta_int(p, "alloc_target_bytes", -1);
	int64_t own = meta_int(p, "hpprof_peak_rss_bytes", -1);
	if (bytes < 0 || events <= 0)
		return;
	fprintf(out, "\nThe tracker itself: %" PRId64 " stream bytes for %" PRId64 " events (%.1f"
		" bytes per event, whole stacks kept)", bytes, events, (double)bytes / (double)events);
	if (target >= 0)
		fprintf(out, "; at most %.1f MiB resident in a target (not its own memory)",
			(double)target / MIB);
	if (own > 0)
		fprintf(out, "; hpprof's own peak RSS %.1f MiB", (double)own / MIB);
	fputc('\n', out);
}

/* How often and how long the target's allocation hooks waited for room in
 * the stream's ring (hpprof reading too slowly): only when the run
 * measured it (a run before the count existed has no line). */
static void print_waits(FILE *out, const struct hp_profile *p)
{
	int64_t waits = meta_int(p, "alloc_writer_waits", -1);
	int64_t ns = meta_int(p, "alloc_writer_wait_ns", -1);
	if (waits < 0 || ns < 0)
		return;
	fprintf(out, "  the target waited for room in the stream %" PRId64 " time%s, %.3f s in all"
		" (hpprof reading behind)\n", waits, waits == 1 ? "" : "s", (double)ns / 1e9);
}

void memreport_allocations(FILE *out, const struct hp_profile *p, struct hp_store *st,
			   unsigned limit)
{
	const char *mode = profile_meta(p, "alloc_tracking");
	struct site_print sp = { out, limit, 0, 0, 0, 0, 0, 0 };
	if (!mode) {
		fprintf(out, "\nAllocations: not tracked (run with --alloc)\n");
		return;
	}
	char sm[256], sc[64];
	const char *count = profile_meta(p, "alloc_count");
	/* sampled (--alloc-sample): the calls counted are the sampled ones,
	 * the bytes estimates of all */
	int sampled = !strcmp(mode, "sampled");
	fprintf(out, "\nAllocations (%s): %s calls%s, %" PRId64 " temporary, heap peak %.1f MiB at"
		" %.3f s", textsafe(mode, sm, sizeof(sm)), count ? textsafe(count, sc, sizeof(sc)) : "?",
		sampled ? " sampled (Allocs: sampled calls; Bytes: estimates of all)" : "",
		meta_int(p, "alloc_temporary", 0), (double)meta_int(p, "heap_peak_bytes", 0) / MIB,
		(double)meta_int(p, "heap_peak_t_ns", 0) / 1e9);
	if (profile_meta(p, "heap_peak_pid"))
		fprintf(out, " (pid %s)", textsafe(profile_meta(p, "heap_peak_pid"), sc, sizeof(sc)));
	fputc('\n', out);
	print_waits(out, p);
	fprintf(out, "  heaptrack's definitions, per process: at peak = held when its heap in use"
		" was highest; temporary = a free right after the last allocation (no free between)"
		" when that allocation had the block's stack and size; leaked = never freed\n");
	fprintf(out, "%10s  %14s  %12s  %9s  %-28s  %s\n", "Allocs", "Bytes", "At peak", "Temporary",
		"Location", "Function");
	store_each_alloc_site(st, "bytes", print_site, &sp);
	memreport_python_allocations(out, p, limit);
	print_callers(out, p, limit);
	fprintf(out, "\nHeld at the heap peak\n%10s  %14s  %12s  %9s  %-28s  %s\n", "Allocs",
		"Bytes", "At peak", "Temporary", "Location", "Function");
	sp = (struct site_print){ out, limit, 0, 0, 1, 0, 0, 0 };
	store_each_alloc_site(st, "peak_bytes", print_site, &sp);
	fprintf(out, "\nLeaks (never freed before exit)\n%14s  %9s  %-28s  %s\n", "Bytes", "Blocks",
		"Location", "Function");
	sp = (struct site_print){ out, limit, 0, 1, 0, 0, 0, 0 };
	store_each_alloc_site(st, "leaked_bytes", print_site, &sp);
	if (!sp.shown)
		fprintf(out, "%14s\n", "none");
	else
		fprintf(out, "%14" PRIu64 "  %9" PRIu64 "  total of %" PRIu64 " site%s (%.1f MiB;"
			" heaptrack's \"total memory leaked\")\n", sp.bytes, sp.blocks, sp.sites,
			sp.sites == 1 ? "" : "s", (double)sp.bytes / MIB);
	print_tracker(out, p);
}

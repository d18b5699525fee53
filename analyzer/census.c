/*
 * census.c - complete stacks, the one definition (census.h): counted once
 * at the end of a run from each sample's unwind end and its stack's
 * frames, described by one function for run, report and tui.
 *
 * Takes: a loaded profile's stacks (their samples per unwind end) and
 * frames. Produces: struct hp_census and its description.
 */
#include "analyzer/census.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyzer/profile.h"
#include "analyzer/stacks.h"
#include "common/hmap.h"
#include "common/record.h"
#include "common/store.h"

/* Where programs and threads start: the C runtime's entry and start-up
 * (glibc, musl), main, the thread trampolines, Go's runtime. A stack that
 * contains one of them holds every frame of the program above it. */
static const char *const entries[] = {
	"_start", "_start_c", "__libc_start_main", "__libc_start_call_main",
	"__libc_start_main_impl", "main", "clone", "clone3", "__clone", "__clone3",
	"__GI___clone", "__GI___clone3", "start_thread", "__pthread_start",
	"runtime.goexit", "runtime.rt0_go", "runtime.mstart",
};

int census_is_entry(const char *name)
{
	size_t len = strcspn(name, "@");      /* versioned: __libc_start_main@GLIBC_2.2.5 */
	for (size_t i = 0; i < sizeof(entries) / sizeof(entries[0]); i++)
		if (strlen(entries[i]) == len && !strncmp(name, entries[i], len))
			return 1;
	return 0;
}

struct counting {
	struct hp_stacks *model;
	struct hp_census *c;
	struct hp_hmap named;          /* stack id + 1 -> 1 + (has an entry function) */
	int err;
};

static int stack_has_entry(struct counting *k, uint32_t stack_id)
{
	uint64_t v;
	if (hmap_get(&k->named, (uint64_t)stack_id + 1, &v))
		return (int)v - 1;
	const struct hp_sframe *f;
	uint32_t n = 0;
	int found = 0;
	if (stack_id && stacks_expand(k->model, stack_id, &f, &n) < 0) {
		k->err = -ENOMEM;
		return 0;
	}
	for (uint32_t i = 0; i < n && !found; i++)
		found = f[i].kind == HP_FRAME_USER &&
			census_is_entry(stacks_func_name(k->model, f[i].func));
	if (hmap_put(&k->named, (uint64_t)stack_id + 1, 1 + (uint64_t)found))
		k->err = -ENOMEM;
	return found;
}

int census_of_profile(const struct hp_profile *p, struct hp_census *out)
{
	struct counting k = { .model = p->model, .c = out };
	memset(out, 0, sizeof(*out));
	hmap_init(&k.named);
	for (uint32_t i = 0; i < p->nstacks && !k.err; i++) {
		const struct hp_pstack *s = &p->stacks[i];
		if (!s->samples)
			continue;
		/* census.h's rule, per stack: its samples and how each one's unwinding ended */
		out->samples += (int64_t)s->samples;
		out->joined += (int64_t)s->end_joined;
		if (stack_has_entry(&k, s->id)) {
			out->complete += (int64_t)s->samples;
		} else {
			/* a joined stack ends where its partner did: the outermost frame */
			out->complete += (int64_t)(s->end_outermost + s->end_joined);
			out->cut += (int64_t)s->end_cut;
			out->hole += (int64_t)s->end_hole;
		}
	}
	hmap_release(&k.named);
	return k.err;
}

/* The run_info figures through get (a key's integer, else dflt). */
static void census_from(int64_t (*get)(void *src, const char *key, int64_t dflt), void *src,
			struct hp_census *out)
{
	out->samples = get(src, "samples", -1);
	out->complete = get(src, "complete_stacks", -1);
	out->cut = get(src, "cut_stacks", 0);
	out->hole = get(src, "hole_stacks", 0);
	out->joined = get(src, "joined_stacks", 0);
	out->stack_size = get(src, "stack_size", 0);
}

static int64_t profile_int(void *p, const char *key, int64_t dflt)
{
	const char *v = profile_meta(p, key);
	return v && *v ? strtoll(v, NULL, 10) : dflt;
}

static int64_t store_int(void *st, const char *key, int64_t dflt)
{
	return store_get_meta_int(st, key, dflt);
}

void census_from_profile(const struct hp_profile *p, struct hp_census *out)
{
	census_from(profile_int, (void *)p, out);
}

void census_from_store(struct hp_store *st, struct hp_census *out)
{
	census_from(store_int, st, out);
}

void census_shown(const struct hp_profile *p, int selected, struct hp_census *out)
{
	struct hp_census sel;
	census_from_profile(p, out);
	if (!selected || census_of_profile(p, &sel))
		return;
	sel.stack_size = out->stack_size;
	*out = sel;
}

/* n of all as a percentage rounded to one decimal, but never to 0.0 or
 * 100.0 unless it is exactly that. */
static double shown_pct(int64_t n, int64_t all)
{
	double p = 100.0 * (double)n / (double)all;
	if (n < all && p >= 99.95)
		return 99.9;
	if (n > 0 && p < 0.05)
		return 0.1;
	return p;
}

double census_complete_pct(const struct hp_census *c)
{
	if (c->samples <= 0 || c->complete < 0)
		return -1;
	return shown_pct(c->complete, c->samples);
}

/* "16 KiB", "64 KiB" (65528 bytes, the kernel's maximum), "12000 bytes" */
static void kib(int64_t bytes, char *buf, size_t n)
{
	int64_t k = (bytes + 512) / 1024;
	if (k > 0 && llabs(bytes - k * 1024) < 16)
		snprintf(buf, n, "%lld KiB", (long long)k);
	else
		snprintf(buf, n, "%lld bytes", (long long)bytes);
}

const char *census_describe(const struct hp_census *c, char *buf, size_t n)
{
	return census_describe_defined(c, "", buf, n);
}

const char *census_describe_defined(const struct hp_census *c, const char *definition,
				    char *buf, size_t n)
{
	char size[32];
	double p = census_complete_pct(c);
	if (p < 0) {
		snprintf(buf, n, "complete stacks: n/a (%s)%s",
			 c->samples == 0 ? "no samples" : "not recorded in this file", definition);
		return buf;
	}
	int len = snprintf(buf, n, "%.1f%% complete stacks%s", p, definition);
	if (c->cut > 0 && len >= 0 && (size_t)len < n) {
		kib(c->stack_size, size, sizeof(size));
		len += snprintf(buf + len, n - (size_t)len, ", %.1f%% cut by the %s stack copy",
				shown_pct(c->cut, c->samples), size);
	}
	if (c->hole > 0 && len >= 0 && (size_t)len < n)
		snprintf(buf + len, n - (size_t)len,
			 ", %.1f%% stopped at a stack page the kernel could not copy",
			 shown_pct(c->hole, c->samples));
	return buf;
}

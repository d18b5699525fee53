/*
 * fuzz_readers.c - every reader of a profile on one database (fuzz_readers.h).
 */
#include "fuzz_readers.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "analyzer/annotate.h"
#include "analyzer/calltree.h"
#include "analyzer/diff.h"
#include "analyzer/export.h"
#include "analyzer/memreport.h"
#include "analyzer/profile.h"
#include "analyzer/report.h"
#include "analyzer/timeline.h"
#include "common/log.h"
#include "common/store.h"

static char scratch[256];

static void remove_scratch(void)
{
	static const char *const names[] = { "input.db", "merged.db", "base.db" };
	char path[300];
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", scratch, names[i]);
		store_unlink(path);
	}
	rmdir(scratch);
}

void fuzz_path(char *buf, size_t len, const char *name)
{
	if (!scratch[0]) {
		const char *tmp = getenv("TMPDIR");
		const char *base = !access("/dev/shm", W_OK) ? "/dev/shm" : tmp && *tmp ? tmp : "/tmp";
		snprintf(scratch, sizeof(scratch), "%s/hpprof-fuzz.%d", base, (int)getpid());
		mkdir(scratch, 0700);
		atexit(remove_scratch);
		hp_quiet = 1;
	}
	snprintf(buf, len, "%s/%s", scratch, name);
}

int fuzz_write_file(const char *path, const uint8_t *data, size_t size)
{
	store_unlink(path);
	FILE *f = fopen(path, "wb");
	if (!f)
		return -1;
	int ok = fwrite(data, 1, size, f) == size;
	return fclose(f) == 0 && ok ? 0 : -1;
}

unsigned fuzz_selector(const uint8_t *data, size_t size)
{
	unsigned h = 2166136261u;
	for (size_t i = 0; i < size; i++)
		h = (h ^ data[i]) * 16777619u;
	return h & 0x7fffffffu;
}

/* Variant k of n runs for sel: always for sel = ~0u, else the one chosen. */
static int pick(unsigned sel, unsigned salt, unsigned n, unsigned k)
{
	return sel == ~0u || (sel / salt) % n == k;
}

static void reports(FILE *null, const struct hp_profile *p, struct hp_store *st, unsigned sel)
{
	static const enum hp_report_format fmts[] = { HP_REPORT_TEXT, HP_REPORT_CSV,
						      HP_REPORT_JSON };
	for (unsigned i = 0; i < 3; i++) {
		struct hp_report_opts o = { fmts[i], 0, NULL };
		if (pick(sel, 1, 3, i))
			report_print(null, p, &o);
	}
	if (p->nevents) {
		struct hp_report_opts o = { HP_REPORT_TEXT, 5, p->events[0].name };
		report_print(null, p, &o);
	}
	memreport_print(null, p, st, 0);
}

static void exports(FILE *null, const struct hp_profile *p, struct hp_store *st, unsigned sel)
{
	for (unsigned f = 0; f < HP_EXPORT_NFORMATS; f++) {
		struct hp_export_opts o = { (enum hp_export_format)f, NULL, NULL, NULL };
		if (!pick(sel, 3, HP_EXPORT_NFORMATS, f))
			continue;
		export_write(null, st, p, &o);
		if (p->nevents && pick(sel, 3 * HP_EXPORT_NFORMATS, 2, 1)) {
			o.weight = p->events[p->nevents - 1].name;
			export_write(null, st, p, &o);
		}
	}
}

static void annotations(FILE *null, const struct hp_profile *p)
{
	uint32_t *order = profile_functions_by_self(p);
	for (uint32_t i = 0; order && i < p->nfunctions && i < 3; i++) {
		struct hp_annotation *a;
		if (!annotate_function(p, order[i], &a)) {
			fprintf(null, "%s %u\n", a->function, a->nlines);
			annotate_free(a);
		}
		annotate_find_function(p, p->functions[order[i]].name);
	}
	free(order);
}

static void trees(const struct hp_profile *p, unsigned sel)
{
	struct hp_calltree_opts o;
	struct hp_calltree *t;
	calltree_opts_init(&o);
	for (unsigned kind = 0; kind < 2; kind++) {
		o.kind = (enum hp_calltree_kind)kind;
		if (pick(sel, 7, 2, kind) && !calltree_build(p, &o, &t))
			calltree_free(t);
	}
}

static void diffs(FILE *null, const struct hp_profile *p, unsigned sel)
{
	struct hp_diff_opts o;
	struct hp_diff *d;
	diff_opts_init(&o);
	for (unsigned by = 0; by < 2; by++) {
		o.by = (enum hp_diff_by)by;
		if (!pick(sel, 11, 2, by) || diff_pair(p, p, &o, &d))
			continue;
		for (unsigned f = 0; f < 3; f++) {
			struct hp_diff_print_opts po = { (enum hp_diff_format)f, 0, "all", "a", "b" };
			if (pick(sel, 13, 3, f))
				diff_print(null, d, &po);
		}
		diff_free(d);
	}
}

static void merged(const char *path)
{
	char out[300];
	struct hp_store *st;
	const char *in[1] = { path };
	uint64_t samples[1];
	fuzz_path(out, sizeof(out), "merged.db");
	store_unlink(out);
	if (store_create(out, &st))
		return;
	store_merge(st, in, 1, samples, NULL);
	store_close(st);
	store_unlink(out);
}

void fuzz_read_database(const char *path, unsigned sel)
{
	FILE *null = fopen("/dev/null", "w");
	struct hp_store *st;
	struct hp_profile *p;
	struct hp_timeline *tl;
	if (!null)
		abort();
	if (store_open(path, 0, &st)) {
		fclose(null);
		return;
	}
	if (!profile_load(st, NULL, &p)) {
		reports(null, p, st, sel);
		exports(null, p, st, sel);
		annotations(null, p);
		trees(p, sel);
		diffs(null, p, sel);
		if (!timeline_load(st, p->duration_ns, 64, &tl))
			timeline_free(tl);
		struct hp_profile_filter f = { p->t_first, p->t_last, p->nthreads ? p->threads[0].tid : 0, 0 };
		profile_free(p);
		if (!profile_load(st, &f, &p))
			profile_free(p);
	}
	store_close(st);
	if (pick(sel, 17, 4, 0))
		merged(path);
	fclose(null);
}

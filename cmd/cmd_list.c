/*
 * cmd_list.c - `hpprof list`: the events this machine can measure.
 *
 * Groups: perf's generic hardware, hardware cache and software events, then
 * the PMU-specific events libpfm4 knows for the PMUs it detects here. Every
 * event is resolved and probed (collector/events) and marked `available`,
 * or `n/a [k]` where note k below the list gives the reason once. By
 * default a PMU's own events are summarized in one line; --all lists every
 * libpfm4 name with its description and unit masks.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cmd/cmd.h"
#include "cmd/cmd_util.h"
#include "collector/events.h"
#include "common/error.h"
#include "common/log.h"
#include "common/textsafe.h"

#define MAX_NOTES 32

/* Reasons printed once at the end, numbered in order of first use. */
struct list_notes {
	char text[MAX_NOTES][HP_EVENT_REASON_MAX];
	int n;
};

struct list_ctx {
	FILE *out;
	int all;                 /* --all */
	unsigned plm;
	int last_cls;            /* heading printed for this class; -1 none */
	struct list_notes notes;
	/* the PMU being summarized (short mode) */
	char pmu[64], pmu_desc[128];
	int pmu_total, pmu_ok;
	unsigned pmu_notes;      /* bit k-1: note k applies to some of its events */
	int pmus;                /* PMUs seen */
};

static const char *const class_heading[] = {
	[HP_EVCLASS_HARDWARE] = "Hardware events (perf generic)",
	[HP_EVCLASS_CACHE]    = "Hardware cache events (perf generic)",
	[HP_EVCLASS_SOFTWARE] = "Software events",
	[HP_EVCLASS_PMU]      = "PMU-specific events (libpfm4)",
};

static void usage(FILE *f)
{
	fprintf(f,
		"usage: hpprof list [--all]\n"
		"\n"
		"List the events this machine can measure, grouped: hardware (perf's generic\n"
		"names), hardware cache, software, and the PMU-specific events libpfm4 knows\n"
		"for the PMUs it detects. Each is marked `available` when perf_event_open\n"
		"accepts it here, or `n/a [k]` with the reason in note k below the list.\n"
		"\n"
		"      --all    list every libpfm4 event of every detected PMU, with its\n"
		"               description and unit masks (default: one line per PMU)\n"
		"  -h, --help   show this help\n");
}

/* Note number (1-based) for reason; 0 when the table is full. */
static int note_for(struct list_notes *notes, const char *reason)
{
	for (int i = 0; i < notes->n; i++)
		if (!strcmp(notes->text[i], reason))
			return i + 1;
	if (notes->n == MAX_NOTES)
		return 0;
	snprintf(notes->text[notes->n], sizeof(notes->text[0]), "%s", reason);
	return ++notes->n;
}

/* A note for a name libpfm4 cannot encode: the cause without the name
 * ("invalid event 'X': invalid or missing unit mask"), so that one note
 * serves every event with the same cause. */
static const char *encode_cause(const char *error, char *buf, size_t len)
{
	const char *cause = strstr(error, "': ");
	snprintf(buf, len, "libpfm4 cannot encode it: %.120s", cause ? cause + 3 : error);
	return buf;
}

/* Resolve and probe one name. Returns 1 when it can open, else 0 with
 * the reason's note number in *note. */
static int probe_name(struct list_ctx *lc, const char *name, int *note)
{
	struct hp_event_set set;
	char cause[HP_EVENT_REASON_MAX];
	int ok = 0;
	events_init(&set);
	if (events_add(&set, name, lc->plm) < 0)
		*note = note_for(&lc->notes, encode_cause(set.error, cause, sizeof(cause)));
	else if (events_probe(&set))
		ok = 1;
	else
		*note = note_for(&lc->notes, set.ev[0].reason);
	events_release(&set);
	return ok;
}

static void print_status(struct list_ctx *lc, const char *label_raw, int ok, int note)
{
	char safe[512];
	const char *label = textsafe(label_raw, safe, sizeof(safe));
	if (ok)
		fprintf(lc->out, "  %-48s available\n", label);
	else if (note)
		fprintf(lc->out, "  %-48s n/a [%d]\n", label, note);
	else
		fprintf(lc->out, "  %-48s n/a\n", label);
}

static void heading(struct list_ctx *lc, enum hp_event_class cls)
{
	if (lc->last_cls == (int)cls)
		return;
	fprintf(lc->out, "%s%s:\n", lc->last_cls < 0 ? "" : "\n", class_heading[cls]);
	lc->last_cls = (int)cls;
}

static int show_generic(const char *name, const char *alias, enum hp_event_class cls,
			void *arg)
{
	struct list_ctx *lc = arg;
	char label[HP_EVENT_NAME_MAX * 2];
	int note = 0;
	heading(lc, cls);
	snprintf(label, sizeof(label), "%s%s%s", name, alias ? " OR " : "", alias ? alias : "");
	int ok = probe_name(lc, name, &note);
	print_status(lc, label, ok, note);
	return 0;
}

/* ---- PMU-specific events ---- */

/* Short mode: the summary line of the PMU just walked. */
static void flush_pmu(struct list_ctx *lc)
{
	if (!lc->pmu[0] || lc->all)
		return;
	fprintf(lc->out, "  %s (%s): %d events known to libpfm4, ", lc->pmu, lc->pmu_desc,
		lc->pmu_total);
	if (lc->pmu_ok == lc->pmu_total) {
		fprintf(lc->out, "all available\n");
	} else {
		fprintf(lc->out, "%d available, the others n/a", lc->pmu_ok);
		for (int k = 0; k < MAX_NOTES; k++)
			if (lc->pmu_notes & (1u << k))
				fprintf(lc->out, " [%d]", k + 1);
		fprintf(lc->out, "\n");
	}
	lc->pmu[0] = '\0';
}

static void start_pmu(struct list_ctx *lc, const struct hp_pmu_event *pe)
{
	flush_pmu(lc);
	snprintf(lc->pmu, sizeof(lc->pmu), "%s", pe->pmu);
	snprintf(lc->pmu_desc, sizeof(lc->pmu_desc), "%s", pe->pmu_desc);
	lc->pmu_total = lc->pmu_ok = 0;
	lc->pmu_notes = 0;
	lc->pmus++;
	if (lc->all)
		fprintf(lc->out, "\n  %s (%s)%s:\n", pe->pmu, pe->pmu_desc,
			pe->generic ? ", perf's generic events in libpfm4's spelling" : "");
}

static void print_pmu_event(struct list_ctx *lc, const struct hp_pmu_event *pe,
			    const char *name, int ok, int note)
{
	print_status(lc, name, ok, note);
	char safe[4096];
	if (pe->equiv)
		fprintf(lc->out, "      = %s\n", textsafe(pe->equiv, safe, sizeof(safe)));
	else if (*pe->desc)
		fprintf(lc->out, "      %s\n", textsafe(pe->desc, safe, sizeof(safe)));
	if (*pe->umasks)
		fprintf(lc->out, "      unit masks: %s\n", textsafe(pe->umasks, safe, sizeof(safe)));
}

static int show_pmu_event(const struct hp_pmu_event *pe, void *arg)
{
	struct list_ctx *lc = arg;
	char name[HP_EVENT_NAME_MAX];
	int note = 0;

	if (pe->generic && !lc->all)
		return 0;             /* the groups above list them by perf's names */
	if (strcmp(lc->pmu, pe->pmu))
		start_pmu(lc, pe);
	snprintf(name, sizeof(name), "%s::%s", pe->pmu, pe->event);
	int ok = probe_name(lc, name, &note);
	lc->pmu_total++;
	lc->pmu_ok += ok;
	if (!ok && note)
		lc->pmu_notes |= 1u << (note - 1);
	if (lc->all)
		print_pmu_event(lc, pe, name, ok, note);
	return 0;
}

static void list_pmus(struct list_ctx *lc)
{
	heading(lc, HP_EVCLASS_PMU);
	int ret = events_foreach_pmu_event(show_pmu_event, lc);
	flush_pmu(lc);
	if (ret < 0)
		fprintf(lc->out, "  (libpfm4 cannot initialize: %s)\n", hp_strerror(ret));
	else if (!lc->pmus)
		fprintf(lc->out, "  (libpfm4 detects no PMU of its own here)\n");
	else if (!lc->all)
		fprintf(lc->out, "  (`hpprof list --all` lists each of them)\n");
}

static void print_notes(const struct list_ctx *lc)
{
	if (!lc->notes.n)
		return;
	fprintf(lc->out, "\nNotes:\n");
	for (int i = 0; i < lc->notes.n; i++)
		fprintf(lc->out, "  [%d] %s\n", i + 1, lc->notes.text[i]);
}

static int parse_args(int argc, char **argv, int *all)
{
	static const struct option longopts[] = {
		{ "all",  no_argument, NULL, 'a' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'a': *all = 1; break;
		case 'h': usage(stdout); return -1;
		default: return cmd_option_error(argv, longopts);
		}
	}
	if (optind < argc) {
		hp_err("unexpected argument '%s'", argv[optind]);
		usage(stderr);
		return 2;
	}
	return 0;
}

int cmd_list(int argc, char **argv)
{
	struct list_ctx lc;
	memset(&lc, 0, sizeof(lc));
	int status = parse_args(argc, argv, &lc.all);
	if (status)
		return status < 0 ? 0 : status;
	lc.out = stdout;
	lc.plm = events_default_plm();
	lc.last_cls = -1;
	events_foreach_generic(show_generic, &lc);
	list_pmus(&lc);
	print_notes(&lc);
	if (fflush(stdout) || ferror(stdout)) {
		hp_err("cannot write the list of events");
		return 1;
	}
	return 0;
}

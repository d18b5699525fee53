/*
 * stat_sim.c - `hpprof stat --cache-sim`: after the measured runs, one
 * more run under valgrind's cachegrind, and its simulated totals printed
 * below the measured counters as sim_* rows (stat.h).
 *
 * Combines the collector (collector/cachesim.c runs valgrind) with the
 * analyzer (cachegrind.c parses each process's results; the sums per
 * simulated event are cachegrind_sim_totals, the ratios metrics.c's). A
 * simulation is deterministic for a deterministic program, so it runs
 * once whatever -r says; the elapsed time stays the measured runs' (under
 * valgrind a program runs 20-100x slower). A real PMU's counters and the
 * simulated ones never share a row: the simulated ones are named sim_*.
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyzer/cachegrind.h"
#include "analyzer/metrics.h"
#include "analyzer/report.h"
#include "cmd/stat.h"
#include "common/log.h"

/* The rows shown, in this order (the others are in run --cache-sim's
 * database): instructions, data references, L1 and LL misses, branches. */
static const char *const shown[] = {
	"sim_Ir", "sim_Dr", "sim_Dw", "sim_D1mr", "sim_D1mw", "sim_LLref", "sim_LLmiss",
	"sim_Br", "sim_Bmiss",
};
#define NSHOWN (sizeof(shown) / sizeof(shown[0]))

int stat_sim_option(struct stat_sim_opts *o, int c, const char *v)
{
	static const char *const names[] = { "--sim-I1", "--sim-D1", "--sim-LL" };
	struct hp_cache_geom *g[] = { &o->I1, &o->D1, &o->LL };
	char why[256];
	switch (c) {
	case STAT_OPT_CACHE_SIM:    o->on = 1; return 0;
	case STAT_OPT_SIM_FALLBACK: o->fallback = 1; return 0;
	case STAT_OPT_VALGRIND:     o->valgrind = v; return 0;
	case STAT_OPT_SIM_I1:
	case STAT_OPT_SIM_D1:
	case STAT_OPT_SIM_LL:
		if (cachesim_parse_geom(v, g[c - STAT_OPT_SIM_I1], why, sizeof(why))) {
			hp_err("invalid %s %s", names[c - STAT_OPT_SIM_I1], why);
			return -1;
		}
		return 0;
	}
	return -1;
}

/* --- the simulated run --- */

static int cannot_simulate(const struct stat_sim_opts *o, const char *prog, const char *why,
			   int no_valgrind)
{
	if (o->fallback) {
		hp_warn("cannot simulate '%s': %s; counting without a simulation"
			" (--cache-sim-fallback)", prog, why);
		return 0;
	}
	hp_err("cannot simulate '%s': %s; %s", prog, why, no_valgrind
	       ? "install valgrind (Debian: apt-get install valgrind) or simulate with"
		 " --valgrind PATH (or HPPROF_VALGRIND=PATH); --cache-sim-fallback counts"
		 " without a simulation"
	       : "run it without --cache-sim, or add --cache-sim-fallback");
	return 1;
}

struct sum_ctx {
	struct stat_sim *out;
	pid_t main;
	int err;
};

static int add_process(void *ctx, pid_t pid, const char *path)
{
	struct sum_ctx *sc = ctx;
	struct hp_cachegrind *cg;
	char why[512];
	if (cachegrind_parse_file(path, &cg, why, sizeof(why))) {
		if (pid == sc->main) {
			hp_err("cannot read cachegrind's results '%s': %s", path, why);
			return sc->err = 1;
		}
		hp_warn("leaving out process %d: cannot read cachegrind's results '%s': %s",
			(int)pid, path, why);
		return 0;
	}
	cachegrind_sim_totals(cg, sc->out->total, sc->out->counted);
	if (pid == sc->main) {
		const struct hp_cg_cache *c[3] = { &cg->I1, &cg->D1, &cg->LL };
		for (int i = 0; i < 3; i++)
			if (c[i]->known)
				snprintf(sc->out->caches[i], sizeof(sc->out->caches[i]),
					 "%" PRIu64 " B, %" PRIu64 "-way, %" PRIu64 " B lines",
					 c[i]->size, c[i]->assoc, c[i]->line_size);
	}
	cachegrind_free(cg);
	return 0;
}

int stat_simulate(const struct stat_sim_opts *o, char **argv, struct stat_sim *out)
{
	struct hp_cachesim_result r;
	char vg[PATH_MAX], why[1024], dir[PATH_MAX];
	const char *tmp = getenv("TMPDIR");
	int ret;
	memset(out, 0, sizeof(*out));
	out->nevents = hp_nsim_events < STAT_SIM_MAX ? hp_nsim_events : STAT_SIM_MAX;
	for (unsigned k = 0; k < out->nevents; k++)
		out->counted[k] = 1;
	if (cachesim_find_valgrind(o->valgrind, vg, sizeof(vg), why, sizeof(why)))
		return cannot_simulate(o, argv[0], why, 1);
	snprintf(dir, sizeof(dir), "%s/hpprof-sim.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(dir)) {
		hp_err("cannot create a directory for valgrind's files: %s", strerror(errno));
		return 1;
	}
	struct hp_cachesim_opts so = { vg, o->I1, o->D1, o->LL, dir };
	hp_info("simulating '%s' once under valgrind's cachegrind (20-100x slower)", argv[0]);
	ret = cachesim_run(&so, argv, &r);
	if (ret) {
		if (ret != -EINTR)
			hp_err("cannot run valgrind '%s': %s", vg, strerror(-ret));
		ret = ret == -EINTR ? 130 : 1;
	} else if (r.failure[0]) {
		ret = cannot_simulate(o, argv[0], r.failure, 0);
	} else {
		struct sum_ctx sc = { out, r.pid, 0 };
		if (r.warning[0])
			hp_warn("%s", r.warning);
		cachesim_each_output(dir, r.pid, add_process, &sc);
		ret = sc.err;
		out->done = !ret;
		out->elapsed_s = (double)r.duration_ns / 1e9;
		out->exit_code = r.exit_code;
		snprintf(out->tool, sizeof(out->tool), "valgrind %s --tool=cachegrind",
			 r.version[0] ? r.version : "(version unknown)");
		if (out->done && r.exit_code)
			hp_warn("'%s' exited with status %d under valgrind", argv[0], r.exit_code);
	}
	cachesim_remove_dir(dir);
	return ret;
}

/* --- output --- */

static int sim_index(const char *name)
{
	for (unsigned k = 0; k < hp_nsim_events; k++)
		if (!strcmp(hp_sim_events[k].name, name))
			return (int)k;
	return -1;
}

/* The ratio shown beside a simulated count (metrics.c), when it has one. */
static int sim_ratio(const struct stat_sim *s, const char *name, double *v, const char **unit)
{
	for (unsigned i = 0; i < hp_nmetrics; i++) {
		const struct hp_metric *m = &hp_metrics[i];
		int num, den;
		if (!m->num.name || strcmp(m->num.name, name) || !m->den.name ||
		    (num = sim_index(name)) < 0 || (den = sim_index(m->den.name)) < 0 ||
		    !s->counted[den])
			continue;
		*unit = m->unit;
		return metrics_value(m, (double)s->total[num], (double)s->total[den], v);
	}
	return 0;
}

void stat_sim_print_table(FILE *f, const struct stat_sim *s)
{
	static const char *const level[3] = { "I1", "D1", "LL" };
	if (!s || !s->done)
		return;
	fprintf(f, "\n SIMULATED by cachegrind (%s), one run under valgrind; not measured by"
		" hardware:\n", s->tool);
	for (int i = 0; i < 3; i++)
		if (s->caches[i][0])
			fprintf(f, "   %s: %s\n", level[i], s->caches[i]);
	for (size_t i = 0; i < NSHOWN; i++) {
		int k = sim_index(shown[i]);
		const char *unit;
		double v;
		if (k < 0)
			continue;
		if (!s->counted[k]) {
			fprintf(f, "%18s      %s\n", "<not counted>", shown[i]);
			continue;
		}
		if (sim_ratio(s, shown[i], &v, &unit))
			fprintf(f, "%18" PRIu64 "      %-28s  # %8.3f %s\n", s->total[k], shown[i], v,
				unit);
		else
			fprintf(f, "%18" PRIu64 "      %s\n", s->total[k], shown[i]);
	}
}

/* value, unit, name, [stddev], running ns, running %, ratio, ratio unit:
 * the fields of the measured rows, the running ones empty. */
void stat_sim_print_csv(FILE *f, const struct stat_sim *s, const char *sep, int repeat)
{
	if (!s || !s->done)
		return;
	for (size_t i = 0; i < NSHOWN; i++) {
		int k = sim_index(shown[i]);
		const char *unit;
		double v;
		if (k < 0)
			continue;
		if (s->counted[k])
			fprintf(f, "%" PRIu64 "%s%s%s", s->total[k], sep, sep, shown[i]);
		else
			fprintf(f, "<not counted>%s%s%s", sep, sep, shown[i]);
		if (repeat > 1)
			fputs(sep, f);
		if (s->counted[k] && sim_ratio(s, shown[i], &v, &unit))
			fprintf(f, "%s%s%s%.3f%s%s\n", sep, sep, sep, v, sep, unit);
		else
			fprintf(f, "%s%s%s%s\n", sep, sep, sep, sep);
	}
}

void stat_sim_print_json(FILE *f, const struct stat_sim *s)
{
	static const char *const level[3] = { "I1", "D1", "LL" };
	if (!s || !s->done)
		return;
	fprintf(f, ",\n  \"simulated\": {\"tool\": ");
	report_json_string(f, s->tool);
	fprintf(f, ", \"elapsed_s\": %.6f, \"exit_status\": %d, \"caches\": {", s->elapsed_s,
		s->exit_code);
	for (int i = 0, n = 0; i < 3; i++)
		if (s->caches[i][0]) {
			fprintf(f, "%s\"%s\": ", n++ ? ", " : "", level[i]);
			report_json_string(f, s->caches[i]);
		}
	fprintf(f, "},\n    \"events\": [");
	for (unsigned k = 0; k < s->nevents; k++) {
		const char *unit;
		double v;
		fprintf(f, "%s\n      {\"name\": \"%s\", \"value\": ", k ? "," : "",
			hp_sim_events[k].name);
		if (s->counted[k])
			fprintf(f, "%" PRIu64, s->total[k]);
		else
			fputs("null", f);
		if (s->counted[k] && sim_ratio(s, hp_sim_events[k].name, &v, &unit)) {
			fprintf(f, ", \"ratio\": %.6g, \"ratio_unit\": ", v);
			report_json_string(f, unit);
		}
		fputc('}', f);
	}
	fprintf(f, "\n    ]}");
}

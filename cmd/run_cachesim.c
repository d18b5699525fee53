/*
 * run_cachesim.c - `hpprof run --cache-sim`: simulate the program's caches
 * and branches under valgrind's Cachegrind instead of sampling it.
 *
 * Combines the collector (collector/cachesim.c: find and run valgrind,
 * read its logs) with the analyzer (analyzer/cachegrind.c: parse each
 * process's cachegrind.out; cachegrind_attach.c: files, functions and
 * sim_costs rows; finish.c: the statistics and the public views), so the
 * database holds per-line and per-function sim_* columns, run_info says
 * `simulation: simulated (cachegrind)` with the simulated caches, and
 * every reader shows them labelled as simulated.
 *
 * Nothing is sampled during the simulation: the program runs on
 * valgrind's JIT-translated copy of its code, 20-100x slower, and a
 * sampler would see valgrind's frames. Options that only sampling uses
 * (-e, --alloc, -F, ...) are refused with --cache-sim. When valgrind is
 * missing or cannot run the program (an instruction it does not know,
 * such as AVX-512), the run fails with one message - or, with
 * --cache-sim-fallback, says so and samples the program instead.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "analyzer/cachegrind.h"
#include "analyzer/finish.h"
#include "analyzer/symbolize.h"
#include "cmd/run.h"
#include "collector/cachesim.h"
#include "common/error.h"
#include "common/log.h"
#include "common/store.h"

#define MAX_OBJECTS 4096

int run_cachesim_option(struct run_opts *o, int c, const char *v)
{
	static const char *const names[] = { "--sim-I1", "--sim-D1", "--sim-LL" };
	struct hp_cache_geom *g[] = { &o->sim_I1, &o->sim_D1, &o->sim_LL };
	char why[256];
	switch (c) {
	case RUN_OPT_CACHE_SIM:    o->cache_sim = 1; return 0;
	case RUN_OPT_SIM_FALLBACK: o->sim_fallback = 1; return 0;
	case RUN_OPT_SIM_OUT:      o->sim_out = v; return 0;
	case RUN_OPT_VALGRIND:     o->valgrind = v; return 0;
	case RUN_OPT_SIM_I1:
	case RUN_OPT_SIM_D1:
	case RUN_OPT_SIM_LL:
		if (cachesim_parse_geom(v, g[c - RUN_OPT_SIM_I1], why, sizeof(why))) {
			hp_err("invalid %s %s", names[c - RUN_OPT_SIM_I1], why);
			return -1;
		}
		return 0;
	}
	return -1;
}

/* The one message when the program cannot be simulated: an error, or
 * with --cache-sim-fallback a warning and sampling instead. */
static int cannot_simulate(struct run_opts *o, const char *prog, const char *why, int no_valgrind)
{
	if (o->sim_fallback) {
		hp_warn("cannot simulate '%s': %s; sampling it instead (--cache-sim-fallback)",
			prog, why);
		o->cache_sim = 0;
		return RUN_SAMPLE_INSTEAD;
	}
	hp_err("cannot simulate '%s': %s; %s", prog, why, no_valgrind
	       ? "install valgrind (Debian: apt-get install valgrind) or simulate with"
		 " --valgrind PATH (or HPPROF_VALGRIND=PATH); --cache-sim-fallback samples the"
		 " program instead"
	       : "run it without --cache-sim to sample it, or add --cache-sim-fallback");
	return 1;
}

/* --- the directory valgrind writes to --- */

struct simdir {
	char path[PATH_MAX];
	int temporary;                /* made here: removed at the end */
};

static int simdir_make(struct simdir *d, const char *keep)
{
	const char *tmp = getenv("TMPDIR");
	if (keep) {
		int old;
		snprintf(d->path, sizeof(d->path), "%s", keep);
		if (mkdir(keep, 0700) < 0 && errno != EEXIST) {
			hp_err("cannot create --cache-sim-out '%s': %s", keep, strerror(errno));
			return -1;
		}
		if ((old = cachesim_dir_has_results(keep)) != 0) {
			hp_err(old < 0 ? "cannot read --cache-sim-out '%s': %s"
			       : "--cache-sim-out '%s' holds the files of an earlier run (%s); choose an"
				 " empty directory", keep, old < 0 ? strerror(-old)
				 : "cachegrind.out.PID, valgrind.log.PID");
			return -1;
		}
		return 0;
	}
	snprintf(d->path, sizeof(d->path), "%s/hpprof-sim.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(d->path)) {
		hp_err("cannot create a directory for valgrind's files in '%s': %s",
		       tmp && *tmp ? tmp : "/tmp", strerror(errno));
		return -1;
	}
	d->temporary = 1;
	return 0;
}

static void simdir_release(struct simdir *d)
{
	if (d->temporary)
		cachesim_remove_dir(d->path);
	d->temporary = 0;
}

/* --- attaching each process's results --- */

struct attach {
	struct hp_cg_attach *a;
	struct hp_store *st;
	const char *dir;
	const struct hp_cachesim_result *r;
	struct hp_cg_object objs[MAX_OBJECTS];
	char *strings[2 * MAX_OBJECTS];
	unsigned nobjs, nstrings;
	int main_read;                /* the main process's results were attached */
};

static void objects_release(struct attach *at)
{
	for (unsigned i = 0; i < at->nstrings; i++)
		free(at->strings[i]);
	at->nstrings = at->nobjs = 0;
}

static int on_object(void *ctx, const char *path, const char *debug)
{
	struct attach *at = ctx;
	char *p, *d = NULL;
	if (at->nobjs == MAX_OBJECTS)
		return 0;
	if (!(p = strdup(path)) || (debug && !(d = strdup(debug)))) {
		free(p);
		return -ENOMEM;
	}
	at->strings[at->nstrings++] = p;
	if (d)
		at->strings[at->nstrings++] = d;
	at->objs[at->nobjs++] = (struct hp_cg_object){ p, d };
	return 0;
}

/* The process row: its command from the cmd: line. */
static int add_process(struct attach *at, pid_t pid, const struct hp_cachegrind *cg)
{
	char exe[PATH_MAX] = "";
	const char *base;
	int main = pid == at->r->pid, err;
	if (cg->cmd)
		snprintf(exe, sizeof(exe), "%.*s", (int)strcspn(cg->cmd, " "), cg->cmd);
	base = strrchr(exe, '/') ? strrchr(exe, '/') + 1 : exe;
	err = store_add_process(at->st, (uint32_t)pid, main ? (uint32_t)getpid() : 0,
				*base ? base : NULL, *exe ? exe : NULL, 0);
	if (!err && main)
		err = store_end_process(at->st, (uint32_t)pid, at->r->duration_ns, at->r->exit_code, -1);
	return err;
}

static int on_output(void *ctx, pid_t pid, const char *path)
{
	struct attach *at = ctx;
	struct hp_cachegrind *cg;
	char why[512];
	int err = cachegrind_parse_file(path, &cg, why, sizeof(why));
	if (err) {
		if (pid == at->r->pid) {
			hp_err("cannot read cachegrind's results '%s': %s", path, why);
			return err;
		}
		hp_warn("leaving out process %d: cannot read cachegrind's results '%s': %s",
			(int)pid, path, why);
		return 0;
	}
	if (!(err = cachesim_each_object(at->dir, pid, on_object, at)) &&
	    !(err = cachegrind_attach(at->a, cg, at->objs, at->nobjs)))
		err = add_process(at, pid, cg);
	if (!err && pid == at->r->pid)
		at->main_read = 1;
	if (err && err != -HP_ECORRUPT)
		hp_err("cannot store the simulated costs of process %d: %s", (int)pid,
		       err == -HP_ESQL ? store_errmsg(at->st) : hp_strerror(err));
	objects_release(at);
	cachegrind_free(cg);
	return err;
}

/* --- the run --- */

struct sim_run {
	struct run_opts *o;
	char **targv;
	char valgrind[PATH_MAX];
	struct simdir dir;
	struct hp_store *st;
	struct run_record rec;
	struct hp_cachesim_result r;
	char tool[128];
	char ll[128];                 /* the simulated LL, for the summary */
	int nprocs;                   /* processes whose results were stored */
	int rotated;                  /* the previous profile was kept as .old */
};

/* The facts before the run: what ran, and that it is simulated. */
static int start_facts(struct sim_run *s)
{
	struct hp_run_facts *f = &s->rec.f;
	run_command_facts(&s->rec, s->targv, s->o);
	f->frequency = f->stack_size = f->mem_interval_ms = f->fault_period = HP_FACT_UNSET;
	f->call_graph = NULL;
	f->sampling = "none: simulated under valgrind instead (--cache-sim)";
	f->simulation = "simulated (cachegrind)";
	int err = store_write_facts(s->st, f);
	return err ? err : store_flush(s->st);
}

static int attach_all(struct sim_run *s)
{
	struct attach *at = calloc(1, sizeof(*at));
	struct hp_run_facts *f = &s->rec.f;
	int err;
	if (!at)
		return -ENOMEM;
	*at = (struct attach){ .st = s->st, .dir = s->dir.path, .r = &s->r };
	if ((err = cachegrind_attach_begin(s->st, 1, &at->a))) {
		free(at);
		return err;
	}
	cachegrind_attach_raw_names(at->a, s->o->raw_names);
	err = cachesim_each_output(s->dir.path, s->r.pid, on_output, at);
	if (!err && !at->main_read)
		hp_err("cachegrind wrote no results for '%s'", s->targv[0]), err = -ENOENT;
	if (!err)
		err = cachegrind_attach_end(at->a, f);
	snprintf(s->tool, sizeof(s->tool), "valgrind %s --tool=cachegrind",
		 s->r.version[0] ? s->r.version : "(version unknown)");
	f->sim_tool = s->tool;
	f->duration_ns = (int64_t)s->r.duration_ns;
	f->exit_status = s->r.exit_code;
	f->signal = s->r.exit_code > 128 ? strsignal(s->r.exit_code - 128) : NULL;
	f->interrupted = s->r.interrupted;
	if (!err && !(err = store_write_facts(s->st, f)) && !(err = store_flush(s->st))) {
		struct hp_symbolizer *sym;
		if (!(err = symbolizer_new(&sym))) {
			err = finish_profile(s->st, sym);
			symbolizer_free(sym);
		}
	}
	snprintf(s->ll, sizeof(s->ll), "%s", f->sim_LL ? f->sim_LL : "");
	s->nprocs = f->sim_processes;
	f->sim_I1 = f->sim_D1 = f->sim_LL = NULL;   /* written; their texts go with at->a */
	cachegrind_attach_free(at->a);
	free(at);
	return err;
}

static int simulate(struct sim_run *s)
{
	struct hp_cachesim_opts so = { s->valgrind, s->o->sim_I1, s->o->sim_D1, s->o->sim_LL,
				       s->dir.path };
	int err;
	hp_info("simulating '%s' under valgrind's cachegrind: expect 20-100x its usual run time",
		s->targv[0]);
	err = cachesim_run(&so, s->targv, &s->r);
	if (err == -EINTR)
		return 130;
	if (err) {
		hp_err("cannot run valgrind '%s': %s", s->valgrind, hp_strerror(err));
		return 1;
	}
	if (s->r.failure[0])
		return cannot_simulate(s->o, s->targv[0], s->r.failure, 0);
	if (s->r.warning[0])
		hp_warn("%s", s->r.warning);
	if ((err = attach_all(s))) {
		if (err != -HP_ECORRUPT && err != -ENOENT)
			hp_err("cannot finish database '%s': %s", s->o->output,
			       err == -HP_ESQL ? store_errmsg(s->st) : hp_strerror(err));
		return 1;
	}
	return 0;
}

static void summary(const struct sim_run *s)
{
	const char *out = s->o->output, *ll = s->ll[0] ? s->ll : NULL;
	int dflt = !strcmp(out, "hpprof.db");
	hp_info("wrote '%s': simulated by cachegrind in %.2f s (%s)%s%s", out,
		(double)s->r.duration_ns / 1e9, s->tool, ll ? "; LL: " : "", ll ? ll : "");
	if (s->o->sim_out)
		hp_info("valgrind's files are in '%s' (cg_annotate reads cachegrind.out.%d%s)",
			s->o->sim_out, (int)s->r.pid, s->nprocs > 1 ? ", the program's; one"
			" cachegrind.out.PID per process" : "");
	hp_info("see it with `hpprof report%s%s` or `hpprof tui%s%s`", dflt ? "" : " ",
		dflt ? "" : out, dflt ? "" : " ", dflt ? "" : out);
}

int run_cachesim(struct run_opts *o, char **targv)
{
	struct sim_run *s = calloc(1, sizeof(*s));
	char why[1024];
	int ret = 1, err;
	if (!s) {
		hp_err("out of memory");
		return 1;
	}
	s->o = o;
	s->targv = targv;
	if (o->sampling_opt) {
		hp_err("%s needs sampling, and --cache-sim replaces sampling with a simulation under"
		       " valgrind: profile twice, once with each (docs/cache-sim.md)", o->sampling_opt);
		ret = 2;
		goto out;
	}
	if (cachesim_find_valgrind(o->valgrind, s->valgrind, sizeof(s->valgrind), why, sizeof(why))) {
		ret = cannot_simulate(o, targv[0], why, 1);
		goto out;
	}
	if (simdir_make(&s->dir, o->sim_out) || run_prepare_output(o->output, &s->rotated, 0))
		goto out;
	if ((err = store_create(o->output, &s->st)) || (err = start_facts(s))) {
		hp_err("cannot create database '%s': %s", o->output,
		       err == -HP_ESQL && s->st ? store_errmsg(s->st) : hp_strerror(err));
		goto out_unlink;
	}
	if ((ret = simulate(s)))
		goto out_unlink;
	summary(s);
	ret = s->r.exit_code;
	goto out;
out_unlink:
	/* nothing simulated is worth keeping: no half-filled profile */
	store_close(s->st);
	s->st = NULL;
	store_unlink(o->output);
	if (s->rotated)
		run_undo_rotation(o->output);
out:
	if (s->st && (err = store_close(s->st)) && ret == 0) {
		hp_err("cannot close database '%s': %s", o->output, hp_strerror(err));
		ret = 1;
	}
	simdir_release(&s->dir);
	free(s);
	return ret;
}

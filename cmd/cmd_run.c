/*
 * cmd_run.c - `hpprof run`: profile a program into an SQLite file.
 *
 * Combines the collector (session: launch, sample, unwind, store) with the
 * analyzer (symbolize the distinct addresses, aggregate, write the public
 * views), so the database is self-contained when the command returns. The
 * exit status is the target's (or 128 + signal).
 */
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "analyzer/profile.h"
#include "analyzer/finish.h"
#include "analyzer/symbolize.h"
#include "cmd/cmd.h"
#include "cmd/cmd_util.h"
#include "collector/allocstream.h"
#include "collector/alloctrack.h"
#include "collector/events.h"
#include "collector/launch.h"
#include "collector/session.h"
#include "common/error.h"
#include "common/hmap.h"
#include "common/log.h"
#include "common/store.h"
#include "kernels/catalog.h"

struct run_opts {
	const char *output;
	const char *kernel;
	const char *events;           /* -e list, NULL = default set */
	const char *sample_event;     /* --sample-event, NULL = cpu-clock */
	int64_t period;               /* -c for the sample event */
	struct hp_session_opts s;
	int alloc;                    /* --alloc */
	int64_t alloc_sample;         /* --alloc-sample BYTES, 0 = every call */
};

/* Allocation tracking: the shim's stream feeds the tracker during the run. */
struct run_alloc {
	struct hp_allocstream *stream;
	struct hp_alloctrack *track;
	struct hp_hmap stacks;        /* hash(pid, raw pcs) -> stack id */
	struct hp_session *session;
	uint64_t t0;
	struct hp_allocstream_stats stats;
	int failed;
};

static const char usage_text[] =
	"usage: hpprof run [OPTIONS] [--] PROGRAM [ARGS...]\n"
	"       hpprof run [OPTIONS] -k KERNEL [-- KERNEL-ARGS...]\n"
	"\n"
	"Run PROGRAM, sample its call stacks, counters and memory, and write a\n"
	"self-contained SQLite profile. The exit status is PROGRAM's.\n"
	"\n"
	"  -o, --output FILE        database to write (default hpprof.db; an existing\n"
	"                           profile there is kept as FILE.old)\n"
	"  -F, --freq HZ            samples per second per thread (default 1000)\n"
	"  -e, --event LIST         counters read with every sample, comma-separated\n"
	"                           (default: cycles,instructions,cache-references,\n"
	"                           cache-misses,branch-misses where a PMU exists, and\n"
	"                           page-faults,context-switches,cpu-migrations,task-clock)\n"
	"  -s, --sample-event NAME  sample on this event instead of cpu-clock\n"
	"  -c, --period N           sample every N events of --sample-event\n"
	"      --call-graph MODE    dwarf (default: unwind copied stacks, no frame\n"
	"                           pointers needed) or fp (kernel frame-pointer chains)\n"
	"      --stack-size BYTES   user stack copied per sample (default 16K; use 32K+\n"
	"                           for deep recursion)\n"
	"      --mem-interval MS    RSS sampling interval (default 10; 0 disables)\n"
	"      --fault-period N     sample every Nth page fault with its stack\n"
	"                           (default 32; 0 disables)\n"
	"      --alloc              track malloc, calloc, realloc, free & co. with their\n"
	"                           stacks (LD_PRELOAD shim): sites, peak, leaks\n"
	"      --alloc-sample BYTES sample allocations (one per BYTES allocated on average)\n"
	"                           instead of recording every call; implies --alloc\n"
	"  -k, --kernel NAME        run a bundled kernel (see `hpprof kernels`)\n"
	"  -q, --quiet              no progress messages\n"
	"  -h, --help               this help\n";

static const struct option long_opts[] = {
	{ "output",       required_argument, NULL, 'o' },
	{ "freq",         required_argument, NULL, 'F' },
	{ "event",        required_argument, NULL, 'e' },
	{ "sample-event", required_argument, NULL, 's' },
	{ "period",       required_argument, NULL, 'c' },
	{ "call-graph",   required_argument, NULL, 'g' },
	{ "stack-size",   required_argument, NULL, 'S' },
	{ "mem-interval", required_argument, NULL, 'M' },
	{ "fault-period", required_argument, NULL, 'P' },
	{ "alloc",        no_argument,       NULL, 'A' },
	{ "alloc-sample", required_argument, NULL, 'a' },
	{ "kernel",       required_argument, NULL, 'k' },
	{ "quiet",        no_argument,       NULL, 'q' },
	{ "help",         no_argument,       NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static int parse_number(const char *opt, const char *v, int64_t min, int64_t max, int64_t *out)
{
	int64_t n = cmd_parse_size(opt, v);
	if (n < 0)
		return -1;
	if (n < min || n > max) {
		hp_err("%s must be between %lld and %lld, not '%s'", opt, (long long)min,
		       (long long)max, v);
		return -1;
	}
	*out = n;
	return 0;
}

static int parse_options(int argc, char **argv, struct run_opts *o)
{
	int c;
	int64_t n;
	o->output = "hpprof.db";
	o->s.freq = 1000;
	o->s.call_graph = HP_CG_DWARF;
	o->s.stack_size = 16384;
	o->s.mem_interval_ms = 10;
	o->s.fault_period = 32;
	while ((c = getopt_long(argc, argv, "+o:F:e:s:c:k:qh", long_opts, NULL)) != -1) {
		switch (c) {
		case 'o': o->output = optarg; break;
		case 'e': o->events = optarg; break;
		case 's': o->sample_event = optarg; break;
		case 'k': o->kernel = optarg; break;
		case 'q': hp_quiet = 1; break;
		case 'h': fputs(usage_text, stdout); return 1;
		case 'F':
			if (parse_number("-F", optarg, 1, 100000, &n)) return -1;
			o->s.freq = (unsigned)n;
			break;
		case 'c':
			if (parse_number("-c", optarg, 1, INT64_MAX, &o->period)) return -1;
			break;
		case 'S':
			if (parse_number("--stack-size", optarg, 1024, 65528, &n)) return -1;
			o->s.stack_size = (unsigned)(n & ~7LL);
			break;
		case 'M':
			if (parse_number("--mem-interval", optarg, 0, 60000, &n)) return -1;
			o->s.mem_interval_ms = (unsigned)n;
			break;
		case 'P':
			if (parse_number("--fault-period", optarg, 0, 1000000, &n)) return -1;
			o->s.fault_period = (unsigned)n;
			break;
		case 'A':
			o->alloc = 1;
			break;
		case 'a':
			if (parse_number("--alloc-sample", optarg, 1, INT64_MAX, &o->alloc_sample))
				return -1;
			o->alloc = 1;
			break;
		case 'g':
			if (!strcmp(optarg, "dwarf")) {
				o->s.call_graph = HP_CG_DWARF;
			} else if (!strcmp(optarg, "fp")) {
				o->s.call_graph = HP_CG_FP;
			} else {
				hp_err("invalid --call-graph '%s': use dwarf or fp", optarg);
				return -1;
			}
			break;
		default:
			fputs(usage_text, stderr);
			return -1;
		}
	}
	return 0;
}

/* argv for the target: -k resolves the kernel, else the first operand.
 * On failure returns NULL with *status set as a shell would: 127 not
 * found, 126 not executable, 2 usage. */
static char **target_argv(struct run_opts *o, int argc, char **argv, char *path, size_t len,
			  int *status)
{
	char **targv;
	int nargs = argc - optind, first = optind;
	if (o->kernel) {
		*status = 127;
		if (kcatalog_path(o->kernel, path, len) < 0) {
			hp_err(kcatalog_find(o->kernel) ? "kernel '%s' is not built (run `make`)"
			       : "unknown kernel '%s' (see `hpprof kernels`)", o->kernel);
			return NULL;
		}
		targv = calloc((size_t)nargs + 2, sizeof(*targv));
		if (!targv)
			return NULL;
		targv[0] = path;
		for (int i = 0; i < nargs; i++)
			targv[i + 1] = argv[first + i];
		return targv;
	}
	*status = 2;
	if (nargs < 1) {
		hp_err("no program to run");
		fputs(usage_text, stderr);
		return NULL;
	}
	int err = launch_resolve(argv[first], path, len);
	if (err) {
		const char *why = err == -EISDIR ? "is a directory"
				: err == -EACCES ? "is not an executable file (check its permissions)"
				: err == -ENOENT ? "no such file or program in PATH"
				: hp_strerror(err);
		hp_err("cannot run '%s': %s", argv[first], why);
		*status = err == -ENOENT ? 127 : 126;
		return NULL;
	}
	targv = calloc((size_t)nargs + 1, sizeof(*targv));
	if (!targv)
		return NULL;
	targv[0] = path;
	for (int i = 1; i < nargs; i++)
		targv[i] = argv[first + i];
	return targv;
}

/* Make room for the output: keep an existing profile as .old, refuse to
 * touch anything that is not an hpprof database. */
static int prepare_output(const char *path)
{
	struct stat sb;
	char old[PATH_MAX], dir[PATH_MAX];
	struct hp_store *st;

	snprintf(dir, sizeof(dir), "%s", path);
	char *slash = strrchr(dir, '/');
	if (slash)
		*(slash == dir ? slash + 1 : slash) = '\0';
	else
		snprintf(dir, sizeof(dir), ".");
	if (access(dir, W_OK) < 0) {
		hp_err("cannot write output '%s': %s", path, strerror(errno));
		return -1;
	}
	if (stat(path, &sb) < 0)
		return 0;
	if (S_ISDIR(sb.st_mode)) {
		hp_err("cannot write output '%s': it is a directory", path);
		return -1;
	}
	int err = store_open(path, 0, &st);
	if (err) {
		hp_err("output '%s' exists and is not an hpprof database (%s); not overwriting it"
		       " - choose another file with -o", path, hp_strerror(err));
		return -1;
	}
	store_close(st);
	snprintf(old, sizeof(old), "%s.old", path);
	if (rename(path, old) < 0) {
		hp_err("cannot keep the previous profile as '%s': %s", old, strerror(errno));
		return -1;
	}
	hp_info("kept the previous profile as '%s'", old);
	return 0;
}

static void write_command_meta(struct hp_store *st, char **targv, const struct run_opts *o)
{
	char buf[8192] = "", cwd[PATH_MAX], when[64];
	struct utsname u;
	time_t now = time(NULL);
	size_t len = 0;
	for (char **a = targv; *a && len < sizeof(buf) - 2; a++)
		len += (size_t)snprintf(buf + len, sizeof(buf) - len, "%s%s", a == targv ? "" : " ",
					*a);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S%z", localtime(&now));
	store_set_meta(st, "command", buf);
	store_set_meta(st, "target", targv[0]);
	store_set_meta(st, "start_time", when);
	store_set_meta(st, "hpprof_version", HPPROF_VERSION);
	if (getcwd(cwd, sizeof(cwd)))
		store_set_meta(st, "cwd", cwd);
	if (uname(&u) == 0) {
		store_set_meta(st, "hostname", u.nodename);
		store_set_meta(st, "kernel", u.release);
	}
	store_set_meta_int(st, "frequency", o->s.sampler_period ? 0 : o->s.freq);
	store_set_meta(st, "call_graph", o->s.call_graph == HP_CG_DWARF ? "dwarf" : "fp");
	store_set_meta_int(st, "stack_size", o->s.stack_size);
	store_set_meta_int(st, "mem_interval_ms", o->s.mem_interval_ms);
	store_set_meta_int(st, "fault_period", o->s.fault_period);
	if (o->kernel)
		store_set_meta(st, "kernel_name", o->kernel);
}

/* --- events --- */

struct run_events {
	struct hp_event_set set;
	struct hp_event_set sampler;
	struct hp_session_counter counters[HP_MAX_COUNTERS];
	int counter_event[HP_MAX_COUNTERS];   /* index into set.ev */
	unsigned ncounters;
};

/* One notice for the events that cannot be measured here: a warning when
 * the user asked for them (-e), a note (quiet with -q) for the default set. */
static void notice_unavailable(const struct hp_event_set *set, int requested)
{
	void (*say)(const char *, ...) = requested ? hp_warn : hp_info;
	char names[512] = "";
	const char *reason = NULL;
	int mixed = 0;
	for (size_t i = 0; i < set->n; i++) {
		const struct hp_event *ev = &set->ev[i];
		if (ev->available)
			continue;
		if (reason && strcmp(reason, ev->reason))
			mixed = 1;
		reason = ev->reason;
		strncat(names, names[0] ? ", " : "", sizeof(names) - strlen(names) - 1);
		strncat(names, ev->name, sizeof(names) - strlen(names) - 1);
	}
	if (!reason)
		return;
	if (mixed) {
		for (size_t i = 0; i < set->n; i++)
			if (!set->ev[i].available)
				say("event '%s' not measured: %s", set->ev[i].name, set->ev[i].reason);
	} else {
		say("not measured: %s: %s (shown as n/a)", names, reason);
	}
}

static int setup_events(struct run_opts *o, struct run_events *re)
{
	unsigned plm = events_default_plm();
	int err;
	events_init(&re->set);
	events_init(&re->sampler);
	err = o->events ? events_parse(&re->set, o->events, plm) : events_default(&re->set, plm);
	if (err) {
		hp_err("%s", re->set.error[0] ? re->set.error : hp_strerror(err));
		return -1;
	}
	events_probe(&re->set);
	notice_unavailable(&re->set, o->events != NULL);
	for (size_t i = 0; i < re->set.n && re->ncounters < HP_MAX_COUNTERS; i++) {
		if (!re->set.ev[i].available)
			continue;
		re->counters[re->ncounters].name = re->set.ev[i].name;
		re->counters[re->ncounters].attr = re->set.ev[i].attr;
		re->counter_event[re->ncounters++] = (int)i;
	}
	o->s.counters = re->counters;
	o->s.ncounters = re->ncounters;
	if (o->sample_event) {
		if (events_parse(&re->sampler, o->sample_event, plm) || re->sampler.n != 1) {
			hp_err("%s", re->sampler.error[0] ? re->sampler.error
							 : "--sample-event takes one event");
			return -1;
		}
		events_probe(&re->sampler);
		if (!re->sampler.ev[0].available) {
			hp_err("cannot sample on '%s': %s", o->sample_event, re->sampler.ev[0].reason);
			return -1;
		}
		o->s.sampler = &re->sampler.ev[0].attr;
		o->s.sampler_name = o->sample_event;
		o->s.sampler_period = (uint64_t)(o->period ? o->period : 100003);
	}
	return 0;
}

/* events table: 0 = sampler, 1..N = every requested counter (measured or
 * not, in the blob order of the opened ones first), then the fault sampler. */
static void write_events(struct hp_store *st, const struct run_opts *o, struct run_events *re,
			 const struct hp_session_result *res)
{
	struct hp_event_info ev = { 0, o->sample_event ? o->sample_event : "cpu-clock", "sampler",
				    1, NULL, (int64_t)res->samples, 0, 0 };
	int id = 1;
	store_add_event(st, &ev);
	for (unsigned i = 0; i < re->ncounters; i++, id++) {
		const struct hp_event *e = &re->set.ev[re->counter_event[i]];
		char reason[256];
		ev = (struct hp_event_info){ id, e->name, "counter", !res->counter_err[i], NULL,
					     res->counter_total[i], res->counter_enabled[i],
					     res->counter_running[i] };
		if (res->counter_err[i]) {
			events_reason(e->cls, res->counter_err[i], reason, sizeof(reason));
			ev.reason = reason;
			ev.total = -1;
		}
		store_add_event(st, &ev);
	}
	for (size_t i = 0; i < re->set.n; i++) {
		if (re->set.ev[i].available)
			continue;
		ev = (struct hp_event_info){ id++, re->set.ev[i].name, "counter", 0,
					     re->set.ev[i].reason, -1, 0, 0 };
		store_add_event(st, &ev);
	}
	if (o->s.fault_period) {
		ev = (struct hp_event_info){ o->s.fault_event, "page-faults:sampled", "pagefault", 1,
					     NULL, res->fault_total, 0, 0 };
		store_add_event(st, &ev);
	}
}

static void write_result_meta(struct hp_store *st, const struct hp_session_result *r)
{
	store_set_meta_int(st, "duration_ns", (int64_t)r->duration_ns);
	store_set_meta_int(st, "exit_status", r->exit_code);
	if (r->term_signal)
		store_set_meta(st, "signal", strsignal(r->term_signal));
	store_set_meta_int(st, "interrupted", r->interrupted);
	store_set_meta_int(st, "samples", (int64_t)r->samples);
	store_set_meta_int(st, "complete_stacks", (int64_t)r->complete);
	store_set_meta_int(st, "lost_samples", (int64_t)r->lost);
	store_set_meta_int(st, "fault_samples", (int64_t)r->fault_samples);
	store_set_meta_int(st, "unwind_ns", (int64_t)r->unwind_ns);
	store_set_meta_int(st, "peak_rss_bytes", r->peak_rss);
	store_set_meta(st, "kernel_samples", r->kernel_samples ? "yes" : "no (not permitted)");
	char t[32];
	snprintf(t, sizeof(t), "%.3f", r->user_s);
	store_set_meta(st, "user_s", t);
	snprintf(t, sizeof(t), "%.3f", r->sys_s);
	store_set_meta(st, "sys_s", t);
}



/* Symbols are read while the target runs: the session reports each module
 * as it first appears and a thread opens it and its debug info (reading
 * and decompressing libc's DWARF alone takes ~40 ms here), so the
 * symbolization at the end finds them ready. The symbolizer is used by
 * that thread only, until preload_stop() joins it. */
#define PRELOAD_QUEUE 256

struct preload {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	char *paths[PRELOAD_QUEUE];
	unsigned head, tail;
	int done, started;
	pthread_t thread;
	struct hp_symbolizer *sym;
};

static void preload_push(void *ctx, const char *path)
{
	struct preload *pl = ctx;
	pthread_mutex_lock(&pl->lock);
	if (pl->tail - pl->head < PRELOAD_QUEUE) {
		char *copy = strdup(path);
		if (copy)
			pl->paths[pl->tail++ % PRELOAD_QUEUE] = copy;
	}
	pthread_cond_signal(&pl->cond);
	pthread_mutex_unlock(&pl->lock);
}

static void *preload_main(void *arg)
{
	struct preload *pl = arg;
	for (;;) {
		pthread_mutex_lock(&pl->lock);
		while (pl->head == pl->tail && !pl->done)
			pthread_cond_wait(&pl->cond, &pl->lock);
		if (pl->head == pl->tail) {
			pthread_mutex_unlock(&pl->lock);
			return NULL;
		}
		char *path = pl->paths[pl->head++ % PRELOAD_QUEUE];
		pthread_mutex_unlock(&pl->lock);
		symbolizer_preload(pl->sym, path);
		free(path);
	}
}

static int preload_start(struct preload *pl, struct hp_session_opts *so)
{
	int err = symbolizer_new(&pl->sym);
	if (err)
		return err;
	pthread_mutex_init(&pl->lock, NULL);
	pthread_cond_init(&pl->cond, NULL);
	if (pthread_create(&pl->thread, NULL, preload_main, pl) == 0) {
		pl->started = 1;
		so->on_module = preload_push;
		so->module_ctx = pl;
	}
	return 0;
}

/* Wait for the preloading thread (it skips what is left when abandon). */
static void preload_stop(struct preload *pl)
{
	if (!pl->started)
		return;
	pthread_mutex_lock(&pl->lock);
	pl->done = 1;
	pthread_cond_signal(&pl->cond);
	pthread_mutex_unlock(&pl->lock);
	pthread_join(pl->thread, NULL);
	pl->started = 0;
	pthread_mutex_destroy(&pl->lock);
	pthread_cond_destroy(&pl->cond);
}


static void summary(const char *out, const struct hp_session_result *r, struct hp_store *st)
{
	int64_t entry = store_get_meta_int(st, "entry_stacks", 0);
	hp_info("wrote '%s': %llu samples in %.2f s, %.1f%% complete stacks, %llu lost%s",
		out, (unsigned long long)r->samples, (double)r->duration_ns / 1e9,
		r->samples ? 100.0 * (double)entry / (double)r->samples : 0.0,
		(unsigned long long)r->lost,
		r->term_signal ? "; the program was killed by a signal" : "");
	hp_info("see it with `hpprof report%s%s` or `hpprof tui%s%s`",
		strcmp(out, "hpprof.db") ? " " : "", strcmp(out, "hpprof.db") ? out : "",
		strcmp(out, "hpprof.db") ? " " : "", strcmp(out, "hpprof.db") ? out : "");
}

/* A 64-bit digest of a raw stack: the same (pid, pcs) is the same stack
 * as long as the process's mappings do not change under it. */
static uint64_t stack_digest(uint32_t pid, const uint64_t *pcs, uint32_t n)
{
	uint64_t h = hmap_key2(pid, n);
	for (uint32_t i = 0; i < n; i++)
		h = hmap_key2(h, pcs[i]);
	return h;
}

static int alloc_locate(void *ctx, uint32_t pid, const uint64_t *pcs, uint32_t n,
			uint32_t *stack_id)
{
	struct run_alloc *a = ctx;
	uint64_t adj[HP_MAX_FRAMES], key, id;
	struct hp_location locs[HP_MAX_FRAMES];
	if (n > HP_MAX_FRAMES)
		n = HP_MAX_FRAMES;
	/* Most allocations come from a few stacks: skip the per-frame map
	 * lookups and interning for a stack seen before. */
	key = stack_digest(pid, pcs, n);
	if (hmap_get(&a->stacks, key, &id)) {
		*stack_id = (uint32_t)id;
		return 0;
	}
	memcpy(adj, pcs, n * sizeof(*adj));
	if (n)
		adj[0]--;           /* every pc is a return address; locate() adjusts i > 0 */
	n = session_locate(a->session, pid, adj, n, locs);
	int err = store_intern_stack(session_store(a->session), locs, n, stack_id);
	return err ? err : hmap_put(&a->stacks, key, *stack_id);
}

static int alloc_poll(void *ctx, struct hp_session *s, int final)
{
	struct run_alloc *a = ctx;
	int err;
	a->session = s;
	a->t0 = session_t0(s);
	if (a->failed)
		return 0;
	err = final ? allocstream_finish(a->stream, alloctrack_event, a->track, &a->stats)
		    : allocstream_poll(a->stream, alloctrack_event, a->track);
	if (err < 0) {
		/* Keep profiling: allocation data is lost, the CPU profile is not. */
		hp_warn("allocation tracking stopped: %s", hp_strerror(err));
		a->failed = 1;
	}
	return 0;
}

static int setup_alloc(struct run_opts *o, struct run_alloc *a, const char *target)
{
	struct hp_allocstream_opts ao = { .sample_bytes = (uint64_t)o->alloc_sample };
	int err;
	if (!o->alloc)
		return 0;
	if (launch_is_static(target) == 1) {
		hp_warn("allocation tracking is unavailable: '%s' is statically linked, so the"
			" LD_PRELOAD shim cannot reach its malloc; profiling without it", target);
		o->alloc = 0;
		return 0;
	}
	if ((err = allocstream_setup(&a->stream, &ao))) {
		hp_err("cannot set up allocation tracking: %s", hp_strerror(err));
		return -1;
	}
	if ((err = alloctrack_new(alloc_locate, a, (uint64_t)(o->s.mem_interval_ms ?
						      o->s.mem_interval_ms : 10) * 1000000ull, &a->track))) {
		hp_err("cannot set up allocation tracking: %s", hp_strerror(err));
		return -1;
	}
	o->s.env = allocstream_env(a->stream);
	o->s.on_poll = alloc_poll;
	o->s.poll_ctx = a;
	return 0;
}

static int finish_alloc(struct run_opts *o, struct run_alloc *a, struct hp_store *st)
{
	if (!o->alloc)
		return 0;
	if (a->stats.dropped)
		hp_warn("allocation tracking: %llu events did not fit the stream buffer and are"
			" missing", (unsigned long long)a->stats.dropped);
	if (a->stats.incomplete)
		hp_warn("allocation tracking: %u process(es) ended without exiting normally;"
			" their leaks include blocks the exit would have freed", a->stats.incomplete);
	store_set_meta(st, "alloc_tracking", o->alloc_sample ? "sampled" : "exact");
	return alloctrack_write(a->track, st, a->t0);
}

static int exit_for_launch_error(int err, const char *prog, const struct hp_session_result *r)
{
	char reason[HP_EVENT_REASON_MAX];
	if (err == -HP_ENOPERF) {
		events_reason(HP_EVCLASS_SOFTWARE, r->perf_errno, reason, sizeof(reason));
		hp_err("cannot sample '%s': perf_event_open of cpu-clock failed: %s", prog, reason);
		return 1;
	}
	if (err == -ENOENT || err == -EACCES || err == -ENOEXEC || err == -EISDIR) {
		hp_err("cannot execute '%s': %s", prog, hp_strerror(err));
		return err == -ENOENT ? 127 : 126;
	}
	hp_err("cannot profile '%s': %s", prog, hp_strerror(err));
	return 1;
}

int cmd_run(int argc, char **argv)
{
	struct run_opts o = { 0 };
	struct run_events re = { 0 };
	struct run_alloc ra = { 0 };
	struct preload pl = { 0 };
	struct hp_session_result res;
	struct hp_store *st = NULL;
	char path[PATH_MAX];
	char **targv = NULL;
	int ret = 1, err;

	int r = parse_options(argc, argv, &o);
	if (r)
		return r > 0 ? 0 : 2;
	if (!(targv = target_argv(&o, argc, argv, path, sizeof(path), &ret)))
		return ret;
	ret = 1;
	if (setup_events(&o, &re) || setup_alloc(&o, &ra, targv[0]) || prepare_output(o.output))
		goto out;
	o.s.fault_event = (int)(re.set.n + 1);
	if ((err = store_create(o.output, &st))) {
		hp_err("cannot create database '%s': %s", o.output, hp_strerror(err));
		goto out;
	}
	write_command_meta(st, targv, &o);
	store_flush(st);
	if ((err = preload_start(&pl, &o.s))) {
		hp_err("cannot start the symbolizer: %s", hp_strerror(err));
		goto out;
	}
	err = session_run(&o.s, targv, st, &res);
	preload_stop(&pl);
	if (err && !res.ran) {
		ret = exit_for_launch_error(err, targv[0], &res);
		store_close(st);
		st = NULL;
		unlink(o.output);
		goto out;
	}
	if (err) {
		/* The store failed during the run (the session said why): what
		 * was committed stays; readers finish it when they can. */
		hp_err("'%s' keeps the samples written before the error; `hpprof report %s`"
		       " finishes it once there is room", o.output, o.output);
		goto out;
	}
	write_events(st, &o, &re, &res);
	write_result_meta(st, &res);
	if ((err = finish_alloc(&o, &ra, st)))
		hp_warn("cannot save the allocation data: %s", hp_strerror(err));
	if ((err = store_flush(st)) || (err = finish_profile(st, pl.sym))) {
		hp_err("cannot finish database '%s': %s", o.output,
		       err == -HP_ESQL ? store_errmsg(st) : hp_strerror(err));
		goto out;
	}
	summary(o.output, &res, st);
	ret = res.exit_code;
out:
	if (st && (err = store_close(st)) && ret == 0) {
		hp_err("cannot close database '%s': %s", o.output, hp_strerror(err));
		ret = 1;
	}
	events_release(&re.set);
	events_release(&re.sampler);
	preload_stop(&pl);
	if (pl.sym)
		symbolizer_free(pl.sym);
	alloctrack_free(ra.track);
	hmap_release(&ra.stacks);
	allocstream_free(ra.stream);
	free(targv);
	return ret;
}

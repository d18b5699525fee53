/*
 * cmd_run.c - `hpprof run`: profile a program into an SQLite file.
 *
 * Combines the collector (session: launch, sample, unwind, store) with the
 * analyzer (symbolize the distinct addresses, aggregate, write the public
 * views), so the database is self-contained when the command returns. The
 * exit status is the target's (or 128 + signal).
 *
 * Two samplers: perf events (the session's rings), or, when
 * perf_event_open is refused (or --sampler preload), the LD_PRELOAD agent
 * in the target, whose samples arrive through the preload library's
 * stream (allocstream) together with the allocation events of --alloc and
 * are handed to the session from on_poll. The note, run_info's `sampling`
 * and the events table say which one ran.
 *
 * This file: options, the target, the output file, events and the run's
 * facts (one struct hp_run_facts, written by the store); the sampler
 * choice and the stream are in run_sampler.c (the stream's work is
 * collector/streamfeed.c), the symbol warm-up thread in run_symbols.c
 * (run.h).
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "analyzer/census.h"
#include "analyzer/finish.h"
#include "analyzer/report_kernel.h"
#include "analyzer/unseen.h"
#include "cmd/cmd.h"
#include "cmd/cmd_util.h"
#include "cmd/run.h"
#include "collector/events.h"
#include "collector/kaccess.h"
#include "collector/launch.h"
#include "collector/pyremote.h"
#include "collector/session.h"
#include "collector/streamfeed.h"
#include "common/error.h"
#include "common/ksymtab.h"
#include "common/log.h"
#include "common/store.h"
#include "kernels/catalog.h"

static const char usage_text[] =
	"usage: hpprof run [OPTIONS] [--] PROGRAM [ARGS...]\n"
	"       hpprof run [OPTIONS] -k KERNEL [-- KERNEL-ARGS...]\n"
	"       hpprof run [OPTIONS] -p PID[,PID...]\n"
	"\n"
	"Run PROGRAM, sample its call stacks, counters and memory, and write a\n"
	"self-contained SQLite profile. The exit status is PROGRAM's.\n"
	"\n"
	"  -o, --output FILE        database to write (default hpprof.db, or\n"
	"                           hpprof.RANK.db as an MPI rank; an existing profile\n"
	"                           there is kept as FILE.old); %r expands to the MPI\n"
	"                           rank, %h to the host name, %p to hpprof's pid\n"
	"  -F, --freq HZ            samples per second per thread (default 1000)\n"
	"  -e, --event LIST         counters to count, comma-separated, each -e adding\n"
	"                           to the list (default: cycles,\n"
	"                           instructions,cache-references,cache-misses,\n"
	"                           branch-misses where a PMU exists, and page-faults,\n"
	"                           context-switches,cpu-migrations,task-clock); read\n"
	"                           with every sample (per-function and per-line values)\n"
	"                           when one is a hardware counter, else counted for the\n"
	"                           whole run only (docs/offcpu.md: reading them with each\n"
	"                           sample slows every context switch of the program)\n"
	"      --counters-per-sample  read the counters with every sample even when all\n"
	"                           are software counters\n"
	"  -s, --sample-event NAME  sample on this event instead of cpu-clock\n"
	"  -c, --period N           sample every N events of --sample-event\n"
	"      --call-graph MODE    dwarf (default: unwind copied stacks, no frame\n"
	"                           pointers needed) or fp (kernel frame-pointer chains)\n"
	"      --stack-size BYTES   user stack copied per sample, at most 65528 (default:\n"
	"                           65528, the kernel's maximum; it copies only the live\n"
	"                           part of the stack)\n"
	"      --mem-interval MS    RSS sampling interval (default 10; 0 disables)\n"
	"      --fault-period N     sample every Nth page fault with its stack\n"
	"                           (default 32; 0 disables)\n"
	"      --off-cpu            also record where threads wait off the CPU (locks,\n"
	"                           I/O, sleep, page faults, preemption) with their stacks\n"
	"                           and durations: wall-clock profiles (docs/offcpu.md);\n"
	"                           the default where kernel-mode sampling is allowed\n"
	"                           (root or kernel.perf_event_paranoid <= 1)\n"
	"      --no-off-cpu         do not record off-CPU time\n"
	"      --alloc              track malloc, calloc, realloc, free & co. with their\n"
	"                           stacks (LD_PRELOAD shim): sites, peak, leaks\n"
	"      --alloc-sample BYTES sample allocations (one per BYTES allocated on average)\n"
	"                           instead of recording every call; implies --alloc\n"
	"      --sampler KIND       perf (perf events only) or preload (the LD_PRELOAD\n"
	"                           agent: user-space CPU time, no counters); default:\n"
	"                           perf, the agent when perf_event_open is refused\n"
	"      --python MODE        auto (default: a CPython 3.11 target is sampled by the\n"
	"                           LD_PRELOAD agent, which reads its Python frames at\n"
	"                           each sample and page fault (--fault-period) and puts\n"
	"                           them on --alloc stacks; no counters, kernel frames\n"
	"                           where perf may sample the kernel; with -p, an\n"
	"                           attached CPython 3.11's Python frames are read from\n"
	"                           its memory after each sample and checked against the\n"
	"                           sample, also after an exec into Python, as for a\n"
	"                           launched program's process that execs into it under\n"
	"                           perf events) or off\n"
	"      --raw                also store every perf record undecoded (stack copies\n"
	"                           included: large) in raw_records, to debug unwinding\n"
	"      --cache-sim          simulate caches and branches instead of sampling: run\n"
	"                           PROGRAM under valgrind's cachegrind (~20-100x slower)\n"
	"                           and store per-line sim_* counters (docs/cache-sim.md)\n"
	"      --sim-I1, --sim-D1, --sim-LL SIZE,ASSOC,LINE\n"
	"                           the simulated caches (default: this machine's, as\n"
	"                           valgrind reads them), e.g. --sim-LL 8M,16,64\n"
	"      --valgrind PATH      the valgrind to run (default: $HPPROF_VALGRIND, else\n"
	"                           valgrind in PATH)\n"
	"      --cache-sim-fallback when valgrind is missing or cannot run PROGRAM, sample\n"
	"                           it normally instead of failing\n"
	"      --cache-sim-out DIR  keep valgrind's files (cachegrind.out.PID, logs) in DIR\n"
	"      --no-demangle        keep C++, Rust, D and Fortran names as the binary spells them\n"
	"                           (functions.raw_name always has them)\n"
	"      --no-cache           neither read nor update the symbol cache\n"
	"                           ($XDG_CACHE_HOME/hpprof, default ~/.cache/hpprof)\n"
	"  -k, --kernel NAME        run a bundled kernel (see `hpprof kernels`)\n"
	"  -p, --pid PID[,PID...]   profile these running processes (every thread, and\n"
	"                           the threads and children they start) instead; they\n"
	"                           keep running when hpprof detaches (at --duration,\n"
	"                           Ctrl-C or their exit)\n"
	"      --duration SEC       stop sampling after SEC seconds (decimals allowed); a\n"
	"                           launched program runs on unless --kill\n"
	"      --kill               with --duration: end the launched program then\n"
	"                           (SIGTERM, SIGKILL after 2 s)\n"
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
	{ "off-cpu",      no_argument,       NULL, 'O' },
	{ "no-off-cpu",   no_argument,       NULL, 'Q' },
	{ "alloc-sample", required_argument, NULL, 'a' },
	{ "sampler",      required_argument, NULL, 'm' },
	{ "raw",          no_argument,       NULL, 'R' },
	{ "counters-per-sample", no_argument, NULL, 'T' },
	{ "cache-sim",    no_argument,       NULL, RUN_OPT_CACHE_SIM },
	{ "cache-sim-fallback", no_argument, NULL, RUN_OPT_SIM_FALLBACK },
	{ "cache-sim-out", required_argument, NULL, RUN_OPT_SIM_OUT },
	{ "valgrind",     required_argument, NULL, RUN_OPT_VALGRIND },
	{ "sim-I1",       required_argument, NULL, RUN_OPT_SIM_I1 },
	{ "sim-D1",       required_argument, NULL, RUN_OPT_SIM_D1 },
	{ "sim-LL",       required_argument, NULL, RUN_OPT_SIM_LL },
	{ "python",       required_argument, NULL, 'Y' },
	{ "no-demangle",  no_argument,       NULL, 'N' },
	{ "no-cache",     no_argument,       NULL, 'C' },
	{ "kernel",       required_argument, NULL, 'k' },
	{ "pid",          required_argument, NULL, 'p' },
	{ "duration",     required_argument, NULL, 'D' },
	{ "kill",         no_argument,       NULL, 'K' },
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

/* "--event" for 'e'. */
static const char *option_name(int c)
{
	static char buf[64];
	for (const struct option *lo = long_opts; lo->name; lo++)
		if (lo->val == c) {
			snprintf(buf, sizeof(buf), "--%s", lo->name);
			return buf;
		}
	return "?";
}

/* run's options and a live view's, in one table (freed by the caller). */
static struct option *all_options(const struct run_live *live)
{
	size_t n = sizeof(long_opts) / sizeof(long_opts[0]), m = 0;
	while (live && live->opts[m].name)
		m++;
	struct option *all = calloc(n + m, sizeof(*all));
	if (!all)
		return NULL;
	memcpy(all, long_opts, (n - 1) * sizeof(*all));
	if (m)
		memcpy(all + n - 1, live->opts, m * sizeof(*all));
	return all;
}

static int parse_options_in(int argc, char **argv, struct run_opts *o,
			    const struct option *opts)
{
	int c, r = 0;
	int64_t n;
	o->output = NULL;
	o->s.freq = 1000;
	o->s.call_graph = HP_CG_DWARF;
	o->s.stack_size = 0;                  /* the session's default */
	o->s.mem_interval_ms = 10;
	o->s.fault_period = 32;
	o->off_cpu = -1;
	o->python = 1;
	char shortopts[64];
	snprintf(shortopts, sizeof(shortopts), "+o:F:e:s:c:k:p:qh%s",
		 o->live ? o->live->shortopts : "");
	while (!r && (c = getopt_long(argc, argv, shortopts, opts, NULL)) != -1) {
		if (o->live && (c >= RUN_OPT_LIVE || c == 'h' ||
				(c > ':' && c < 128 && strchr(o->live->shortopts, c)))) {
			r = o->live->option(o->live->ctx, c, optarg);
			continue;
		}
		/* --no-demangle and --no-cache name functions: a simulation does too */
		if (c != 'o' && c != 'k' && c != 'q' && c != 'h' && c != '?' && c != ':' &&
		    c != 'N' && c != 'C' &&
		    c < RUN_OPT_CACHE_SIM && !o->sampling_opt)
			o->sampling_opt = option_name(c);   /* what a simulated run cannot do */
		if (c >= RUN_OPT_CACHE_SIM) {
			if (run_cachesim_option(o, c, optarg))
				return -1;
			continue;
		}
		switch (c) {
		case 'o': o->output = optarg; break;
		case 'e':     /* each -e adds, as with perf record */
			if (cmd_events_add(&o->events, &o->events_joined, optarg) < 0)
				return -1;
			break;
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
		case 'p':
			if (run_parse_pids(optarg, o))
				return -1;
			break;
		case 'D': {
			char *end;
			double d = strtod(optarg, &end);
			if (end == optarg || *end || !(d > 0) || d > 1e6) {
				hp_err("invalid --duration '%s': give seconds, e.g. 2 or 0.5", optarg);
				return -1;
			}
			o->s.duration_ns = (uint64_t)(d * 1e9);
			break;
		}
		case 'K':
			o->s.kill_at_end = 1;
			break;
		case 'O':
		case 'Q':
			o->off_cpu = c == 'O';
			break;
		case 'R':
			o->s.raw = 1;
			break;
		case 'T':
			o->s.counters_per_sample = 1;
			break;
		case 'Y':
			if (!strcmp(optarg, "auto") || !strcmp(optarg, "off")) {
				o->python = !strcmp(optarg, "auto");
			} else {
				hp_err("invalid --python '%s': use auto or off", optarg);
				return -1;
			}
			break;
		case 'N':
			o->raw_names = 1;
			break;
		case 'C':
			o->no_cache = 1;
			break;
		case 'a':
			if (parse_number("--alloc-sample", optarg, 1, INT64_MAX, &o->alloc_sample))
				return -1;
			o->alloc = 1;
			break;
		case 'm':
			if (!strcmp(optarg, "perf")) {
				o->sampler = SAMPLER_PERF;
			} else if (!strcmp(optarg, "preload")) {
				o->sampler = SAMPLER_PRELOAD;
			} else {
				hp_err("invalid --sampler '%s': use perf or preload", optarg);
				return -1;
			}
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
			cmd_option_error(argv, opts);
			return -1;
		}
	}
	return r;
}

static int parse_options(int argc, char **argv, struct run_opts *o)
{
	struct option *opts = all_options(o->live);
	if (!opts)
		return -1;
	int r = parse_options_in(argc, argv, o, opts);
	free(opts);
	return r;
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
		if (o->live)
			fprintf(stderr, "see `hpprof %s --help`\n", o->live->name);
		else
			fputs(usage_text, stderr);
		return NULL;
	}
	int err = launch_resolve(argv[first], path, len);
	if (err) {
		char denied[256];
		const char *why = err == -EISDIR ? "is a directory"
				: err == -EACCES ? cmd_exec_denied(argv[first], denied, sizeof(denied))
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
	o->s.argv0 = argv[first];     /* what the program sees, as from a shell */
	for (int i = 1; i < nargs; i++)
		targv[i] = argv[first + i];
	return targv;
}

/* --- the run's facts --- */

/* What runs, where, when and how: known before the run. */
void run_command_facts(struct run_record *r, char **targv, const struct run_opts *o)
{
	struct hp_run_facts *f = &r->f;
	time_t now = time(NULL);
	size_t len = 0;
	store_facts_init(f);
	for (char **a = targv; *a && len < sizeof(r->command) - 2; a++)
		len += (size_t)snprintf(r->command + len, sizeof(r->command) - len, "%s%s",
					a == targv ? "" : " ", *a);
	for (unsigned i = 0; i < o->nattach && len < sizeof(r->command) - 16; i++)
		len += (size_t)snprintf(r->command + len, sizeof(r->command) - len, "%s%u",
					i ? "," : " (attached: -p ", o->attach[i]);
	if (o->nattach && len < sizeof(r->command) - 2)
		snprintf(r->command + len, sizeof(r->command) - len, ")");
	strftime(r->start_time, sizeof(r->start_time), "%Y-%m-%dT%H:%M:%S%z", localtime(&now));
	f->command = r->command;
	f->target = targv[0];
	f->start_time = r->start_time;
	f->hpprof_version = HPPROF_VERSION;
	if (getcwd(r->cwd, sizeof(r->cwd)))
		f->cwd = r->cwd;
	if (uname(&r->uts) == 0) {
		f->hostname = r->uts.nodename;
		f->kernel = r->uts.release;
	}
	if (*ksymtab_boot_id(r->boot_id, sizeof(r->boot_id)))
		f->boot_id = r->boot_id;
	f->frequency = o->s.sampler_period ? 0 : o->s.freq;
	f->call_graph = o->s.call_graph == HP_CG_DWARF ? "dwarf" : "fp";
	f->stack_size = o->s.stack_size ? o->s.stack_size : HP_STACK_SIZE_DEFAULT;
	f->mem_interval_ms = o->s.mem_interval_ms;
	f->fault_period = o->s.fault_period;
	if (!o->s.sampler)                    /* cpu-clock turns -F into a fixed period */
		f->cpu_sample_ns = 1000000000 / o->s.freq;
	f->kernel_name = o->kernel;
	run_mpi_facts(&o->mpi, f);
}

/* --- events --- */

/* Whether kernel time and kernel functions were recorded, and if not why
 * and what would allow them; said once on stderr too. */
static void kernel_facts(struct run_record *rec, const struct run_opts *o,
			 const struct hp_session_result *r)
{
	struct hp_run_facts *f = &rec->f;
	char note[768];
	if (o->agent) {
		f->kernel_samples = o->agent_fault_period || run_agent_python(o)
			? "no (preload agent: no kernel frames; in a CPython 3.11 process the time a"
			  " Python line spends in the kernel is in its samples, docs/python.md)"
			: "no (preload agent: it samples user space only)";
		return;                   /* the agent's own note said it already */
	}
	snprintf(rec->kernel_samples, sizeof(rec->kernel_samples), r->kernel_samples ? "yes"
		 : "no (%s)", r->kernel_why[0] ? r->kernel_why : "not permitted");
	f->kernel_samples = rec->kernel_samples;
	if (r->kernel_samples) {
		snprintf(rec->kernel_frames, sizeof(rec->kernel_frames), r->kernel_frames_why[0]
			 ? "no (%s)" : "yes", r->kernel_frames_why);
		f->kernel_frames = rec->kernel_frames;
	}
	if (report_kernel_note(f->kernel_samples, f->kernel_frames, note, sizeof(note)))
		hp_info("%s", note);
}

/* run_info lost_count: how lost_samples was counted (collector/session_lost.c). */
static const char *run_lost_count(const struct hp_session_result *r)
{
	if (r->lost_counted < 0)
		return NULL;                  /* no perf ring */
	return r->lost_counted ? "kernel" : "reported only (this kernel has no PERF_FORMAT_LOST,"
		" Linux < 6.0: losses of a ring full until the end of the run are not counted)";
}

/* What the session measured. */
static void result_facts(struct run_record *rec, const struct run_opts *o,
			 const struct hp_session_result *r)
{
	struct hp_run_facts *f = &rec->f;
	if (o->agent)
		snprintf(rec->sampling, sizeof(rec->sampling), "preload agent (%s)", o->agent_why);
	else
		snprintf(rec->sampling, sizeof(rec->sampling), "perf_event %s",
			 o->sample_event ? o->sample_event : "cpu-clock");
	f->sampling = rec->sampling;
	f->duration_ns = (int64_t)r->duration_ns;
	if (!r->detached && !o->nattach)        /* else it runs on, or is not ours: unknown */
		f->exit_status = r->exit_code;
	f->signal = r->term_signal ? strsignal(r->term_signal) : NULL;
	f->interrupted = r->interrupted;
	f->samples = (int64_t)r->samples;
	if (r->stack_size)
		f->stack_size = r->stack_size;        /* as opened: smaller when rings are */
	f->lost_samples = (int64_t)r->lost;
	f->lost_count = run_lost_count(r);
	f->fault_samples = (int64_t)r->fault_samples;
	rec->f.off_cpu = run_offcpu_facts(&rec->f, o, r, rec->off_cpu, sizeof(rec->off_cpu));
	f->unwind_ns = (int64_t)r->unwind_ns;
	kernel_facts(rec, o, r);
	if (r->detached || o->nattach)
		return;                       /* no rusage of a process that was not reaped */
	f->peak_rss_bytes = r->peak_rss;
	f->user_s = r->user_s;
	f->sys_s = r->sys_s;
}

static void summary(const char *out, const struct hp_session_result *r, struct hp_store *st)
{
	struct hp_census c;
	char stacks[160];
	census_from_store(st, &c);
	hp_info("wrote '%s': %llu samples in %.2f s, %s, %s%llu lost%s",
		out, (unsigned long long)r->samples, (double)r->duration_ns / 1e9,
		census_describe(&c, stacks, sizeof(stacks)), r->lost_counted ? "" : "at least ",
		(unsigned long long)r->lost,
		r->term_signal ? "; the program was killed by a signal" : "");
	char note[640];
	if (unseen_note_of_store(st, note, sizeof(note)))
		hp_info("note: %s", note);
	hp_info("see it with `hpprof report%s%s` or `hpprof tui%s%s`",
		strcmp(out, "hpprof.db") ? " " : "", strcmp(out, "hpprof.db") ? out : "",
		strcmp(out, "hpprof.db") ? " " : "", strcmp(out, "hpprof.db") ? out : "");
}

static int exit_for_launch_error(int err, const char *prog, const struct run_opts *o,
				 const struct hp_session_result *r)
{
	char reason[HP_EVENT_REASON_MAX];
	if (err == -HP_ENOPERF) {
		const char *no_agent = run_agent_unusable(prog);
		events_reason(HP_EVCLASS_SOFTWARE, r->perf_errno, reason, sizeof(reason));
		hp_err("cannot sample '%s': %s %s failed: %s%s%s", prog,
		       r->perf_errno == HP_ERINGMEM ? "mapping the perf rings of"
						      : "perf_event_open of",
		       o->sample_event ? o->sample_event : "cpu-clock", reason,
		       no_agent ? "; the LD_PRELOAD agent cannot sample it either: " :
		       o->sampler == SAMPLER_PERF ? " (--sampler preload samples without perf events)"
						  : "", no_agent ? no_agent : "");
		return 1;
	}
	if (err == -ENOENT || err == -EACCES || err == -ENOEXEC || err == -EISDIR) {
		return cmd_cannot_execute(prog, err);
	}
	hp_err("cannot profile '%s': %s", prog, hp_strerror(err));
	return 1;
}

/* --debug=run:1: the CPU time (every thread of hpprof, not the target)
 * and the wall time of each phase of the run, on stderr: where the fixed
 * cost of a run goes (docs/performance.md, "Fixed cost of a run"). The
 * first line is the CPU since the process was created (the parent's fork
 * child, the exec, the loader, the options). */
void run_phase(struct run_clock *c, const char *what)
{
	struct rusage ru;
	struct timespec ts;
	if (hp_debug_levels[HP_DBG_RUN] < 1 || getrusage(RUSAGE_SELF, &ru) ||
	    clock_gettime(CLOCK_MONOTONIC, &ts))
		return;
	double cpu = (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e3 +
		     (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e3;
	double wall = (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
	if (what && c->wall_ms > 0)
		hp_debug_print(HP_DBG_RUN, "phase %-26s CPU %7.2f ms, wall %8.2f ms", what,
			       cpu - c->cpu_ms, wall - c->wall_ms);
	else if (what)
		hp_debug_print(HP_DBG_RUN, "phase %-26s CPU %7.2f ms", what, cpu);
	c->cpu_ms = cpu;
	c->wall_ms = wall;
}

int cmd_run(int argc, char **argv)
{
	return run_main(argc, argv, NULL);
}

int run_main(int argc, char **argv, const struct run_live *live)
{
	struct run_opts o = { .live = live };
	struct run_events re = { 0 };
	struct hp_streamfeed *feed = NULL;
	struct symbol_warmup warm = { 0 };
	struct run_record rec;
	struct hp_session_result res = { 0 };
	struct hp_store *st = NULL;
	struct hp_launch early = { .pid = -1, .gate_fd = -1, .err_fd = -1 };
	char path[PATH_MAX], output[PATH_MAX];
	char **targv = NULL;
	int ret = 1, err, rotated = 0;
	struct run_clock clock = { 0, 0 };
	struct run_late_store late = { .rec = &rec, .clock = &clock, .re = &re, .res = &res };

	int r = parse_options(argc, argv, &o);
	if (r)
		return r > 0 ? 0 : 2;
	run_phase(&clock, "start and options");
	run_mpi_detect(&o.mpi);
	if (run_output_expand(o.output ? o.output : o.mpi.rank >= 0 ? "hpprof.%r.db" : "hpprof.db",
			      &o.mpi, output, sizeof(output)))
		return 2;
	o.output = output;
	if (o.s.kill_at_end && !o.s.duration_ns) {
		hp_err("--kill needs --duration");
		return 2;
	}
	if (o.nattach) {
		if (run_attach_check(&o, argc - optind) || !(targv = run_attach_argv(&o)))
			return 2;
	} else if (!(targv = target_argv(&o, argc, argv, path, sizeof(path), &ret))) {
		return ret;
	}
	if (live && (ret = live->check(live->ctx, &o))) {
		free(targv);
		return ret;
	}
	if (o.cache_sim && live) {
		hp_err("%s shows samples as they come: --cache-sim cannot be used", live->name);
		free(targv);
		return 2;
	}
	if (o.cache_sim && (ret = run_cachesim(&o, targv)) != RUN_SAMPLE_INSTEAD) {
		free(targv);
		return ret;           /* simulated (or failed): no sampling */
	}
	if (o.nattach && run_attach_python(&o)) {
		free(targv);
		return 1;
	}
	ret = 1;
	if (run_choose_sampler(&o, targv[0]) || run_offcpu_choose(&o) || run_launch_python(&o) ||
	    run_setup_events(&o, &re) ||
	    run_feed_setup(&o, &feed, targv[0]) ||
	    run_prepare_output(o.output, &rotated, !o.nattach && !o.live))
		goto out;
	run_phase(&clock, "events, previous profile");
	/* Fork the target now, while hpprof's heap is small: every page
	 * present at the fork is copied into the child's page tables, then
	 * write-faulted (a TLB flush each) when hpprof writes it, and torn down
	 * at the child's exec (~2.5 ms of a run of /bin/true when it forked
	 * after the database and the symbolizer were set up:
	 * docs/performance.md, "Fixed cost", wave 8). Not with a preload
	 * stream (its environment and files are made for the child), a live
	 * view (`top` points the child's stdio elsewhere first) nor when
	 * attaching; a failure here is left to the session's own fork. */
	early.argv0 = o.s.argv0;
	if (!o.nattach && !o.live && !feed && !o.s.env && !launch_prepare(&early, targv))
		o.s.launch = &early;
	run_phase(&clock, "fork of the target");
	o.s.fault_event = (int)(re.set.n + 1);
	o.s.offcpu_event = o.s.fault_event + 1;
	/* What ran is in the file's first commit: an interrupted profile says it.
	 * That commit, and SQLite's open, are made once the program runs
	 * (run_create_store), unless attaching or for a live view. */
	if (run_create_store(&o, targv, &late, rotated, &st))
		goto out;
	run_phase(&clock, st ? "store created, first commit" : "store file created");
	err = run_session(&o, targv, st, &warm, &res);
	run_phase(&clock, "session (the program ran)");
	if (err == -HP_ENOPERF && !res.ran &&
	    !run_retry_with_agent(&o, &feed, targv[0], res.perf_errno))
		err = run_session(&o, targv, st, &warm, &res);   /* the target has not run yet */
	if (err && !res.ran) {
		ret = err == -ECANCELED ? 1 :      /* the live view could not start: it said why */
		      o.nattach ? run_attach_error(err, res.perf_errno, res.attach_bad_pid ?
						   res.attach_bad_pid : o.attach[0])
				: exit_for_launch_error(err, targv[0], &o, &res);
		store_close(st);
		st = NULL;
		store_unlink(o.output);
		if (rotated)
			run_undo_rotation(o.output);
		goto out;
	}
	/* From here on the program has run: hpprof exits with its status
	 * whatever happens to the profile (a full disk is said, not hidden
	 * in the status, and so is a database that could not be opened once
	 * the program started: docs/reliability.md). */
	ret = res.detached || o.nattach ? 0 : res.exit_code;   /* -1: it runs on */
	if (late.err)
		goto out;                 /* no database (open_store_late said why) */
	if (err) {
		/* The store failed during the run (the session said why): what
		 * was committed stays; readers finish it when they can. */
		hp_err("'%s' keeps the samples written before the error; `hpprof report %s`"
		       " finishes it once there is room (if you move it, move its '-wal' file"
		       " with it)", o.output, o.output);
		goto out;
	}
	run_write_events(st, &o, &re, &res);
	result_facts(&rec, &o, &res);
	run_unseen_facts(st, &res, &rec);
	if (o.pyremote && !o.agent)          /* the agent's: its off-CPU note (run_offcpu.c) */
		pyremote_facts(o.pyremote, &rec.f);
	if (feed && (err = streamfeed_finish(feed, st, &rec.f)))
		hp_warn("cannot save the allocation data: %s", hp_strerror(err));
	if ((err = run_jit_symbols(st, &rec.f, rec.jit_maps, sizeof(rec.jit_maps))) ||
	    (err = store_write_facts(st, &rec.f)) || (err = store_flush(st))) {
		hp_err("cannot finish database '%s': %s", o.output,
		       hp_strerror(err));
		goto out;
	}
	run_phase(&clock, "facts, JIT maps");
	if ((err = finish_profile(st, warm.sym))) {
		hp_err("cannot finish database '%s': %s", o.output,
		       hp_strerror(err));
		goto out;
	}
	run_phase(&clock, "symbols, statistics, views");
	summary(o.output, &res, st);
	if (!res.detached)      /* it runs on (--duration, -p): said below, not "exited" */
		run_warn_survivors(st);
	run_warn_unseen(&rec);
	if (res.adopted)
		hp_warn("perf lost %llu records (hpprof got too little CPU to drain its rings);"
			" %u processes whose start it lost were taken from their preload streams,"
			" with all their allocations", (unsigned long long)res.lost, res.adopted);
	if (res.detached)
		hp_info("sampling stopped after %.2f s; %s keeps running", (double)res.duration_ns / 1e9,
			o.nattach ? "the process" : "the program");
out:
	if (early.pid > 0)
		launch_abort(&early);         /* forked, never handed to a session */
	run_phase(&clock, "summary, warnings");
	run_release_start(&re, &warm);     /* beside the close's syncs */
	if (st && (err = store_close(st))) {
		hp_err("cannot close database '%s': %s", o.output, hp_strerror(err));
		if (!res.ran && ret == 0)
			ret = 1;
	}
	run_phase(&clock, "store closed");
	run_events_release(&re);
	run_symbols_release(&warm);
	streamfeed_free(feed);
	pyremote_free(o.pyremote);
	free(targv);
	free(o.events_joined);
	run_phase(&clock, "released");
	return ret;
}

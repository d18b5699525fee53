/*
 * cachesim.h - run a program under valgrind's Cachegrind, the cache and
 * branch simulator (hpprof run/stat --cache-sim).
 *
 *   valgrind --tool=cachegrind --cache-sim=yes --branch-sim=yes
 *            --cachegrind-out-file=DIR/cachegrind.out.%p
 *            --log-file=DIR/valgrind.log.%p -v --trace-children=yes
 *            --demangle=no [--I1= --D1= --LL=] -- PROGRAM ARGS
 *
 * The program keeps its standard streams; valgrind's own messages go to
 * the log files in DIR, a private directory made for the run. Every
 * process of the run (forked or exec'd children too) writes its own
 * cachegrind.out.PID there. The run itself is counting mode's
 * (counting_run with no events): fork gated, exec, wait4 for the rusage,
 * stop signals forwarded.
 *
 * This module runs valgrind and reads what it says about itself: its
 * version, the objects it read symbols from (with the debug file it used),
 * and why it could not run the program (an instruction it does not know,
 * such as AVX-512; a fatal start-up error). Parsing the results is the
 * analyzer's (cachegrind.h). Nothing here samples: under valgrind the
 * program runs on a JIT-translated copy, ~20-100x slower, and a sampler
 * would see valgrind's frames, not the program's.
 */
#ifndef HP_CACHESIM_H
#define HP_CACHESIM_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* A simulated cache: what valgrind's --I1/--D1/--LL take. */
struct hp_cache_geom {
	uint64_t size, assoc, line;   /* bytes, ways, bytes; size 0: valgrind's default */
};

struct hp_cachesim_opts {
	const char *valgrind;         /* the valgrind binary (cachesim_find_valgrind) */
	struct hp_cache_geom I1, D1, LL;
	const char *dir;              /* an existing private directory for valgrind's files */
};

struct hp_cachesim_result {
	int ran;                      /* valgrind started (exec succeeded) */
	pid_t pid;                    /* the main process (valgrind runs in it) */
	int wstatus;                  /* its wait status */
	int exit_code;                /* as a shell reports it: code, or 128 + signal */
	int interrupted;              /* a stop signal (Ctrl-C) ended it */
	uint64_t duration_ns;         /* exec to exit, under valgrind */
	double user_s, sys_s;         /* CPU time of valgrind and the program */
	int64_t peak_rss;             /* bytes, of valgrind with the program in it */
	char version[64];             /* "3.19.0", "" when the log did not say */
	char failure[1024];           /* why valgrind could not run the program; "" when it did */
	char warning[512];            /* valgrind's notes worth passing on (cache adjusted) */
};

/* Find the valgrind binary: given (--valgrind PATH) if not NULL, else
 * $HPPROF_VALGRIND, else "valgrind" in $PATH. Writes the resolved path to
 * out. Returns 0, or -ENOENT / -EACCES with the whole message for the user
 * in why ("valgrind is not installed (no 'valgrind' in PATH=...)..."). */
int cachesim_find_valgrind(const char *given, char *out, size_t outlen, char *why,
			   size_t whylen);

/* Parse "SIZE,ASSOC,LINE" (sizes may end in K or M) as valgrind's --LL
 * does, with its checks: line size a power of two >= 16, a power-of-two
 * number of sets. Returns 0 or -EINVAL with the reason in why. */
int cachesim_parse_geom(const char *spec, struct hp_cache_geom *g, char *why, size_t whylen);

/* Run argv (argv[0] resolved) under Cachegrind. Returns 0 when valgrind
 * ran (r->failure says whether it could run the program: a non-empty
 * failure means the results must not be trusted), -EINTR when a stop
 * signal came before it started, else -errno (exec of valgrind failed). */
int cachesim_run(const struct hp_cachesim_opts *o, char *const argv[],
		 struct hp_cachesim_result *r);

/* The results of each process of the run: cb(ctx, pid, path of its
 * cachegrind.out file), the main process first, then by pid. Stops at
 * the first non-zero return of cb and returns it; 0 when done; -errno
 * when dir cannot be read. */
int cachesim_each_output(const char *dir, pid_t main_pid,
			 int (*cb)(void *ctx, pid_t pid, const char *path), void *ctx);

/* The objects valgrind read symbols from in process pid, in load order
 * (the program first): cb(ctx, path, debug) with the separate debug file
 * valgrind used for it, or NULL. Valgrind's own preload libraries are
 * left out. Returns 0, cb's non-zero value, or -errno. */
int cachesim_each_object(const char *dir, pid_t pid,
			 int (*cb)(void *ctx, const char *path, const char *debug), void *ctx);

/* Remove the files a run wrote into dir (cachegrind.out.PID,
 * valgrind.log.PID), then dir itself when it is empty. */
void cachesim_remove_dir(const char *dir);
/* 1 when dir holds files of an earlier run (they would be read as this
 * run's), 0 when not, -errno when it cannot be read. */
int cachesim_dir_has_results(const char *dir);

/* "32768 B, 8-way, 64 B lines" for g into buf. */
void cachesim_geom_text(const struct hp_cache_geom *g, char *buf, size_t len);

#endif

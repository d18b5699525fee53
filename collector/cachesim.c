/*
 * cachesim.c - run a program under valgrind's Cachegrind and read what
 * valgrind says about the run in its log (cachesim.h).
 *
 * Takes an argv and options, produces the run's outcome (wait status,
 * times, valgrind's version, a failure text) and, per process, the paths
 * of Cachegrind's output files and the objects valgrind read symbols from.
 * The logs are valgrind's "-v" output in the run's private directory; they
 * are read line by line with a cap on line length and size, since only a
 * few lines of them matter.
 */
#include "collector/cachesim.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "collector/counting.h"
#include "collector/events.h"
#include "collector/launch.h"

#define LOG_MAX_BYTES (64u << 20)
#define LOG_MAX_LINE  4096

/* --- finding valgrind --- */

int cachesim_find_valgrind(const char *given, char *out, size_t outlen, char *why,
			   size_t whylen)
{
	const char *env = getenv("HPPROF_VALGRIND"), *path = getenv("PATH");
	const char *name = given ? given : env && *env ? env : "valgrind";
	const char *from = given ? "--valgrind" : env && *env ? "HPPROF_VALGRIND" : NULL;
	int err = launch_resolve(name, out, outlen);
	if (!err)
		return 0;
	if (from)
		snprintf(why, whylen, "%s '%s': %s", from, name,
			 err == -ENOENT ? "no such file (or no such program in PATH)"
			 : err == -EISDIR ? "is a directory" : "is not an executable file");
	else
		snprintf(why, whylen, "valgrind is not installed here (no 'valgrind' in PATH=%s)",
			 path ? path : "");
	return err == -ENOENT || err == -EACCES ? err : -ENOENT;
}

/* --- cache geometry --- */

static int is_pow2(uint64_t v)
{
	return v && !(v & (v - 1));
}

static int parse_part(const char **s, uint64_t *v, int sized)
{
	char *end;
	errno = 0;
	unsigned long long n = strtoull(*s, &end, 10);
	if (errno || end == *s || !isdigit((unsigned char)**s))
		return -1;
	if (sized && (*end == 'K' || *end == 'k'))
		n <<= 10, end++;
	else if (sized && *end == 'M')
		n <<= 20, end++;
	*v = n;
	*s = end;
	return 0;
}

int cachesim_parse_geom(const char *spec, struct hp_cache_geom *g, char *why, size_t whylen)
{
	const char *s = spec;
	if (parse_part(&s, &g->size, 1) || *s++ != ',' || parse_part(&s, &g->assoc, 0) ||
	    *s++ != ',' || parse_part(&s, &g->line, 1) || *s) {
		snprintf(why, whylen, "'%s' is not SIZE,ASSOC,LINE (e.g. 8M,16,64)", spec);
		return -EINVAL;
	}
	/* valgrind's own checks (cachegrind's cg_arch.c), said before it runs */
	if (!g->size || !g->assoc || g->size > (1ull << 40))
		snprintf(why, whylen, "'%s': size and associativity must be positive", spec);
	else if (!is_pow2(g->line) || g->line < 16)
		snprintf(why, whylen, "'%s': the line size must be a power of two, at least 16", spec);
	else if (g->size % (g->line * g->assoc) || !is_pow2(g->size / g->line / g->assoc))
		snprintf(why, whylen, "'%s': size / (assoc x line) must be a power of two"
			 " (the number of sets)", spec);
	else
		return 0;
	return -EINVAL;
}

void cachesim_geom_text(const struct hp_cache_geom *g, char *buf, size_t len)
{
	snprintf(buf, len, "%llu B, %llu-way, %llu B lines", (unsigned long long)g->size,
		 (unsigned long long)g->assoc, (unsigned long long)g->line);
}

/* --- reading the logs --- */

/* Call line(ctx, text) for each line of path with valgrind's "==PID== " or
 * "--PID-- " prefix removed (lines without one are passed whole). */
static int each_log_line(const char *path, int (*line)(void *ctx, const char *text), void *ctx)
{
	FILE *f = fopen(path, "re");
	char buf[LOG_MAX_LINE];
	size_t total = 0;
	int ret = 0;
	if (!f)
		return -errno;
	while (!ret && total < LOG_MAX_BYTES && fgets(buf, sizeof(buf), f)) {
		char *t = buf;
		total += strlen(buf);
		buf[strcspn(buf, "\n")] = '\0';
		if ((t[0] == '=' && t[1] == '=') || (t[0] == '-' && t[1] == '-')) {
			char mark = t[0], *p = t + 2;
			while (isdigit((unsigned char)*p))
				p++;
			if (p > t + 2 && p[0] == mark && p[1] == mark)
				t = p[2] == ' ' ? p + 3 : p + 2;
		}
		ret = line(ctx, t);
	}
	fclose(f);
	return ret;
}

static void log_path(const char *dir, pid_t pid, char *buf, size_t len)
{
	snprintf(buf, len, "%s/valgrind.log.%d", dir, (int)pid);
}

/* "Parent PID: N": the process whose parent is hpprof is the main one. */
struct parent_scan { pid_t parent; int found; };

static int scan_parent(void *ctx, const char *t)
{
	struct parent_scan *ps = ctx;
	if (!strncmp(t, "Parent PID: ", 12)) {
		ps->found = atoi(t + 12) == (int)ps->parent;
		return 1;                         /* the line comes once, early */
	}
	return 0;
}

static pid_t numeric_suffix(const char *name, const char *prefix)
{
	size_t n = strlen(prefix);
	if (strncmp(name, prefix, n) || !name[n] || strspn(name + n, "0123456789") != strlen(name + n))
		return -1;
	long v = strtol(name + n, NULL, 10);
	return v > 0 && v <= INT_MAX ? (pid_t)v : -1;
}

static pid_t find_main_pid(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	pid_t found = -1;
	if (!d)
		return -1;
	while (found < 0 && (de = readdir(d))) {
		pid_t pid = numeric_suffix(de->d_name, "valgrind.log.");
		char path[PATH_MAX];
		struct parent_scan ps = { getpid(), 0 };
		if (pid < 0)
			continue;
		log_path(dir, pid, path, sizeof(path));
		each_log_line(path, scan_parent, &ps);
		if (ps.found)
			found = pid;
	}
	closedir(d);
	return found;
}

/* What the main log says: version, failures, cache adjustments. */
struct log_scan {
	struct hp_cachesim_result *r;
	int want_location;            /* the line after "Unrecognised instruction" */
	char insn[128];
	char ll_specified[160];
};

static int scan_log(void *ctx, const char *t)
{
	struct log_scan *ls = ctx;
	struct hp_cachesim_result *r = ls->r;
	const char *p;
	if (ls->want_location) {
		const char *at = t + strspn(t, " "), *where = strstr(at, ": ");
		ls->want_location = 0;
		if (!strncmp(at, "at ", 3) && where)
			snprintf(r->failure, sizeof(r->failure), "valgrind does not know the"
				 " instruction at %s in %s: programs that use AVX-512 or other"
				 " instruction sets newer than valgrind cannot be simulated", ls->insn,
				 where + 2);
		return 0;
	}
	if ((p = strstr(t, "Using Valgrind-")) && !r->version[0])
		snprintf(r->version, sizeof(r->version), "%.*s", (int)strcspn(p + 15, "- "), p + 15);
	else if ((p = strstr(t, "Unrecognised instruction at address "))) {
		p += strlen("Unrecognised instruction at address ");
		snprintf(ls->insn, sizeof(ls->insn), "%.*s", (int)strcspn(p, ". "), p);
		ls->want_location = 1;
		snprintf(r->failure, sizeof(r->failure), "valgrind does not know the instruction at %s"
			 ": programs that use AVX-512 or other instruction sets newer than valgrind"
			 " cannot be simulated", ls->insn);
	} else if (!r->failure[0] && (!strncmp(t, "valgrind: Fatal error", 21) ||
				      !strncmp(t, "valgrind: failed to start tool", 30) ||
				      !strncmp(t, "valgrind: the 'impossible' happened", 35) ||
				      !strncmp(t, "Valgrind's memory management: out of memory", 44))) {
		snprintf(r->failure, sizeof(r->failure), "valgrind failed: %s", t);
	} else if ((p = strstr(t, "warning: specified LL cache: "))) {
		snprintf(ls->ll_specified, sizeof(ls->ll_specified), "%s", p + 29);
	} else if ((p = strstr(t, "warning: simulated LL cache: ")) && ls->ll_specified[0]) {
		snprintf(r->warning, sizeof(r->warning), "valgrind could not simulate this machine's"
			 " last-level cache as reported (%s) and simulates %s instead; choose one with"
			 " --sim-LL SIZE,ASSOC,LINE", ls->ll_specified, p + 29);
	}
	return 0;
}

/* --- the run --- */

static int build_argv(const struct hp_cachesim_opts *o, char *const argv[], char ***out,
		      char (*buf)[PATH_MAX + 64])
{
	size_t n = 0, na = 0;
	while (argv[na])
		na++;
	char **v = calloc(na + 16, sizeof(*v));
	if (!v)
		return -ENOMEM;
	v[n++] = (char *)o->valgrind;
	v[n++] = "--tool=cachegrind";
	v[n++] = "--cache-sim=yes";
	v[n++] = "--branch-sim=yes";
	snprintf(buf[0], sizeof(buf[0]), "--cachegrind-out-file=%s/cachegrind.out.%%p", o->dir);
	v[n++] = buf[0];
	snprintf(buf[1], sizeof(buf[1]), "--log-file=%s/valgrind.log.%%p", o->dir);
	v[n++] = buf[1];
	v[n++] = "-v";
	v[n++] = "--trace-children=yes";
	v[n++] = "--demangle=no";         /* linkage names, as hpprof's symbolizer stores them */
	v[n++] = "--vgdb=no";
	const struct hp_cache_geom *g[3] = { &o->I1, &o->D1, &o->LL };
	static const char *const opt[3] = { "--I1", "--D1", "--LL" };
	for (int k = 0; k < 3; k++)
		if (g[k]->size) {
			snprintf(buf[2 + k], sizeof(buf[2 + k]), "%s=%llu,%llu,%llu", opt[k],
				 (unsigned long long)g[k]->size, (unsigned long long)g[k]->assoc,
				 (unsigned long long)g[k]->line);
			v[n++] = buf[2 + k];
		}
	for (size_t i = 0; i < na; i++)
		v[n++] = argv[i];
	v[n] = NULL;
	*out = v;
	return 0;
}

static void outcome(const struct hp_cachesim_opts *o, struct hp_cachesim_result *r)
{
	char path[PATH_MAX];
	struct log_scan ls = { r, 0, "", "" };
	r->pid = find_main_pid(o->dir);
	if (r->pid < 0) {
		snprintf(r->failure, sizeof(r->failure), "valgrind exited with status %d before"
			 " running the program (its messages are above)", r->exit_code);
		return;
	}
	log_path(o->dir, r->pid, path, sizeof(path));
	each_log_line(path, scan_log, &ls);
	if (o->LL.size)
		r->warning[0] = '\0';       /* about the machine's cache, which was not used */
	snprintf(path, sizeof(path), "%s/cachegrind.out.%d", o->dir, (int)r->pid);
	if (!r->failure[0] && access(path, R_OK) < 0)
		snprintf(r->failure, sizeof(r->failure), "valgrind wrote no results (exit status %d)",
			 r->exit_code);
}

int cachesim_run(const struct hp_cachesim_opts *o, char *const argv[],
		 struct hp_cachesim_result *r)
{
	struct hp_event_set none;
	struct hp_count_run cr = { 0 };
	struct hp_count_signals saved;
	enum hp_count_step step;
	char buf[5][PATH_MAX + 64];
	char **vargv;
	double nothing[1];
	int err;

	memset(r, 0, sizeof(*r));
	r->pid = -1;
	if ((err = build_argv(o, argv, &vargv, buf)))
		return err;
	events_init(&none);
	cr.value = cr.running_pct = cr.running_ns = nothing;
	counting_signals_install(&saved);
	err = counting_run(&none, vargv, NULL, &cr, &step);
	r->interrupted = counting_stop_signal() != 0;
	counting_signals_restore(&saved);
	events_release(&none);
	free(vargv);
	if (err)
		return err;
	r->ran = 1;
	r->wstatus = cr.wstatus;
	r->exit_code = launch_exit_code(cr.wstatus);
	r->duration_ns = (uint64_t)(cr.elapsed_s * 1e9);
	r->user_s = (double)cr.ru.ru_utime.tv_sec + cr.ru.ru_utime.tv_usec / 1e6;
	r->sys_s = (double)cr.ru.ru_stime.tv_sec + cr.ru.ru_stime.tv_usec / 1e6;
	r->peak_rss = (int64_t)cr.ru.ru_maxrss * 1024;
	outcome(o, r);
	return 0;
}

/* --- the results, per process --- */

static int cmp_pid(const void *a, const void *b)
{
	pid_t x = *(const pid_t *)a, y = *(const pid_t *)b;
	return (x > y) - (x < y);
}

int cachesim_each_output(const char *dir, pid_t main_pid,
			 int (*cb)(void *ctx, pid_t pid, const char *path), void *ctx)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	pid_t *pids = NULL;
	size_t n = 0, cap = 0;
	int ret = 0;
	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		pid_t pid = numeric_suffix(de->d_name, "cachegrind.out.");
		if (pid < 0)
			continue;
		if (n == cap) {
			pid_t *np = realloc(pids, (cap = cap ? 2 * cap : 16) * sizeof(*pids));
			if (!np) {
				ret = -ENOMEM;
				break;
			}
			pids = np;
		}
		pids[n++] = pid;
	}
	closedir(d);
	if (!ret && n)
		qsort(pids, n, sizeof(*pids), cmp_pid);
	for (int pass = 0; pass < 2 && !ret; pass++)
		for (size_t i = 0; i < n && !ret; i++) {
			char path[PATH_MAX];
			if ((pass == 0) != (pids[i] == main_pid))
				continue;
			snprintf(path, sizeof(path), "%s/cachegrind.out.%d", dir, (int)pids[i]);
			ret = cb(ctx, pids[i], path);
		}
	free(pids);
	return ret;
}

/* "Reading syms from PATH", then "Considering DEBUG .." and ".. build-id
 * is valid" (or ".. CRC is valid") when a separate debug file was used. */
struct object_scan {
	int (*cb)(void *ctx, const char *path, const char *debug);
	void *ctx;
	char libdir[PATH_MAX];        /* valgrind's own: its tool and preloads */
	char path[PATH_MAX], considering[PATH_MAX], debug[PATH_MAX];
	int pending;
};

static int flush_object(struct object_scan *os)
{
	int ret = 0;
	if (os->pending && !(os->libdir[0] && !strncmp(os->path, os->libdir, strlen(os->libdir))))
		ret = os->cb(os->ctx, os->path, os->debug[0] ? os->debug : NULL);
	os->pending = 0;
	os->debug[0] = os->considering[0] = '\0';
	return ret;
}

static int scan_objects(void *ctx, const char *t)
{
	struct object_scan *os = ctx;
	const char *p;
	if ((p = strstr(t, "Valgrind library directory: ")))
		snprintf(os->libdir, sizeof(os->libdir), "%s/", p + 28);
	if (!strncmp(t, "Reading syms from ", 18)) {
		int ret = flush_object(os);
		snprintf(os->path, sizeof(os->path), "%s", t + 18);
		os->pending = 1;
		return ret;
	}
	if (!os->pending)
		return 0;
	t += strspn(t, " ");
	if (!strncmp(t, "Considering ", 12)) {
		size_t n = strlen(t + 12);
		if (n >= 3 && !strcmp(t + 12 + n - 3, " .."))
			n -= 3;
		snprintf(os->considering, sizeof(os->considering), "%.*s", (int)n, t + 12);
	} else if (!strcmp(t, ".. build-id is valid") || !strcmp(t, ".. CRC is valid")) {
		snprintf(os->debug, sizeof(os->debug), "%s", os->considering);
	}
	return 0;
}

int cachesim_each_object(const char *dir, pid_t pid,
			 int (*cb)(void *ctx, const char *path, const char *debug), void *ctx)
{
	struct object_scan *os = calloc(1, sizeof(*os));
	char path[PATH_MAX];
	int ret;
	if (!os)
		return -ENOMEM;
	os->cb = cb;
	os->ctx = ctx;
	log_path(dir, pid, path, sizeof(path));
	ret = each_log_line(path, scan_objects, os);
	if (!ret)
		ret = flush_object(os);
	free(os);
	return ret;
}

int cachesim_dir_has_results(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int found = 0;
	if (!d)
		return -errno;
	while (!found && (de = readdir(d)))
		found = numeric_suffix(de->d_name, "cachegrind.out.") >= 0 ||
			numeric_suffix(de->d_name, "valgrind.log.") >= 0;
	closedir(d);
	return found;
}

void cachesim_remove_dir(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	if (!d)
		return;
	while ((de = readdir(d))) {
		char path[PATH_MAX];
		if (numeric_suffix(de->d_name, "cachegrind.out.") < 0 &&
		    numeric_suffix(de->d_name, "valgrind.log.") < 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		unlink(path);
	}
	closedir(d);
	rmdir(dir);
}

/*
 * kcommon.c - the shared part of the bundled kernels: option parsing from a
 * table, the validation line, clocks and page-backed temporaries.
 *
 * Nothing here is on a kernel's hot path except ktemp_new/ktemp_free, which
 * the `temporaries` and `jacobi` variants call on purpose (their mmap and
 * munmap frames are part of what hpprof must show); they time themselves
 * (ktruth.c) so that a test knows how much of the run they took.
 */
#include "kernels/kcommon.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

static void usage(const struct kspec *spec, FILE *out)
{
	fprintf(out, "usage: hp-%s [--variant NAME] [--small] [options]\n", spec->name);
	fprintf(out, "%s (%s)\n\nvariants:\n", spec->summary, spec->source);
	for (const struct kvariant *v = spec->variants; v->name; v++)
		fprintf(out, "  %-16s %s%s\n", v->name, v->help,
			v == spec->variants ? " [default]" : "");
	fprintf(out, "\noptions:\n");
	fprintf(out, "  %-24s %s\n", "--variant NAME", "one of the variants above");
	fprintf(out, "  %-24s %s\n", "--small", "test size (well under 0.5 s)");
	for (const struct kopt *o = spec->opts; o && o->name; o++) {
		char flag[64];
		snprintf(flag, sizeof flag, "--%s %s", o->name,
			 o->kind == KOPT_LONG ? "N" : "WORD");
		fprintf(out, "  %-24s %s\n", flag, o->help);
	}
	fprintf(out, "  %-24s %s\n", "--help", "this text");
	if (spec->notes)
		fprintf(out, "\n%s\n", spec->notes);
}

__attribute__((format(printf, 2, 3), noreturn))
static void usage_error(const struct kspec *spec, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "hp-%s: ", spec->name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, " (try --help)\n");
	exit(2);
}

/* A positive integer: "1000", "0x10" or an integral "1e8". 0 on error. */
static long parse_count(const char *s)
{
	char *end;
	errno = 0;
	long long v = strtoll(s, &end, 0);
	if (*end == 'e' || *end == 'E' || *end == '.') {
		double d = strtod(s, &end);
		if (*end || !(d >= 1 && d <= 9.2e18) || d != floor(d))
			return 0;
		return (long)d;
	}
	if (errno || *end || v < 1)
		return 0;
	return (long)v;
}

static int find_variant(const struct kspec *spec, const char *name)
{
	for (int i = 0; spec->variants[i].name; i++)
		if (!strcmp(spec->variants[i].name, name))
			return i;
	return -1;
}

static const struct kopt *find_opt(const struct kspec *spec, const char *name, size_t len)
{
	for (const struct kopt *o = spec->opts; o && o->name; o++)
		if (strlen(o->name) == len && !strncmp(o->name, name, len))
			return o;
	return NULL;
}

static void set_opt(const struct kspec *spec, const struct kopt *o, const char *value)
{
	if (o->kind == KOPT_STRING) {
		*(const char **)o->value = value;
		return;
	}
	long n = parse_count(value);
	if (!n)
		usage_error(spec, "invalid value '%s': expected a positive integer", value);
	*(long *)o->value = n;
}

int kargs_parse(const struct kspec *spec, int argc, char **argv, bool *small)
{
	const char *variant = spec->variants[0].name;

	*small = false;
	for (int i = 1; i < argc; i++) {
		const char *arg = argv[i];
		if (!strcmp(arg, "--help") || !strcmp(arg, "-h")) {
			usage(spec, stdout);
			exit(0);
		}
		if (!strcmp(arg, "--small")) {
			*small = true;
			continue;
		}
		if (strncmp(arg, "--", 2))
			usage_error(spec, "unexpected argument '%s'", arg);
		const char *name = arg + 2, *eq = strchr(name, '=');
		size_t len = eq ? (size_t)(eq - name) : strlen(name);
		const char *value = eq ? eq + 1 : argv[i + 1];
		bool is_variant = len == 7 && !strncmp(name, "variant", 7);
		const struct kopt *o = is_variant ? NULL : find_opt(spec, name, len);
		if (!is_variant && !o)
			usage_error(spec, "unknown option '%s'", arg);
		if (!value)
			usage_error(spec, "option '%s' needs a value", arg);
		if (!eq)
			i++;
		if (is_variant)
			variant = value;
		else
			set_opt(spec, o, value);
	}
	int v = find_variant(spec, variant);
	if (v < 0)
		usage_error(spec, "unknown variant '%s'", variant);
	return v;
}

int kvalidate(const char *kernel, bool ok, const char *fmt, ...)
{
	va_list ap;

	printf("%s: ", kernel);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf(" %s\n", ok ? "OK" : "FAILED");
	fflush(stdout);
	return ok ? 0 : 1;
}

void kout_of_memory(void)
{
	fprintf(stderr, "out of memory\n");
	exit(1);
}

static double clock_seconds(clockid_t id)
{
	struct timespec ts;
	clock_gettime(id, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

double kclock(void)
{
	return clock_seconds(CLOCK_MONOTONIC);
}

double kthread_cputime(void)
{
	return clock_seconds(CLOCK_THREAD_CPUTIME_ID);
}

/* The time spent in ktemp_new and ktemp_free (main thread only). */
static struct ktruth_calls ktemp_new_calls = { "ktemp_new", { 0, 0, 0 }, 0 };
static struct ktruth_calls ktemp_free_calls = { "ktemp_free", { 0, 0, 0 }, 0 };

double *ktemp_new(size_t n)
{
	struct ktruth start;

	ktruth_now(&start);
	void *p = mmap(NULL, n * sizeof(double), PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED) {
		perror("mmap");
		exit(1);
	}
	ktruth_calls_end(&ktemp_new_calls, &start);
	return p;
}

void ktemp_free(double *p, size_t n)
{
	struct ktruth start;

	ktruth_now(&start);
	munmap(p, n * sizeof(double));
	ktruth_calls_end(&ktemp_free_calls, &start);
}

void ktemp_print_truth(const char *kernel)
{
	ktruth_print_calls(kernel, &ktemp_new_calls);
	ktruth_print_calls(kernel, &ktemp_free_calls);
}

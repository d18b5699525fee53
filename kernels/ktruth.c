/*
 * ktruth.c - what a kernel measures about itself, printed as "truth" lines
 * (format: kernels/README.md, "Truth lines").
 *
 * Each reading is the calling thread's CPU time (CLOCK_THREAD_CPUTIME_ID:
 * user + system, only while it runs, so other load on the machine does not
 * change it) and its page faults (getrusage RUSAGE_THREAD). A kernel marks
 * the boundaries of its phases, accumulates the time spent inside a few
 * named functions (the allocation calls tests look for), and its workers
 * read their own totals when they finish. The process line sums every
 * thread (CLOCK_PROCESS_CPUTIME_ID, RUSAGE_SELF), including the start-up
 * before main that no phase covers.
 *
 * Every line is flushed at once, so a fork never duplicates it and a
 * killed kernel loses none.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "kernels/kcommon.h"

#include <stdarg.h>
#include <stdio.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

static double seconds(clockid_t id)
{
	struct timespec ts;
	clock_gettime(id, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

pid_t ktruth_tid(void)
{
	return gettid();
}

void ktruth_now(struct ktruth *t)
{
	struct rusage ru;

	/* The clock first: the getrusage call then falls inside a stretch that
	 * begins here, as it does inside the samples of the region it opens. */
	t->cpu_s = seconds(CLOCK_THREAD_CPUTIME_ID);
	getrusage(RUSAGE_THREAD, &ru);
	t->minflt = ru.ru_minflt;
	t->majflt = ru.ru_majflt;
}

void ktruth_since(struct ktruth *out, const struct ktruth *start)
{
	struct ktruth now;
	struct rusage ru;

	/* The mirror of ktruth_now: faults first, the clock last. */
	getrusage(RUSAGE_THREAD, &ru);
	now.cpu_s = seconds(CLOCK_THREAD_CPUTIME_ID);
	now.minflt = ru.ru_minflt;
	now.majflt = ru.ru_majflt;
	out->cpu_s = now.cpu_s - start->cpu_s;
	out->minflt = now.minflt - start->minflt;
	out->majflt = now.majflt - start->majflt;
}

void ktruth_calls_end(struct ktruth_calls *c, const struct ktruth *start)
{
	struct ktruth d;

	ktruth_since(&d, start);
	c->sum.cpu_s += d.cpu_s;
	c->sum.minflt += d.minflt;
	c->sum.majflt += d.majflt;
	c->calls++;
}

static void print_head(const char *kernel, const char *scope, const char *name, pid_t tid)
{
	printf("truth kernel=%s scope=%s name=%s pid=%d tid=%d", kernel, scope, name, (int)getpid(),
	       (int)tid);
}

static void print_figures(const struct ktruth *t)
{
	printf(" cpu_s=%.6f minflt=%ld majflt=%ld", t->cpu_s, t->minflt, t->majflt);
}

void ktruth_print(const char *kernel, const char *scope, const char *name, pid_t tid,
		  const struct ktruth *t, const char *fmt, ...)
{
	va_list ap;

	print_head(kernel, scope, name, tid);
	print_figures(t);
	if (fmt) {
		putchar(' ');
		va_start(ap, fmt);
		vprintf(fmt, ap);
		va_end(ap);
	}
	putchar('\n');
	fflush(stdout);
}

void ktruth_phase(const char *kernel, const char *name, struct ktruth *mark)
{
	struct ktruth d;

	ktruth_since(&d, mark);
	ktruth_print(kernel, "phase", name, gettid(), &d, NULL);
	ktruth_now(mark);
}

void ktruth_print_calls(const char *kernel, const struct ktruth_calls *c)
{
	if (c->calls)
		ktruth_print(kernel, "calls", c->name, gettid(), &c->sum, "calls=%ld", c->calls);
}

void ktruth_process(const char *kernel, const char *name, const char *fmt, ...)
{
	struct ktruth t;
	struct rusage ru;
	char extra[256] = "";
	va_list ap;

	getrusage(RUSAGE_SELF, &ru);
	t.cpu_s = seconds(CLOCK_PROCESS_CPUTIME_ID);
	t.minflt = ru.ru_minflt;
	t.majflt = ru.ru_majflt;
	if (fmt) {
		extra[0] = ' ';
		va_start(ap, fmt);
		vsnprintf(extra + 1, sizeof extra - 1, fmt, ap);
		va_end(ap);
	}
	ktruth_print(kernel, "process", name, gettid(), &t, "user_s=%.6f sys_s=%.6f%s",
		     (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec * 1e-6,
		     (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec * 1e-6, extra);
}

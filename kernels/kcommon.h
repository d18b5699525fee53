/*
 * kcommon.h - what every bundled kernel shares: a table-driven command line
 * (--variant, --small, --help and the kernel's own options), the validation
 * line, clocks, a small seeded PRNG and page-backed temporaries.
 *
 * It is deliberately small: each kernel keeps its algorithm, its defaults and
 * its ground truth in its own file. Kernels are programs, so the parser may
 * exit: 0 after --help, 2 on a usage error.
 */
#ifndef HP_KCOMMON_H
#define HP_KCOMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/*
 * The functions that tests and kernels/README.md name. They must stay real
 * symbols with exactly that name: not inlined, not cloned (.constprop/.isra),
 * not merged with an identical twin by identical-code folding.
 */
#if defined(__clang__)
#define KERNEL_FN __attribute__((noinline))
#else
#define KERNEL_FN __attribute__((noipa))
#endif

/* Keeps p (and what it points to) alive and opaque to the optimizer. */
#define KESCAPE(p) __asm__ volatile("" : : "r"(p) : "memory")

enum kopt_kind {
	KOPT_LONG,      /* a positive integer, 1e8 notation accepted; 0 = unset */
	KOPT_STRING,    /* a word; NULL = unset */
};

struct kopt {
	const char *name;       /* "width" for --width N */
	enum kopt_kind kind;
	void *value;            /* long * or const char ** */
	const char *help;       /* one line, with the default */
};

struct kvariant {
	const char *name;       /* "expanded" for --variant expanded */
	const char *help;       /* one line: what it does, what hpprof shows */
};

struct kspec {
	const char *name;               /* "julia" (the binary is hp-julia) */
	const char *summary;            /* one line */
	const char *source;             /* book section */
	const struct kvariant *variants;/* ends with {NULL}; the first is the default */
	const struct kopt *opts;        /* terminated by an entry with name NULL */
	const char *notes;              /* extra --help text, or NULL */
};

/*
 * Parses argv against spec: --variant NAME, --small, --help and spec->opts,
 * each as "--opt VALUE" or "--opt=VALUE". Returns the variant's index in
 * spec->variants and sets *small. Exits 0 after --help, 2 on a usage error.
 */
int kargs_parse(const struct kspec *spec, int argc, char **argv, bool *small);

/*
 * Prints the validation line "<kernel>: <message> OK" (or "FAILED") on
 * stdout. Returns the kernel's exit status: 0 when ok, else 1.
 */
int kvalidate(const char *kernel, bool ok, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Reports "out of memory" on stderr and exits 1. */
__attribute__((noreturn)) void kout_of_memory(void);

/* p, or exit when it is NULL. Used as kchecked(malloc(n)), so the allocation
 * site is the caller's own line, not a wrapper's. */
static inline void *kchecked(void *p)
{
	if (!p)
		kout_of_memory();
	return p;
}

/* Seconds on the monotonic clock. */
double kclock(void);

/* CPU seconds used by the calling thread. */
double kthread_cputime(void);

/* A fresh, zero-filled, page-backed array of n doubles from mmap (so every
 * page faults on first touch); exits when the mapping fails. */
double *ktemp_new(size_t n);

/* Returns a ktemp_new array of n doubles to the kernel with munmap. */
void ktemp_free(double *p, size_t n);

/*
 * Truth lines (ktruth.c; format in kernels/README.md): what a kernel knows
 * about its own cost, printed so that a test can compare a profile of the
 * very same run with it.
 */

/* The calling thread's counters: CPU seconds (CLOCK_THREAD_CPUTIME_ID) and
 * page faults (getrusage RUSAGE_THREAD); or a difference of two readings. */
struct ktruth {
	double cpu_s;
	long minflt, majflt;
};

/* Time spent inside the calls of one named function, summed over calls. */
struct ktruth_calls {
	const char *name;       /* the function, as a profile names it */
	struct ktruth sum;
	long calls;
};

/* The calling thread's id (gettid), as profiles record it. */
pid_t ktruth_tid(void);

/* Reads the calling thread's counters into *t. */
void ktruth_now(struct ktruth *t);

/* *out = the calling thread's counters now minus *start. */
void ktruth_since(struct ktruth *out, const struct ktruth *start);

/* Adds the stretch since *start (read with ktruth_now at the entry of the
 * function) to c and counts one call. */
void ktruth_calls_end(struct ktruth_calls *c, const struct ktruth *start);

/* Prints "truth kernel=K scope=S name=N pid=P tid=T cpu_s=.. minflt=..
 * majflt=.." and, when fmt is not NULL, a space and fmt's "key=value" text. */
void ktruth_print(const char *kernel, const char *scope, const char *name, pid_t tid,
		  const struct ktruth *t, const char *fmt, ...)
	__attribute__((format(printf, 6, 7)));

/* Ends the calling thread's phase that began at *mark: prints it (scope
 * phase) and sets *mark to now, where the next phase begins. */
void ktruth_phase(const char *kernel, const char *name, struct ktruth *mark);

/* Prints c (scope calls, with calls=N) when the function was called. */
void ktruth_print_calls(const char *kernel, const struct ktruth_calls *c);

/* Prints the whole process so far (scope process): every thread's CPU time
 * (CLOCK_PROCESS_CPUTIME_ID, start-up before main included) and faults
 * (RUSAGE_SELF), with user_s and sys_s, then fmt's text as ktruth_print.
 * name: "main", or "worker<N>" for a forked worker. */
void ktruth_process(const char *kernel, const char *name, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Prints the calls of ktemp_new and ktemp_free made so far (scope calls). */
void ktemp_print_truth(const char *kernel);

/* splitmix64 (Steele, Lea, Flood 2014): one 64-bit state, full period. */
static inline uint64_t ksplitmix64(uint64_t *state)
{
	uint64_t z = (*state += 0x9E3779B97F4A7C15ull);
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
	return z ^ (z >> 31);
}

/* A uniform double in [0, 1) with 53 random bits. */
static inline double kuniform(uint64_t *state)
{
	return (double)(ksplitmix64(state) >> 11) * 0x1.0p-53;
}

#endif

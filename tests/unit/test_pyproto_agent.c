/*
 * test_pyproto_agent.c - measurement prototype: Python frames read inside the
 * target, in the signal handler of a sampling event (docs/python.md).
 *
 * Built as libpyproto_agent.so and preloaded into python3.11 by
 * tests/fixtures/python/pyproto_agent.sh. When HP_PYPROTO is set and the
 * process is a CPython 3.11, it opens a cpu-clock perf event on itself
 * (sample_period 1 ms, sigtrap: the kernel sends SIGTRAP to the thread at
 * each overflow, synchronously, so the handler sees the state the sample
 * was taken in) and, in the handler:
 *   - takes the thread's Python frames with pysample_take (the module the
 *     agent would use), its own chain read with plain loads
 *     (HP_PYPROTO=direct) or with process_vm_readv on itself
 *     (HP_PYPROTO=syscall: safe_reads, a reader that cannot fault);
 *   - takes the native stack with unw_backtrace (as the preload agent does)
 *     and counts _PyEval_EvalFrameDefault frames: the merge check;
 *   - notes whether the innermost Python frame is compress_phase (compared
 *     on the code object's co_name bytes) and keeps the innermost PCs, so
 *     that at exit samples with libz on the native stack can be checked;
 *   - times itself (CLOCK_MONOTONIC through the vDSO).
 * The event also writes its samples (TID, TIME) to a ring buffer, as the
 * collector's events do: at exit the k-th ring sample is paired with the
 * k-th handler run, to measure whether a perf sample and the Python
 * frames read in its signal handler can be joined exactly (one handler
 * run per sample, in order, and how long after it).
 * At exit it prints one line of figures on stderr. Everything in the
 * handler is async-signal-safe: no malloc, no stdio, no locks.
 */
#define UNW_LOCAL_ONLY
#include <errno.h>
#include <libunwind.h>
#include <linux/perf_event.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "collector/pysample.h"

#ifndef TRAP_PERF
#define TRAP_PERF 6
#endif

enum { MAXREC = 1 << 17, NPC = 24, MAXPY = 256 };

struct rec {
	uint16_t nentry, neval;
	uint8_t compress, walked;
	uint32_t ns;                    /* the whole handler */
	uint32_t take_ns;               /* pysample_take alone */
	uint64_t t0;                    /* when the handler started (CLOCK_MONOTONIC) */
	uint64_t pcs[NPC];
};

enum { RING_PAGES = 256 };

static struct {
	int on, fd;
	void *ring;
	struct pysample ps;
} g;

static struct rec recs[MAXREC];
static atomic_long nrec, nerr;
static __thread struct pysample_thread me;

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int read_direct(void *ctx, uint64_t addr, void *buf, size_t len)
{
	if (addr < 4096)
		return -EFAULT;
	memcpy(buf, (const void *)(uintptr_t)addr, len);
	return 0;
}

/* Is the code object's co_name the ASCII string name? Plain reads. */
static int code_name_is(py_read_fn rd, uint64_t code, const char *name)
{
	const struct py_offsets *o = g.ps.rt.off;
	uint64_t str, len;
	uint32_t state;
	char data[64];
	size_t n = strlen(name);
	if (rd(NULL, code + o->code_name, &str, 8) || rd(NULL, str + o->str_length, &len, 8) ||
	    rd(NULL, str + o->str_state, &state, 4) || len != n || !(state >> o->str_ascii_bit & 1) ||
	    rd(NULL, str + o->str_ascii_data, data, n))
		return 0;
	return !memcmp(data, name, n);
}

static void on_sample(int sig, siginfo_t *si, void *uc)
{
	if (si->si_code != TRAP_PERF)
		return;
	int saved = errno;
	uint64_t t0 = now_ns();
	struct pyframe_raw raw[MAXPY];
	long i = atomic_fetch_add(&nrec, 1);
	if (i >= MAXREC)
		goto out;
	struct rec *r = &recs[i];
	memset(r, 0, sizeof(*r));
	r->t0 = t0;
	int nentry, n = pysample_take(&g.ps, &me, raw, MAXPY, &nentry);
	r->take_ns = (uint32_t)(now_ns() - t0);
	if (n < 0)
		atomic_fetch_add(&nerr, 1);
	if (n <= 0)
		goto done;
	void *pcs[128];
	int np = unw_backtrace(pcs, 128);
	int neval = 0;
	for (int k = 0; k < np; k++) {
		uint64_t pc = (uint64_t)(uintptr_t)pcs[k] - 1;
		neval += pc >= g.ps.rt.eval_start && pc < g.ps.rt.eval_end;
	}
	r->walked = 1;
	r->nentry = (uint16_t)nentry;
	r->neval = (uint16_t)neval;
	r->compress = code_name_is(read_direct, raw[0].code, "compress_phase");
	for (int k = 0; k < np && k < NPC; k++)
		r->pcs[k] = (uint64_t)(uintptr_t)pcs[k];
done:
	r->ns = (uint32_t)(now_ns() - t0);
out:
	errno = saved;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return x < y ? -1 : x > y;
}

/* [lo, hi) of libz's executable mapping, from /proc/self/maps. */
static void libz_range(uint64_t *lo, uint64_t *hi)
{
	char line[1024];
	FILE *f = fopen("/proc/self/maps", "r");
	*lo = *hi = 0;
	while (f && fgets(line, sizeof line, f)) {
		unsigned long long a, b;
		char perms[8];
		if (strstr(line, "libz.so") && sscanf(line, "%llx-%llx %7s", &a, &b, perms) == 3 &&
		    perms[2] == 'x')
			*lo = a, *hi = b;
	}
	if (f)
		fclose(f);
}

/* Pairs the k-th ring sample with the k-th handler run (one thread: both
 * in order) and checks the pairing: every handler run must start after its
 * sample and before the next one. Prints the counts, the pairs that break
 * the order, and the delay from sample to handler. */
static void join_report(long n)
{
	struct perf_event_mmap_page *meta = g.ring;
	const uint8_t *data = (const uint8_t *)g.ring + 4096;
	uint64_t size = RING_PAGES * 4096ull, head = meta->data_head, tail = meta->data_tail;
	static uint64_t when[MAXREC];
	static uint32_t lag[MAXREC];
	long samples = 0, lost = 0, bad = 0;
	if (head - tail > size)
		tail = head - size;
	while (tail < head) {
		struct perf_event_header h;
		uint8_t rec[64];
		for (size_t i = 0; i < sizeof rec; i++)
			rec[i] = data[(tail + i) % size];
		memcpy(&h, rec, sizeof h);
		tail += h.size ? h.size : 8;
		if (h.type == PERF_RECORD_LOST) {
			uint64_t nlost;
			memcpy(&nlost, rec + sizeof h + 8, 8);
			lost += (long)nlost;
		}
		if (h.type == PERF_RECORD_SAMPLE && samples < MAXREC)
			memcpy(&when[samples++], rec + sizeof h + 8, 8);   /* after pid, tid */
	}
	long pairs = samples < n ? samples : n;
	for (long k = 0; k < pairs; k++) {
		int in_order = recs[k].t0 >= when[k] && (k + 1 == samples || recs[k].t0 < when[k + 1]);
		bad += !in_order;
		lag[k] = recs[k].t0 >= when[k] ? (uint32_t)(recs[k].t0 - when[k]) : 0;
	}
	qsort(lag, (size_t)pairs, sizeof lag[0], cmp_u32);
	fprintf(stderr, "agent: ring samples %ld, handler runs %ld, lost %ld; k-th handler run"
		" between sample k and k+1: %ld of %ld pairs; delay sample -> handler median"
		" %.1f us p99 %.1f us max %.1f us\n", samples, n, lost, pairs - bad, pairs,
		pairs ? lag[pairs / 2] / 1e3 : 0, pairs ? lag[pairs * 99 / 100] / 1e3 : 0,
		pairs ? lag[pairs - 1] / 1e3 : 0);
}

__attribute__((destructor)) static void report(void)
{
	if (!g.on)
		return;
	ioctl(g.fd, PERF_EVENT_IOC_DISABLE, 0);
	long n = atomic_load(&nrec) < MAXREC ? atomic_load(&nrec) : MAXREC;
	long walked = 0, unmerged = 0, libz = 0, wrong = 0;
	uint64_t zlo, zhi;
	static uint32_t ns[MAXREC], take[MAXREC];
	libz_range(&zlo, &zhi);
	for (long i = 0; i < n; i++) {
		const struct rec *r = &recs[i];
		ns[i] = r->ns;
		take[i] = r->take_ns;
		if (!r->walked || !r->nentry)
			continue;
		walked++;
		unmerged += r->nentry != r->neval;
		int in_libz = 0;
		for (int k = 0; k < NPC; k++)
			in_libz |= r->pcs[k] >= zlo && r->pcs[k] < zhi;
		libz += in_libz;
		wrong += in_libz && !r->compress;
	}
	static uint32_t sorted[MAXREC];
	memcpy(sorted, ns, (size_t)n * sizeof ns[0]);
	qsort(sorted, (size_t)n, sizeof ns[0], cmp_u32);
	memcpy(ns, sorted, (size_t)n * sizeof ns[0]);
	qsort(take, (size_t)n, sizeof take[0], cmp_u32);
	fprintf(stderr, "agent(%s reads): samples %ld python %ld | unmerged %.2f%% |"
		" libz on stack, Python leaf not compress_phase: %.2f%% of %ld |"
		" handler median %.1f us p90 %.1f us, of which pysample_take median %.1f us"
		" p90 %.1f us | errors %ld\n",
		g.ps.safe_reads ? "syscall" : "direct", n, walked,
		walked ? 100.0 * (double)unmerged / (double)walked : 0,
		libz ? 100.0 * (double)wrong / (double)libz : 0, libz,
		n ? ns[n / 2] / 1e3 : 0, n ? ns[n * 9 / 10] / 1e3 : 0, n ? take[n / 2] / 1e3 : 0,
		n ? take[n * 9 / 10] / 1e3 : 0, atomic_load(&nerr));
	if (g.ring)
		join_report(n);
}

__attribute__((constructor)) static void start(void)
{
	const char *mode = getenv("HP_PYPROTO");
	if (!mode)
		return;
	if (pysample_init(&g.ps))
		return;
	g.ps.safe_reads = !strcmp(mode, "syscall");

	struct sigaction sa = { 0 };
	sa.sa_sigaction = on_sample;
	sa.sa_flags = SA_SIGINFO | SA_RESTART;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTRAP, &sa, NULL);

	struct perf_event_attr a = { 0 };
	a.size = sizeof a;
	a.type = PERF_TYPE_SOFTWARE;
	a.config = PERF_COUNT_SW_CPU_CLOCK;
	a.sample_period = 1000000;              /* 1 ms of CPU: 1 kHz */
	a.sample_type = PERF_SAMPLE_TID | PERF_SAMPLE_TIME;
	a.use_clockid = 1;
	a.clockid = CLOCK_MONOTONIC;
	a.sigtrap = 1;
	a.remove_on_exec = 1;
	a.exclude_kernel = 1;
	a.disabled = 0;
	g.fd = (int)syscall(SYS_perf_event_open, &a, 0, -1, -1, PERF_FLAG_FD_CLOEXEC);
	if (g.fd < 0) {
		fprintf(stderr, "agent: perf_event_open with sigtrap failed: %s\n", strerror(errno));
		return;
	}
	g.ring = mmap(NULL, (RING_PAGES + 1) * 4096ul, PROT_READ | PROT_WRITE, MAP_SHARED, g.fd, 0);
	if (g.ring == MAP_FAILED)
		g.ring = NULL;
	g.on = 1;
}

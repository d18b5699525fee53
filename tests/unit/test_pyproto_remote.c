/*
 * test_pyproto_remote.c - measurement prototype: Python frames read from the
 * target's memory when a perf sample is processed (docs/python.md).
 *
 * Samples python3.11 tests/fixtures/python/mechanism.py at 1 kHz with
 * perf_event_open (cpu-clock, user registers and 16 KiB of stack, as the
 * collector does), drains the ring either as the collector does today
 * (poll with a 10 ms timeout, wake-up watermark at 1/8 of the ring) or
 * woken at every sample, and for each sample, as soon as it is read:
 * unwinds it with hpprof's unwinder, reads the thread's Python frames with
 * pyframes_read, and measures
 *  - delay: reading time - sample time (CLOCK_MONOTONIC);
 *  - check: the merge check of pymerge.h (entry frames == evaluation loop
 *    frames on the native stack), i.e. how often a sample is unmerged;
 *  - moved: the innermost frame at sample time differs from the one read.
 *    The sample-time one is known exactly: the innermost evaluation loop's
 *    _PyCFrame is a local of _PyEval_EvalFrameDefault, so it is in the
 *    sample's stack copy, and its current_frame field is the frame that
 *    was running;
 *  - wrong: (native phase) libz on the native stack but the Python frame
 *    read is not compress_phase, the one that calls zlib.compress.
 * Prints one line per phase and drain mode. Exit 77 when python3.11 or
 * perf_event_open is not available. Not a pass/fail test: run by the bench
 * label (timings), or by hand: test_pyproto_remote [SECONDS [PHASE...]].
 */
#include <errno.h>
#include <linux/perf_event.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>

#include "hp_test.h"
#include "test_py_util.h"
#include "collector/module.h"
#include "collector/procmap.h"
#include "collector/pyframes.h"
#include "collector/pymerge.h"
#include "collector/unwind.h"
#include "common/clock.h"

int main(int argc, char **argv);

enum { RING_PAGES = 512, STACK = 16384, MAXPC = 256, MAXPY = 256 };

struct stats {
	long samples, python, unmerged, anchored, moved, libz, libz_wrong, read_err;
	double delay_sum, read_ns_sum;
	uint64_t delays[200000];
};

struct target {
	pid_t pid;
	uint64_t tstate, libz_lo, libz_hi;
	const struct py_runtime *rt;
	struct pyframes *pf;
	struct hp_unwinder *u;
};

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

/* The executable mapping of libz in pid. */
static void find_libz(struct target *t)
{
	char path[64], line[1024];
	snprintf(path, sizeof path, "/proc/%d/maps", t->pid);
	FILE *f = fopen(path, "r");
	while (f && fgets(line, sizeof line, f)) {
		unsigned long long lo, hi;
		char perms[8];
		if (strstr(line, "libz.so") && sscanf(line, "%llx-%llx %7s", &lo, &hi, perms) == 3 &&
		    perms[2] == 'x') {
			t->libz_lo = lo;
			t->libz_hi = hi;
		}
	}
	if (f)
		fclose(f);
}

static int read_u64(pid_t pid, uint64_t addr, uint64_t *v)
{
	return pywalk_read_remote((void *)(uintptr_t)pid, addr, v, sizeof *v);
}

/* One sample, processed the moment it is drained. */
static void process(struct target *t, struct stats *s, uint32_t tid, uint64_t when,
		    const uint64_t *regs, const uint8_t *stack, uint64_t size)
{
	uint64_t pcs[MAXPC], cf = 0, cur_now = 0;
	struct pyframe f[MAXPY];
	struct pymerge_frame m[MAXPC + MAXPY];
	enum pymerge_status st;
	int complete, nentry;

	uint64_t now = hp_now_ns();
	if (s->samples < (long)(sizeof s->delays / sizeof s->delays[0]))
		s->delays[s->samples] = now > when ? now - when : 0;
	s->delay_sum += now > when ? (double)(now - when) : 0;
	s->samples++;
	enum hp_stack_end end;
	int npcs = unwind_sample(t->u, (uint32_t)t->pid, regs, stack, size, pcs, MAXPC, &end);
	complete = end == HP_STACK_END_OUTERMOST;

	/* the innermost frame at sample time, from the stack copy */
	uint64_t sp = regs[HP_REG_SP], cur_then = 0;
	int anchored = 0;
	if (!read_u64(t->pid, t->tstate + t->rt->off->tstate_cframe, &cf) &&
	    cf >= sp && cf + 16 <= sp + size) {
		memcpy(&cur_then, stack + (cf - sp) + t->rt->off->cframe_current_frame, 8);
		anchored = 1;
	}
	if (cf)
		read_u64(t->pid, cf + t->rt->off->cframe_current_frame, &cur_now);

	uint64_t t0 = hp_now_ns();
	int npy = pyframes_read(t->pf, (uint32_t)t->pid, tid, f, MAXPY, &nentry);
	s->read_ns_sum += (double)(hp_now_ns() - t0);
	if (npy < 0) {
		s->read_err++;
		return;
	}
	if (npy == 0)
		return;
	s->python++;
	pymerge(pcs, npcs, complete, t->rt->eval_start, t->rt->eval_end, f, npy, m,
		MAXPC + MAXPY, &st);
	s->unmerged += st == PYMERGE_UNMERGED;
	s->anchored += anchored;
	s->moved += anchored && cur_then != cur_now;

	int in_libz = 0;
	for (int i = 0; i < npcs; i++)
		in_libz |= pcs[i] >= t->libz_lo && pcs[i] < t->libz_hi;
	int leaf_is_compress = !strcmp(f[0].function, "compress_phase");
	if (!t->libz_lo)
		return;
	if (in_libz) {
		s->libz++;
		s->libz_wrong += !leaf_is_compress;
	}
}

static void drain(struct target *t, struct stats *s, struct perf_event_mmap_page *meta,
		  uint8_t *data, uint64_t size)
{
	static uint8_t rec[65536];
	uint64_t head = __atomic_load_n(&meta->data_head, __ATOMIC_ACQUIRE), tail = meta->data_tail;
	while (tail < head) {
		struct perf_event_header h;
		for (size_t i = 0; i < sizeof h; i++)
			((uint8_t *)&h)[i] = data[(tail + i) % size];
		for (size_t i = 0; i < h.size && i < sizeof rec; i++)
			rec[i] = data[(tail + i) % size];
		tail += h.size;
		if (h.type != PERF_RECORD_SAMPLE)
			continue;
		const uint8_t *p = rec + sizeof h;
		uint64_t ip, when, abi, regs[HP_UNWIND_NREGS], ssize, dyn;
		uint32_t pid_tid[2];
		memcpy(&ip, p, 8), p += 8;
		memcpy(pid_tid, p, 8), p += 8;
		memcpy(&when, p, 8), p += 8;
		memcpy(&abi, p, 8), p += 8;
		if (abi) {
			memcpy(regs, p, sizeof regs);
			p += sizeof regs;
		}
		memcpy(&ssize, p, 8), p += 8;
		const uint8_t *stack = p;
		p += ssize;
		memcpy(&dyn, p, 8);
		if (abi && ssize)
			process(t, s, pid_tid[1], when, regs, stack, dyn);
	}
	__atomic_store_n(&meta->data_tail, tail, __ATOMIC_RELEASE);
}

static int open_sampler(pid_t pid, int per_sample)
{
	struct perf_event_attr a = { 0 };
	a.size = sizeof a;
	a.type = PERF_TYPE_SOFTWARE;
	a.config = PERF_COUNT_SW_CPU_CLOCK;
	a.freq = 1;
	a.sample_freq = 1000;
	a.sample_type = PERF_SAMPLE_IP | PERF_SAMPLE_TID | PERF_SAMPLE_TIME | PERF_SAMPLE_REGS_USER |
			PERF_SAMPLE_STACK_USER;
	a.sample_regs_user = HP_UNWIND_REGS_MASK;
	a.sample_stack_user = STACK;
	a.exclude_callchain_kernel = 1;
	a.use_clockid = 1;
	a.clockid = CLOCK_MONOTONIC;
	a.disabled = 1;
	if (per_sample) {
		a.wakeup_events = 1;
	} else {
		a.watermark = 1;
		a.wakeup_watermark = RING_PAGES * 4096 / 8;
	}
	return (int)syscall(SYS_perf_event_open, &a, pid, -1, -1, PERF_FLAG_FD_CLOEXEC);
}

static int run_one(const char *phase, double seconds, int per_sample, struct stats *s)
{
	char fixture[4096], secs[32], line[64];
	snprintf(secs, sizeof secs, "%g", seconds);
	char *argv[] = { (char *)PY311, (char *)py_fixture("mechanism.py", fixture, sizeof fixture),
			 (char *)"--phase", (char *)phase, (char *)"--seconds", secs, (char *)"--wait",
			 NULL };
	struct pyproc_child c;
	struct target t = { 0 };
	struct hp_module_cache *mc = NULL;
	struct hp_procmaps *pm = NULL;
	int fd = -1, rc = -1;

	memset(s, 0, sizeof(*s));
	if (py_spawn(argv, &c) || !fgets(line, sizeof line, c.out) || strcmp(line, "READY\n"))
		return -1;
	t.pid = c.pid;
	if (pyframes_new(&t.pf) || pyframes_runtime(t.pf, (uint32_t)t.pid, &t.rt) || !t.rt->off ||
	    pywalk_find_tstate(t.rt, pywalk_read_remote, (void *)(uintptr_t)t.pid,
				 (uint32_t)t.pid, &t.tstate))
		goto out;
	find_libz(&t);
	if (modcache_new(&mc) || procmaps_new(mc, &pm) || unwinder_new(pm, &t.u) ||
	    procmaps_load_proc(pm, (uint32_t)t.pid))
		goto out;
	if ((fd = open_sampler(t.pid, per_sample)) < 0) {
		rc = 77;
		goto out;
	}
	size_t len = (RING_PAGES + 1) * 4096;
	void *ring = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (ring == MAP_FAILED)
		goto out;
	ioctl(fd, PERF_EVENT_IOC_ENABLE, 0);
	if (write(c.in, "go\n", 3) != 3)
		goto unmap;
	for (;;) {
		struct pollfd pfd = { fd, POLLIN, 0 };
		poll(&pfd, 1, 10);
		drain(&t, s, ring, (uint8_t *)ring + 4096, RING_PAGES * 4096);
		int st;
		if (waitpid(c.pid, &st, WNOHANG) == c.pid) {
			drain(&t, s, ring, (uint8_t *)ring + 4096, RING_PAGES * 4096);
			c.pid = 0;
			break;
		}
	}
	rc = 0;
unmap:
	munmap(ring, len);
out:
	if (fd >= 0)
		close(fd);
	unwinder_free(t.u);
	procmaps_free(pm);
	modcache_free(mc);
	pyframes_free(t.pf);
	if (c.pid)
		py_finish(&c);
	else {
		close(c.in);
		fclose(c.out);
	}
	return rc;
}

static void report(const char *phase, int per_sample, struct stats *s)
{
	long n = s->samples < (long)(sizeof s->delays / sizeof s->delays[0]) ? s->samples
		 : (long)(sizeof s->delays / sizeof s->delays[0]);
	qsort(s->delays, (size_t)n, sizeof s->delays[0], cmp_u64);
	double pct = s->python ? 100.0 / (double)s->python : 0;
	printf("%-8s %-14s samples %5ld python %5ld | delay median %7.3f ms p90 %7.3f ms |"
	       " unmerged %5.2f%% | leaf moved %5.2f%% (of %ld anchored) | read %5.1f us",
	       phase, per_sample ? "wake/sample" : "poll 10 ms", s->samples, s->python,
	       n ? (double)s->delays[n / 2] / 1e6 : 0, n ? (double)s->delays[n * 9 / 10] / 1e6 : 0,
	       (double)s->unmerged * pct, s->anchored ? 100.0 * (double)s->moved / (double)s->anchored : 0,
	       s->anchored, s->samples ? s->read_ns_sum / (double)s->samples / 1e3 : 0);
	if (s->libz)
		printf(" | libz on stack, Python leaf not compress_phase: %.2f%% of %ld",
		       100.0 * (double)s->libz_wrong / (double)s->libz, s->libz);
	printf(" | errors %ld\n", s->read_err);
}

int main(int argc, char **argv)
{
	static struct stats s;
	static const char *all[] = { "pure", "callback", "native" };
	double seconds = argc > 1 ? atof(argv[1]) : 2.0;
	const char **phases = argc > 2 ? (const char **)argv + 2 : all;
	int nphases = argc > 2 ? argc - 2 : 3;

	if (access(PY311, X_OK))
		SKIP(PY311 " is not installed");
	for (int i = 0; i < nphases; i++) {
		for (int per_sample = 0; per_sample < 2; per_sample++) {
			int rc = run_one(phases[i], seconds, per_sample, &s);
			if (rc == 77)
				SKIP("perf_event_open is not available");
			if (rc) {
				fprintf(stderr, "phase %s: the prototype could not run\n", phases[i]);
				return 1;
			}
			report(phases[i], per_sample, &s);
			fflush(stdout);
		}
	}
	return 0;
}

/*
 * test_unwind_perf.c - unwinding real perf samples of a child process.
 *
 * A forked child spins in main -> spin_outer -> spin_deep x 12 -> spin_mid ->
 * spin_leaf (which also calls clock_gettime, i.e. the vDSO), and a thread of
 * it in spin_thread -> spin_mid -> spin_leaf (its stack ends at clone3).
 * cpu-clock sampling events with REGS_USER and STACK_USER, as the collector
 * opens them, sample both threads; the rings are drained and the records
 * parsed by the collector's own code (perf_ring, perf_record), the samples are
 * unwound against /proc/CHILD/maps, and at least 95% must be complete and
 * contain spin_leaf, and main for the main thread. The step-rule cache must
 * give the same stacks as plain unw_step(). The unwinding rate (samples/s)
 * is printed, not checked. Exits 77 when perf_event_open is refused.
 */
#include <dlfcn.h>
#include <errno.h>
#include <linux/perf_event.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <pthread.h>
#include <time.h>
#include <unistd.h>

#include "hp_test.h"
#include "collector/perf_record.h"
#include "collector/perf_ring.h"
#include "collector/unwind.h"
#include "common/log.h"

#define STACK_DUMP   16384
#define RING_PAGES   256            /* data pages, a power of two */
#define WANT_SAMPLES 300
#define MAX_FRAMES   128
#define RATE_ROUNDS  30             /* unwinds of each sample for the rate */
#define SAMPLE_TYPE  (PERF_SAMPLE_IP | PERF_SAMPLE_TID | PERF_SAMPLE_TIME | \
		      PERF_SAMPLE_REGS_USER | PERF_SAMPLE_STACK_USER)

struct sample {
	uint32_t pid, tid;
	uint64_t regs[HP_UNWIND_NREGS];
	uint8_t *stack;
	uint64_t stack_size;
};

static struct sample samples[WANT_SAMPLES];
static int nsamples;
static volatile uint64_t sink;

/* ---- the child -------------------------------------------------------- */

__attribute__((noipa)) void spin_leaf(void);
__attribute__((noipa)) void spin_leaf(void)
{
	struct timespec ts;

	for (;;) {
		for (volatile int i = 0; i < 300; i++)
			sink += (uint64_t)i;
		clock_gettime(CLOCK_MONOTONIC, &ts);
		sink += (uint64_t)ts.tv_nsec;
	}
}

__attribute__((noipa)) int spin_mid(int x);
__attribute__((noipa)) int spin_mid(int x)
{
	spin_leaf();
	return x + 1;
}

/* Recursion makes the stacks 20 frames deep, a typical depth; the call
 * through a volatile pointer keeps GCC from turning it into a loop. */
__attribute__((noipa)) int spin_deep(int depth);
static int (*volatile spin_deep_ptr)(int) = spin_deep;
__attribute__((noipa)) int spin_deep(int depth)
{
	return (depth ? spin_deep_ptr(depth - 1) : spin_mid(depth)) + 1;
}

__attribute__((noipa)) int spin_outer(int x);
__attribute__((noipa)) int spin_outer(int x)
{
	return spin_deep(x) * 3;
}

/* The second thread: tells its tid through the pipe, then spins. */
__attribute__((noipa)) void *spin_thread(void *arg);
__attribute__((noipa)) void *spin_thread(void *arg)
{
	pid_t tid = gettid();

	if (write(*(int *)arg, &tid, sizeof(tid)) != sizeof(tid))
		return NULL;
	spin_mid(0);
	return NULL;
}

/* The forked child: never returns. */
static void run_child(int tid_fd)
{
	pthread_t t;

	if (pthread_create(&t, NULL, spin_thread, &tid_fd))
		_exit(1);
	spin_outer(11);
	_exit(0);
}

/* ---- perf ------------------------------------------------------------- */

static int open_event(pid_t pid)
{
	struct perf_event_attr a;

	memset(&a, 0, sizeof(a));
	a.size = sizeof(a);
	a.type = PERF_TYPE_SOFTWARE;
	a.config = PERF_COUNT_SW_CPU_CLOCK;
	a.sample_period = 250000;      /* ns: 4 kHz */
	a.sample_type = SAMPLE_TYPE;
	a.sample_regs_user = HP_UNWIND_REGS_MASK;
	a.sample_stack_user = STACK_DUMP;
	a.exclude_kernel = 1;
	a.exclude_hv = 1;
	a.disabled = 1;
	return (int)syscall(SYS_perf_event_open, &a, pid, -1, -1, PERF_FLAG_FD_CLOEXEC);
}

static const struct hp_perf_format sample_format = {
	.sample_type = SAMPLE_TYPE,
	.nregs = HP_UNWIND_NREGS,
};

/* Keep one PERF_RECORD_SAMPLE, parsed by the collector's parser (an
 * hp_ring_fn: the drain hands over records in time order). */
static void keep_sample(void *ctx, unsigned ring, const uint8_t *rec, uint32_t size, uint64_t t)
{
	struct sample *s = &samples[nsamples];
	struct hp_perf_sample ps;
	int *bad = ctx;

	if (nsamples >= WANT_SAMPLES ||
	    ((const struct perf_event_header *)rec)->type != PERF_RECORD_SAMPLE)
		return;
	if (perf_parse_sample(rec, size, &sample_format, &ps)) {
		(*bad)++;
		return;
	}
	if (!ps.regs || !ps.stack)
		return;
	memcpy(s->regs, ps.regs, sizeof(s->regs));
	s->pid = ps.pid;
	s->tid = ps.tid;
	s->stack_size = ps.stack_dyn_size;
	if (!(s->stack = malloc(s->stack_size ? s->stack_size : 1)))
		return;
	memcpy(s->stack, ps.stack, s->stack_size);
	nsamples++;
}

/* Sample the threads until WANT_SAMPLES are kept or 5 s have passed,
 * draining the rings as the collector does. Returns 0, or -1 on a
 * malformed record. */
static int record(struct hp_ring *rings, int nrings)
{
	struct hp_ring_reader rd = { 0 };
	int err = 0, bad = 0, r;

	for (r = 0; r < nrings; r++) {
		if ((err = ring_map(&rings[r], rings[r].fd, RING_PAGES)))
			goto out_unmap;
	}
	for (r = 0; r < nrings; r++)
		ioctl(rings[r].fd, PERF_EVENT_IOC_ENABLE, 0);
	for (int i = 0; i < 500 && nsamples < WANT_SAMPLES && !err; i++) {
		usleep(10000);
		err = ring_drain(&rd, rings, (unsigned)nrings, SAMPLE_TYPE, keep_sample, &bad);
	}
	for (r = 0; r < nrings; r++)
		ioctl(rings[r].fd, PERF_EVENT_IOC_DISABLE, 0);
	if (bad || rd.bad) {
		fprintf(stderr, "%d samples did not parse, %llu bad headers\n", bad,
			(unsigned long long)rd.bad);
		err = -1;
	}
out_unmap:
	while (r-- > 0)
		ring_unmap(&rings[r]);
	ring_reader_release(&rd);
	return err;
}

/* ---- checking --------------------------------------------------------- */

static const char *sym_of(uint64_t pc)
{
	Dl_info di;

	return dladdr((void *)(uintptr_t)pc, &di) && di.dli_sname ? di.dli_sname : "?";
}

static int has_sym(const uint64_t *pcs, int n, const char *name)
{
	for (int i = 0; i < n; i++)
		if (!strcmp(sym_of(pcs[i]), name))
			return 1;
	return 0;
}

static void print_stack(const uint64_t *pcs, int n, int complete)
{
	fprintf(stderr, "bad sample (%d frames%s):\n", n, complete ? ", complete" : "");
	for (int i = 0; i < n; i++)
		fprintf(stderr, "  #%d %#lx %s\n", i, (unsigned long)pcs[i], sym_of(pcs[i]));
}

static void check_samples(struct hp_unwinder *u)
{
	uint64_t pcs[MAX_FRAMES];
	int good = 0, printed = 0, in_thread = 0, in_vdso = 0;

	for (int i = 0; i < nsamples; i++) {
		const struct sample *s = &samples[i];
		enum hp_stack_end end;
		int n = unwind_sample(u, s->pid, s->regs, s->stack, s->stack_size,
					   pcs, MAX_FRAMES, &end);
		int complete = end == HP_STACK_END_OUTERMOST;
		int thread = s->tid != s->pid;
		int ok = complete && has_sym(pcs, n, "spin_leaf") &&
			 has_sym(pcs, n, thread ? "spin_thread" : "main");
		good += ok;
		in_thread += thread;
		in_vdso += !strcmp(sym_of(pcs[0]), "?") || strstr(sym_of(pcs[0]), "clock_gettime");
		if (!ok && printed++ < 3)
			print_stack(pcs, n, complete);
	}
	printf("%d samples (%d of the second thread, %d in the vDSO or libc): "
	       "%d complete with the expected frames (%.1f%%)\n", nsamples, in_thread, in_vdso,
	       good, 100.0 * good / (nsamples ? nsamples : 1));
	CHECK(nsamples >= 50);
	CHECK(in_thread > 0 && in_thread < nsamples);
	CHECK(good * 100 >= nsamples * 95);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* The step-rule cache must not change any result of plain unw_step(). */
static void check_same_as_unw_step(struct hp_unwinder *u)
{
	uint64_t a[MAX_FRAMES], b[MAX_FRAMES];
	int same = 0;

	for (int i = 0; i < nsamples; i++) {
		const struct sample *s = &samples[i];
		enum hp_stack_end ca, cb;
		int na, nb;
		unwinder_use_rules(u, 0);
		na = unwind_sample(u, s->pid, s->regs, s->stack, s->stack_size, a, MAX_FRAMES, &ca);
		unwinder_use_rules(u, 1);
		nb = unwind_sample(u, s->pid, s->regs, s->stack, s->stack_size, b, MAX_FRAMES, &cb);
		same += na == nb && ca == cb && !memcmp(a, b, (size_t)na * sizeof(a[0]));
	}
	CHECK_EQ_INT(same, nsamples);
}

static void print_rate(struct hp_unwinder *u, const char *how)
{
	uint64_t pcs[MAX_FRAMES], frames = 0;
	double t0 = now(), dt;
	enum hp_stack_end end;

	for (int r = 0; r < RATE_ROUNDS; r++)
		for (int i = 0; i < nsamples; i++)
			frames += (uint64_t)unwind_sample(u, samples[i].pid, samples[i].regs,
							   samples[i].stack, samples[i].stack_size,
							   pcs, MAX_FRAMES, &end);
	dt = now() - t0;
	printf("unwind rate (%s): %.0f samples/s (%.2f us/sample, %.1f frames/sample)\n",
	       how, RATE_ROUNDS * nsamples / dt, dt * 1e6 / (RATE_ROUNDS * nsamples),
	       (double)frames / (RATE_ROUNDS * nsamples));
}

static void stop_child(pid_t child)
{
	int st;

	kill(child, SIGKILL);
	waitpid(child, &st, 0);
}

/* Open one event per thread; exits 77 when perf_event_open is refused. */
static int open_events(pid_t child, pid_t tid, struct hp_ring *rings)
{
	pid_t who[2] = { child, tid };

	for (int i = 0; i < 2; i++) {
		if ((rings[i].fd = open_event(who[i])) >= 0)
			continue;
		int err = errno;
		if (i)
			close(rings[0].fd);
		stop_child(child);
		if (err == EACCES || err == EPERM || err == ENOENT || err == ENOSYS) {
			printf("SKIP: perf_event_open: %s\n", strerror(err));
			exit(77);
		}
		fprintf(stderr, "perf_event_open: %s\n", strerror(err));
		return -1;
	}
	return 0;
}

int main(void)
{
	struct hp_module_cache *mc;
	struct hp_procmaps *pm;
	struct hp_unwinder *u;
	struct hp_ring rings[2];
	pid_t child, tid;
	int tid_pipe[2];

	if (getenv("HP_DEBUG"))
		hp_log_parse_debug(getenv("HP_DEBUG"));
	if (pipe(tid_pipe))
		SKIP("pipe failed");
	if ((child = fork()) < 0)
		SKIP("fork failed");
	if (child == 0)
		run_child(tid_pipe[1]);
	if (read(tid_pipe[0], &tid, sizeof(tid)) != sizeof(tid)) {
		stop_child(child);
		fprintf(stderr, "the child did not start its thread\n");
		return 1;
	}
	if (open_events(child, tid, rings))
		return 1;

	CHECK(modcache_new(&mc) == 0);
	CHECK(procmaps_new(mc, &pm) == 0);
	CHECK(unwinder_new(pm, &u) == 0);
	CHECK(procmaps_load_proc(pm, (uint32_t)child) == 0);
	CHECK(record(rings, 2) == 0);
	close(rings[0].fd);
	close(rings[1].fd);
	stop_child(child);

	check_samples(u);
	check_same_as_unw_step(u);
	if (nsamples) {
		print_rate(u, "step rules");
		unwinder_use_rules(u, 0);
		print_rate(u, "unw_step");
	}

	for (int i = 0; i < nsamples; i++)
		free(samples[i].stack);
	unwinder_free(u);
	procmaps_free(pm);
	modcache_free(mc);
	return hp_test_result();
}

/*
 * test_pysample_lib.c - collector/pysample.c inside a real python3.11: a
 * library that tests/fixtures/python/pysample_check.py loads with ctypes.
 *
 *   hp_take(codes, offsets, flags, max): the calling thread's frames, taken
 *     by pysample_take and packed (pysample_pack), for Python to compare
 *     with its own frames (id(frame.f_code), frame.f_lasti).
 *   hp_sampler_start(period_us) / hp_sampler_stop(stats): pysample_take in
 *     the SIGTRAP handler of a sigtrap cpu-clock perf event on the calling
 *     thread, with unw_backtrace counting _PyEval_EvalFrameDefault frames
 *     (the merge check of pymerge.h); stats = samples, samples with Python
 *     frames, samples whose entry frames match the evaluation loop frames,
 *     read errors (reads that faulted, under collector/faultguard.c, among
 *     them).
 * Never sanitized: it runs inside python3.11.
 */
#define UNW_LOCAL_ONLY
#include <errno.h>
#include <libunwind.h>
#include <linux/perf_event.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "collector/faultguard.h"
#include "collector/pysample.h"

#ifndef TRAP_PERF
#define TRAP_PERF 6
#endif

#define EXPORT __attribute__((visibility("default")))

int hp_take(uint64_t *codes, int32_t *offsets, uint32_t *flags, int max);
int hp_sampler_start(int period_us);
int hp_sampler_stop(long *stats);

static struct pysample ps;
static int ps_status = 1;                 /* 1: not initialized yet */
static __thread struct pysample_thread me;
static atomic_long n_samples, n_python, n_consistent, n_errors;
static int sampler_fd = -1;

static int init(void)
{
	if (ps_status == 1)
		ps_status = pysample_init(&ps);
	return ps_status;
}

EXPORT int hp_take(uint64_t *codes, int32_t *offsets, uint32_t *flags, int max)
{
	struct pyframe_raw raw[PYFRAMES_MAX];
	struct pysample_frame packed[PYFRAMES_MAX];
	int nentry, err = init();
	if (err)
		return err;
	int n = pysample_take(&ps, &me, raw, max < PYFRAMES_MAX ? max : PYFRAMES_MAX, &nentry);
	if (n <= 0)
		return n;
	pysample_pack(ps.rt.off, raw, n, packed);
	for (int i = 0; i < n; i++) {
		codes[i] = packed[i].code;
		offsets[i] = packed[i].offset;
		flags[i] = packed[i].flags;
	}
	return n;
}

static void on_sample(int sig, siginfo_t *si, void *uc)
{
	struct pyframe_raw raw[PYFRAMES_MAX];
	void *pcs[256];
	int nentry, saved = errno;

	if (si->si_code != TRAP_PERF)
		return;
	atomic_fetch_add(&n_samples, 1);
	int n = pysample_take(&ps, &me, raw, PYFRAMES_MAX, &nentry);
	if (n < 0)
		atomic_fetch_add(&n_errors, 1);
	if (n > 0) {
		atomic_fetch_add(&n_python, 1);
		int np = unw_backtrace(pcs, 256), neval = 0;
		for (int i = 0; i < np; i++) {
			uint64_t pc = (uint64_t)(uintptr_t)pcs[i] - 1;
			neval += pc >= ps.rt.eval_start && pc < ps.rt.eval_end;
		}
		if (neval == nentry)
			atomic_fetch_add(&n_consistent, 1);
	}
	errno = saved;
}

EXPORT int hp_sampler_start(int period_us)
{
	int err = init();
	if (err)
		return err;
	if ((err = faultguard_install()))
		return err;
	struct sigaction sa = { 0 };
	sa.sa_sigaction = on_sample;
	sa.sa_flags = SA_SIGINFO | SA_RESTART;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGTRAP, &sa, NULL))
		return -errno;
	struct perf_event_attr a = { 0 };
	a.size = sizeof a;
	a.type = PERF_TYPE_SOFTWARE;
	a.config = PERF_COUNT_SW_CPU_CLOCK;
	a.sample_period = (uint64_t)period_us * 1000;
	a.sigtrap = 1;
	a.remove_on_exec = 1;
	a.exclude_kernel = 1;
	sampler_fd = (int)syscall(SYS_perf_event_open, &a, 0, -1, -1, PERF_FLAG_FD_CLOEXEC);
	return sampler_fd < 0 ? -errno : 0;
}

EXPORT int hp_sampler_stop(long *stats)
{
	if (sampler_fd >= 0) {
		ioctl(sampler_fd, PERF_EVENT_IOC_DISABLE, 0);
		close(sampler_fd);
		sampler_fd = -1;
	}
	stats[0] = atomic_load(&n_samples);
	stats[1] = atomic_load(&n_python);
	stats[2] = atomic_load(&n_consistent);
	stats[3] = atomic_load(&n_errors);
	return 0;
}

/*
 * stackcopy.c - what the kernel's copy of the user stack costs the sampled
 * program, by copy size, without hpprof's own work (no unwinding, nothing
 * stored): the program runs under cpu-clock sampling events opened as
 * `hpprof run` opens them (one per CPU, inherit, enable_on_exec, REGS_USER +
 * STACK_USER of SIZE bytes), their rings are drained and the records
 * dropped. Prints the program's own CPU time (rusage of the child: user +
 * system) and wall time, the samples, the bytes the kernel really copied per
 * sample (dyn_size) and lost records.
 *
 *   stackcopy SIZE FREQ PROG [ARGS...]     SIZE 0: registers only;
 *                                          SIZE -1: no sampling at all
 *
 * bench/stackcopy.sh runs it over sizes and stack depths, interleaved.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <linux/perf_event.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_CPUS   64
#define RING_PAGES 1024                /* 4 MiB, as hpprof's rings */
#define REGS_MASK  0xff0fffULL         /* hpprof's HP_UNWIND_REGS_MASK */

struct ring {
	int fd;
	struct perf_event_mmap_page *meta;
	uint8_t *data;
	uint64_t size;
};

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static uint64_t samples, lost, copied;

/* Walk the new records; a SAMPLE's dyn_size is its last word. */
static void drain(struct ring *r)
{
	uint64_t head = __atomic_load_n(&r->meta->data_head, __ATOMIC_ACQUIRE);
	uint64_t pos = r->meta->data_tail;
	while (pos < head) {
		struct perf_event_header h;
		for (size_t i = 0; i < sizeof(h); i++)
			((uint8_t *)&h)[i] = r->data[(pos + i) % r->size];
		if (h.size < sizeof(h))
			break;
		if (h.type == PERF_RECORD_SAMPLE) {
			uint64_t dyn = 0;
			for (size_t i = 0; i < 8; i++)
				((uint8_t *)&dyn)[i] = r->data[(pos + h.size - 8 + i) % r->size];
			samples++;
			copied += dyn;
		} else if (h.type == PERF_RECORD_LOST) {
			uint64_t n = 0;
			for (size_t i = 0; i < 8; i++)
				((uint8_t *)&n)[i] = r->data[(pos + 16 + i) % r->size];
			lost += n;
		}
		pos += h.size;
	}
	__atomic_store_n(&r->meta->data_tail, head, __ATOMIC_RELEASE);
}

int main(int argc, char **argv)
{
	if (argc < 4) {
		fprintf(stderr, "usage: stackcopy SIZE FREQ PROG [ARGS...]\n");
		return 2;
	}
	long size = atol(argv[1]);
	long freq = atol(argv[2]);
	int gate[2];
	if (pipe(gate) < 0)
		return 1;
	pid_t pid = fork();
	if (pid == 0) {
		char c;
		close(gate[1]);
		if (read(gate[0], &c, 1) < 0)
			_exit(127);
		execvp(argv[3], argv + 3);
		_exit(127);
	}
	close(gate[0]);
	struct ring rings[MAX_CPUS];
	int n = 0, ncpu = (int)sysconf(_SC_NPROCESSORS_CONF);
	for (int cpu = 0; size >= 0 && cpu < ncpu && cpu < MAX_CPUS; cpu++) {
		struct perf_event_attr a;
		memset(&a, 0, sizeof(a));
		a.size = sizeof(a);
		a.type = PERF_TYPE_SOFTWARE;
		a.config = PERF_COUNT_SW_CPU_CLOCK;
		a.freq = 1;
		a.sample_freq = (uint64_t)freq;
		a.sample_type = PERF_SAMPLE_IP | PERF_SAMPLE_TID | PERF_SAMPLE_TIME |
				PERF_SAMPLE_REGS_USER | (size ? PERF_SAMPLE_STACK_USER : 0);
		a.sample_regs_user = REGS_MASK;
		a.sample_stack_user = (uint32_t)size;
		a.exclude_kernel = 1;
		a.exclude_hv = 1;
		a.inherit = 1;
		a.disabled = 1;
		a.enable_on_exec = 1;
		a.sample_id_all = 1;
		a.use_clockid = 1;
		a.clockid = CLOCK_MONOTONIC;
		a.watermark = 1;
		a.wakeup_watermark = RING_PAGES * 4096 / 8;
		int fd = (int)syscall(SYS_perf_event_open, &a, pid, cpu, -1, PERF_FLAG_FD_CLOEXEC);
		if (fd < 0) {
			fprintf(stderr, "stackcopy: perf_event_open on cpu %d: %s\n", cpu,
				strerror(errno));
			continue;
		}
		void *p = mmap(NULL, (RING_PAGES + 1) * 4096ul, PROT_READ | PROT_WRITE, MAP_SHARED,
			       fd, 0);
		if (p == MAP_FAILED) {
			fprintf(stderr, "stackcopy: mmap: %s\n", strerror(errno));
			return 1;
		}
		rings[n++] = (struct ring){ fd, p, (uint8_t *)p + 4096, RING_PAGES * 4096ul };
	}
	double t0 = now();
	if (write(gate[1], "x", 1) != 1)
		return 1;
	close(gate[1]);
	int status;
	struct rusage ru;
	for (;;) {
		pid_t w = wait4(pid, &status, WNOHANG, &ru);
		for (int i = 0; i < n; i++)
			drain(&rings[i]);
		if (w == pid)
			break;
		poll(NULL, 0, 2);
	}
	double wall = now() - t0;
	double cpu = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
		     (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
	printf("size=%ld freq=%ld cpu_s=%.4f wall_s=%.4f samples=%llu copied_per_sample=%.0f"
	       " lost=%llu\n", size, freq, cpu, wall, (unsigned long long)samples,
	       samples ? (double)copied / (double)samples : 0.0, (unsigned long long)lost);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}

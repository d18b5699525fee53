/*
 * memwatch.c - the RSS poller thread (memwatch.h). One mutex guards the
 * process list and the queue; the thread holds it only while it reads the
 * statm files of one round (a few microseconds per process).
 *
 * The fast path is statm (resident and shared pages, one pread of a kept
 * fd). /proc/PID/status, whose RssAnon/RssFile/RssShmem split the reading
 * and whose VmHWM is the kernel's own high-water mark, is read only when
 * statm says something it cannot tell apart moved: the shared pages
 * (file + shmem) changed, or the resident set shrank (munmap and
 * madvise update the high-water mark before they release pages, so a peak
 * between two readings shows in VmHWM then). Anonymous growth alone, the
 * common case, costs statm only; anon = resident - shared.
 *
 * Each wake-up of the thread costs more than its reading (a context switch
 * in and out: ~20-90 us on a paravirtualized VM, against ~1 us for a
 * statm pread), so while no watched process's resident or shared pages
 * move the thread backs off: after FLAT_ROUNDS unchanged readings the
 * interval doubles, up to MAX_BACKOFF times the asked one; any change, and
 * any process added, brings it back at once. A CPU-bound program with a
 * steady footprint (the julia kernel) is read ~4x less often; a growing
 * one at the asked interval (docs/performance.md, "Whole-run overhead").
 */
#include "collector/memwatch.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/grow.h"
#include "common/log.h"

#define MAX_WATCHED 4096
#define FLAT_ROUNDS 4          /* unchanged readings before the interval doubles */
#define MAX_BACKOFF 4          /* at most this many times the asked interval */

struct watched {
	uint32_t pid;
	int fd;                       /* -1 once the process is gone */
	uint64_t peak;                /* bytes: highest reading or VmHWM */
	unsigned long resident, shared;  /* pages, at the last reading */
	unsigned long status_shared;  /* shared pages when status was last read */
	uint64_t file, shmem;         /* bytes, from the last status read */
	int have_status;              /* file and shmem are known */
};

struct hp_memwatch {
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	int stop;
	int added;                    /* a process was added since the last round */
	unsigned interval_ms;
	uint64_t t0;
	long page;
	struct watched procs[MAX_WATCHED];
	unsigned nprocs;
	struct hp_mem_reading *queue;
	size_t nqueue, cap;
	unsigned long rounds, statm_reads, status_reads;   /* for --debug=mem:1 */
	int threaded;                 /* 0: memwatch_start_polled, no thread */
	unsigned step, flat;          /* the interval's multiple; unchanged rounds */
	uint64_t due;                 /* polled: when the next round is due (ns) */
};

static void push(struct hp_memwatch *w, const struct hp_mem_reading *m)
{
	if (hp_grow((void **)&w->queue, &w->cap, w->nqueue + 1, sizeof(*w->queue)))
		return;                   /* a reading lost, not the run */
	w->queue[w->nqueue++] = *m;
}

/* Value in bytes of the status line "key:   N kB", or -1. */
static int64_t status_kb(const char *buf, const char *key)
{
	const char *p = strstr(buf, key);
	if (!p)
		return -1;
	p += strlen(key);
	while (*p == ' ' || *p == '\t')
		p++;
	if (*p < '0' || *p > '9')
		return -1;
	return strtoll(p, NULL, 10) * 1024;
}

/* Read /proc/PID/status: the RSS split and VmHWM. 0, or -1 when it could
 * not be read (the process is gone, or a kernel without the fields). */
static int read_status(struct hp_memwatch *w, struct watched *p, struct hp_mem_reading *m)
{
	char path[64], buf[4096];
	w->status_reads++;
	snprintf(path, sizeof(path), "/proc/%u/status", p->pid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	int64_t anon = status_kb(buf, "\nRssAnon:"), file = status_kb(buf, "\nRssFile:");
	int64_t shmem = status_kb(buf, "\nRssShmem:"), hwm = status_kb(buf, "\nVmHWM:");
	if (hwm > 0 && (uint64_t)hwm > p->peak)
		p->peak = (uint64_t)hwm;
	if (anon < 0 || file < 0 || shmem < 0)
		return -1;
	m->rss_anon = (uint64_t)anon;
	m->rss_file = (uint64_t)file;
	m->rss_shmem = (uint64_t)shmem;
	m->rss_bytes = m->rss_anon + m->rss_file + m->rss_shmem;
	m->split = 1;
	p->file = m->rss_file;
	p->shmem = m->rss_shmem;
	p->status_shared = p->shared;
	p->have_status = 1;
	return 0;
}

/* The first n decimal fields of a statm line into v; 0, or -1 when the
 * line has fewer (cheaper than sscanf, which showed in profiles of the
 * thread). */
static int statm_fields(const char *buf, unsigned long *v, int n)
{
	const char *p = buf;
	for (int i = 0; i < n; i++) {
		while (*p == ' ')
			p++;
		if (*p < '0' || *p > '9')
			return -1;
		unsigned long x = 0;
		while (*p >= '0' && *p <= '9')
			x = x * 10 + (unsigned long)(*p++ - '0');
		v[i] = x;
	}
	return 0;
}

/* One statm reading of p; called with the lock held. Returns 1 when its
 * resident or shared pages moved (or it is gone), else 0. */
static int read_one(struct hp_memwatch *w, struct watched *p, uint64_t t)
{
	char buf[128];
	unsigned long f[3];
	ssize_t n = pread(p->fd, buf, sizeof(buf) - 1, 0);
	w->statm_reads++;
	if (n <= 0) {                 /* the process is gone */
		close(p->fd);
		p->fd = -1;
		return 1;
	}
	buf[n] = '\0';
	if (statm_fields(buf, f, 3) || !f[1])
		return 0;                 /* a zombie: its memory is gone */
	unsigned long resident = f[1], shared = f[2];
	int moved = resident != p->resident || shared != p->shared;
	uint64_t page = (uint64_t)w->page;
	struct hp_mem_reading m = { p->pid, t > w->t0 ? t - w->t0 : 0, resident * page, -1,
				    0, 0, 0, 0 };
	int shrank = resident < p->resident;
	p->resident = resident;
	p->shared = shared;
	if (!p->have_status || shared != p->status_shared || shrank)
		read_status(w, p, &m);
	if (!m.split && p->have_status && shared == p->status_shared) {
		m.rss_file = p->file;
		m.rss_shmem = p->shmem;
		m.rss_anon = (resident - shared) * page;
		m.split = 1;
	}
	if (m.rss_bytes > p->peak)
		p->peak = m.rss_bytes;
	push(w, &m);
	return moved;
}

/* One round over every live process; 1 when any moved. */
static int read_all(struct hp_memwatch *w)
{
	uint64_t t = hp_now_ns();
	int moved = 0;
	for (unsigned i = 0; i < w->nprocs; i++)
		if (w->procs[i].fd >= 0)
			moved |= read_one(w, &w->procs[i], t);
	return moved;
}

/* One round of readings, and the back-off it decides; with the lock. */
static void round_of_readings(struct hp_memwatch *w)
{
	w->rounds++;
	if (read_all(w) || w->added) {
		w->step = 1;
		w->flat = 0;
		w->added = 0;
	} else if (++w->flat >= FLAT_ROUNDS && w->step < MAX_BACKOFF) {
		w->step *= 2;
		w->flat = 0;
	}
}

static uint64_t slot_ns(const struct hp_memwatch *w)
{
	return (uint64_t)w->interval_ms * w->step * 1000000ull;
}

/* The thread's rounds are due one slot after the last was due, and come
 * at least half a slot after the last one (its readings' own times): a
 * thread woken late (a loaded machine) takes its next round on time, not
 * a burst of the rounds it missed, which would read the same pages at the
 * same moment (until wave 17 they came back to back). */
static void *poller(void *arg)
{
	struct hp_memwatch *w = arg;
	uint64_t due = hp_now_ns();
	pthread_mutex_lock(&w->lock);
	while (!w->stop) {
		due += slot_ns(w);
		/* the condition variable uses CLOCK_MONOTONIC (memwatch_start), as hp_now_ns */
		struct timespec next = { (time_t)(due / 1000000000ull), (long)(due % 1000000000ull) };
		while (!w->stop && pthread_cond_timedwait(&w->wake, &w->lock, &next) != ETIMEDOUT)
			;
		if (w->stop)
			break;
		round_of_readings(w);
		uint64_t soonest = hp_now_ns() + slot_ns(w) / 2 - slot_ns(w);
		if (due < soonest)
			due = soonest;            /* late: the next round half a slot from now */
	}
	struct rusage ru;
	if (!getrusage(RUSAGE_THREAD, &ru))
		hp_debug(HP_DBG_MEM, 1, "RSS thread: %lu rounds, %lu statm and %lu status reads,"
			 " CPU %.2f ms", w->rounds, w->statm_reads, w->status_reads,
			 (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e3 +
			 (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e3);
	pthread_mutex_unlock(&w->lock);
	return NULL;
}

static struct hp_memwatch *watch_new(unsigned interval_ms, uint64_t t0)
{
	pthread_condattr_t ca;
	struct hp_memwatch *w = calloc(1, sizeof(*w));
	if (!w)
		return NULL;
	w->interval_ms = interval_ms;
	w->t0 = t0;
	w->page = sysconf(_SC_PAGESIZE);
	w->step = 1;
	pthread_mutex_init(&w->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&w->wake, &ca);
	pthread_condattr_destroy(&ca);
	return w;
}

int memwatch_start_polled(unsigned interval_ms, uint64_t t0, struct hp_memwatch **out)
{
	struct hp_memwatch *w = watch_new(interval_ms, t0);
	if (!w)
		return -ENOMEM;
	w->due = hp_now_ns() + slot_ns(w);
	*out = w;
	return 0;
}

int memwatch_due_ms(struct hp_memwatch *w, uint64_t now_ns)
{
	if (!w || w->threaded)
		return -1;
	pthread_mutex_lock(&w->lock);
	uint64_t last = w->due + slot_ns(w) / 2;    /* the latest a round may come */
	pthread_mutex_unlock(&w->lock);
	return last > now_ns ? (int)((last - now_ns + 999999) / 1000000) : 0;
}

/* A round is due on a grid, one slot apart, and taken at the caller's
 * first wake-up within half a slot of it, before or after: the loop wakes
 * for its rings anyway (every ~16 ms of a busy CPU at the default rate),
 * and a reading served by such a wake-up saves the loop one of its own
 * (~40-90 us of CPU in this VM, a timer interrupt and a context switch in
 * and out). With the rings' wake-ups 16 ms apart and the 10 ms interval,
 * a window before the due time alone left ~65% of the readings of a
 * growing process to wake-ups of their own, one on both sides ~40% (the
 * least possible: 100 readings against 62 wake-ups a second;
 * test_memwatch). The grid keeps one round per slot (a reading may come
 * up to a slot after the previous one, or right after it), as many as
 * the thread takes; a caller later than half a slot restarts it from now. */
void memwatch_poll(struct hp_memwatch *w, uint64_t now_ns)
{
	if (!w || w->threaded)
		return;
	pthread_mutex_lock(&w->lock);
	if (now_ns + slot_ns(w) / 2 >= w->due) {
		round_of_readings(w);
		w->due += slot_ns(w);
		if (w->due + slot_ns(w) / 2 <= now_ns)   /* the caller was late: from now */
			w->due = now_ns + slot_ns(w);
	}
	pthread_mutex_unlock(&w->lock);
}

int memwatch_start(unsigned interval_ms, uint64_t t0, struct hp_memwatch **out)
{
	struct hp_memwatch *w = watch_new(interval_ms, t0);
	if (!w)
		return -ENOMEM;
	w->threaded = 1;
	int err = pthread_create(&w->thread, NULL, poller, w);
	if (err) {
		pthread_cond_destroy(&w->wake);
		pthread_mutex_destroy(&w->lock);
		free(w);
		return -err;
	}
	*out = w;
	return 0;
}

void memwatch_add(struct hp_memwatch *w, uint32_t pid)
{
	char path[64];
	if (!w)
		return;
	snprintf(path, sizeof(path), "/proc/%u/statm", pid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	pthread_mutex_lock(&w->lock);
	for (unsigned i = 0; i < w->nprocs; i++)
		if (w->procs[i].pid == pid && w->procs[i].fd >= 0) {
			close(fd);
			pthread_mutex_unlock(&w->lock);
			return;
		}
	if (w->nprocs < MAX_WATCHED) {
		struct watched *p = &w->procs[w->nprocs++];
		*p = (struct watched){ .pid = pid, .fd = fd };
		read_one(w, p, hp_now_ns());
		w->added = 1;
	} else {
		close(fd);
	}
	pthread_mutex_unlock(&w->lock);
}

int memwatch_take(struct hp_memwatch *w, struct hp_mem_reading *out, int max)
{
	int n = 0;
	if (!w)
		return 0;
	pthread_mutex_lock(&w->lock);
	n = (int)(w->nqueue < (size_t)max ? w->nqueue : (size_t)max);
	if (n > 0) {     /* an empty queue may not be allocated yet (NULL) */
		memcpy(out, w->queue, (size_t)n * sizeof(*out));
		memmove(w->queue, w->queue + n, (w->nqueue - (size_t)n) * sizeof(*out));
		w->nqueue -= (size_t)n;
	}
	pthread_mutex_unlock(&w->lock);
	return n;
}

uint64_t memwatch_rss_now(uint32_t pid)
{
	char path[64], buf[128];
	snprintf(path, sizeof(path), "/proc/%u/statm", pid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	unsigned long f[2];
	if (statm_fields(buf, f, 2))
		return 0;
	return (uint64_t)f[1] * (uint64_t)sysconf(_SC_PAGESIZE);
}

unsigned memwatch_count(struct hp_memwatch *w)
{
	if (!w)
		return 0;
	pthread_mutex_lock(&w->lock);
	unsigned n = w->nprocs;
	pthread_mutex_unlock(&w->lock);
	return n;
}

uint64_t memwatch_peak(struct hp_memwatch *w, uint32_t pid)
{
	uint64_t peak = 0;
	if (!w)
		return 0;
	pthread_mutex_lock(&w->lock);
	for (unsigned i = 0; i < w->nprocs; i++)
		if (w->procs[i].pid == pid && w->procs[i].peak > peak)
			peak = w->procs[i].peak;
	pthread_mutex_unlock(&w->lock);
	return peak;
}

void memwatch_stop(struct hp_memwatch *w)
{
	if (!w)
		return;
	if (w->threaded) {
		pthread_mutex_lock(&w->lock);
		w->stop = 1;
		pthread_cond_signal(&w->wake);
		pthread_mutex_unlock(&w->lock);
		pthread_join(w->thread, NULL);
	} else {
		hp_debug(HP_DBG_MEM, 1, "RSS readings (by the run loop): %lu rounds, %lu statm"
			 " and %lu status reads", w->rounds, w->statm_reads, w->status_reads);
	}
	for (unsigned i = 0; i < w->nprocs; i++)
		if (w->procs[i].fd >= 0)
			close(w->procs[i].fd);
	pthread_cond_destroy(&w->wake);
	pthread_mutex_destroy(&w->lock);
	free(w->queue);
	free(w);
}

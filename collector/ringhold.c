/*
 * ringhold.c - perf rings made ahead of the events that fill them
 * (ringhold.h).
 */
#include "collector/ringhold.h"

#include <errno.h>
#include <linux/perf_event.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

enum slot_state { SLOT_PENDING, SLOT_READY, SLOT_NONE, SLOT_TAKEN };

struct slot {
	enum slot_state state;
	struct hp_ring ring;           /* ring.fd: the holder event's fd */
};

struct hp_ringhold {
	struct ringhold_plan plan;
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t made;
	pid_t owner;                   /* the holders are events on this thread (the
					* main one: it outlives the maker) */
	int stop;                      /* freed before the thread finished: make no more */
	unsigned taken;
	struct slot *slots;            /* RINGHOLD_KINDS per CPU, CPU by CPU */
};

static struct slot *slot_of(struct hp_ringhold *h, int kind, int cpu)
{
	return &h->slots[(size_t)cpu * RINGHOLD_KINDS + (size_t)kind];
}

/* A disabled dummy software event on the owner thread, on one CPU: it
 * never records anything; its ring wakes the loop at a quarter, as the
 * session's own rings do (session_events.c). Its clock is the session's
 * events' (the kernel refuses to mix clocks in one ring). */
static int open_holder(const struct hp_ringhold *h, int cpu, unsigned pages)
{
	struct perf_event_attr a;
	memset(&a, 0, sizeof(a));
	a.size = sizeof(a);
	a.type = PERF_TYPE_SOFTWARE;
	a.config = PERF_COUNT_SW_DUMMY;
	a.disabled = 1;
	a.exclude_kernel = 1;
	a.exclude_hv = 1;
	a.use_clockid = 1;
	a.clockid = CLOCK_MONOTONIC;
	a.watermark = 1;
	a.wakeup_watermark = pages * 4096u / 4;
	return (int)syscall(SYS_perf_event_open, &a, h->owner, cpu, -1, PERF_FLAG_FD_CLOEXEC);
}

static enum slot_state make_one(struct hp_ringhold *h, struct slot *sl, int cpu, unsigned pages)
{
	int fd = open_holder(h, cpu, pages);
	if (fd < 0)
		return SLOT_NONE;
	if (ring_map(&sl->ring, fd, pages)) {
		close(fd);
		return SLOT_NONE;
	}
	return SLOT_READY;
}

/* In the order the session asks for them: each CPU's rings, CPU by CPU.
 * After a refusal (the user's locked-memory budget) nothing more is made:
 * what the holder keeps, the session could not map itself. */
static void *maker_main(void *arg)
{
	struct hp_ringhold *h = arg;
	int refused = 0;
	for (int cpu = 0; cpu < h->plan.ncpu; cpu++)
		for (int k = 0; k < RINGHOLD_KINDS; k++) {
			struct slot *sl = slot_of(h, k, cpu);
			unsigned pages = h->plan.pages[k];
			pthread_mutex_lock(&h->lock);
			int stop = h->stop;
			pthread_mutex_unlock(&h->lock);
			enum slot_state st = !pages || stop || refused ? SLOT_NONE
					     : make_one(h, sl, cpu, pages);
			refused |= pages && st == SLOT_NONE;
			pthread_mutex_lock(&h->lock);
			sl->state = st;
			pthread_cond_broadcast(&h->made);
			pthread_mutex_unlock(&h->lock);
		}
	return NULL;
}

int ringhold_start(const struct ringhold_plan *plan, struct hp_ringhold **out)
{
	pthread_attr_t attr;
	struct hp_ringhold *h = calloc(1, sizeof(*h));
	*out = NULL;
	if (!h || plan->ncpu <= 0 ||
	    !(h->slots = calloc((size_t)plan->ncpu * RINGHOLD_KINDS, sizeof(*h->slots)))) {
		free(h);
		return -ENOMEM;
	}
	h->plan = *plan;
	h->owner = getpid();
	pthread_mutex_init(&h->lock, NULL);
	pthread_cond_init(&h->made, NULL);
	/* a small stack: the thread calls nothing deep */
	int err = pthread_attr_init(&attr);
	if (!err) {
		pthread_attr_setstacksize(&attr, 64 << 10);
		err = pthread_create(&h->thread, &attr, maker_main, h);
		pthread_attr_destroy(&attr);
	}
	if (err) {
		pthread_mutex_destroy(&h->lock);
		pthread_cond_destroy(&h->made);
		free(h->slots);
		free(h);
		return -err;
	}
	*out = h;
	return 0;
}

int ringhold_take(struct hp_ringhold *h, enum ringhold_kind kind, int cpu, unsigned pages,
		  int fd, struct hp_ring *r)
{
	if (!h || cpu < 0 || cpu >= h->plan.ncpu || h->plan.pages[kind] != pages)
		return -ENOENT;
	struct slot *sl = slot_of(h, kind, cpu);
	pthread_mutex_lock(&h->lock);
	while (sl->state == SLOT_PENDING)
		pthread_cond_wait(&h->made, &h->lock);
	int ready = sl->state == SLOT_READY;
	pthread_mutex_unlock(&h->lock);
	if (!ready || ioctl(fd, PERF_EVENT_IOC_SET_OUTPUT, sl->ring.fd) < 0)
		return -ENOENT;
	*r = sl->ring;
	r->fd = fd;
	/* the mapping keeps the holder's event, and so the ring, until r is
	 * unmapped: its fd is not needed any more */
	close(sl->ring.fd);
	pthread_mutex_lock(&h->lock);
	sl->state = SLOT_TAKEN;
	h->taken++;
	pthread_mutex_unlock(&h->lock);
	return 0;
}

unsigned ringhold_taken(const struct hp_ringhold *h)
{
	return h ? h->taken : 0;
}

void ringhold_free(struct hp_ringhold *h)
{
	if (!h)
		return;
	pthread_mutex_lock(&h->lock);
	h->stop = 1;
	pthread_mutex_unlock(&h->lock);
	pthread_join(h->thread, NULL);
	for (int k = 0; k < RINGHOLD_KINDS; k++)
		for (int cpu = 0; cpu < h->plan.ncpu; cpu++) {
			struct slot *sl = slot_of(h, k, cpu);
			if (sl->state != SLOT_READY)
				continue;
			ring_unmap(&sl->ring);
			close(sl->ring.fd);
		}
	pthread_mutex_destroy(&h->lock);
	pthread_cond_destroy(&h->made);
	free(h->slots);
	free(h);
}

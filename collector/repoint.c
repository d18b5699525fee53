/*
 * repoint.c - perf events pointed at other rings later, on a thread
 * (repoint.h). Does not map rings nor open events: the session does.
 */
#include "collector/repoint.h"

#include <errno.h>
#include <linux/perf_event.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>

struct hp_repoint {
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	int stop;
	unsigned delay_ms, n, moved;
	int *ev, *to;
};

/* Wait until delay_ms after the start, or until stopped: 1 when stopped. */
static int wait_delay(struct hp_repoint *rp)
{
	struct timespec until;
	clock_gettime(CLOCK_MONOTONIC, &until);
	until.tv_sec += rp->delay_ms / 1000;
	until.tv_nsec += (long)(rp->delay_ms % 1000) * 1000000L;
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&rp->lock);
	while (!rp->stop && pthread_cond_timedwait(&rp->wake, &rp->lock, &until) != ETIMEDOUT)
		;
	int stop = rp->stop;
	pthread_mutex_unlock(&rp->lock);
	return stop;
}

static void *repoint_main(void *arg)
{
	struct hp_repoint *rp = arg;
	if (wait_delay(rp))
		return NULL;
	for (unsigned i = 0; i < rp->n; i++) {
		pthread_mutex_lock(&rp->lock);
		int stop = rp->stop;
		pthread_mutex_unlock(&rp->lock);
		if (stop)
			break;
		/* the fds stay open until repoint_stop joined this thread */
		if (ioctl(rp->ev[i], PERF_EVENT_IOC_SET_OUTPUT, rp->to[i]) == 0)
			__atomic_add_fetch(&rp->moved, 1, __ATOMIC_RELAXED);
	}
	return NULL;
}

static void repoint_free(struct hp_repoint *rp)
{
	pthread_mutex_destroy(&rp->lock);
	pthread_cond_destroy(&rp->wake);
	free(rp->ev);
	free(rp->to);
	free(rp);
}

int repoint_start(const int *ev, const int *to, unsigned n, unsigned delay_ms,
		  struct hp_repoint **out)
{
	pthread_attr_t attr;
	struct hp_repoint *rp;
	*out = NULL;
	if (!n)
		return 0;
	if (!(rp = calloc(1, sizeof(*rp))))
		return -ENOMEM;
	rp->ev = malloc(n * sizeof(*rp->ev));
	rp->to = malloc(n * sizeof(*rp->to));
	pthread_mutex_init(&rp->lock, NULL);
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&rp->wake, &ca);
	pthread_condattr_destroy(&ca);
	if (!rp->ev || !rp->to) {
		repoint_free(rp);
		return -ENOMEM;
	}
	memcpy(rp->ev, ev, n * sizeof(*ev));
	memcpy(rp->to, to, n * sizeof(*to));
	rp->n = n;
	rp->delay_ms = delay_ms;
	/* a small stack: the thread calls nothing deep */
	int err = pthread_attr_init(&attr);
	if (!err) {
		pthread_attr_setstacksize(&attr, 64 << 10);
		err = pthread_create(&rp->thread, &attr, repoint_main, rp);
		pthread_attr_destroy(&attr);
	}
	if (err) {
		repoint_free(rp);
		return -err;
	}
	*out = rp;
	return 0;
}

unsigned repoint_stop(struct hp_repoint *rp)
{
	if (!rp)
		return 0;
	pthread_mutex_lock(&rp->lock);
	rp->stop = 1;
	pthread_cond_signal(&rp->wake);
	pthread_mutex_unlock(&rp->lock);
	pthread_join(rp->thread, NULL);
	unsigned moved = rp->moved;
	repoint_free(rp);
	return moved;
}

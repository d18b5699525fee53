/*
 * run_symbols.c - `hpprof run`: the symbols are read while the target
 * runs (see struct preload in run.h), and one session is run with them.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyzer/symbolize.h"
#include "cmd/run.h"
#include "common/error.h"
#include "common/log.h"

static void preload_push(void *ctx, const char *path)
{
	struct preload *pl = ctx;
	pthread_mutex_lock(&pl->lock);
	if (pl->tail - pl->head < PRELOAD_QUEUE) {
		char *copy = strdup(path);
		if (copy)
			pl->paths[pl->tail++ % PRELOAD_QUEUE] = copy;
	}
	pthread_cond_signal(&pl->cond);
	pthread_mutex_unlock(&pl->lock);
}

static void *preload_main(void *arg)
{
	struct preload *pl = arg;
	for (;;) {
		pthread_mutex_lock(&pl->lock);
		while (pl->head == pl->tail && !pl->done)
			pthread_cond_wait(&pl->cond, &pl->lock);
		if (pl->head == pl->tail) {
			pthread_mutex_unlock(&pl->lock);
			return NULL;
		}
		char *path = pl->paths[pl->head++ % PRELOAD_QUEUE];
		pthread_mutex_unlock(&pl->lock);
		symbolizer_preload(pl->sym, path);
		free(path);
	}
}

static int preload_start(struct preload *pl, struct hp_session_opts *so)
{
	int err = pl->sym ? 0 : symbolizer_new(&pl->sym);
	if (err)
		return err;
	pl->done = 0;                  /* started again after a run that could not start */
	pthread_mutex_init(&pl->lock, NULL);
	pthread_cond_init(&pl->cond, NULL);
	if (pthread_create(&pl->thread, NULL, preload_main, pl) == 0) {
		pl->started = 1;
		so->on_module = preload_push;
		so->module_ctx = pl;
	}
	return 0;
}

/* Wait for the preloading thread (it skips what is left when abandon). */
static void preload_stop(struct preload *pl)
{
	if (!pl->started)
		return;
	pthread_mutex_lock(&pl->lock);
	pl->done = 1;
	pthread_cond_signal(&pl->cond);
	pthread_mutex_unlock(&pl->lock);
	pthread_join(pl->thread, NULL);
	pl->started = 0;
	pthread_mutex_destroy(&pl->lock);
	pthread_cond_destroy(&pl->cond);
}

/* One session, with the symbols read alongside (see struct preload). */
int run_session(struct run_opts *o, char **targv, struct hp_store *st,
		       struct preload *pl, struct hp_session_result *res)
{
	int err = preload_start(pl, &o->s);
	if (err) {
		memset(res, 0, sizeof(*res));
		hp_err("cannot start the symbolizer: %s", hp_strerror(err));
		return err;
	}
	err = session_run(&o->s, targv, st, res);
	preload_stop(pl);
	return err;
}

void run_symbols_release(struct preload *pl)
{
	preload_stop(pl);
	if (pl->sym)
		symbolizer_free(pl->sym);
	pl->sym = NULL;
}

/*
 * run_symbols.c - `hpprof run`: the symbol warm-up thread reads each
 * module's symbols and DWARF while the target runs (struct symbol_warmup
 * in run.h), and one session is run with it. The symbolizer names as
 * --no-demangle asks and keeps its symbol cache unless --no-cache.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "analyzer/symbolize.h"
#include "cmd/cmd_util.h"
#include "cmd/run.h"
#include "collector/jitsyms.h"
#include "common/error.h"
#include "common/log.h"
#include "common/runfacts.h"
#include "common/store.h"

static void warmup_push(void *ctx, const char *path)
{
	struct symbol_warmup *w = ctx;
	pthread_mutex_lock(&w->lock);
	if (w->tail - w->head < WARMUP_QUEUE) {
		char *copy = strdup(path);
		if (copy)
			w->items[w->tail++ % WARMUP_QUEUE] = (struct warmup_item){ .module = copy };
	}
	pthread_cond_signal(&w->cond);
	pthread_mutex_unlock(&w->lock);
}

/* Addresses wake the thread by batches (a wake-up is a context switch in
 * and out, tens of us on this VM); what is left when the program ends is
 * resolved when the thread is stopped. A full queue drops the address: the
 * end resolves it. */
#define WARMUP_ADDR_BATCH 8

static void warmup_push_addr(void *ctx, const char *path, uint64_t addr)
{
	struct symbol_warmup *w = ctx;
	pthread_mutex_lock(&w->lock);
	unsigned queued = w->tail - w->head;
	if (queued < WARMUP_QUEUE) {
		w->items[w->tail++ % WARMUP_QUEUE] = (struct warmup_item){ .path = path, .addr = addr };
		if (queued + 1 >= WARMUP_ADDR_BATCH)
			pthread_cond_signal(&w->cond);
	}
	pthread_mutex_unlock(&w->lock);
}

static void *warmup_main(void *arg)
{
	struct symbol_warmup *w = arg;
	unsigned resolved = 0;
	for (;;) {
		pthread_mutex_lock(&w->lock);
		while (w->head == w->tail && !w->done)
			pthread_cond_wait(&w->cond, &w->lock);
		if (w->head == w->tail) {
			pthread_mutex_unlock(&w->lock);
			struct rusage ru;
			if (!getrusage(RUSAGE_THREAD, &ru))
				hp_debug(HP_DBG_SYMS, 1, "resolved %u addresses as they were stored;"
					 " the warm-up thread's CPU %.2f ms", resolved,
					 (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e3 +
					 (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e3);
			return NULL;
		}
		struct warmup_item it = w->items[w->head++ % WARMUP_QUEUE];
		pthread_mutex_unlock(&w->lock);
		if (it.module) {
			symbolizer_preload(w->sym, it.module);
			free(it.module);
		} else {
			resolved += symbolizer_prefetch(w->sym, it.path, it.addr) == 1;
		}
	}
}

static int warmup_start(struct symbol_warmup *w, struct run_opts *o)
{
	struct hp_session_opts *so = &o->s;
	char dir[PATH_MAX];
	int err = w->sym ? 0 : symbolizer_new(&w->sym);
	if (err)
		return err;
	symbolizer_set_raw_names(w->sym, o->raw_names);
	if ((err = symbolizer_set_cache(w->sym, cmd_symbol_cache_dir(dir, sizeof(dir),
								     o->no_cache))))
		return err;
	w->done = 0;                  /* started again after a run that could not start */
	pthread_mutex_init(&w->lock, NULL);
	pthread_cond_init(&w->cond, NULL);
	if (pthread_create(&w->thread, NULL, warmup_main, w) == 0) {
		w->started = 1;
		so->on_module = warmup_push;
		so->module_ctx = w;
	}
	return 0;
}

/* Stop the warm-up thread once it has read what is queued. */
static void warmup_stop(struct symbol_warmup *w)
{
	if (!w->started)
		return;
	pthread_mutex_lock(&w->lock);
	w->done = 1;
	pthread_cond_signal(&w->cond);
	pthread_mutex_unlock(&w->lock);
	pthread_join(w->thread, NULL);
	w->started = 0;
	pthread_mutex_destroy(&w->lock);
	pthread_cond_destroy(&w->cond);
}

/* The store of a launched run is opened once the program started
 * (on_started, run_output.c): the warm-up hears of its locations from
 * then on. */
struct prefetch_hook {
	int (*started)(void *ctx, struct hp_store **st);
	void *ctx;
	struct symbol_warmup *w;
	struct hp_store *st;
};

static int started_then_prefetch(void *ctx, struct hp_store **st)
{
	struct prefetch_hook *h = ctx;
	int err = h->started(h->ctx, st);
	if (!err && *st) {
		h->st = *st;
		store_on_location(h->st, warmup_push_addr, h->w);
	}
	return err;
}

static int prefetch_wanted(const struct symbol_warmup *w)
{
	const char *no = getenv("HPPROF_NO_PREFETCH");   /* to measure without it */
	return w->started && !(no && *no && strcmp(no, "0"));
}

/* One session, with the symbols read alongside (see struct symbol_warmup). */
int run_session(struct run_opts *o, char **targv, struct hp_store *st,
		struct symbol_warmup *w, struct hp_session_result *res)
{
	int err = warmup_start(w, o);
	if (err) {
		memset(res, 0, sizeof(*res));
		hp_err("cannot start the symbolizer: %s", hp_strerror(err));
		return err;
	}
	if (o->live && o->live->start(o->live->ctx, o, targv, st)) {
		memset(res, 0, sizeof(*res));
		warmup_stop(w);
		return -ECANCELED;
	}
	struct prefetch_hook h = { o->s.on_started, o->s.started_ctx, w, st };
	int prefetch = prefetch_wanted(w);
	if (prefetch && st) {
		store_on_location(st, warmup_push_addr, w);
	} else if (prefetch && o->s.on_started) {
		o->s.on_started = started_then_prefetch;
		o->s.started_ctx = &h;
	}
	err = session_run(&o->s, targv, st, res);
	o->s.on_started = h.started;       /* a retry (run_retry_with_agent) hooks again */
	o->s.started_ctx = h.ctx;
	if (h.st)
		store_on_location(h.st, NULL, NULL);
	if (o->live)
		o->live->stop(o->live->ctx, res);
	warmup_stop(w);
	return err;
}

void run_symbols_release_keep(struct symbol_warmup *w, struct hp_symbolizer **sym)
{
	warmup_stop(w);
	*sym = w->sym;
	w->sym = NULL;
}

void run_symbols_release(struct symbol_warmup *w)
{
	warmup_stop(w);
	if (w->sym)
		symbolizer_free(w->sym);
	w->sym = NULL;
}

/* Name JIT code from the processes' /tmp/perf-PID.map files now, while
 * they exist (collector/jitsyms.h); the fact into buf. */
int run_jit_symbols(struct hp_store *st, struct hp_run_facts *f, char *buf, size_t len)
{
	struct jitsyms_result r;
	int err = jitsyms_store(st, &r);
	if (err || !r.maps)
		return err;
	snprintf(buf, len, "%u map file(s), %u code regions; %u addresses named", r.maps,
		 r.entries, r.named);
	f->jit_maps = buf;
	hp_info("JIT code: %s (/tmp/perf-PID.map)", buf);
	return 0;
}

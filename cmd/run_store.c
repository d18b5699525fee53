/*
 * run_store.c - the profile's database made on a thread of its own while
 * the session opens the perf events (run.h).
 *
 * Creating the file (the schema image, its rename into place, SQLite's
 * open and pragmas) and its first commit take ~4-5 ms of wall time, and
 * opening the events and mapping the rings as long again; both came
 * before the program started. Now they overlap: the session waits for
 * the database just before it releases the program (session.h,
 * store_wait), so a database that cannot be made still stops the run
 * before the program starts, as before (docs/performance.md, "Wave 11").
 */
#include <pthread.h>
#include <string.h>

#include "cmd/run.h"
#include "common/error.h"
#include "common/log.h"
#include "common/store.h"

static void *store_open_main(void *arg)
{
	struct run_store_open *p = arg;
	p->err = store_create(p->path, &p->st);
	if (!p->err) {
		p->stage = RUN_STORE_WRITE;
		if (!(p->err = store_write_facts(p->st, p->facts)))
			p->err = store_flush(p->st);
	}
	return NULL;
}

int run_store_open_start(struct run_store_open *p, const char *path,
			 const struct hp_run_facts *facts)
{
	memset(p, 0, sizeof(*p));
	p->path = path;
	p->facts = facts;
	int err = pthread_create(&p->th, NULL, store_open_main, p);
	if (err)
		return -err;
	p->started = 1;
	return 0;
}

int run_store_open_wait(struct run_store_open *p, struct hp_store **st)
{
	if (p->started) {
		pthread_join(p->th, NULL);
		p->started = 0;
		p->joined = 1;
	}
	if (st && p->joined)
		*st = p->st;
	return p->err;
}

/* The session's store_wait: the database, or why there is none. */
int run_store_wait(void *ctx, struct hp_store **st)
{
	return run_store_open_wait(ctx, st);
}

void run_store_open_say(const struct run_store_open *p, const char *path)
{
	hp_err("cannot %s database '%s': %s", p->stage == RUN_STORE_WRITE ? "write" : "create",
	       path, hp_strerror(p->err));
}

/* The database made on this thread (no session to overlap it with). */
int run_store_made_here(struct run_store_open *p, const char *path,
			const struct hp_run_facts *facts, struct hp_store **st)
{
	memset(p, 0, sizeof(*p));
	p->path = path;
	p->facts = facts;
	store_open_main(p);
	*st = p->st;
	return p->err;
}

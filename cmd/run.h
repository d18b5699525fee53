/*
 * run.h - the parts of `hpprof run` (private to cmd_run*.c and run_*.c):
 * its options, the choice of sampler (run_sampler.c), the preload
 * library's stream (run_stream.c: allocation tracking and the agent's
 * samples) and the symbols read while the target runs (run_symbols.c).
 */
#ifndef HP_CMD_RUN_H
#define HP_CMD_RUN_H

#include <pthread.h>
#include <stdint.h>

#include "collector/allocstream.h"
#include "collector/session.h"
#include "common/hmap.h"

struct hp_store;
struct hp_symbolizer;
struct hp_alloctrack;

enum run_sampler {
	SAMPLER_AUTO,                 /* perf events, else the preload agent */
	SAMPLER_PERF,                 /* --sampler perf: perf events or nothing */
	SAMPLER_PRELOAD,              /* --sampler preload: the agent */
};

struct run_opts {
	const char *output;
	const char *kernel;
	const char *events;           /* -e list, NULL = default set */
	const char *sample_event;     /* --sample-event, NULL = cpu-clock */
	int64_t period;               /* -c for the sample event */
	struct hp_session_opts s;
	int alloc;                    /* --alloc */
	int64_t alloc_sample;         /* --alloc-sample BYTES, 0 = every call */
	enum run_sampler sampler;     /* --sampler */
	int agent;                    /* the preload agent samples (s.no_perf) */
	const char *agent_tag;        /* why, short: "--sampler preload", "perf_event_open refused" */
	char agent_why[256];          /* why, with the reason: run_info's `sampling` */
};

/* The preload library's stream during the run: allocation events feed the
 * tracker (--alloc), the agent's samples and process starts and ends feed
 * the session. */
struct run_stream {
	struct hp_allocstream *stream;
	struct hp_alloctrack *track;  /* NULL without --alloc */
	struct hp_hmap stacks;        /* hash(pid, raw pcs) -> stack id */
	struct hp_session *session;
	uint64_t t0;
	int agent;                    /* samples come through the stream */
	uint64_t periods;             /* timer periods the agent's samples stand for */
	struct hp_allocstream_stats stats;
	int failed;                   /* allocation tracking stopped; samples go on */
};

/* Symbols are read while the target runs: the session reports each module
 * as it first appears and a thread opens it and its debug info (reading
 * and decompressing libc's DWARF alone takes ~40 ms here), so the
 * symbolization at the end finds them ready. The symbolizer is used by
 * that thread only, until preload_stop() joins it. */
#define PRELOAD_QUEUE 256

struct preload {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	char *paths[PRELOAD_QUEUE];
	unsigned head, tail;
	int done, started;
	pthread_t thread;
	struct hp_symbolizer *sym;
};

/* --- run_sampler.c --- */

/* Decide the sampler before anything runs (perf events, or the preload
 * agent when perf cannot sample here or --sampler preload). Returns -1
 * when the choice cannot work (the error is printed). */
int run_choose_sampler(struct run_opts *o, const char *target);
/* Why the preload agent cannot sample target, or NULL. */
const char *run_agent_unusable(const char *target);
/* The perf session could not open its events (the target never ran):
 * switch to the agent. Returns 0 when the run can be tried again. */
int run_retry_with_agent(struct run_opts *o, struct run_stream *rs, const char *target,
			 int perf_errno);

/* --- run_stream.c --- */

/* Set up the preload library's stream when --alloc or the agent needs it. */
int run_stream_setup(struct run_opts *o, struct run_stream *rs, const char *target);
/* After the run: the agent's rate and the allocation facts into the store. */
int run_stream_finish(struct run_opts *o, struct run_stream *rs, struct hp_store *st,
		      const struct hp_session_result *res);
void run_stream_release(struct run_stream *rs);

/* --- run_symbols.c --- */

/* One session, with the symbols read alongside by a thread. */
int run_session(struct run_opts *o, char **targv, struct hp_store *st, struct preload *pl,
		struct hp_session_result *res);
/* Stop the thread (when still running) and free the symbolizer. */
void run_symbols_release(struct preload *pl);

#endif

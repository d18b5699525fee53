/*
 * streamfeed.h - the preload library's stream during a run, fed to the
 * session and to the allocation tracker.
 *
 * The LD_PRELOAD library (collector/preload/) writes one stream per
 * process image of the target (allocstream.h): allocation events with
 * --alloc and, when the preload agent samples, CPU samples and the images'
 * starts and ends. The feed hooks itself into the session's on_poll and
 * drains the stream there: samples and lifetimes become session facts
 * (session_add_sample, session_add_process, session_end_process);
 * allocation events go to the tracker (alloctrack.h), whose stacks are
 * located with the session's maps once per distinct raw stack. If
 * allocation tracking fails the CPU profile goes on without it.
 *
 * Takes hp_alloc_event records; produces session samples, alloc_stacks
 * rows, heap points and the agent's and tracker's run facts.
 */
#ifndef HP_STREAMFEED_H
#define HP_STREAMFEED_H

#include <stdint.h>

struct hp_run_facts;
struct hp_session_opts;
struct hp_store;
struct hp_streamfeed;

struct hp_streamfeed_opts {
	int alloc;                     /* track allocations (--alloc) */
	uint64_t alloc_sample;         /* bytes per sampled allocation on average; 0: every call */
	unsigned agent_hz;             /* the preload agent samples at this rate per thread;
				        * 0: perf samples, the agent is off */
	unsigned heap_interval_ms;     /* spacing of the heap timeline (0: 10 ms) */
	int no_python;                 /* the agent takes no Python frames (run --python off) */
	unsigned fault_period;         /* the agent, in CPython 3.11: a page-fault sample
				        * every this many faults of a thread; 0 = none */
};

/* Set up the stream (and the tracker with alloc). Returns 0, or an
 * allocstream_setup / alloctrack_new error; *out is then NULL. */
int streamfeed_new(const struct hp_streamfeed_opts *o, struct hp_streamfeed **out);

/* Make the session run the target with the stream's environment and drain
 * the stream from its on_poll. The feed must outlive the session. */
void streamfeed_attach(struct hp_streamfeed *f, struct hp_session_opts *so);

/* After the session: the agent's facts (the frequency it reached, its
 * call graph, processes where it stood aside) and, with alloc, the
 * allocation sites, heap timeline and alloc_* facts into st and facts.
 * Warns about dropped events. Returns 0 or the store's error (the facts
 * of the agent are filled either way). */
int streamfeed_finish(struct hp_streamfeed *f, struct hp_store *st, struct hp_run_facts *facts);

/* The agent's Python samples' pyfeed (pyfeed.h), NULL without the agent. */
struct hp_pyfeed;
struct hp_pyfeed *streamfeed_pyfeed(struct hp_streamfeed *f);

/* NULL is ignored. */
void streamfeed_free(struct hp_streamfeed *f);

#endif

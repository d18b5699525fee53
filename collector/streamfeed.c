/*
 * streamfeed.c - the preload library's stream fed to the session and the
 * allocation tracker (streamfeed.h).
 */
#include "collector/streamfeed.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "collector/allocstream.h"
#include "collector/alloctrack.h"
#include "collector/preload_deps.h"
#include "collector/pyfeed.h"
#include "collector/session.h"
#include "common/clock.h"
#include "common/error.h"
#include "common/hmap.h"
#include "common/log.h"
#include "common/runfacts.h"
#include "common/store.h"

/* A timer sample of the agent stands for 1 + its timer's overrun periods:
 * counted by that number up to this, for their median (agent_unseen). */
#define AGENT_WEIGHTS 64

struct hp_streamfeed {
	struct hp_streamfeed_opts o;
	struct hp_allocstream *stream;
	struct hp_alloctrack *track;   /* NULL without alloc */
	struct hp_pyfeed *py;          /* the agent's Python samples; NULL without the agent */
	struct hp_hmap stacks;         /* stack_digest(pid, raw pcs) -> stack id */
	struct hp_hmap refs;           /* (pid, gen, the stream's stack id) -> stack id */
	uint64_t memo_ref, memo_id;    /* the last hit in refs (0: none): most allocations repeat it */
	struct hp_session *session;    /* set by the first on_poll */
	uint64_t t0;
	uint64_t tsamples, tperiods;   /* CPU-time timers' samples, the periods they stand for */
	uint64_t weights[AGENT_WEIGHTS];  /* those samples by periods each stood for (the last: more) */
	uint64_t esamples, emissed;    /* Python threads' SIGTRAP events' samples, periods they missed */
	struct hp_allocstream_stats stats;
	int failed;                    /* allocation tracking stopped; samples go on */
	char stopped[192];             /* facts->alloc_tracking once it stopped */
	char deps[512];                /* facts->preload_libraries */
	char env[8192];                /* facts->preload_env */
};

/* --- allocation stacks --- */

/* A 64-bit digest of a raw stack: the same (pid, pcs) is the same stack
 * as long as the process's mappings do not change under it. */
static uint64_t stack_digest(uint32_t pid, const uint64_t *pcs, uint32_t n)
{
	uint64_t h = hmap_key2(pid, n);
	for (uint32_t i = 0; i < n; i++)
		h = hmap_key2(h, pcs[i]);
	return h;
}

/* The tracker's hp_alloc_locate: an allocation's pcs are all return
 * addresses (pcs[0] returns into the caller of malloc). Most allocations
 * come from a few stacks, which the stream names by an id of its own: a
 * stack seen before costs one lookup, not per-frame map lookups and the
 * interning. */
static int locate_alloc(void *ctx, const struct hp_alloc_event *ev, uint32_t *stack_id)
{
	struct hp_streamfeed *f = ctx;
	struct hp_location locs[HP_MAX_FRAMES];
	uint64_t ref = 0, key, id;
	uint32_t n = ev->nr_pcs > HP_MAX_FRAMES ? HP_MAX_FRAMES : ev->nr_pcs;
	if (ev->stack_ref) {
		ref = hmap_key2((uint64_t)ev->pid << 32 | ev->gen, ev->stack_ref);
		if (ref && ref == f->memo_ref) {
			*stack_id = (uint32_t)f->memo_id;
			return 0;
		}
		if (hmap_get(&f->refs, ref, &id)) {
			f->memo_ref = ref;
			f->memo_id = id;
			*stack_id = (uint32_t)id;
			return 0;
		}
	}
	key = stack_digest(ev->pid, ev->pcs, n);
	for (uint32_t i = 0; i < ev->nr_py; i++)   /* Python frames: part of the stack */
		key = hmap_key2(hmap_key2(key, ev->py[i].code),
				(uint64_t)(uint32_t)ev->py[i].offset << 32 | ev->py[i].flags);
	if (!hmap_get(&f->stacks, key, &id)) {
		int r = (ev->flags & HP_ALLOC_F_PYTHON) && f->py
				? pyfeed_locate_alloc(f->py, f->session, ev, locs)
				: (int)session_locate(f->session, ev->pid, ev->pcs, n, 1, locs);
		if (r < 0)
			return r;
		n = (uint32_t)r;
		uint32_t sid;
		int err = store_intern_stack(session_store(f->session), locs, n, &sid);
		if (err || (err = hmap_put(&f->stacks, key, sid)))
			return err;
		id = sid;
	}
	*stack_id = (uint32_t)id;
	return ref ? hmap_put(&f->refs, ref, id) : 0;
}

/* --- the stream's events --- */

/* The agent's events: samples and process lifetimes for the session.
 * Returns 0 or a store error. */
static int agent_event(struct hp_streamfeed *f, const struct hp_alloc_event *ev)
{
	switch (ev->kind) {
	case HP_ALLOC_SAMPLE:
		if (ev->flags & HP_ALLOC_F_FAULT) {
			/* a page-fault sample: no CPU time */
		} else if (!(ev->flags & HP_ALLOC_F_PYTHON) || ev->py_state == HP_AP_PY_NOEVENT) {
			f->tsamples++;
			f->tperiods += ev->weight;
			f->weights[ev->weight < AGENT_WEIGHTS ? ev->weight : AGENT_WEIGHTS - 1]++;
		} else {
			f->esamples++;
			f->emissed += ev->weight - 1;
		}
		if (f->py)
			return pyfeed_sample(f->py, f->session, ev, f->o.fault_period);
		return session_add_sample(f->session, ev->pid, ev->tid, ev->t_ns, ev->pcs,
					  ev->nr_pcs, ev->flags & HP_ALLOC_F_TRUNCATED ?
					  HP_STACK_END_DEEP : HP_STACK_END_UNKNOWN);
	case HP_ALLOC_PYCODE:
		return f->py ? pyfeed_code(f->py, ev) : 0;
	case HP_ALLOC_BEGIN:
		return session_add_process(f->session, ev->pid, ev->ppid, ev->gen, ev->exe,
					   ev->t_ns);
	case HP_ALLOC_END:
		if ((ev->end_flags & HP_ALLOC_END_ASIDE) && !(ev->end_flags & HP_ALLOC_END_EXECED))
			hp_warn("process %u handles SIGPROF itself: the preload agent stood aside"
				" and has no samples of it from then on", ev->pid);
		if (f->py)
			pyfeed_end(f->py, ev);
		session_end_process(f->session, ev->pid, ev->t_ns,
				    !!(ev->end_flags & HP_ALLOC_END_EXECED));
		return 0;
	}
	return 0;
}

/* With perf sampling: every process image has a stream, while perf may
 * lose forks when its rings overflow, so a process perf did not report
 * is taken from its stream (session_adopt_process): its allocations keep
 * their stacks and it keeps its row. */
static int perf_event_of_stream(struct hp_streamfeed *f, const struct hp_alloc_event *ev)
{
	if (ev->kind == HP_ALLOC_BEGIN)
		return session_adopt_process(f->session, ev->pid, ev->ppid, ev->gen, ev->exe,
					     ev->t_ns);
	if (ev->kind == HP_ALLOC_END)
		session_adopted_end(f->session, ev->pid, ev->t_ns,
				    !!(ev->end_flags & HP_ALLOC_END_EXECED));
	return 0;
}

/* Keep profiling: allocation data is lost from here on, the CPU profile
 * is not. The run says so in its facts (alloc_tracking), not only in a
 * warning that -q hides: its counts cover the run up to t_ns only. */
static void tracking_stopped(struct hp_streamfeed *f, uint64_t t_ns, int err)
{
	double at = t_ns > f->t0 ? (double)(t_ns - f->t0) / 1e9 : 0.0;
	hp_warn("allocation tracking stopped at %.3f s: %s; the allocation figures cover"
		" the run up to there", at, hp_strerror(err));
	snprintf(f->stopped, sizeof(f->stopped), "%s, stopped at %.3f s (%s): incomplete",
		 f->o.alloc_sample ? "sampled" : "exact", at, hp_strerror(err));
	f->failed = 1;
}

/* One event of the stream (an hp_alloc_cb). */
static int stream_event(void *ctx, const struct hp_alloc_event *ev)
{
	struct hp_streamfeed *f = ctx;
	int err;
	if (f->o.agent_hz ? (err = agent_event(f, ev)) : (err = perf_event_of_stream(f, ev)))
		return err;
	/* the process's own peak RSS, as it measured it at exit */
	if (ev->kind == HP_ALLOC_END && ev->vm_hwm &&
	    (err = store_note_process_peak(session_store(f->session), ev->pid, (int64_t)ev->vm_hwm)))
		return err;
	if (!f->track || f->failed || ev->kind == HP_ALLOC_SAMPLE || ev->kind == HP_ALLOC_PYCODE)
		return 0;
	if ((err = alloctrack_event(f->track, ev)))
		tracking_stopped(f, ev->t_ns, err);
	return 0;
}

/* The session's on_poll: drain the stream (all of it when final). */
static int stream_poll(void *ctx, struct hp_session *s, int final)
{
	struct hp_streamfeed *f = ctx;
	int err;
	f->session = s;
	f->t0 = session_t0(s);
	if (f->failed && !f->o.agent_hz)
		return 0;
	err = final ? allocstream_finish(f->stream, stream_event, f, &f->stats)
		    : allocstream_poll(f->stream, stream_event, f);
	if (err >= 0)
		return 0;
	if (f->o.agent_hz)
		return err;           /* no samples without the stream: the session says why */
	tracking_stopped(f, hp_now_ns(), err);
	return 0;
}

/* --- set-up and end --- */

int streamfeed_new(const struct hp_streamfeed_opts *o, struct hp_streamfeed **out)
{
	struct hp_allocstream_opts ao = {
		.no_alloc = !o->alloc,
		.sample_hz = o->agent_hz,
		.sample_bytes = o->alloc_sample,
		/* allocations: the shim's default ring, 2 MiB, which the target
		 * keeps mapped whole (its writers never map pages again after the
		 * first lap: where memory is virtualized that cost ~45 ns per
		 * event, docs/performance.md); samples alone: 4 MiB, windowed */
		.buf_mib = o->alloc ? 0 : 4,
		.no_python = o->no_python,
		.fault_period = o->fault_period,
	};
	uint64_t interval = (uint64_t)(o->heap_interval_ms ? o->heap_interval_ms : 10) * 1000000ull;
	struct hp_streamfeed *f = calloc(1, sizeof(*f));
	int err;
	*out = NULL;
	if (!f)
		return -ENOMEM;
	f->o = *o;
	hmap_init(&f->stacks);
	hmap_init(&f->refs);
	if ((err = allocstream_setup(&f->stream, &ao)) ||
	    (o->agent_hz && (err = pyfeed_new(&f->py))) ||
	    (o->alloc && (err = alloctrack_new(locate_alloc, f, interval, &f->track)))) {
		streamfeed_free(f);
		return err;
	}
	*out = f;
	return 0;
}

/* perf saw an exec: the stream of the image it replaced is complete,
 * whether or not the new image has one (allocstream_note_exec). */
static int stream_exec(void *ctx, uint32_t pid, uint64_t t_ns)
{
	struct hp_streamfeed *f = ctx;
	return allocstream_note_exec(f->stream, pid, t_ns);
}

void streamfeed_attach(struct hp_streamfeed *f, struct hp_session_opts *so)
{
	so->env = allocstream_env(f->stream);
	so->preload_lib = f->o.alloc ? allocstream_shim(f->stream) : NULL;
	so->on_poll = stream_poll;
	so->on_exec = f->o.alloc ? stream_exec : NULL;
	so->poll_ctx = f;
}

static int count_thread(void *ctx, const struct hp_thread_row *t)
{
	(void)t;
	++*(int64_t *)ctx;
	return 0;
}

/* The CPU time the agent's samples did not see (analyzer/unseen.h). A
 * timer's sample stands for the periods its timer ran out since the last,
 * usually one (or, where the kernel checks CPU-time timers once a tick,
 * about the same few: their median). More means the thread's CPU clock ran
 * on while no signal could come: in the kernel (the signal waits for the
 * return from a system call) or while a VM's host held the CPU (steal).
 * A Python thread's SIGTRAP event is exact: the periods its handler found
 * on the thread's clock beyond the event's overflows are all missed
 * (agent_py.c, cpu_overrun). Those periods are the unseen time; the last,
 * partial, period of each thread is the median's (one with events only). */
static void agent_unseen(struct hp_streamfeed *f, struct hp_store *st,
			 struct hp_run_facts *facts)
{
	uint64_t seen = 0, median = 0, missed = f->emissed;
	int64_t threads = 0;
	for (uint64_t w = 0; w < AGENT_WEIGHTS && !median; w++)
		if ((seen += f->weights[w]) * 2 >= f->tsamples && seen)
			median = w;
	if (median && f->tperiods > f->tsamples * median)
		missed += f->tperiods - f->tsamples * median;
	if ((!f->tsamples && !f->esamples) || store_each_thread(st, count_thread, &threads))
		return;
	double period_ns = 1e9 / f->o.agent_hz;
	facts->unseen_ns = (int64_t)((double)missed * period_ns);
	facts->unseen_partial_ns = (int64_t)((double)threads * (double)(median ? median : 1) * period_ns);
}

/* The agent's rate: its timers fire at most once per kernel tick, so a
 * sample may stand for several periods; `frequency` is what they reached.
 * A Python thread's SIGTRAP event is exact: what its samples miss is time
 * its timer could not interrupt (agent_unseen), not its rate. */
static void agent_facts(struct hp_streamfeed *f, struct hp_run_facts *facts)
{
	unsigned want = f->o.agent_hz, hz = want;
	if (f->tsamples && f->tperiods > f->tsamples)
		hz = (unsigned)((double)want * (double)f->tsamples / (double)f->tperiods + 0.5);
	if (!hz)
		hz = 1;
	facts->frequency = hz;
	facts->call_graph = "unw_backtrace (in the target)";
	facts->fault_period = 0;
	if (f->py && pyfeed_fault_samples(f->py))
		facts->fault_period = f->o.fault_period;   /* Python processes' faults */
	facts->agent_stood_aside = f->stats.aside;
	if (hz < want * 9 / 10)
		hp_info("the agent sampled at %u Hz per thread, not %u: the kernel checks CPU-time"
			" timers once per tick", hz, want);
	if (f->stats.dropped_samples)
		hp_warn("the preload agent dropped %llu samples: the stream was full",
			(unsigned long long)f->stats.dropped_samples);
}

int streamfeed_finish(struct hp_streamfeed *f, struct hp_store *st, struct hp_run_facts *facts)
{
	if (!preload_deps(allocstream_shim(f->stream), f->deps, sizeof(f->deps)))
		facts->preload_libraries = f->deps;
	size_t used = 0;
	for (char **e = allocstream_env(f->stream); *e && used < sizeof(f->env); e++)
		used += (size_t)snprintf(f->env + used, sizeof(f->env) - used, "%s%s",
					 used ? "\n" : "", *e);
	if (used < sizeof(f->env))
		facts->preload_env = f->env;
	if (f->o.agent_hz) {
		agent_facts(f, facts);
		agent_unseen(f, st, facts);
	}
	if (f->py)
		pyfeed_facts(f->py, facts);
	if (!f->o.alloc)
		return 0;
	if (f->stats.dropped)
		hp_warn("allocation tracking: %llu events did not fit the stream buffer and are"
			" missing", (unsigned long long)f->stats.dropped);
	if (f->stats.incomplete)
		hp_warn("allocation tracking: %u process(es) ended without exiting normally"
			" (killed by a signal, or by a raw exit system call); their leaks include"
			" blocks the exit would have freed", f->stats.incomplete);
	facts->alloc_tracking = f->failed ? f->stopped : f->o.alloc_sample ? "sampled" : "exact";
	facts->alloc_stream_bytes = (int64_t)f->stats.record_bytes;
	facts->alloc_stream_events = (int64_t)f->stats.record_events;
	facts->alloc_target_bytes = (int64_t)(f->stats.window_max + f->stats.table_bytes);
	facts->alloc_writer_waits = (int64_t)f->stats.writer_waits;
	facts->alloc_writer_wait_ns = (int64_t)f->stats.writer_wait_ns;
	struct rusage ru;
	if (getrusage(RUSAGE_SELF, &ru) == 0)
		facts->hpprof_peak_rss_bytes = (int64_t)ru.ru_maxrss * 1024;
	return alloctrack_write(f->track, st, f->t0, facts);
}

struct hp_pyfeed *streamfeed_pyfeed(struct hp_streamfeed *f)
{
	return f ? f->py : NULL;
}

void streamfeed_free(struct hp_streamfeed *f)
{
	if (!f)
		return;
	alloctrack_free(f->track);
	pyfeed_free(f->py);
	hmap_release(&f->stacks);
	hmap_release(&f->refs);
	allocstream_free(f->stream);
	free(f);
}

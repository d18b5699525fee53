/*
 * run_stream.c - `hpprof run`: the preload library's stream during the
 * run. Allocation events feed the tracker (--alloc); the agent's samples,
 * process starts and ends feed the session. Raw stacks are interned once.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/run.h"
#include "collector/alloctrack.h"
#include "collector/launch.h"
#include "common/error.h"
#include "common/log.h"
#include "common/store.h"

/* A 64-bit digest of a raw stack: the same (pid, pcs) is the same stack
 * as long as the process's mappings do not change under it. */
static uint64_t stack_digest(uint32_t pid, const uint64_t *pcs, uint32_t n)
{
	uint64_t h = hmap_key2(pid, n);
	for (uint32_t i = 0; i < n; i++)
		h = hmap_key2(h, pcs[i]);
	return h;
}

static int alloc_locate(void *ctx, uint32_t pid, const uint64_t *pcs, uint32_t n,
			uint32_t *stack_id)
{
	struct run_stream *rs = ctx;
	uint64_t adj[HP_MAX_FRAMES], key, id;
	struct hp_location locs[HP_MAX_FRAMES];
	if (n > HP_MAX_FRAMES)
		n = HP_MAX_FRAMES;
	/* Most allocations come from a few stacks: skip the per-frame map
	 * lookups and interning for a stack seen before. */
	key = stack_digest(pid, pcs, n);
	if (hmap_get(&rs->stacks, key, &id)) {
		*stack_id = (uint32_t)id;
		return 0;
	}
	memcpy(adj, pcs, n * sizeof(*adj));
	if (n)
		adj[0]--;           /* every pc is a return address; locate() adjusts i > 0 */
	n = session_locate(rs->session, pid, adj, n, locs);
	int err = store_intern_stack(session_store(rs->session), locs, n, stack_id);
	return err ? err : hmap_put(&rs->stacks, key, *stack_id);
}

/* The agent's view of a stream event: samples and process lifetimes for
 * the session. Returns 0 or a store error. */
static int agent_event(struct run_stream *rs, const struct hp_alloc_event *ev)
{
	switch (ev->kind) {
	case HP_ALLOC_SAMPLE:
		rs->periods += ev->weight;
		return session_add_sample(rs->session, ev->pid, ev->tid, ev->t_ns, ev->pcs,
					  ev->nr_pcs, !(ev->flags & HP_ALLOC_F_TRUNCATED));
	case HP_ALLOC_BEGIN:
		return session_add_process(rs->session, ev->pid, ev->ppid, ev->gen, ev->exe,
					   ev->t_ns);
	case HP_ALLOC_END:
		if ((ev->end_flags & HP_ALLOC_END_ASIDE) && !(ev->end_flags & HP_ALLOC_END_EXECED))
			hp_warn("process %u handles SIGPROF itself: the preload agent stood aside"
				" and has no samples of it from then on", ev->pid);
		session_end_process(rs->session, ev->pid, ev->t_ns,
				    !!(ev->end_flags & HP_ALLOC_END_EXECED));
		return 0;
	}
	return 0;
}

/* One event of the stream (an hp_alloc_cb). */
static int stream_event(void *ctx, const struct hp_alloc_event *ev)
{
	struct run_stream *rs = ctx;
	int err;
	if (rs->agent && (err = agent_event(rs, ev)))
		return err;
	if (!rs->track || rs->failed || ev->kind == HP_ALLOC_SAMPLE)
		return 0;
	if ((err = alloctrack_event(rs->track, ev))) {
		/* Keep profiling: allocation data is lost, the CPU profile is not. */
		hp_warn("allocation tracking stopped: %s", hp_strerror(err));
		rs->failed = 1;
	}
	return 0;
}

/* The session's on_poll: drain the stream (all of it when final). */
static int stream_poll(void *ctx, struct hp_session *s, int final)
{
	struct run_stream *rs = ctx;
	int err;
	rs->session = s;
	rs->t0 = session_t0(s);
	if (rs->failed && !rs->agent)
		return 0;
	err = final ? allocstream_finish(rs->stream, stream_event, rs, &rs->stats)
		    : allocstream_poll(rs->stream, stream_event, rs);
	if (err >= 0)
		return 0;
	if (rs->agent)
		return err;           /* no samples without the stream: the session says why */
	hp_warn("allocation tracking stopped: %s", hp_strerror(err));
	rs->failed = 1;
	return 0;
}

/* The preload library's stream, when --alloc or the agent needs it. A
 * statically linked target cannot be tracked: --alloc is dropped (the
 * agent never gets here with one). */
int run_stream_setup(struct run_opts *o, struct run_stream *rs, const char *target)
{
	struct hp_allocstream_opts ao = {
		.no_alloc = !o->alloc,
		.sample_hz = o->agent ? o->s.freq : 0,
		.sample_bytes = (uint64_t)o->alloc_sample,
		.buf_mib = o->alloc ? 0 : 4,       /* samples alone need little room */
	};
	int err;
	if (o->alloc && launch_is_static(target) == 1) {
		hp_warn("allocation tracking is unavailable: '%s' is statically linked, so the"
			" LD_PRELOAD shim cannot reach its malloc; profiling without it", target);
		o->alloc = 0;
		ao.no_alloc = 1;
	}
	rs->agent = o->agent;
	if (!o->alloc && !o->agent)
		return 0;
	if ((err = allocstream_setup(&rs->stream, &ao))) {
		hp_err("cannot set up the preload library: %s", hp_strerror(err));
		return -1;
	}
	if (o->alloc && !rs->track &&
	    (err = alloctrack_new(alloc_locate, rs, (uint64_t)(o->s.mem_interval_ms ?
						o->s.mem_interval_ms : 10) * 1000000ull, &rs->track))) {
		hp_err("cannot set up allocation tracking: %s", hp_strerror(err));
		return -1;
	}
	o->s.env = allocstream_env(rs->stream);
	o->s.on_poll = stream_poll;
	o->s.poll_ctx = rs;
	return 0;
}

/* The agent's rate: its timers fire at most once per kernel tick, so a
 * sample may stand for several periods; `frequency` is what it reached. */
static void finish_agent(struct run_opts *o, struct run_stream *rs, struct hp_store *st,
			 const struct hp_session_result *res)
{
	unsigned hz = o->s.freq;
	if (res->samples && rs->periods > res->samples)
		hz = (unsigned)((double)o->s.freq * (double)res->samples / (double)rs->periods + 0.5);
	if (!hz)
		hz = 1;
	store_set_meta_int(st, "frequency", hz);
	store_set_meta(st, "call_graph", "unw_backtrace (in the target)");
	store_set_meta_int(st, "fault_period", 0);
	store_set_meta_int(st, "agent_stood_aside", rs->stats.aside);
	if (hz < o->s.freq * 9 / 10)
		hp_info("the agent sampled at %u Hz per thread, not %u: the kernel checks CPU-time"
			" timers once per tick", hz, o->s.freq);
	if (rs->stats.dropped_samples)
		hp_warn("the preload agent dropped %llu samples: the stream was full",
			(unsigned long long)rs->stats.dropped_samples);
}

int run_stream_finish(struct run_opts *o, struct run_stream *rs, struct hp_store *st,
			 const struct hp_session_result *res)
{
	if (o->agent)
		finish_agent(o, rs, st, res);
	if (!o->alloc)
		return 0;
	if (rs->stats.dropped)
		hp_warn("allocation tracking: %llu events did not fit the stream buffer and are"
			" missing", (unsigned long long)rs->stats.dropped);
	if (rs->stats.incomplete)
		hp_warn("allocation tracking: %u process(es) ended without exiting normally;"
			" their leaks include blocks the exit would have freed", rs->stats.incomplete);
	store_set_meta(st, "alloc_tracking", o->alloc_sample ? "sampled" : "exact");
	return alloctrack_write(rs->track, st, rs->t0);
}

void run_stream_release(struct run_stream *rs)
{
	alloctrack_free(rs->track);
	hmap_release(&rs->stacks);
	allocstream_free(rs->stream);
}

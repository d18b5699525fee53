/*
 * session_procs.c - processes known to the session (session_internal.h):
 * the rows this session wrote, the processes the caller reports without
 * perf records (no_perf mode: session_add_process / session_end_process),
 * and those adopted from a preload stream whose fork record was lost.
 */
#include "collector/session.h"

#include <stdint.h>

#include "collector/memwatch.h"
#include "collector/procmap.h"
#include "collector/pyremote.h"
#include "collector/session_internal.h"
#include "common/hmap.h"
#include "common/log.h"
#include "common/store.h"

/* Whether the session wrote pid's processes row. Not whether pid has maps:
 * a sample of a process whose fork record was lost loads its maps from
 * /proc (procmaps_find), and such a process must still be adopted. */
static int has_row(struct hp_session *s, uint32_t pid)
{
	uint64_t v;
	return hmap_get(&s->rows, (uint64_t)pid | 1ull << 32, &v);
}

void session_note_row(struct hp_session *s, uint32_t pid)
{
	hmap_put(&s->rows, (uint64_t)pid | 1ull << 32, 1);
}

/* The maps of a fork as session_add_process makes them: its own, or its
 * parent's once it is gone (or a zombie, whose maps read empty). */
static void process_maps(struct hp_session *s, uint32_t pid, uint32_t ppid, uint32_t gen)
{
	procmaps_exec(s->pm, pid);                 /* whatever an earlier image left */
	if ((procmaps_load_proc(s->pm, pid) < 0 || !procmaps_count(s->pm, pid)) && gen == 0)
		procmaps_fork(s->pm, ppid, pid);
}

int session_add_process(struct hp_session *s, uint32_t pid, uint32_t ppid, uint32_t gen,
			const char *exe, uint64_t t_ns)
{
	char comm[64];
	session_read_proc(pid, "comm", comm, sizeof(comm));
	process_maps(s, pid, ppid, gen);
	if (s->o->pyremote) {      /* off-CPU samples: the new image's Python, if any, */
		pyremote_exec(s->o->pyremote, pid);
		pyremote_probe(s->o->pyremote, pid);   /* told to the BPF reader now */
	}
	session_note_row(s, pid);
	hmap_put(&s->refreshed, (uint64_t)pid | 1ull << 32, s->round);
	memwatch_add(s->mw, pid);
	const char *c = comm[0] ? comm : NULL, *e = exe && *exe ? exe : NULL;
	int err = store_add_process(s->st, pid, ppid, c, e, session_rel_time(s, t_ns));
	if (!err && gen)
		err = store_set_process_comm(s->st, pid, c, e);
	if (!err) {
		hmap_put(&s->threads, (uint64_t)pid | 1ull << 32, 1);
		err = store_add_thread(s->st, pid, pid, c, session_rel_time(s, t_ns));
	}
	if (err && !s->err)
		s->err = err;
	return err;
}

void session_end_process(struct hp_session *s, uint32_t pid, uint64_t t_ns, int execed)
{
	if (execed)
		return;                            /* the next image's start replaces the maps */
	uint64_t peak = memwatch_peak(s->mw, pid);
	store_end_process(s->st, pid, session_rel_time(s, t_ns), -1, peak ? (int64_t)peak : -1);
	procmaps_exit(s->pm, pid);                 /* its events are all in: the pid may come back */
	hmap_del(&s->refreshed, (uint64_t)pid | 1ull << 32, NULL);
}

int session_adopt_process(struct hp_session *s, uint32_t pid, uint32_t ppid, uint32_t gen,
			  const char *exe, uint64_t t_ns)
{
	uint64_t key = (uint64_t)pid | 1ull << 32;
	if (has_row(s, pid)) {                     /* perf reported it */
		/* its exit may have dropped its maps already: its allocations
		 * still need them, until its stream ends */
		if (!procmaps_count(s->pm, pid)) {
			process_maps(s, pid, ppid, gen);
			hmap_put(&s->adopted, key, ADOPTED_MAPS);
		}
		return 0;
	}
	s->res->adopted++;
	hmap_put(&s->adopted, key, ADOPTED_ROW);
	hp_debug(HP_DBG_PERF, 1, "pid %u: no fork record (lost?); maps and row from its stream", pid);
	return session_add_process(s, pid, ppid, gen, exe, t_ns);
}

void session_unadopt(struct hp_session *s, uint32_t pid)
{
	uint64_t v = 0;
	if (hmap_del(&s->adopted, (uint64_t)pid | 1ull << 32, &v) && v == ADOPTED_ROW &&
	    s->res->adopted)
		s->res->adopted--;
}

void session_adopted_end(struct hp_session *s, uint32_t pid, uint64_t t_ns, int execed)
{
	uint64_t v = 0;
	int had = hmap_del(&s->adopted, (uint64_t)pid | 1ull << 32, &v);
	if (had && v == ADOPTED_ROW) {
		session_end_process(s, pid, t_ns, execed);
		return;
	}
	if (execed)
		return;
	/* perf's exit record may be lost too: an end, if none */
	store_end_open_process(s->st, pid, session_rel_time(s, t_ns));
	if (had)                                   /* the maps restored for the stream */
		procmaps_exit(s->pm, pid);
}

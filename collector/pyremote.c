/*
 * pyremote.c - Python frames of attached processes, read from their memory
 * when a sample is processed and corrected with the sample's registers and
 * stack copy (pyremote.h says how).
 *
 * Reuses the collector-side reader: pyframes (runtime per process, code
 * objects), pywalk (the chain from a frame address), pymerge (the merge
 * rule and its count check), pyfeed_location (the store locations of
 * Python frames, shared with the agent's samples).
 */
#include "collector/pyremote.h"
#include "collector/pyremote_priv.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collector/pybpf.h"
#include "collector/pyfeed.h"
#include "collector/pyframes.h"
#include "collector/pymerge.h"
#include "collector/pyruntime.h"
#include "collector/session.h"
#include "collector/unwind.h"
#include "common/error.h"
#include "common/grow.h"
#include "common/hmap.h"
#include "common/log.h"
#include "common/record.h"
#include "common/runfacts.h"

/* The scratch buffers raw .. window (~30 KiB) are written before they
 * are read: only the state around them is cleared, so that a run that
 * meets no Python does not touch their pages. */
int pyremote_new(struct hp_pyremote **out)
{
	struct hp_pyremote *r = malloc(sizeof(*r));
	size_t from = offsetof(struct hp_pyremote, raw);
	size_t to = offsetof(struct hp_pyremote, window) + sizeof(r->window);
	int err;
	*out = NULL;
	if (!r)
		return -ENOMEM;
	memset(r, 0, from);
	memset((char *)r + to, 0, sizeof(*r) - to);
	if ((err = pyframes_new(&r->pf)) || (err = pyfeed_new(&r->locs))) {
		pyremote_free(r);
		return err;
	}
	hmap_init(&r->tstates);
	hmap_init(&r->probed);
	hmap_init(&r->execed);
	hmap_init(&r->exec_python);
	r->check_code = !getenv("HPPROF_PYATTACH_NOCODE");
	*out = r;
	return 0;
}

void pyremote_share_locations(struct hp_pyremote *r, struct hp_pyfeed *f)
{
	if (!r || !f || r->locs_shared)
		return;
	pyfeed_free(r->locs);
	r->locs = f;
	r->locs_shared = 1;
}

void pyremote_free(struct hp_pyremote *r)
{
	if (!r)
		return;
	pyframes_free(r->pf);
	if (!r->locs_shared)
		pyfeed_free(r->locs);
	hmap_release(&r->tstates);
	hmap_release(&r->probed);
	hmap_release(&r->execed);
	hmap_release(&r->exec_python);
	free(r->known);
	pybpf_free(r->bpf);
	free(r->bpf_pids);
	free(r->bpf_fds);
	free(r);
}

/* A process without Python may map one later (a libpython loaded after
 * the sample that probed it, an embedding program): its "no Python" holds
 * until it maps a file that may hold one (pyremote_mapped), or mapping
 * records may have been lost (then r->maps_gen moved on). Nothing is
 * probed again on a timer: a process that maps nothing new costs one
 * read of its maps in the whole run. A Python found stays until an exec. */
static int probe_cached(struct hp_pyremote *r, uint32_t pid, int *ok)
{
	uint64_t v;
	if (!hmap_get(&r->probed, pid, &v))
		return 0;
	if ((v & 3) == PROBE_NONE && v >> 2 != r->maps_gen) {
		pyframes_forget(r->pf, pid);
		hmap_del(&r->probed, pid, NULL);
		return 0;
	}
	*ok = (v & 3) == PROBE_PYTHON;
	return 1;
}

int pyremote_probe(struct hp_pyremote *r, uint32_t pid)
{
	const struct py_runtime *rt;
	int ok;
	if (probe_cached(r, pid, &ok))
		return ok;
	r->probes++;
	int err = pyframes_runtime(r->pf, pid, &rt);
	ok = !err && rt->off;
	if (!err && !r->version[0] && rt->major)
		snprintf(r->version, sizeof(r->version), "%u.%u.%u", rt->major, rt->minor,
			 rt->micro);
	if (!err && !rt->off && !r->note[0]) {
		pyruntime_note(rt, r->note, sizeof(r->note));
		hp_info("process %u: %s", pid, r->note);
	}
	if (ok)
		pyremote_bpf_register(r, pid, rt);
	if (ok && hmap_del(&r->execed, pid, NULL)) {
		hmap_put(&r->exec_python, pid, 1);
		hp_debug(HP_DBG_RUN, 1, "process %u runs Python %u.%u after an exec", pid,
			 rt->major, rt->minor);
	}
	hmap_put(&r->probed, pid, r->maps_gen << 2 | (uint64_t)(ok ? PROBE_PYTHON : err ? PROBE_NONE
						 : PROBE_UNSUPPORTED));
	return ok;
}

void pyremote_mapped(struct hp_pyremote *r, uint32_t pid, const char *path)
{
	uint64_t v;
	if (!path) {
		r->maps_gen++;                /* every "no Python" is stale */
		return;
	}
	if (pyruntime_may_hold(path) && hmap_get(&r->probed, pid, &v) && (v & 3) == PROBE_NONE) {
		pyframes_forget(r->pf, pid);
		hmap_del(&r->probed, pid, NULL);
	}
}

void pyremote_exec(struct hp_pyremote *r, uint32_t pid)
{
	size_t k = 0;
	pyremote_bpf_unregister(r, pid);
	hmap_del(&r->probed, pid, NULL);
	pyframes_forget(r->pf, pid);
	hmap_put(&r->execed, pid, 1);
	for (size_t i = 0; i < r->nknown; i++)       /* the old image's code objects */
		if (r->known[i].pid != pid)
			r->known[k++] = r->known[i];
	r->nknown = k;
	/* thread states are keyed by (pid, tid) and only a cache: start afresh */
	hmap_release(&r->tstates);
	hmap_init(&r->tstates);
}

/* The thread state of tid (cached, checked against native_thread_id) in ts. */
static int thread_state(struct hp_pyremote *r, const struct py_runtime *rt, uint32_t pid,
			uint32_t tid, uint8_t *ts)
{
	const struct py_offsets *o = rt->off;
	void *ctx = (void *)(uintptr_t)pid;
	uint64_t key = hmap_key2(pid, tid), t;
	int err;
	if (hmap_get(&r->tstates, key, &t) && !pywalk_read_remote(ctx, t, ts, o->tstate_size) &&
	    pyremote_u64_at(ts, o->tstate_native_id) == tid)
		return 0;
	if ((err = pywalk_find_tstate(rt, pywalk_read_remote, ctx, tid, &t)) ||
	    (err = pywalk_read_remote(ctx, t, ts, o->tstate_size)))
		return err;
	return hmap_put(&r->tstates, key, t);
}

/*
 * The innermost activation at the sample that the copy holds: from the
 * thread's _PyCFrame now, follow `previous` past activations started
 * after the sample (below the copy) to the first one inside it. Its
 * previous must be the same now as in the copy, else it is another
 * activation (-ESTALE); its current_frame now goes to a->now. Fills a with the current_frame of
 * it and of every caller activation the copy holds, innermost first.
 */
static int anchor(const struct py_offsets *o, uint32_t pid, uint64_t cframe, uint64_t sp,
		  const uint8_t *stack, uint64_t len, struct anchors *a)
{
	size_t need = (o->cframe_current_frame > o->cframe_previous ? o->cframe_current_frame
		       : o->cframe_previous) + 8;
	void *ctx = (void *)(uintptr_t)pid;
	uint8_t now[64];
	const uint8_t *c = NULL;
	int err;
	if (need > sizeof(now))
		return -EINVAL;
	for (int k = 0; cframe && k < MAX_CFRAMES; k++) {
		if ((c = pyremote_in_copy(sp, stack, len, cframe, need)) || cframe > sp)
			break;
		if ((err = pywalk_read_remote(ctx, cframe + o->cframe_previous, &cframe, 8)))
			return err;
	}
	if (!c)
		return -ESTALE;                /* the sample's activations are gone, or above the copy */
	if ((err = pywalk_read_remote(ctx, cframe, now, need)))
		return err;
	if (pyremote_u64_at(now, o->cframe_previous) != pyremote_u64_at(c, o->cframe_previous))
		return -ESTALE;
	a->now = pyremote_u64_at(now, o->cframe_current_frame);
	a->n = 0;
	while (c && a->n < MAX_CFRAMES) {
		a->frame[a->n++] = pyremote_u64_at(c, o->cframe_current_frame);
		c = pyremote_in_copy(sp, stack, len, pyremote_u64_at(c, o->cframe_previous), need);
	}
	return 0;
}

/*
 * Which code object was the innermost frame running at the sample? Its
 * evaluation loop keeps a pointer to the next code unit (next_instr) in a
 * register; when the sample is in a C function the loop called, the
 * register is still live or was saved on the stack by that function (or
 * one it called). So some register of the sample, or some word of the
 * copy below the loop's return address (the C functions' frames, not the
 * loop's own, whose slots can hold stale pointers of earlier calls),
 * points into the code units of the code object that ran: [lo, hi] of
 * code_range. ret: the offset in the copy of the innermost loop's return
 * address (0: the sample is in the loop itself). The pointer found goes
 * to *next; 0 when none.
 */
static int code_seen(uint64_t lo, uint64_t hi, const uint64_t *regs, const uint8_t *stack,
		     uint64_t ret, uint64_t *next)
{
	for (int i = 0; i < HP_UNWIND_NREGS; i++)
		if (i != HP_REG_IP && regs[i] > lo && regs[i] <= hi) {
			*next = regs[i];
			return 1;
		}
	for (uint64_t off = 0; off + 8 <= ret; off += 8)
		if (pyremote_u64_at(stack, off) > lo && pyremote_u64_at(stack, off) <= hi) {
			*next = pyremote_u64_at(stack, off);
			return 1;
		}
	return 0;
}

/* The code units of the code object at code: [*lo, *hi]. */
static int code_range(uint32_t pid, const struct py_offsets *o, uint64_t code, uint64_t *lo,
		      uint64_t *hi)
{
	enum { VAR_SIZE = 16 };                  /* PyVarObject.ob_size (LP64): code units */
	int64_t units;
	int err = pywalk_read_remote((void *)(uintptr_t)pid, code + VAR_SIZE, &units, 8);
	if (err || units <= 0 || units > 1 << 24)
		return err ? err : -EAGAIN;
	*lo = code + o->code_adaptive;
	*hi = *lo + 2 * (uint64_t)units;
	return 0;
}

/* Code objects seen running in pid, by the range of their code units. */
static int known_index(const struct hp_pyremote *r, uint32_t pid, uint64_t v)
{
	int lo = 0, hi = (int)r->nknown - 1, at = -1;
	while (lo <= hi) {                       /* the last entry <= (pid, v) */
		int mid = (lo + hi) / 2;
		const struct known *k = &r->known[mid];
		if (k->pid < pid || (k->pid == pid && k->lo <= v)) {
			at = mid;
			lo = mid + 1;
		} else {
			hi = mid - 1;
		}
	}
	return at;
}

static void remember(struct hp_pyremote *r, uint32_t pid, uint64_t code, uint64_t lo,
		     uint64_t hi)
{
	int at = known_index(r, pid, lo);
	if (at >= 0 && r->known[at].pid == pid && r->known[at].lo == lo) {
		r->known[at].hi = hi;            /* the same address: maybe another object now */
		r->known[at].code = code;
		return;
	}
	if (hp_grow((void **)&r->known, &r->capknown, r->nknown + 1, sizeof(*r->known)))
		return;
	memmove(&r->known[at + 2], &r->known[at + 1], (r->nknown - (size_t)(at + 1)) *
		sizeof(*r->known));
	r->known[at + 1] = (struct known){ pid, lo, hi, code };
	r->nknown++;
}

/* A known code object of pid that a register or a word of the C frames
 * below the loop points into (as code_seen): its address, the pointer in
 * *next; 0 when none. */
static uint64_t known_seen(const struct hp_pyremote *r, uint32_t pid, const uint64_t *regs,
			   const uint8_t *stack, uint64_t ret, uint64_t *next)
{
	for (uint64_t i = 0; i < HP_UNWIND_NREGS + ret / 8; i++) {
		uint64_t v = i < HP_UNWIND_NREGS ? regs[i] : pyremote_u64_at(stack, (i - HP_UNWIND_NREGS) * 8);
		int at = i == HP_REG_IP ? -1 : known_index(r, pid, v);
		if (at >= 0 && r->known[at].pid == pid && v > r->known[at].lo &&
		    v <= r->known[at].hi) {
			*next = v;
			return r->known[at].code;
		}
	}
	return 0;
}

/* Where the innermost evaluation loop's return address pcs[k] (k > 0) is
 * in the copy: the first word equal to it; 0 when the sample is in the
 * loop (k = 0) or the word is not found. */
static uint64_t loop_return(const uint64_t *pcs, uint32_t n, uint64_t eval_start,
			    uint64_t eval_end, const uint8_t *stack, uint64_t len)
{
	uint32_t k = 0;
	while (k < n && !pymerge_is_eval(pcs, (int)k, eval_start, eval_end))
		k++;
	if (!k || k == n)
		return 0;
	for (uint64_t off = 0; off + 8 <= len; off += 8)
		if (pyremote_u64_at(stack, off) == pcs[k])
			return off;
	return 0;
}

int pyremote_groups_match(const struct pyframe_raw *raw, int n, const struct anchors *a)
{
	int g = 0, start = 0;
	for (int i = 0; i < n && g < a->n; i++) {
		if (i == start && raw[i].frame != a->frame[g])
			return 0;
		if (raw[i].is_entry) {
			g++;
			start = i + 1;
		}
	}
	return 1;
}

/* The innermost frame at the sample is not the activation's current
 * frame now: it called another (it is in the chain from the current
 * one: 1), or it returned (its caller, still in memory as its previous,
 * is in that chain: 2). Else (0) the chain read from it is not the
 * sample's. */
static int still_live(struct hp_pyremote *r, const struct py_offsets *o, uint32_t pid, int n,
		      const struct anchors *a)
{
	int nentry, m = pywalk_from(o, pywalk_read_remote, (void *)(uintptr_t)pid, a->now,
				    r->now, PYFRAMES_MAX, &nentry);
	int caller = 0;
	if (m == -E2BIG)                         /* deeper: its innermost are enough */
		m = PYFRAMES_MAX;
	for (int i = 0; i < m; i++) {
		if (r->now[i].frame == r->raw[0].frame)
			return 1;
		caller |= n > 1 && r->now[i].frame == r->raw[1].frame;
	}
	return caller ? 2 : 0;
}

/* The code object of pid whose code units hold v, found in its memory: a
 * code object is one allocation with its code units at its end (at
 * code_adaptive), so it starts at a 16-byte boundary at most WINDOW bytes
 * below v - code_adaptive, has PyCode_Type as its type and enough units to
 * reach v. Its address; 0 when there is none. */
static uint64_t code_around(struct hp_pyremote *r, uint32_t pid, const struct py_runtime *rt,
			    uint64_t v)
{
	uint8_t *buf = r->window;
	const struct py_offsets *o = rt->off;
	if ((v & 1) || v < WINDOW + o->code_adaptive + 4096)
		return 0;
	uint64_t top = (v - o->code_adaptive - 2) & ~15ull;   /* v at its first unit or later */
	uint64_t lo = top - WINDOW + 16;
	if (pywalk_read_remote((void *)(uintptr_t)pid, lo, buf, top + HEAD - lo)) {
		lo = top & ~4095ull;                  /* the pages below may be unmapped */
		if (pywalk_read_remote((void *)(uintptr_t)pid, lo, buf, top + HEAD - lo))
			return 0;
	}
	for (uint64_t a = top; a >= lo; a -= 16) {
		int64_t units;
		memcpy(&units, buf + (a - lo) + 16, 8);
		if (pyremote_u64_at(buf, a - lo + 8) == rt->code_type)
			return units > 0 && a + o->code_adaptive + 2 * (uint64_t)units >= v ? a : 0;
	}
	return 0;
}

/* A code object not seen before that a register or a word of the C
 * frames below the loop points into (as code_seen), found in pid's memory
 * (code_around) and remembered: its address, the pointer in *next; 0 when
 * none. At most MAX_TRIES words are looked at. */
static uint64_t found_seen(struct hp_pyremote *r, uint32_t pid, const struct py_runtime *rt,
			   const uint64_t *regs, const uint8_t *stack, uint64_t ret, uint64_t *next)
{
	enum { MAX_TRIES = 32 };
	uint64_t sp = regs[HP_REG_SP], tried[MAX_TRIES], lo, hi;
	int ntried = 0;
	for (uint64_t i = 0; i < HP_UNWIND_NREGS + ret / 8 && ntried < MAX_TRIES; i++) {
		uint64_t v = i < HP_UNWIND_NREGS ? regs[i] : pyremote_u64_at(stack, (i - HP_UNWIND_NREGS) * 8);
		int seen = 0;
		if (i == HP_REG_IP || i == HP_REG_SP || (v & 1) || (v >= sp && v - sp < (1u << 20)))
			continue;                     /* not a pointer into code units */
		for (int k = 0; k < ntried && !seen; k++)
			seen = tried[k] == v;
		if (seen)
			continue;
		tried[ntried++] = v;
		uint64_t code = code_around(r, pid, rt, v);
		if (code && !code_range(pid, rt->off, code, &lo, &hi) && v > lo && v <= hi) {
			remember(r, pid, code, lo, hi);
			*next = v;
			return code;
		}
	}
	return 0;
}

/* The innermost frame's code object and line as at the sample
 * (code_seen): the one read when it is pointed into, else a known one
 * that is, else one found in memory that is (the frame was popped and
 * another pushed at its address since: counted in r->recoded; returns 1),
 * else -ESTALE. */
static int innermost_code(struct hp_pyremote *r, uint32_t pid, const struct py_runtime *rt,
			  const uint64_t *regs, const uint8_t *stack, uint64_t ret)
{
	uint64_t lo, hi, next = 0, code = 0;
	int err = code_range(pid, rt->off, r->raw[0].code, &lo, &hi);
	if (err)
		return err;
	if (code_seen(lo, hi, regs, stack, ret, &next)) {
		remember(r, pid, r->raw[0].code, lo, hi);
	} else if ((code = known_seen(r, pid, regs, stack, ret, &next)) ||
		   (code = found_seen(r, pid, rt, regs, stack, ret, &next))) {
		r->raw[0].code = code;
		r->recoded++;
	} else {
		hp_debug(HP_DBG_RUN, 3, "pid %u: no code object holds the sample's next_instr"
			 " (%zu known)", pid, r->nknown);
		return -ESTALE;
	}
	r->raw[0].instr = next - 2;               /* the code unit before next_instr: its line */
	return code ? 1 : 0;
}

/* The sample's Python frames into r->py: their count, 0 when the thread
 * runs no Python, -ESTALE when the copy shows they moved, another -errno
 * when they could not be read. */
static int read_frames(struct hp_pyremote *r, const struct py_runtime *rt, uint32_t pid,
		       uint32_t tid, const uint64_t *regs, const uint8_t *stack, uint64_t len,
		       uint64_t ret)
{
	const struct py_offsets *o = rt->off;
	uint8_t ts[TS_MAX];
	struct anchors a;
	int nentry, n, err;
	if (o->tstate_size > sizeof(ts))
		return -EINVAL;
	if ((err = thread_state(r, rt, pid, tid, ts)))
		return err;
	if ((err = anchor(o, pid, pyremote_u64_at(ts, o->tstate_cframe), regs[HP_REG_SP], stack, len, &a)))
		return err;
	n = pywalk_from(o, pywalk_read_remote, (void *)(uintptr_t)pid, a.frame[0], r->raw,
			PYFRAMES_MAX, &nentry);
	if (n == -E2BIG) {                       /* deeper than PYFRAMES_MAX: its innermost */
		n = PYFRAMES_MAX;
		r->cut = 1;
	}
	if (n <= 0)
		return n;
	int live = a.now == a.frame[0] ? 1 : still_live(r, o, pid, n, &a), recoded = 0;
	if (!pyremote_groups_match(r->raw, n, &a) || !live) {
		hp_debug(HP_DBG_RUN, 3, "pid %u tid %u: %s", pid, tid, live ? "the groups moved"
			 : "the sample's frame is neither live nor returned");
		return -ESTALE;
	}
	if (r->check_code && !r->blocked &&
	    (recoded = innermost_code(r, pid, rt, regs, stack, ret)) < 0)
		return recoded;
	if ((err = pyframes_resolve(r->pf, pid, r->raw, n, r->py)) != n)
		return err < 0 ? err : -EAGAIN;
	for (int i = 0; i < n; i++)
		if (!strcmp(r->py[i].function, "?"))
			return -ENOENT;
	/* Only the innermost frame's line is the sample's (its next_instr).
	 * Every other frame's line is as read, and a caller may have moved on
	 * and come back since: the callee returned and the same function was
	 * called again at the same address from another line (nothing in the
	 * sample or in the frames tells the two calls apart; docs/python.md,
	 * "Attach"). Their lines are not known - but for a thread asleep
	 * while they were read (pyremote_locate_blocked). */
	if (r->blocked)
		return n;
	for (int i = 1; i < n; i++)
		r->py[i].line = 0;
	r->caller_unknown += n > 1;
	return n;
}

/* The merged frames as locations: Python ones from pyfeed_location,
 * native ones as located in r->nat (in order, evaluation frames skipped). */
static int located(struct hp_pyremote *r, struct hp_session *s, uint32_t pid,
		   const uint64_t *pcs, uint32_t nn, int m, struct hp_location *out)
{
	uint32_t j = 0;
	for (int i = 0; i < m; i++) {
		if (r->mf[i].py >= 0) {
			int err = pyfeed_location(r->locs, session_store(s), pid, &r->py[r->mf[i].py],
						  &out[i]);
			if (err)
				return err;
			continue;
		}
		while (j < nn && pcs[j] != r->mf[i].pc)
			j++;
		out[i] = j < nn ? r->nat[j++] : (struct hp_location){ 0, r->mf[i].pc };
	}
	return m;
}

uint32_t pyremote_locate(struct hp_pyremote *r, struct hp_session *s, uint32_t pid,
			 uint32_t tid, uint64_t time, unsigned kind, const uint64_t *regs, const uint8_t *stack,
			 uint64_t stack_len, const uint64_t *pcs, uint32_t n, enum hp_stack_end *end,
			 struct hp_location *out, uint32_t max)
{
	const struct py_runtime *rt;
	enum pymerge_status st;
	int neval = 0, npy, complete = *end == HP_STACK_END_OUTERMOST;
	r->cut = 0;
	if (n > HP_MAX_FRAMES)
		n = HP_MAX_FRAMES;
	if (!pyremote_probe(r, pid) || pyframes_runtime(r->pf, pid, &rt) || !regs || !stack)
		return session_locate(s, pid, pcs, n < max ? n : max, 0, out);
	for (uint32_t i = 0; i < n; i++)
		neval += pymerge_is_eval(pcs, (int)i, rt->eval_start, rt->eval_end);
	int bpf = pyremote_bpf_reads(r, pid, time, kind);
	/* A native stack that ended before the innermost evaluation loop
	 * (select.select's 48 KiB of arrays: beyond the 16 KiB switch-out copy,
	 * or a page of them never touched) with a BPF record: the chain as at
	 * the sample (a thread runs an evaluation loop while it has one) goes
	 * above its outermost frame (pymerge.h, a truncated native stack). */
	if (!neval && !(bpf && !complete)) {
		if (bpf)                          /* its record, unused: not left for another */
			free(pybpf_take(r->bpf, tid, time, regs[HP_REG_IP], kind));
		r->n.native++;
		return session_locate(s, pid, pcs, n < max ? n : max, 0, out);
	}
	if (bpf) {
		npy = pyremote_bpf_frames(r, rt, pid, tid, time, kind, regs, stack, stack_len);
		bpf = npy != -ENODATA || !pyremote_bpf_drop_unseen(r, pid);
	}
	if (!bpf) {                   /* a thread asleep now is read as at its wait: not late */
		r->late += !r->blocked;
		r->late_off += kind == PYBPF_OFFCPU && !r->blocked;
		npy = read_frames(r, rt, pid, tid, regs, stack, stack_len,
				  loop_return(pcs, n, rt->eval_start, rt->eval_end, stack,
					      stack_len));
	}
	if (npy == -ENODATA) {                   /* no record: unmerged, not read late */
		r->n.unmerged++;
		return session_locate(s, pid, pcs, n < max ? n : max, 0, out);
	}
	if (npy <= 0) {
		r->moved += npy == -ESTALE;
		r->n.unmerged += npy == -ESTALE;
		r->n.unresolved += npy != -ESTALE;
		hp_debug(HP_DBG_RUN, 2, "pid %u tid %u: no Python frames: %s", pid, tid,
			 npy ? hp_strerror(npy) : "none");
		return session_locate(s, pid, pcs, n < max ? n : max, 0, out);
	}
	/* a chain cut at its outer end (deeper than the BPF record or the
	 * walk holds): merged for the loops its frames cover, as pymerge_cut */
	int m = (r->cut ? pymerge_cut : pymerge)(pcs, (int)n, complete, rt->eval_start,
			rt->eval_end, r->py, npy, r->mf,
			(int)(max < HP_MAX_FRAMES ? max : HP_MAX_FRAMES), &st);
	if (st == PYMERGE_UNMERGED) {
		r->n.unmerged++;
		return session_locate(s, pid, pcs, n < max ? n : max, 0, out);
	}
	r->n.merged += st == PYMERGE_MERGED;
	r->n.truncated += st == PYMERGE_TRUNCATED;
	uint32_t nn = session_locate(s, pid, pcs, n, 0, r->nat);
	int got = located(r, s, pid, pcs, nn, m, out);
	if (got < 0)
		return session_locate(s, pid, pcs, n < max ? n : max, 0, out);
	if (r->cut)
		*end = HP_STACK_END_DEEP;        /* the outer Python frames were dropped */
	return (uint32_t)got;
}

uint32_t pyremote_locate_blocked(struct hp_pyremote *r, struct hp_session *s, uint32_t pid,
				 uint32_t tid, uint64_t sp, uint64_t pc, const uint8_t *stack,
				 uint64_t stack_len, const uint64_t *pcs, uint32_t n,
				 enum hp_stack_end *end, struct hp_location *out, uint32_t max)
{
	uint64_t regs[HP_UNWIND_NREGS] = { 0 };
	regs[HP_REG_SP] = sp;
	regs[HP_REG_IP] = pc;
	uint64_t before = pyfeed_counts_all(&r->n);
	r->blocked = 1;
	uint32_t got = pyremote_locate(r, s, pid, tid, 0, PYBPF_OFFCPU, regs, stack, stack_len,
				       pcs, n, end, out, max);
	r->blocked = 0;
	r->asleep += pyfeed_counts_all(&r->n) > before;   /* a Python thread's */
	return got;
}

const char *pyremote_offcpu_note(const struct hp_pyremote *r, char *buf, size_t len)
{
	uint64_t all = r ? pyfeed_counts_all(&r->n) : 0;
	if (!all)
		return NULL;
	int n = snprintf(buf, len, "Python frames in %llu of %llu switch-out stacks of Python"
			 " threads (", (unsigned long long)(r->n.merged + r->n.truncated),
			 (unsigned long long)all);
	if (n < 0 || (size_t)n >= len)
		return buf;
	if (r->bpf_state == 1)
		snprintf(buf + n, len - (size_t)n, "%llu read at the switch-out by the BPF reader,"
			 " %llu read from memory later%s%s)", (unsigned long long)r->bpf_read,
			 (unsigned long long)r->late, r->bpf_off ? ": " : "",
			 r->bpf_off ? r->bpf_off_why : "");
	else
		snprintf(buf + n, len - (size_t)n, "read from memory later, callers may be those of"
			 " a later call: %s)", r->bpf_why[0] ? r->bpf_why : "BPF reader not tried");
	return buf;
}

void pyremote_facts(struct hp_pyremote *r, struct hp_run_facts *facts)
{
	uint64_t all = pyfeed_counts_all(&r->n);
	char execs[192] = "", bpf[384] = "";
	pyfeed_put_facts(facts, r->version, r->note, r->frames, &r->n);  /* r->frames: below */
	/* tests/e2e/python_probes.sh reads this line */
	hp_debug(HP_DBG_RUN, 1, "Python runtime probes: %llu (reads of a process's maps)",
		 (unsigned long long)r->probes);
	if (!all)
		return;
	int k = 0;
	if (r->exec_python.len)
		k = snprintf(execs, sizeof(execs), "; %zu process%s found running Python after an"
			     " exec", r->exec_python.len, r->exec_python.len > 1 ? "es" : "");
	if (r->asleep && k >= 0 && (size_t)k < sizeof(execs))
		snprintf(execs + k, sizeof(execs) - (size_t)k, "; %llu waits of threads found"
			 " asleep at the attach read from memory then (docs/offcpu.md, Attach)",
			 (unsigned long long)r->asleep);
	if (r->bpf_state == 1 && !r->late) {
		pyremote_bpf_facts(r, execs);
		hp_info("Python frames (read at each sample by the BPF reader): %llu of %llu samples"
			" of Python threads merged, %llu unmerged, %llu unresolved",
			(unsigned long long)(r->n.merged + r->n.truncated), (unsigned long long)all,
			(unsigned long long)r->n.unmerged, (unsigned long long)r->n.unresolved);
		return;
	}
	if (r->bpf_state == 1)
		snprintf(bpf, sizeof(bpf), "; %llu samples read at the sample by the BPF reader,"
			 " %llu read late (before it knew the process, or a process whose events"
			 " predate its load), %llu of them off-CPU%s%s",
			 (unsigned long long)r->bpf_read, (unsigned long long)r->late,
			 (unsigned long long)r->late_off, r->bpf_off ? ": " : "",
			 r->bpf_off ? r->bpf_off_why : "");
	else
		snprintf(bpf, sizeof(bpf), "; %s: callers may be those of a later call",
			 r->bpf_why[0] ? r->bpf_why : "BPF reader not tried");
	snprintf(r->frames, sizeof(r->frames), "collector-side: read from the"
		 " process's memory after each sample (attached, or exec'd into under perf events),"
		 " checked against the sample's stack copy;"
		 " the innermost frame's code object and line from the sample's next_instr"
		 " (docs/python.md, Attach); %llu samples unmerged because the frames had moved"
		 " on, %llu whose innermost function had returned; the callers' lines are not"
		 " known (%llu samples)%s%s", (unsigned long long)(r->moved - r->bpf_moved),
		 (unsigned long long)r->recoded, (unsigned long long)r->caller_unknown, bpf, execs);
	hp_info("Python frames (read from the process after each sample): %llu of %llu samples of"
		" Python threads merged (%llu of them from a function that had returned), %llu"
		" unmerged (%llu had moved on), %llu unresolved%s",
		(unsigned long long)(r->n.merged + r->n.truncated), (unsigned long long)all,
		(unsigned long long)r->recoded, (unsigned long long)r->n.unmerged,
		(unsigned long long)r->moved, (unsigned long long)r->n.unresolved, bpf);
}

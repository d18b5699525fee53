/*
 * pyremote_bpf.c - attached processes' Python frames from the BPF reader
 * (pybpf.h): loaded when the first process found running Python is
 * registered (an attach probes its targets before the events are opened:
 * at the first sampling event), so that a run without Python does not pay
 * its load (~8 ms of CPU at load 6-9, the verifier); attached to every
 * sampling event seen before and since (the CPU sampler's and, with
 * off-CPU recording, the context-switch sampler's: another program, whose
 * records are matched to the switch-outs); the processes found running
 * Python registered with it, and each sample's frames taken from its
 * record (the chain as at the sample) and checked against the stack
 * copy's activations (pyremote.h). A process whose events were inherited
 * before the load (a child forked earlier) has no records: it is read late.
 * So an attach loads it at the first sampling event also when no target
 * runs Python yet (pyremote_bpf_early): a shell's child forked before it
 * execs into Python inherits events that carry the reader.
 */
#include "collector/pyremote.h"
#include "collector/pyremote_priv.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/clock.h"
#include "common/error.h"
#include "common/grow.h"
#include "common/log.h"

static void bpf_load(struct hp_pyremote *r);

/* The BPF reader reads pid's threads from now on (since: now), or from
 * when it is loaded (since 0 until then: a target probed at the attach,
 * before the events are opened; the first process found running Python
 * in a launched run loads it). */
void pyremote_bpf_register(struct hp_pyremote *r, uint32_t pid, const struct py_runtime *rt)
{
	int err;
	if (r->bpf_state < 0)
		return;
	if (hp_grow((void **)&r->bpf_pids, &r->capbpf_pids, r->nbpf_pids + 1,
		    sizeof(*r->bpf_pids)))
		return;
	if (r->bpf_state == 0 && r->nbpf_fds) {
		r->bpf_pids[r->nbpf_pids++] = (struct bpf_pid){ .pid = pid };
		bpf_load(r);                     /* registers it */
		return;
	}
	if (r->bpf_state == 1 && (err = pybpf_register(r->bpf, pid, rt))) {
		hp_debug(HP_DBG_RUN, 1, "BPF reader: process %u not registered: %s", pid,
			 hp_strerror(err));
		return;
	}
	r->bpf_pids[r->nbpf_pids++] = (struct bpf_pid){ .pid = pid,
							.since = r->bpf_state == 1 ? hp_now_ns() : 0 };
}

/* The reader is loaded: the processes probed before it are read from now. */
static void bpf_register_pending(struct hp_pyremote *r)
{
	const struct py_runtime *rt;
	size_t k = 0;
	for (size_t i = 0; i < r->nbpf_pids; i++) {
		struct bpf_pid *b = &r->bpf_pids[i];
		if (!pyframes_runtime(r->pf, b->pid, &rt) && rt->off &&
		    !pybpf_register(r->bpf, b->pid, rt)) {
			b->since = hp_now_ns();
			r->bpf_pids[k++] = *b;
		}
	}
	r->nbpf_pids = k;
}

int pyremote_bpf_reads(const struct hp_pyremote *r, uint32_t pid, uint64_t time, unsigned kind)
{
	if (!time || r->bpf_state != 1 || (kind == PYBPF_OFFCPU && r->bpf_off))
		return 0;
	for (size_t i = 0; i < r->nbpf_pids; i++)   /* since it began reading pid */
		if (r->bpf_pids[i].pid == pid)
			return r->bpf_pids[i].since && time > r->bpf_pids[i].since;
	return 0;
}

int pyremote_bpf_drop_unseen(struct hp_pyremote *r, uint32_t pid)
{
	for (size_t i = 0; i < r->nbpf_pids; i++)
		if (r->bpf_pids[i].pid == pid) {
			if (r->bpf_pids[i].seen)
				return 0;
			hp_debug(HP_DBG_RUN, 1, "BPF reader: process %u has no records (its events"
				 " predate the reader): read late", pid);
			pyremote_bpf_unregister(r, pid);
			return 1;
		}
	return 0;
}

static void bpf_seen(struct hp_pyremote *r, uint32_t pid)
{
	for (size_t i = 0; i < r->nbpf_pids; i++)
		if (r->bpf_pids[i].pid == pid)
			r->bpf_pids[i].seen = 1;
}

void pyremote_bpf_unregister(struct hp_pyremote *r, uint32_t pid)
{
	size_t k = 0;
	for (size_t i = 0; i < r->nbpf_pids; i++)
		if (r->bpf_pids[i].pid != pid)
			r->bpf_pids[k++] = r->bpf_pids[i];
		else
			pybpf_unregister(r->bpf, pid);
	r->nbpf_pids = k;
}

static void bpf_attach(struct hp_pyremote *r, int fd, unsigned kind)
{
	int err = pybpf_attach(r->bpf, fd, kind);
	if (!err)
		return;
	if (kind == PYBPF_OFFCPU) {
		/* the off-CPU samples are read late, as without the reader */
		if (!r->bpf_off)
			snprintf(r->bpf_off_why, sizeof(r->bpf_off_why), "BPF reader not"
				 " attached to the context-switch sampler (%s)", hp_strerror(err));
		r->bpf_off = -1;
		return;
	}
	/* an event that refuses it: no sample may miss its record, so none gets one */
	snprintf(r->bpf_why, sizeof(r->bpf_why), "BPF reader not attached to the sampling"
		 " event (%s)", hp_strerror(err));
	while (r->nbpf_pids)
		pyremote_bpf_unregister(r, r->bpf_pids[0].pid);
	r->bpf_state = -1;
}

/* Loads the reader, attaches it to the sampling events seen so far and
 * registers the processes probed so far. */
static void bpf_load(struct hp_pyremote *r)
{
	r->bpf_state = -1;
	if (getenv("HPPROF_PYATTACH_NOBPF")) {
		snprintf(r->bpf_why, sizeof(r->bpf_why), "BPF reader turned off"
			 " (HPPROF_PYATTACH_NOBPF)");
		r->nbpf_pids = 0;
		return;
	}
	if (pybpf_open(&r->bpf, r->bpf_why, sizeof(r->bpf_why))) {
		r->nbpf_pids = 0;
		return;
	}
	r->bpf_state = 1;
	for (size_t i = 0; i < r->nbpf_fds && r->bpf_state == 1; i++)
		bpf_attach(r, r->bpf_fds[i].fd, r->bpf_fds[i].kind);
	r->nbpf_fds = 0;
	if (r->bpf_state == 1)
		bpf_register_pending(r);
}

void pyremote_bpf_early(struct hp_pyremote *r)
{
	r->bpf_early = 1;
}

void pyremote_forget_sampler_fds(struct hp_pyremote *r)
{
	r->nbpf_fds = 0;
}

void pyremote_sampler_fd(struct hp_pyremote *r, int fd, unsigned kind)
{
	if (r->bpf_state == 0 && !r->nbpf_pids && !r->bpf_early) {
		/* nothing found running Python yet: kept for the load */
		if (!hp_grow((void **)&r->bpf_fds, &r->capbpf_fds, r->nbpf_fds + 1,
			     sizeof(*r->bpf_fds))) {
			r->bpf_fds[r->nbpf_fds++] = (struct bpf_fd){ fd, kind };
			return;
		}
		snprintf(r->bpf_why, sizeof(r->bpf_why), "BPF reader not loaded (out of memory)");
		r->bpf_state = -1;
		return;
	}
	if (r->bpf_state == 0)
		bpf_load(r);
	if (r->bpf_state == 1)
		bpf_attach(r, fd, kind);
}

void pyremote_unused(struct hp_pyremote *r, uint32_t pid, uint32_t tid, uint64_t time,
		     unsigned kind)
{
	if (pyremote_bpf_reads(r, pid, time, kind))
		free(pybpf_take(r->bpf, tid, time, 0, kind));
}

/* The activations of the copy from the innermost one, cframe (as the BPF
 * record saw it at the sample): their current_frame, innermost first.
 * a->n is 0 when cframe is not in the copy (nothing to check against). */
static void copy_anchors(const struct py_offsets *o, uint64_t cframe, uint64_t sp,
			 const uint8_t *stack, uint64_t len, struct anchors *a)
{
	size_t need = (o->cframe_current_frame > o->cframe_previous ? o->cframe_current_frame
		       : o->cframe_previous) + 8;
	const uint8_t *c = pyremote_in_copy(sp, stack, len, cframe, need);
	a->n = 0;
	while (c && a->n < MAX_CFRAMES) {
		a->frame[a->n++] = pyremote_u64_at(c, o->cframe_current_frame);
		c = pyremote_in_copy(sp, stack, len, pyremote_u64_at(c, o->cframe_previous), need);
	}
}

/* The sample's Python frames from its BPF record (the chain as it was at
 * the sample, read in the thread) into r->py: their count, 0 when the
 * thread ran no Python, -ENODATA when the sample has no record, -ESTALE
 * when the chain disagrees with the copy's activations, another -errno
 * when it could not be read or resolved. Every frame's line is known.
 * r->cut: the chain was deeper than the record's PYBPF_MAX_FRAMES, these
 * are its innermost ones. */
int pyremote_bpf_frames(struct hp_pyremote *r, const struct py_runtime *rt, uint32_t pid,
			uint32_t tid, uint64_t time, unsigned kind, const uint64_t *regs,
			const uint8_t *stack, uint64_t len)
{
	struct pybpf_rec *rec = pybpf_take(r->bpf, tid, time, regs[HP_REG_IP], kind);
	struct anchors a;
	int n, err;
	if (!rec) {
		hp_debug(HP_DBG_RUN, 2, "pid %u tid %u: no BPF record for the %s sample at %llu"
			 " (ip %llx)", pid, tid, kind == PYBPF_OFFCPU ? "off-CPU" : "CPU",
			 (unsigned long long)time, (unsigned long long)regs[HP_REG_IP]);
		r->bpf_norec++;
		return -ENODATA;
	}
	bpf_seen(r, pid);
	/* a chain deeper than the record holds: its innermost frames, the
	 * sample marked cut (as the launched path's HP_AP_RF_PYCUT) */
	r->cut = rec->status == PYBPF_TRUNCATED;
	if (rec->status != PYBPF_OK && !r->cut) {
		r->bpf_failed++;
		err = rec->status == PYBPF_NO_TSTATE ? 0 : -EAGAIN;
		free(rec);
		return err;
	}
	n = rec->nframes < PYFRAMES_MAX ? rec->nframes : PYFRAMES_MAX;
	for (int i = 0; i < n; i++)
		r->raw[i] = (struct pyframe_raw){
			.frame = rec->frames[i].frame,
			.code = rec->frames[i].code,
			.instr = rec->frames[i].instr,
			.is_entry = (rec->entry[i >> 6] >> (i & 63)) & 1,
		};
	copy_anchors(rt->off, rec->cframe, regs[HP_REG_SP], stack, len, &a);
	free(rec);
	if (n && a.n && !pyremote_groups_match(r->raw, n, &a)) {
		r->bpf_moved++;
		hp_debug(HP_DBG_RUN, 3, "pid %u tid %u: the BPF chain's groups are not the copy's",
			 pid, tid);
		return -ESTALE;
	}
	if (n <= 0)
		return n;
	if ((err = pyframes_resolve(r->pf, pid, r->raw, n, r->py)) != n)
		return err < 0 ? err : -EAGAIN;
	for (int i = 0; i < n; i++)
		if (!strcmp(r->py[i].function, "?")) {
			hp_debug(HP_DBG_RUN, 2, "pid %u tid %u: frame %d of %d (%llx, code %llx): no"
				 " code object there now", pid, tid, i, n,
				 (unsigned long long)r->raw[i].frame, (unsigned long long)r->raw[i].code);
			return -ENOENT;
		}
	r->bpf_read++;
	return n;
}

/* run_info python_frames when the BPF reader gave every sample's frames. */
void pyremote_bpf_facts(struct hp_pyremote *r, const char *execs)
{
	snprintf(r->frames, sizeof(r->frames), "bpf: read in the sampled thread at each sample"
		 " by a BPF program on the sampling events (the CPU sampler; with off-CPU"
		 " recording, the context-switch sampler at each switch-out) (docs/python.md,"
		 " Attach); every frame's"
		 " function and line as at the sample; %llu samples without a record, %llu whose"
		 " chain could not be read, %llu whose chain disagreed with the stack copy"
		 " (unmerged); %llu records lost, %llu unmatched%s",
		 (unsigned long long)r->bpf_norec, (unsigned long long)r->bpf_failed,
		 (unsigned long long)r->bpf_moved, (unsigned long long)pybpf_lost(r->bpf),
		 (unsigned long long)pybpf_unmatched(r->bpf), execs);
}

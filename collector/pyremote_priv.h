/*
 * pyremote_priv.h - what pyremote.c (frames read after the sample) and
 * pyremote_bpf.c (frames from the BPF reader's records) share: the state
 * of struct hp_pyremote and the stack copy's helpers. Not for other files.
 */
#ifndef HP_PYREMOTE_PRIV_H
#define HP_PYREMOTE_PRIV_H

#include <stdint.h>
#include <string.h>

#include "collector/pybpf.h"
#include "collector/pyfeed.h"
#include "collector/pyframes.h"
#include "collector/pymerge.h"
#include "collector/unwind.h"
#include "common/hmap.h"
#include "common/record.h"

enum {
	WINDOW = 8192,            /* bytes below a pointer searched for its code object */
	HEAD = 24,                /* ob_refcnt, ob_type, ob_size */
	MAX_CFRAMES = 128,        /* activations followed below the copy / anchored in it */
	TS_MAX = 256,             /* bytes of a thread state read */
};

/* What a probe found (the low 2 bits of r->probed's values). */
enum probe { PROBE_PYTHON = 1, PROBE_UNSUPPORTED = 2, PROBE_NONE = 3 };

struct hp_pyremote {
	struct pyframes *pf;
	struct hp_pyfeed *locs;        /* only for pyfeed_location's caches */
	int locs_shared;               /* locs is the agent's (pyremote_share_locations) */
	struct hp_hmap tstates;        /* key2(pid, tid) -> PyThreadState address */
	struct hp_hmap probed;         /* pid -> enum probe | maps_gen at the probe << 2 */
	uint64_t maps_gen;             /* bumped when mapping records may have been lost */
	uint64_t probes;               /* pyruntime lookups (not cached answers) */
	struct hp_hmap execed;         /* pid -> 1: exec'd since its last probe */
	struct hp_hmap exec_python;    /* pid -> 1: found running Python after an exec */
	struct pyfeed_counts n;        /* samples of Python threads */
	uint64_t moved;                /* of n.unmerged: the frames had moved on */
	uint64_t recoded;              /* innermost code object found from the sample */
	uint64_t caller_unknown;       /* merged with the caller's line unknown (0) */
	int check_code;                /* code_seen: HPPROF_PYATTACH_NOCODE=1 turns it off */
	int blocked;                   /* the thread is asleep now: the frames read are its own */
	uint64_t asleep;               /* samples of Python threads read so (not late) */
	struct known { uint32_t pid; uint64_t lo, hi, code; } *known;   /* sorted by (pid, lo) */
	/* the BPF reader (pybpf.h): loaded when a process running Python is
	 * first registered (at the attach: the first sampling event) */
	struct hp_pybpf *bpf;
	int bpf_state;                 /* 0 not tried, 1 loaded and attached, -1 not used */
	int bpf_early;                 /* loaded at the first sampling event (pyremote_bpf_early) */
	char bpf_why[160];             /* why not, for run_info */
	struct bpf_pid {               /* registered */
		uint32_t pid;
		int seen;              /* a sample of it had its record */
		uint64_t since;
	} *bpf_pids;
	size_t nbpf_pids, capbpf_pids;
	struct bpf_fd { int fd; unsigned kind; } *bpf_fds;  /* events seen before the load */
	size_t nbpf_fds, capbpf_fds;
	int bpf_off;                   /* -1: the reader refused by a context-switch sampler:
					* off-CPU samples read late (bpf_off_why) */
	char bpf_off_why[160];
	uint64_t late_off;             /* of late: off-CPU samples */
	uint64_t bpf_read;             /* samples whose frames came from their BPF record */
	uint64_t bpf_norec;            /* ... that had no record (unmerged) */
	uint64_t bpf_failed;           /* ... whose record says the chain was not read */
	uint64_t bpf_moved;            /* ... whose chain disagrees with the copy's activations */
	uint64_t late;                 /* samples read after the fact (no BPF record possible) */
	int cut;                       /* the last frames read are a deeper chain's innermost */
	size_t nknown, capknown;
	char version[32];
	char note[256];
	char frames[1024];
	/* scratch, raw .. window: written before it is read (not cleared:
	 * pyremote_new); state goes above raw or below window */
	struct pyframe_raw raw[PYFRAMES_MAX], now[PYFRAMES_MAX];
	struct pyframe py[PYFRAMES_MAX];
	struct pymerge_frame mf[HP_MAX_FRAMES];
	struct hp_location nat[HP_MAX_FRAMES];
	uint8_t window[WINDOW + HEAD];  /* code_around's read */
};

static inline uint64_t pyremote_u64_at(const uint8_t *p, size_t off)
{
	uint64_t v;
	memcpy(&v, p + off, sizeof v);
	return v;
}

/* The copy's bytes at address a (len of them), or NULL when outside it. */
static inline const uint8_t *pyremote_in_copy(uint64_t sp, const uint8_t *stack, uint64_t len, uint64_t a,
			      size_t n)
{
	return a >= sp && a - sp <= len && n <= len - (a - sp) ? stack + (a - sp) : NULL;
}

struct anchors {
	uint64_t frame[MAX_CFRAMES];   /* current_frame of each activation in the copy */
	uint64_t now;                  /* the innermost one's current_frame at the read */
	int n;
};

/* Each anchored activation's group starts at its anchor frame: 1, else 0. */
int pyremote_groups_match(const struct pyframe_raw *raw, int n, const struct anchors *a);

/* The BPF reader (pyremote_bpf.c): pid read by it from now on (or from
 * when it is loaded); whether pid's sample of this kind taken at time has
 * a record of the reader (loaded, attached to that kind's events, reading
 * pid since before time); pid no longer. */
void pyremote_bpf_register(struct hp_pyremote *r, uint32_t pid, const struct py_runtime *rt);
int pyremote_bpf_reads(const struct hp_pyremote *r, uint32_t pid, uint64_t time, unsigned kind);
/* pid's sample had no record: 1 (and pid no longer read by BPF) when none
 * of its samples ever had one - its events were inherited before the
 * reader was attached to theirs, so it is read late; 0 otherwise. */
int pyremote_bpf_drop_unseen(struct hp_pyremote *r, uint32_t pid);
void pyremote_bpf_unregister(struct hp_pyremote *r, uint32_t pid);

/* The sample's Python frames from its BPF record into r->py (pyremote_bpf.c). */
int pyremote_bpf_frames(struct hp_pyremote *r, const struct py_runtime *rt, uint32_t pid,
			uint32_t tid, uint64_t time, unsigned kind, const uint64_t *regs,
			const uint8_t *stack, uint64_t len);

/* run_info python_frames when the BPF reader gave every sample's frames. */
void pyremote_bpf_facts(struct hp_pyremote *r, const char *execs);

#endif

/*
 * pyfeed.h - the preload agent's Python samples into the session: Python
 * frames resolved while the process lives, merged into the native stack
 * (pymerge.h), stored as locations of the one stack model.
 *
 * A Python frame is stored as a location of the pseudo-module
 * "[python] FILE" (FILE: co_filename, made absolute with the process's
 * working directory) whose inline chain (location_frames) is written here,
 * at collection time: function co_qualname (its file: FILE), file FILE,
 * the line. The symbolizer leaves locations that already have frames
 * alone, so these are final; the analyzer tells Python frames by their
 * module (stacks_module_kind).
 *
 * Every sample of a Python process counts as one of: merged (every
 * evaluation loop replaced by its Python frames), truncated (merged on a
 * cut native stack), unmerged (the two stacks disagree: native frames
 * kept, never guessed ones), unresolved (the frames could not be read or
 * named: native frames kept), native (the thread ran no Python then).
 */
#ifndef HP_PYFEED_H
#define HP_PYFEED_H

#include <stdint.h>

struct hp_alloc_event;
struct hp_location;
struct hp_run_facts;
struct hp_session;
struct hp_pyfeed;

int pyfeed_new(struct hp_pyfeed **out);
void pyfeed_free(struct hp_pyfeed *f);

/* A SAMPLE of the agent (HP_ALLOC_F_PYTHON or not): stored through s; a
 * page-fault sample (HP_ALLOC_F_FAULT) as one of the fault sampler
 * (session_add_fault_located), standing for period faults. Returns 0 or
 * a store error. */
int pyfeed_sample(struct hp_pyfeed *f, struct hp_session *s, const struct hp_alloc_event *ev,
		  unsigned period);

/* The store locations of an allocation's stack (ALLOC with
 * HP_ALLOC_F_PYTHON): its Python frames merged into its native frames as
 * for a sample, or its native frames alone when they cannot be (counted).
 * Writes at most HP_MAX_FRAMES to out; returns the count or a store
 * error. */
int pyfeed_locate_alloc(struct hp_pyfeed *f, struct hp_session *s,
			const struct hp_alloc_event *ev, struct hp_location *out);

/* Page-fault samples stored so far. */
uint64_t pyfeed_fault_samples(const struct hp_pyfeed *f);

/* A PYCODE record: a code object's memory as the agent copied it, kept
 * to name the frames of this process that show it (at its address, until
 * another PYCODE replaces it). Returns 0 or -ENOMEM (a malformed one is
 * ignored). */
int pyfeed_code(struct hp_pyfeed *f, const struct hp_alloc_event *ev);

/* A stream ended (HP_ALLOC_END): note its Python, forget the process. */
void pyfeed_end(struct hp_pyfeed *f, const struct hp_alloc_event *ev);

/* The store location of the resolved Python frame p of pid: module
 * "[python] FILE", its one-frame chain written the first time (the same
 * locations for the agent's samples and for attach, pyremote.h). */
struct hp_store;
struct pyframe;
int pyfeed_location(struct hp_pyfeed *f, struct hp_store *st, uint32_t pid,
		    const struct pyframe *p, struct hp_location *loc);

/* The run_info facts of Python sampling (unset when no Python ran). The
 * strings stay valid until pyfeed_free. */
void pyfeed_facts(struct hp_pyfeed *f, struct hp_run_facts *facts);

/* The samples of Python threads, each counted once (the five kinds above). */
struct pyfeed_counts {
	uint64_t merged, truncated, unmerged, unresolved, native;
	uint64_t backoff;              /* of Python threads' samples, the agent kept the
					* interrupted instruction only (backing off, agent.c);
					* not in pyfeed_counts_all */
};

uint64_t pyfeed_counts_all(const struct pyfeed_counts *c);

/* The run_info facts both mechanisms give (the agent's samples here,
 * attach in pyremote.c): python_version and python_note when not empty;
 * when any sample was counted, python_frames (how they were read: the
 * caller's text, which must outlive facts) and the counts. */
void pyfeed_put_facts(struct hp_run_facts *facts, const char *version, const char *note,
		      const char *frames, const struct pyfeed_counts *c);

#endif

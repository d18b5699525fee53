/*
 * pymerge.h - one stack out of a native stack and the Python frames of the
 * same thread.
 *
 * The rule (CPython 3.11): each call of _PyEval_EvalFrameDefault runs one
 * or more Python frames. The first frame it runs is marked is_entry; a
 * Python-to-Python call pushes a frame without a new C call. So, reading
 * both stacks innermost first, the k-th native _PyEval_EvalFrameDefault
 * frame ran the Python frames of the k-th group, a group being the frames
 * from just after the previous entry frame up to and including the next
 * entry frame. Each native _PyEval_EvalFrameDefault frame is replaced by
 * its group (innermost first), so native code called from Python sits
 * under the Python frame that called it.
 *
 * The consistency check: the number of entry frames must equal the number
 * of _PyEval_EvalFrameDefault frames on a complete native stack (one whose
 * unwinding reached the outermost frame), and the outermost Python frame
 * must be an entry frame. Otherwise the two stacks were not taken at the
 * same moment (or a loop was caught entering or leaving) and the sample is
 * unmerged: its native frames are kept as they are.
 *
 * A truncated native stack (the stack copy ended first) is merged when it
 * holds no more evaluation frames than there are groups: the inner groups
 * replace its evaluation frames, and the outer groups, whose native frames
 * were cut, follow its outermost frame.
 *
 * A Python chain cut at its outer end (deeper than the reader keeps):
 * pymerge_cut below.
 */
#ifndef HP_PYMERGE_H
#define HP_PYMERGE_H

#include <stdint.h>

#include "collector/pyframes.h"

/* One frame of a merged stack, innermost first. */
struct pymerge_frame {
	int py;                 /* index in the Python frames, or -1: a native frame */
	uint64_t pc;            /* native frames: the PC as given */
};

enum pymerge_status {
	PYMERGE_MERGED,         /* every evaluation frame replaced; stacks agree */
	PYMERGE_TRUNCATED,      /* merged, native stack truncated (see above) */
	PYMERGE_UNMERGED,       /* the counts disagree: out holds the native stack */
};

/* Is pcs[i] (i > 0: a return address, looked up at pc - 1) inside
 * _PyEval_EvalFrameDefault [eval_start, eval_end)? */
static inline int pymerge_is_eval(const uint64_t *pcs, int i, uint64_t eval_start,
				  uint64_t eval_end)
{
	uint64_t pc = i ? pcs[i] - 1 : pcs[i];
	return pc >= eval_start && pc < eval_end;
}

/*
 * Merges native pcs[0..npcs) (innermost first; complete as the unwinder
 * said) with the Python frames py[0..npy) of the same thread. Writes up to
 * max frames to out and the status to *status. Returns the number of
 * frames written: for PYMERGE_UNMERGED the native stack alone. A merged
 * stack that does not fit in max is cut at its outer end.
 */
int pymerge(const uint64_t *pcs, int npcs, int complete, uint64_t eval_start,
	    uint64_t eval_end, const struct pyframe *py, int npy, struct pymerge_frame *out,
	    int max, enum pymerge_status *status);

/*
 * As pymerge for py[0..npy) the innermost frames of a chain that was
 * deeper (the reader kept only these). They replace the evaluation frames
 * they cover, innermost first (the frames after the last entry frame
 * being the inner part of the next loop's group); the stack ends with the
 * last Python frame kept when that frame is not an entry frame, else at
 * the next evaluation frame, which has no Python frames left: status
 * PYMERGE_TRUNCATED, a stack cut at its outer end. The check: a complete
 * native stack holds more evaluation frames than py[] has entry frames
 * (the dropped frames ran in at least one more loop).
 */
int pymerge_cut(const uint64_t *pcs, int npcs, int complete, uint64_t eval_start,
		uint64_t eval_end, const struct pyframe *py, int npy, struct pymerge_frame *out,
		int max, enum pymerge_status *status);

/* "merged", "truncated", "unmerged". */
const char *pymerge_status_name(enum pymerge_status s);

#endif

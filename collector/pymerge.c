/*
 * pymerge.c - replace each native _PyEval_EvalFrameDefault frame by the
 * Python frames it was running (the rule and its check: pymerge.h).
 *
 * Takes PCs and resolved Python frames; produces a list of frame
 * references (native PC or Python frame index). Pure: no I/O, no
 * allocation.
 */
#include "collector/pymerge.h"

static int put(struct pymerge_frame *out, int n, int max, int py, uint64_t pc)
{
	if (n < max)
		out[n] = (struct pymerge_frame){ py, pc };
	return n + 1;
}

static int native_only(const uint64_t *pcs, int npcs, struct pymerge_frame *out, int max)
{
	int n = 0;
	for (int i = 0; i < npcs; i++)
		n = put(out, n, max, -1, pcs[i]);
	return n < max ? n : max;
}

/* Do the counts agree (pymerge.h)? cut: py[] is the inner part of a
 * deeper chain. */
static int counts_agree(int complete, int cut, int neval, int nentry, int outer_entry)
{
	if (cut)        /* at least one more loop ran the dropped frames */
		return !complete || neval > nentry;
	return outer_entry && (complete ? neval == nentry : neval <= nentry);
}

static int merge(const uint64_t *pcs, int npcs, int complete, int cut, uint64_t eval_start,
		 uint64_t eval_end, const struct pyframe *py, int npy, struct pymerge_frame *out,
		 int max, enum pymerge_status *status)
{
	int nentry = 0, neval = 0;

	for (int j = 0; j < npy; j++)
		nentry += py[j].is_entry;
	for (int i = 0; i < npcs; i++)
		neval += pymerge_is_eval(pcs, i, eval_start, eval_end);

	if (!counts_agree(complete, cut, neval, nentry, npy == 0 || py[npy - 1].is_entry)) {
		*status = PYMERGE_UNMERGED;
		return native_only(pcs, npcs, out, max);
	}
	*status = !cut && (complete || neval == nentry) ? PYMERGE_MERGED : PYMERGE_TRUNCATED;

	int n = 0, j = 0;                 /* j: next Python frame to place */
	for (int i = 0; i < npcs; i++) {
		if (!pymerge_is_eval(pcs, i, eval_start, eval_end)) {
			n = put(out, n, max, -1, pcs[i]);
			continue;
		}
		if (j == npy)                 /* cut: this loop's frames were dropped, */
			break;                /* the stack ends here */
		do                            /* this loop's group, up to its entry frame */
			n = put(out, n, max, j, 0);
		while (!py[j++].is_entry && j < npy);
		if (j == npy && !py[j - 1].is_entry)
			break;                /* cut inside this loop's group: the stack ends */
	}
	for (; j < npy; j++)                  /* truncated: the groups whose loops were cut */
		n = put(out, n, max, j, 0);
	return n < max ? n : max;
}

int pymerge(const uint64_t *pcs, int npcs, int complete, uint64_t eval_start,
	    uint64_t eval_end, const struct pyframe *py, int npy, struct pymerge_frame *out,
	    int max, enum pymerge_status *status)
{
	return merge(pcs, npcs, complete, 0, eval_start, eval_end, py, npy, out, max, status);
}

int pymerge_cut(const uint64_t *pcs, int npcs, int complete, uint64_t eval_start,
		uint64_t eval_end, const struct pyframe *py, int npy, struct pymerge_frame *out,
		int max, enum pymerge_status *status)
{
	return merge(pcs, npcs, complete, 1, eval_start, eval_end, py, npy, out, max, status);
}

const char *pymerge_status_name(enum pymerge_status s)
{
	switch (s) {
	case PYMERGE_MERGED: return "merged";
	case PYMERGE_TRUNCATED: return "truncated";
	case PYMERGE_UNMERGED: return "unmerged";
	}
	return "?";
}

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

int pymerge(const uint64_t *pcs, int npcs, int complete, uint64_t eval_start,
	    uint64_t eval_end, const struct pyframe *py, int npy, struct pymerge_frame *out,
	    int max, enum pymerge_status *status)
{
	int nentry = 0, neval = 0;

	for (int j = 0; j < npy; j++)
		nentry += py[j].is_entry;
	for (int i = 0; i < npcs; i++)
		neval += pymerge_is_eval(pcs, i, eval_start, eval_end);

	int outer_ok = npy == 0 || py[npy - 1].is_entry;
	if (!outer_ok || (complete ? neval != nentry : neval > nentry)) {
		*status = PYMERGE_UNMERGED;
		return native_only(pcs, npcs, out, max);
	}
	*status = complete || neval == nentry ? PYMERGE_MERGED : PYMERGE_TRUNCATED;

	int n = 0, j = 0;                 /* j: next Python frame to place */
	for (int i = 0; i < npcs; i++) {
		if (!pymerge_is_eval(pcs, i, eval_start, eval_end)) {
			n = put(out, n, max, -1, pcs[i]);
			continue;
		}
		do                            /* this loop's group, up to its entry frame */
			n = put(out, n, max, j, 0);
		while (!py[j++].is_entry);
	}
	for (; j < npy; j++)                  /* truncated: the groups whose loops were cut */
		n = put(out, n, max, j, 0);
	return n < max ? n : max;
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

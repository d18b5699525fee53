/*
 * stackjoin.h - stacks the kernel's copy cut short, completed from a later
 * sample of the same thread that holds the same frame.
 *
 * A sample's user stack is copied by the kernel from SP up, and the copy
 * stops at the first page that is not present: a function whose large
 * frame has not touched all of its pages yet leaves such a hole between its
 * SP and its return address, and every sample taken in it (or below it)
 * until the page is touched has no callers. perf has the same limit. The
 * copy also ends at --stack-size (HP_STACK_END_CUT).
 *
 * While a function's activation lives, its SP and everything above it (its
 * return address, its callers' frames) stay as they were. So the next
 * complete sample of the thread that has a frame of the same function at
 * the same SP has the held sample's callers: they are appended and the
 * sample is stored with HP_STACK_END_JOINED. A complete sample without that
 * frame means the activation ended: the held samples are stored as they
 * are. The unknown part is never guessed: a held sample is joined with a
 * later sample's frames only through the same (function, SP).
 *
 * Takes: samples after unwinding and locating (record.h), the SPs of the
 * unwound frames (unwind.h). Produces: the same samples, through emit, in
 * their thread's order (a held one just before the thread's next sample;
 * other threads' samples may come between). Not thread-safe.
 */
#ifndef HP_STACKJOIN_H
#define HP_STACKJOIN_H

#include <stddef.h>
#include <stdint.h>

#include "common/record.h"

struct hp_stackjoin;

/* Store one sample (the caller's store_add_sample). Returns 0 or an error. */
typedef int (*hp_stackjoin_emit)(void *ctx, const struct hp_sample *smp);
/* The start of the function that holds pc in pid, 0 when unknown
 * (unwinder_func_start). */
typedef uint64_t (*hp_stackjoin_func)(void *ctx, uint32_t pid, uint64_t pc);

/* Hold samples in at most max_bytes (about 200 bytes and 16 per frame
 * each). Returns 0 or -ENOMEM. */
int stackjoin_new(size_t max_bytes, hp_stackjoin_emit emit, hp_stackjoin_func func, void *ctx,
		  struct hp_stackjoin **out);
/* Frees what is still held without storing it: flush first. */
void stackjoin_free(struct hp_stackjoin *j);

/* smp stopped for want of stack bytes; its outermost user frame is
 * frames[nr_frames - 1], at SP sp in the function that starts at func.
 * Returns 1 when held (stackjoin emits it later), 0 when not (the budget
 * is spent, or func unknown): the caller stores it. */
int stackjoin_hold(struct hp_stackjoin *j, const struct hp_sample *smp, uint64_t func,
		   uint64_t sp);

/* smp is about to be stored (not held): the held samples of its thread
 * are emitted first, so that a thread's samples stay in their order. When
 * smp is complete (HP_STACK_END_OUTERMOST) its user frames are
 * frames[first ...], one per pcs[i] (pcs[0] the IP, the others return
 * addresses) at SP sps[i], n of them, and a held sample whose outermost
 * frame smp has is joined with its callers; the others are emitted as they
 * are (n = 0: all of them). Returns the first emit error. */
int stackjoin_next(struct hp_stackjoin *j, const struct hp_sample *smp, uint32_t first,
		   const uint64_t *pcs, const uint64_t *sps, uint32_t n);

/* Emit as they are the held samples of thread tid, or of every thread of
 * process pid when tid is 0, or all of them when both are 0. */
int stackjoin_flush(struct hp_stackjoin *j, uint32_t pid, uint32_t tid);

/* How many samples are held now, and how many were joined so far. */
size_t stackjoin_held(const struct hp_stackjoin *j);
uint64_t stackjoin_joined(const struct hp_stackjoin *j);

#endif

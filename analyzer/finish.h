/*
 * finish.h - turn a store of raw facts into a finished profile.
 */
#ifndef HP_FINISH_H
#define HP_FINISH_H

struct hp_store;
struct hp_symbolizer;

/* Symbolize every location without frames, aggregate the samples, and write
 * function/line statistics, the public views and the complete_stacks,
 * cut_stacks and entry_stacks (census.h; and, for a run that never
 * finished, samples) meta keys. Used at the end of
 * `run`, and by the readers for a profile whose run stopped before it
 * (hpprof killed, disk full). Returns 0 or an error. */
int finish_profile(struct hp_store *st, struct hp_symbolizer *sym);

#endif

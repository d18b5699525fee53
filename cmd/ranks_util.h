/*
 * ranks_util.h - what the commands share for MPI ranks (ranks_util.c):
 * `--rank N` turned into a profile filter, and the rank section of a
 * profile computed and printed.
 */
#ifndef HP_CMD_RANKS_UTIL_H
#define HP_CMD_RANKS_UTIL_H

#include <stdint.h>
#include <stdio.h>

struct hp_profile_filter;

/* Parse the value of --rank (a non-negative integer) into *rank; prints the
 * error and returns -1 when it is not one. */
int cmd_parse_rank(const char *value, int64_t *rank);

/* Set f->run to the run of MPI rank `rank` in the database at path.
 * Returns 0, or -1 after printing why (no such rank: the ranks it has). */
int cmd_rank_filter(const char *path, int64_t rank, struct hp_profile_filter *f);

struct hp_profile;
struct hp_diff_opts;
/* The rank comparison of `hpprof diff` (ranks_diff, ranks_diff_print) of a
 * and b, the imbalance judged at o's alpha and threshold, as text (limit
 * function rows; 0 = all) or JSON; 0, or a negative error. */
int cmd_ranks_diff(FILE *out, const struct hp_profile *a, const struct hp_profile *b,
		   const struct hp_diff_opts *o, unsigned limit, int json);

#endif

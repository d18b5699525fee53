/*
 * cmd_util.h - small helpers shared by the commands: opening a database
 * with the standard error message, and parsing numbers in options.
 */
#ifndef HP_CMD_UTIL_H
#define HP_CMD_UTIL_H

#include <stdint.h>

struct hp_store;
struct hp_profile;
struct hp_profile_filter;

/* Open path as an hpprof database; on failure print "cannot open database
 * 'x': reason" (with what to do) and return NULL. */
struct hp_store *cmd_open_db(const char *path, int writable);

/* Open path and load its profile model; NULL after printing an error. */
struct hp_profile *cmd_load_profile(const char *path, const struct hp_profile_filter *f,
				    struct hp_store **st_out);

/* Parse a non-negative integer option value with an optional k/M/G suffix;
 * prints "invalid value 'x' for OPT" and returns -1 on error. */
int64_t cmd_parse_size(const char *opt, const char *value);

#endif

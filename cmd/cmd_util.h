/*
 * cmd_util.h - small helpers shared by the commands: opening a database
 * with the standard error message, parsing numbers in options, and the
 * one-line message for a wrong option.
 */
#ifndef HP_CMD_UTIL_H
#define HP_CMD_UTIL_H

#include <stddef.h>
#include <stdint.h>

#include "common/outfile.h"

struct hp_store;
struct hp_profile;
struct hp_profile_filter;
struct option;

/* Open path as an hpprof database; on failure print "cannot open database
 * 'x': reason" (with what to do) and return NULL. */
struct hp_store *cmd_open_db(const char *path, int writable);

/* Open path and load its profile model; NULL after printing an error. */
struct hp_profile *cmd_load_profile(const char *path, const struct hp_profile_filter *f,
				    struct hp_store **st_out);

/* Check that path may receive an output (new, or a regular file: never a
 * device, FIFO, socket or directory) and open a temporary file beside it
 * (common/outfile.h). On failure print "WHAT 'x': why" (what: "cannot
 * write", "cannot open output") and return -1; nothing is created. */
int cmd_output_open(struct hp_outfile *o, const char *path, const char *what);
/* Rename the finished output into place (ok: 1), or remove it (ok: 0).
 * Returns 0, or -1 after printing why the output could not be written. */
int cmd_output_close(struct hp_outfile *o, int ok);
/* The reason path cannot receive an output, or NULL when it can (new, or
 * a regular file); *err set to the negative code. For the outputs that are
 * not written through cmd_output_open (databases). */
const char *cmd_output_refusal(const char *path, int *err);

/* Parse a non-negative integer option value with an optional k/M/G suffix;
 * prints "invalid value 'x' for OPT" and returns -1 on error. */
int64_t cmd_parse_size(const char *opt, const char *value);

/* Parse a number in [lo, hi] (strtod syntax) into *out; prints "invalid
 * value 'x' for OPT" and returns -1 on error. */
int cmd_parse_number(const char *opt, const char *value, double lo, double hi, double *out);

/* Parse --from/--to SEC: seconds into the run, 0 .. 3.2e8 (~10 years), as
 * nanoseconds; prints "invalid value 'x' for OPT" and returns -1 on error. */
int cmd_parse_seconds(const char *opt, const char *value, uint64_t *ns);

/* After getopt_long returned '?' or ':' (opterr is 0, set by main): print one
 * line naming the wrong option and pointing at the command's help, e.g.
 *   hpprof: error: unknown option '--lmit'; see 'hpprof report --help'
 * argv[0] is the command's name; longopts is the table given to getopt_long,
 * used to tell an unknown option from one that lacks its value or is
 * ambiguous. Returns 2, the exit status of a usage error. */
int cmd_option_error(char **argv, const struct option *longopts);

/* The symbol cache directory into buf: $XDG_CACHE_HOME/hpprof, else
 * ~/.cache/hpprof. NULL when the cache is off: no_cache set (--no-cache),
 * HPPROF_NO_CACHE set to anything but "" or "0", or no home directory. */
const char *cmd_symbol_cache_dir(char *buf, size_t size, int no_cache);

/* What about the file at path raises a process's privileges at its exec,
 * as ": set-user-ID, owner U", ": set-group-ID, group G" or ": file
 * capabilities" in buf, or "" (none, or path gone). The file's side only:
 * whether the exec raises them also depends on the process's ids (root
 * running a set-user-ID root program gains nothing). */
void cmd_setid_of(const char *path, char *buf, size_t len);
/* What to do about it, for the messages. */
#define CMD_SETID_FIX "profile a copy of the program (cp drops set-ID bits and file " \
		      "capabilities), as root if it needs the privileges"

/* Why this process may not execute path (execve or access said EACCES),
 * in buf as a phrase after the file's name: on a noexec mount, no execute
 * bit (chmod +x), not executable by this user (its mode and owner), not a
 * regular file. A name without '/' (looked up in PATH) gets the generic
 * one. Returns buf. */
const char *cmd_exec_denied(const char *path, char *buf, size_t len);

/* Say that prog could not be executed (err: -ENOENT, -EACCES, -ENOEXEC,
 * -EISDIR...) with what to do, and return the shell's status for it: 127
 * when there is no such program, else 126. */
int cmd_cannot_execute(const char *prog, int err);

/* -e LIST given again: *list becomes the lists so far and add joined by a
 * comma, as perf's -e adds (the string is *owned, freed by the caller;
 * *list first points at argv). Returns 0 or -ENOMEM (said). */
int cmd_events_add(const char **list, char **owned, const char *add);

#endif

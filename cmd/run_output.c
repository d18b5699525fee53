/*
 * run_output.c - where `hpprof run` writes: an existing profile is kept as
 * PATH.old (never a file hpprof did not write, nor one another run is
 * still writing), and put back when the run never started.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmd/cmd_util.h"
#include "cmd/run.h"
#include "common/error.h"
#include "common/log.h"
#include "common/store.h"

/* An existing file at path may be replaced by a profile: it is an hpprof
 * database, one file (a WAL left by a killed run merged into it), not
 * open in another run. Returns NULL, or why not. The file is only
 * renamed, never read: its header says whose it is (opening it with
 * SQLite parsed its schema and cost ~2 ms of every run's start). */
static const char *not_replaceable(const char *path, char *why, size_t len)
{
	int err = store_identify(path);
	if (err) {
		snprintf(why, len, "it exists and is not an hpprof database (%s); not overwriting it"
			 " - choose another file with -o", hp_strerror(err));
		return why;
	}
	if (store_settle_file(path)) {
		snprintf(why, len, "it is being written by another process (its -wal file stays)");
		return why;
	}
	return NULL;
}

/* Make room for the output: keep an existing profile as .old, refuse to
 * touch anything that is not an hpprof database (the output itself or an
 * existing .old). *rotated: the previous profile now is the .old. */
int run_prepare_output(const char *path, int *rotated)
{
	struct stat sb;
	char old[PATH_MAX], dir[PATH_MAX], why[512];
	const char *refused;
	int err;

	*rotated = 0;
	snprintf(dir, sizeof(dir), "%s", path);
	char *slash = strrchr(dir, '/');
	if (slash)
		*(slash == dir ? slash + 1 : slash) = '\0';
	else
		snprintf(dir, sizeof(dir), ".");
	if (access(dir, W_OK) < 0) {
		hp_err("cannot write output '%s': %s", path, strerror(errno));
		return -1;
	}
	if ((refused = cmd_output_refusal(path, &err))) {
		hp_err("cannot write output '%s': %s", path, refused);
		return -1;
	}
	if (lstat(path, &sb) < 0)
		return 0;
	if ((refused = not_replaceable(path, why, sizeof(why)))) {
		hp_err("output '%s': %s", path, refused);
		return -1;
	}
	snprintf(old, sizeof(old), "%s.old", path);
	if (!lstat(old, &sb) && ((refused = cmd_output_refusal(old, &err)) ||
				 (refused = not_replaceable(old, why, sizeof(why))))) {
		hp_err("cannot keep the previous profile as '%s': %s", old, refused);
		return -1;
	}
	if (rename(path, old) < 0) {
		hp_err("cannot keep the previous profile as '%s': %s", old, strerror(errno));
		return -1;
	}
	*rotated = 1;
	hp_info("kept the previous profile as '%s'", old);
	return 0;
}

/* The run never started: the previous profile goes back to its name. */
void run_undo_rotation(const char *path)
{
	char old[PATH_MAX];
	snprintf(old, sizeof(old), "%s.old", path);
	if (rename(old, path) == 0)
		hp_info("'%s' is back in its place", path);
}

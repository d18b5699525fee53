/*
 * run_output.c - where `hpprof run` writes: an existing profile is kept as
 * PATH.old (never a file hpprof did not write, nor one another run is
 * still writing), and put back when the run never started; the new
 * database, whose SQLite part is made once the program runs. The .old it
 * replaces is removed once the program runs too: freeing a file's blocks
 * costs 0.3-2.3 ms here (ext4 mounted with discard; docs/performance.md,
 * "Wave 20 (w20-start)").
 */
#include <errno.h>
#include <fcntl.h>
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

/* PATH.old's name while it waits for its removal (drop_displaced). */
static void displaced_name(const char *path, char *out, size_t len)
{
	snprintf(out, len, "%s.old.hpprof-del", path);
}

/* The older profile at old out of the way, to a name whose file is
 * removed later: 1 when moved (0: it is replaced by the rename as before,
 * e.g. when something that is not a profile holds that name). */
static int displace_old(const char *path, const char *old)
{
	char del[PATH_MAX];
	struct stat sb;
	displaced_name(path, del, sizeof(del));
	if (!lstat(del, &sb) && (!S_ISREG(sb.st_mode) || store_identify(del)))
		return 0;
	return rename(old, del) == 0;
}

static void drop_displaced(const char *path)
{
	char del[PATH_MAX];
	displaced_name(path, del, sizeof(del));
	if (unlink(del) < 0 && errno != ENOENT)
		hp_debug(HP_DBG_RUN, 1, "cannot remove '%s': %s", del, strerror(errno));
}

/* Make room for the output (run.h): keep an existing profile as .old,
 * refuse to touch anything that is not an hpprof database (the output
 * itself or an existing .old). */
int run_prepare_output(const char *path, int *rotated, int defer)
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
	/* another run's profile as it is written: moved aside, that run's
	 * late open would reach ours (store_write_locked) */
	int locked = store_write_locked(path);
	if (locked) {
		hp_err("output '%s' is being %s; wait for its end or choose another output (-o)",
		       path, locked == STORE_LOCK_FINISHING ? "finished by a reader (report, tui, ...)"
							    : "written by a run in progress");
		return -1;
	}
	snprintf(old, sizeof(old), "%s.old", path);
	if (!lstat(old, &sb) && ((refused = cmd_output_refusal(old, &err)) ||
				 (refused = not_replaceable(old, why, sizeof(why))))) {
		hp_err("cannot keep the previous profile as '%s': %s", old, refused);
		return -1;
	}
	int displaced = defer && !lstat(old, &sb) && displace_old(path, old);
	if (rename(path, old) < 0) {
		hp_err("cannot keep the previous profile as '%s': %s", old, strerror(errno));
		if (displaced)
			run_undo_rotation(path);
		return -1;
	}
	*rotated = 1;
	hp_info("kept the previous profile as '%s'", old);
	return 0;
}

/* The run never started: the previous profile goes back to its name, and
 * the one before it (moved aside by a deferred run_prepare_output) to .old. */
void run_undo_rotation(const char *path)
{
	char old[PATH_MAX], del[PATH_MAX];
	struct stat sb;
	snprintf(old, sizeof(old), "%s.old", path);
	displaced_name(path, del, sizeof(del));
	/* never over a file made meanwhile (another run's) */
	if (!lstat(old, &sb) && renameat2(AT_FDCWD, old, AT_FDCWD, path, RENAME_NOREPLACE) == 0)
		hp_info("'%s' is back in its place", path);
	if (!lstat(del, &sb) && lstat(old, &sb) < 0)
		rename(del, old);
}

/* The first commit of a new store: the facts known before the run (an
 * interrupted profile says what ran), and once the program started (late)
 * the views over its events. On failure the store is closed and its file
 * removed. */
static int first_commit(const char *output, struct run_record *rec, char **targv,
			const struct run_opts *o, struct hp_store **st,
			const struct run_late_store *late)
{
	int err;
	run_command_facts(rec, targv, o);
	err = store_write_facts(*st, &rec->f);
	if (!err && late && late->res)
		err = run_early_views(*st, o, late->re, late->res);
	if (!err)
		err = store_flush(*st);
	if (err) {
		store_close(*st);
		*st = NULL;
		store_unlink(output);
	}
	return err;
}

/* on_started: the program was let to start. SQLite's open of the file
 * made before it (store_create_file), its pragmas, the facts (localtime
 * reading the time zone: ~0.3 ms) and the first commit (~3-5 ms in all)
 * run now, beside it, not before it (docs/performance.md, "Wave 12").
 * When they fail, the program runs to its end without a profile: said
 * here and the file removed. A previous profile stays FILE.old, as said:
 * the run did happen, and a report of FILE must not show an older run as
 * this one (docs/reliability.md). */
static int open_store_late(void *ctx, struct hp_store **out)
{
	struct run_late_store *l = ctx;
	int err;
	run_phase(l->clock, "session, program started");
	if (!(err = store_open_created(l->output, l->lock_fd, l->st)))
		err = first_commit(l->output, l->rec, l->targv, l->o, l->st, l);
	if (err) {
		hp_err("cannot create database '%s': %s; the program runs to its end without"
		       " being profiled", l->output, hp_strerror(err));
		l->err = err;
	}
	run_phase(l->clock, "store opened, first commit");
	drop_displaced(l->output);         /* the run happened: the older .old goes */
	*out = *l->st;
	return err;
}

int run_create_store(struct run_opts *o, char **targv, struct run_late_store *late,
		     int rotated, struct hp_store **st)
{
	int err, whole = o->nattach || o->live;
	if (whole) {
		if (!(err = store_create(o->output, st)))
			err = first_commit(o->output, late->rec, targv, o, st, NULL);
	} else if ((err = store_create_file(o->output)) >= 0) {
		late->lock_fd = err;
		err = 0;
	}
	if (err) {
		if (err == -EEXIST && store_write_locked(o->output))
			hp_err("cannot create database '%s': another run is writing it (started"
			       " meanwhile); choose another output (-o)", o->output);
		else
			hp_err("cannot create database '%s': %s", o->output, hp_strerror(err));
		if (rotated)
			run_undo_rotation(o->output);
		return err;
	}
	if (whole)
		return 0;
	late->output = o->output;
	late->targv = targv;
	late->o = o;
	late->st = st;
	o->s.on_started = open_store_late;
	o->s.started_ctx = late;
	return 0;
}

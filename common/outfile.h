/*
 * outfile.h - output files that never destroy what hpprof did not write.
 *
 * Every file hpprof writes (export -o, stat -o, merge -o, the database of
 * run) is first written to a temporary file beside its destination, in the
 * same directory (so the final step is one rename on one file system), and
 * renamed into place only when it is complete. A failed or interrupted
 * write leaves the destination as it was. Destinations that are not regular
 * files (directories, device nodes, FIFOs, sockets) are refused: renaming
 * over /dev/null would replace the device node. A symbolic link is
 * followed: the file it points at is replaced, the link stays.
 *
 * Temporary files are named DEST.hpprof-tmp.XXXXXX (created O_EXCL, mode
 * of the file replaced, else 0666 & ~umask); one left behind by a killed
 * hpprof is safe to delete.
 */
#ifndef HP_OUTFILE_H
#define HP_OUTFILE_H

#include <limits.h>
#include <stdio.h>
#include <sys/types.h>

/* What an existing destination path is. */
enum hp_outfile_kind {
	HP_OUT_NONE,                  /* does not exist: a new file */
	HP_OUT_REGULAR,               /* a regular file (possibly through a symlink) */
	HP_OUT_OTHER,                 /* directory, device, FIFO, socket: refused */
};

/* Resolve path for writing: follow a symbolic link to its target
 * (resolved[] receives the path to write; path itself otherwise) and say
 * what is there now. Returns 0, or a negative errno (a dangling link is
 * -ENOENT). *what (when not NULL) names a refused kind ("a directory",
 * "a character device", ...). */
int outfile_resolve(const char *path, char *resolved, size_t len, enum hp_outfile_kind *kind,
		    const char **what);

/* A unique temporary path beside dest (DEST.hpprof-tmp.XXXXXX); the file
 * is created empty (O_EXCL) and its descriptor returned, or a negative
 * errno. */
int outfile_temp(const char *dest, char *tmp, size_t len);

/* Rename tmp to dest; replace: 1 to replace an existing dest, 0 to fail
 * with -EEXIST when dest exists (RENAME_NOREPLACE, or link + unlink where
 * the file system lacks it). Returns 0 or a negative errno. */
int outfile_rename(const char *tmp, const char *dest, int replace);

/* A stdio output written through a temporary file. */
struct hp_outfile {
	FILE *f;                      /* write here */
	char dest[PATH_MAX];          /* where it goes (symlinks resolved) */
	char tmp[PATH_MAX];
};

/* Check dest (must be new or a regular file) and open a temporary file for
 * it. Returns 0, -HP_ENOTREG for a destination that is not a regular file,
 * or a negative errno; nothing is created on error. */
int outfile_open(struct hp_outfile *o, const char *dest);
/* Flush, sync and rename into place. On error the temporary file is
 * removed and dest is left untouched. Returns 0 or a negative errno. */
int outfile_commit(struct hp_outfile *o);
/* Remove the temporary file; dest is untouched. NULL f is ignored. */
void outfile_discard(struct hp_outfile *o);

/* Remove tmp (and, with sqlite, its -wal, -shm and -journal) if SIGINT,
 * SIGTERM or SIGHUP ends the process before outfile_unguard: the signal
 * then takes its default action (the exit status says it), after the
 * temporary is gone. For commands that install no handler of their own
 * (export, merge); one temporary at a time. Ctrl-C during an export used
 * to leave DEST.hpprof-tmp.XXXXXX (the partial output) behind. */
void outfile_guard(const char *tmp, int sqlite);
/* Stop guarding (the temporary was renamed into place or removed) and
 * restore the signals' previous actions. */
void outfile_unguard(void);

/* mkdir -p path: each directory it lacks made private to the user (0700).
 * 0, or -errno. */
int hp_mkdirs_private(const char *path);

#endif

/*
 * heldfile.h - the files a run read, held open under the names its
 * profile gives them.
 *
 * A program's mapped file can be gone from its name before hpprof reads
 * the mapping's record: deleted (a program that removes itself, a library
 * upgraded under a running service), replaced (rebuilt while it runs) or
 * never named (a memfd, fexecve). The collector opens such a file through
 * the process while it lives (collector/mapfile.h) and holds it here under
 * the name the profile gives it, as the kernel's maps do
 * ("/usr/bin/prog (deleted)"), and every module it read by its name under
 * that name (a rebuild may give the name to another file before the
 * run's end). The module reader and the symbolizer open names through
 * here first, so the run unwinds and names those frames from the files
 * it saw, after the process is gone. Process-wide and thread-safe: the
 * collector adds, the symbol thread opens.
 */
#ifndef HP_HELDFILE_H
#define HP_HELDFILE_H

/* Hold fd (taken over: closed on failure too) under name. Returns 0,
 * -EEXIST when name is held already, -EBADF for a negative fd, or
 * -ENOMEM. */
int heldfile_add(const char *name, int fd);

/* The file held under name, opened anew (O_CLOEXEC, its own offset),
 * -ENOENT when none is, or another -errno. */
int heldfile_open(const char *name);

/* Close every held file (tests; the run holds its files to its end). */
void heldfile_clear(void);

#endif

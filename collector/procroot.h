/*
 * procroot.h - the files of a process whose root is not hpprof's.
 *
 * A process in a chroot or a container names its files from its own root:
 * perf's MMAP2 records carry that name ("/usr/lib/libfoo.so" of the
 * container), and the file hpprof would open under that name is its own,
 * or none. Read through the process's root instead: the directory its
 * root is in hpprof's tree when that is visible (a chroot: /srv/root +
 * the name, a path that stays valid after the process), else
 * /proc/PID/root + the name (another mount namespace: valid while the
 * process lives). perf reads the name as it is, so a program in a chroot
 * whose library has a namesake on the host was profiled with the host
 * file's symbols (wave 24). A mount namespace with our root may have
 * other files mounted over parts of it: read through /proc too, unless
 * our name is the same file; the processes of one namespace share the
 * name of its first that still runs, and one gone before its records are
 * read is named through another root seen, where the file is (wave 25).
 */
#ifndef HP_PROCROOT_H
#define HP_PROCROOT_H

#include <stddef.h>
#include <stdint.h>

struct hp_procroot;

int procroot_new(struct hp_procroot **out);
void procroot_free(struct hp_procroot *r);

/* path as hpprof can open it for process pid: path itself when the
 * process's root is hpprof's, it is not an absolute path, or the process
 * is gone; else the name through its root, in buf. The root is looked up
 * when the record is read, which may be after the process changed it
 * (chroot(2) after mapping its own program): with the record's device and
 * inode (ino 0: not known), the name that is that file wins, else the
 * name through the root. */
const char *procroot_path(struct hp_procroot *r, uint32_t pid, const char *path, uint32_t maj,
			  uint32_t min, uint64_t ino, char *buf, size_t len);

/* procroot_path for a name of /proc/PID/maps, which names a file from
 * the reader's root, or, where that cannot reach it (a mount of another
 * namespace), from that namespace's root: a process chrooted there has
 * its root's name in front ("/tmp/ovl/m/usr/lib/libc.so.6" where its own
 * records say "/usr/lib/libc.so.6"), taken off unless the whole name is
 * the file here. root: procroot_maps_root's, read once per maps file. */
const char *procroot_maps_path(struct hp_procroot *r, uint32_t pid, const char *root,
			       const char *path, uint32_t maj, uint32_t min, uint64_t ino,
			       char *buf, size_t len);
/* pid's root as /proc/PID/maps names it, in buf ("" when it is "/" or
 * not known, or r is NULL); returns buf. */
const char *procroot_maps_root(const struct hp_procroot *r, uint32_t pid, char *buf, size_t len);

/* pid was forked by ppid: ppid's root, as known, is pid's guess, used when
 * pid is gone before its first lookup. */
void procroot_fork(struct hp_procroot *r, uint32_t ppid, uint32_t pid);
/* pid exec'd: its root is looked up again at its next file (a chroot(2)
 * then exec), the one it had is its guess. */
void procroot_exec(struct hp_procroot *r, uint32_t pid);
/* pid ended. */
void procroot_forget(struct hp_procroot *r, uint32_t pid);

#endif

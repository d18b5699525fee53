/*
 * mapfile.c - a mapped file reached through its process when its name no
 * longer opens it (mapfile.h).
 */
#include "collector/mapfile.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "common/error.h"
#include "common/grow.h"
#include "common/heldfile.h"
#include "common/hmap.h"
#include "common/log.h"

struct hp_mapfiles {
	struct hp_hmap seen;     /* (path, inode) -> 0: the name is the file; i + 1: names[i] */
	char **names;
	size_t n, cap;
};

int mapfiles_new(struct hp_mapfiles **out)
{
	*out = calloc(1, sizeof(**out));
	if (!*out)
		return -ENOMEM;
	hmap_init(&(*out)->seen);
	return 0;
}

void mapfiles_free(struct hp_mapfiles *mf)
{
	if (!mf)
		return;
	for (size_t i = 0; i < mf->n; i++)
		free(mf->names[i]);
	free(mf->names);
	hmap_release(&mf->seen);
	free(mf);
}

static int ends_with(const char *s, const char *tail)
{
	size_t n = strlen(s), t = strlen(tail);
	return n >= t && !strcmp(s + n - t, tail);
}

enum { NAME_GONE, NAME_IS_FILE, NAME_OTHER };

/* Does path open the record's file? NAME_GONE when it opens none,
 * NAME_OTHER when another file on the record's device (a rebuild), else
 * NAME_IS_FILE (ino 0: any file is). */
static int name_state(const char *path, uint32_t maj, uint32_t min, uint64_t ino)
{
	struct stat st;
	if (stat(path, &st) != 0)
		return NAME_GONE;
	if (!ino || st.st_ino == ino || major(st.st_dev) != maj || minor(st.st_dev) != min)
		return NAME_IS_FILE;
	return NAME_OTHER;
}

/* The record's file through pid: its mapping, else its program. An ELF
 * file with the record's inode, or -errno (-ENOEXEC: another file, or
 * not ELF: a JIT's code in a memfd). */
static int open_mapped(uint32_t pid, uint64_t start, uint64_t end, uint64_t ino)
{
	char link[96];
	unsigned char magic[4];
	struct stat st;
	snprintf(link, sizeof(link), "/proc/%" PRIu32 "/map_files/%" PRIx64 "-%" PRIx64, pid, start,
		 end);
	int fd = open(link, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(link, sizeof(link), "/proc/%" PRIu32 "/exe", pid);
		fd = open(link, O_RDONLY | O_CLOEXEC);
	}
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) || !S_ISREG(st.st_mode) || (ino && st.st_ino != ino) ||
	    pread(fd, magic, sizeof(magic), 0) != sizeof(magic) || memcmp(magic, "\177ELF", 4)) {
		close(fd);
		return -ENOEXEC;
	}
	return fd;
}

/* The kernel's name for a file gone from path, "NAME (deleted)"; a
 * memfd's without its slash, as perf shows it ("memfd:jit (deleted)");
 * with the inode when ino is not 0. */
static void gone_name(char *buf, size_t len, const char *path, uint64_t ino)
{
	const char *base = !strncmp(path, "/memfd:", 7) ? path + 1 : path;
	const char *tail = ends_with(path, " (deleted)") ? "" : " (deleted)";
	if (ino)
		snprintf(buf, len, "%s%s, inode %" PRIu64, base, tail, ino);
	else
		snprintf(buf, len, "%s%s", base, tail);
}

/* name kept in mf: its index, or -ENOMEM */
static long add_name(struct hp_mapfiles *mf, const char *name)
{
	char *copy = strdup(name);
	if (!copy || hp_grow((void **)&mf->names, &mf->cap, mf->n + 1, sizeof(char *))) {
		free(copy);
		return -ENOMEM;
	}
	mf->names[mf->n] = copy;
	return (long)mf->n++;
}

/* fd held under path's gone_name (with the inode when another file holds
 * that name): the name's index in mf, or -errno. */
static long hold(struct hp_mapfiles *mf, const char *path, uint64_t ino, int fd)
{
	char name[PATH_MAX + 64];
	int err = -EEXIST;
	for (int with_ino = 0; err == -EEXIST && with_ino < 2; with_ino++) {
		gone_name(name, sizeof(name), path, with_ino ? ino : 0);
		int dup = fcntl(fd, F_DUPFD_CLOEXEC, 0);
		err = dup < 0 ? -errno : heldfile_add(name, dup);
	}
	return err ? err : add_name(mf, name);
}

/* The name for a file no name opens now: held when pid's mapping reaches
 * it; when another file took its name (a rebuild) and it cannot be read,
 * a name that opens nothing, not the new file's symbols. Its index in
 * mf, or -errno. */
static long name_gone(struct hp_mapfiles *mf, uint32_t pid, const char *path, uint64_t start,
		      uint64_t end, uint64_t ino, int state)
{
	char name[PATH_MAX + 64];
	int fd = open_mapped(pid, start, end, ino);
	long i = fd < 0 ? fd : hold(mf, path, ino, fd);
	if (fd >= 0)
		close(fd);
	if (i < 0 && state == NAME_OTHER) {
		hp_debug(HP_DBG_PERF, 1, "pid %" PRIu32 ": '%s' is another file now, and the one"
			 " it mapped cannot be read: %s", pid, path, hp_strerror((int)i));
		gone_name(name, sizeof(name), path, ino);   /* never a held name of another */
		i = add_name(mf, name);
	}
	return i;
}

/* Does the run hold another file under path than the one path opens
 * now (the record's, name_state said)? The module reader holds what it
 * read by name: a second program built and run under the first's name (a
 * loop of `cc x.c && ./a.out`) is another file, which its name opens, but
 * the name's module is the first's. Compared in the run's own view of
 * both files, so an overlay's devices (not the records') do not matter. */
static int held_other(const char *path)
{
	struct stat held, now;
	int fd = heldfile_open(path);
	if (fd < 0)
		return 0;
	int other = !fstat(fd, &held) && !stat(path, &now) &&
		    (held.st_ino != now.st_ino || held.st_dev != now.st_dev);
	close(fd);
	return other;
}

/* The record's file, which path opens, named "path, inode N" because the
 * run holds another file under path: held under that name when it can be
 * opened as the record's, else a name that opens nothing (never the other
 * file's symbols). Its index in mf, or -ENOMEM. */
static long name_taken(struct hp_mapfiles *mf, uint32_t pid, const char *path, uint64_t start,
		       uint64_t end, uint64_t ino)
{
	char name[PATH_MAX + 64];
	struct stat st;
	int fd = open_mapped(pid, start, end, ino);
	if (fd < 0 && (fd = open(path, O_RDONLY | O_CLOEXEC)) >= 0 &&
	    (fstat(fd, &st) || st.st_ino != ino)) {
		close(fd);
		fd = -1;                        /* replaced again meanwhile */
	}
	snprintf(name, sizeof(name), "%s, inode %" PRIu64, path, ino);
	if (fd >= 0) {
		int dup = fcntl(fd, F_DUPFD_CLOEXEC, 0);
		if (dup < 0 || heldfile_add(name, dup))
			hp_debug(HP_DBG_PERF, 1, "pid %" PRIu32 ": cannot hold '%s'", pid, name);
		close(fd);
	}
	return add_name(mf, name);
}

/* A file first seen under its name (the name was the file), mapped again
 * after its unlink, "NAME (deleted)" (an exec through a descriptor of it:
 * CI run 171, where the first record was read before the unlink): read
 * through the process as a first sighting would be; else, when the run
 * holds the file under the name it had (module.c holds what it read by
 * name), that name. seen's value for key, or 0 when neither. */
static uint64_t deleted_since(struct hp_mapfiles *mf, uint32_t pid, const char *path, size_t n,
			      uint64_t start, uint64_t end, uint64_t ino, uint64_t key)
{
	char name[PATH_MAX];
	long i = name_gone(mf, pid, path, start, end, ino, NAME_GONE);
	if (i < 0) {
		snprintf(name, sizeof(name), "%.*s", (int)n, path);
		int fd = heldfile_open(name);
		if (fd < 0)
			return 0;
		close(fd);
		if ((i = add_name(mf, name)) < 0)
			return 0;
	}
	hmap_put(&mf->seen, key, (uint64_t)i + 1);
	return (uint64_t)i + 1;
}

const char *mapfiles_name(struct hp_mapfiles *mf, uint32_t pid, const char *path,
			  uint64_t start, uint64_t end, uint32_t maj, uint32_t min, uint64_t ino)
{
	if (!mf || !path || path[0] != '/' || !strncmp(path, "//anon", 6))
		return path;
	/* one key for a file mapped before and after its unlink */
	size_t n = strlen(path) - (ends_with(path, " (deleted)") ? 10 : 0);
	uint64_t key = hmap_key2(hmap_strn_key(path, n), ino), val;
	if (!hmap_get(&mf->seen, key, &val)) {
		int named = strncmp(path, "/memfd:", 7) && !ends_with(path, " (deleted)");
		int state = named ? name_state(path, maj, min, ino) : NAME_GONE;
		long i = state == NAME_IS_FILE ? -1 : name_gone(mf, pid, path, start, end, ino, state);
		if (state == NAME_IS_FILE && ino && held_other(path))
			i = name_taken(mf, pid, path, start, end, ino);
		else if (state == NAME_IS_FILE || i == -ENOEXEC) {
			hmap_put(&mf->seen, key, 0);    /* the name is the file, or none will be */
			return path;
		}
		if (i < 0) {
			hp_debug(HP_DBG_PERF, 1, "pid %" PRIu32 ": '%s' is not the file it mapped,"
				 " and that file cannot be read: %s", pid, path, hp_strerror((int)i));
			return path;
		}
		hp_debug(HP_DBG_PERF, 1, "pid %" PRIu32 ": '%s' is not (or no longer) the only"
			 " file the run reads by that name: read as '%s'", pid, path, mf->names[i]);
		hmap_put(&mf->seen, key, (uint64_t)i + 1);
		val = (uint64_t)i + 1;
	}
	if (!val && ends_with(path, " (deleted)"))
		val = deleted_since(mf, pid, path, n, start, end, ino, key);
	return val ? mf->names[val - 1] : path;
}

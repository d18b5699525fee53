/*
 * procroot.c - the files of a process whose root is not hpprof's
 * (procroot.h).
 */
#include "collector/procroot.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "common/grow.h"
#include "common/hmap.h"
#include "common/log.h"

/* A root other than ours, as found for a process. */
struct root {
	char *prefix;                  /* a chroot's directory, or /proc/OWNER/root */
	uint32_t owner;                /* the process it was found for */
	ino_t ns;                      /* its mount namespace */
};

struct hp_procroot {
	struct hp_hmap index;          /* pid -> 0: our root; else its root's index + 1 */
	struct hp_hmap guess;          /* the same, for a process gone before its lookup:
					* its parent's at its fork, its own before its exec */
	struct root *roots;            /* the roots found, in order */
	size_t nprefix, cap;
	dev_t dev;                     /* hpprof's root */
	ino_t ino;
	ino_t mntns;                   /* hpprof's mount namespace (0: not known) */
};

/* The inode of a mount namespace link (0: not known). */
static ino_t mntns_of(const char *link)
{
	struct stat st;
	return stat(link, &st) == 0 ? st.st_ino : 0;
}

int procroot_new(struct hp_procroot **out)
{
	struct hp_procroot *r = calloc(1, sizeof(*r));
	struct stat st;
	if (!r)
		return -ENOMEM;
	hmap_init(&r->index);
	hmap_init(&r->guess);
	if (stat("/", &st) == 0) {
		r->dev = st.st_dev;
		r->ino = st.st_ino;
	}
	r->mntns = mntns_of("/proc/self/ns/mnt");
	*out = r;
	return 0;
}

void procroot_free(struct hp_procroot *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->nprefix; i++)
		free(r->roots[i].prefix);
	free(r->roots);
	hmap_release(&r->index);
	hmap_release(&r->guess);
	free(r);
}

static uint64_t key_of(uint32_t pid)
{
	return (uint64_t)pid | 1ull << 32;
}

/* A root through /proc of another process that still runs in mount
 * namespace ns with the root root is, or -1: the processes of one
 * container or one service share one name for each file (one module), as
 * long as the first one lives (and keeps that root: not one chrooted
 * since). */
static long shared_root(struct hp_procroot *r, ino_t ns, const struct stat *root)
{
	char link[64];
	struct stat st;
	for (size_t i = r->nprefix; ns && i-- > 0;) {
		if (r->roots[i].ns != ns || strncmp(r->roots[i].prefix, "/proc/", 6))
			continue;
		snprintf(link, sizeof(link), "/proc/%" PRIu32 "/ns/mnt", r->roots[i].owner);
		if (mntns_of(link) != ns)
			continue;
		snprintf(link, sizeof(link), "/proc/%" PRIu32 "/root", r->roots[i].owner);
		if (!stat(link, &st) && st.st_dev == root->st_dev && st.st_ino == root->st_ino)
			return (long)i;
	}
	return -1;
}

static const char *prefix_of(const struct hp_procroot *r, uint64_t v)
{
	return v ? r->roots[v - 1].prefix : "";
}

/* The prefix of pid's files, "" for our root, NULL when it is gone and
 * unknown; *guessed when it is gone and this is its guess (the root it
 * had, or its parent had, when last seen). */
static const char *lookup_prefix(struct hp_procroot *r, uint32_t pid, int *guessed)
{
	char link[64], dir[PATH_MAX];
	struct stat st, seen;
	uint64_t v;
	*guessed = 0;
	if (hmap_get(&r->index, key_of(pid), &v))
		return prefix_of(r, v);
	snprintf(link, sizeof(link), "/proc/%" PRIu32 "/ns/mnt", pid);
	ino_t ns = mntns_of(link);
	snprintf(link, sizeof(link), "/proc/%" PRIu32 "/root", pid);
	if (stat(link, &st) < 0) {          /* gone (or not ours to see) */
		*guessed = hmap_get(&r->guess, key_of(pid), &v);
		return *guessed ? prefix_of(r, v) : NULL;
	}
	/* Our root in our mount namespace: our names. Our root in another
	 * one (unshare -m, a service's private /tmp) may have other files
	 * mounted over parts of it: through /proc, where our own name is not
	 * the same file (procroot_path). */
	int other_ns = ns && r->mntns && ns != r->mntns;
	if (st.st_dev == r->dev && st.st_ino == r->ino && !other_ns) {
		hmap_put(&r->index, key_of(pid), 0);
		return "";
	}
	ssize_t n = readlink(link, dir, sizeof(dir) - 1);
	dir[n > 0 ? n : 0] = '\0';
	/* a chroot's directory is a path of ours; another mount namespace's
	 * root is not (its link reads "/"): through /proc while it lives */
	if (n <= 1 || stat(dir, &seen) < 0 || seen.st_dev != st.st_dev || seen.st_ino != st.st_ino ||
	    other_ns) {
		long shared = shared_root(r, ns, &st);
		if (shared >= 0 && !hmap_put(&r->index, key_of(pid), (uint64_t)shared + 1))
			return r->roots[shared].prefix;
		snprintf(dir, sizeof(dir), "%s", link);
	}
	char *copy = strdup(dir);
	if (!copy || hp_grow((void **)&r->roots, &r->cap, r->nprefix + 1, sizeof(*r->roots)) ||
	    hmap_put(&r->index, key_of(pid), r->nprefix + 1)) {
		free(copy);
		return NULL;
	}
	r->roots[r->nprefix++] = (struct root){ copy, pid, ns };
	hp_debug(HP_DBG_PERF, 1, "pid %" PRIu32 ": its root is %s: its files are read there", pid,
		 copy);
	return copy;
}

/* Is path the file of device maj:min and inode ino? */
static int is_file(const char *path, uint32_t maj, uint32_t min, uint64_t ino)
{
	struct stat st;
	return stat(path, &st) == 0 && st.st_ino == ino && major(st.st_dev) == maj &&
	       minor(st.st_dev) == min;
}

/* The roots to try for a process gone before its record was read (a
 * short-lived child in a container or a private /tmp): the latest ones
 * seen, whose processes may still run. */
#define GONE_TRIES 32

/* path of a process that is gone: our name when it is the file (device
 * and inode), else the name under another root seen that is the file,
 * else the name guessed (its copy in buf; path when none). A mismatch
 * alone does not rule our name out: on overlayfs and btrfs, stat's device
 * is not the one the records carry. */
static const char *gone_path(struct hp_procroot *r, const char *path, uint32_t maj, uint32_t min,
			     uint64_t ino, char *buf, size_t len, const char *guess)
{
	char tmp[PATH_MAX];
	if (!ino || is_file(path, maj, min, ino))
		return path;
	for (size_t i = r->nprefix, tries = 0; i-- > 0 && tries < GONE_TRIES; tries++)
		if ((size_t)snprintf(tmp, sizeof(tmp), "%s%s", r->roots[i].prefix, path) <
			    sizeof(tmp) && is_file(tmp, maj, min, ino) && strlen(tmp) < len)
			return strcpy(buf, tmp);
	return guess;
}

const char *procroot_path(struct hp_procroot *r, uint32_t pid, const char *path, uint32_t maj,
			  uint32_t min, uint64_t ino, char *buf, size_t len)
{
	if (!r || !path || path[0] != '/')
		return path;
	int guessed;
	const char *prefix = lookup_prefix(r, pid, &guessed);
	if (!prefix)
		return r->nprefix ? gone_path(r, path, maj, min, ino, buf, len, path) : path;
	if (!prefix[0])
		return path;
	if ((size_t)snprintf(buf, len, "%s%s", prefix, path) >= len)
		return path;
	/* Our name for the same file (the record's device and inode): it
	 * stays valid after the process, which a name through /proc does not
	 * (libc in a process with a private /tmp); a chroot's name does, but
	 * a file mapped before its chroot is not under it. */
	int via_proc = !strncmp(prefix, "/proc/", 6);
	if (ino && is_file(path, maj, min, ino) && (via_proc || !is_file(buf, maj, min, ino)))
		return path;
	/* gone, its root guessed: the guess unless a live root holds the file
	 * (a name that no longer opens, not our namesake's symbols) */
	if (guessed && ino && !is_file(buf, maj, min, ino))
		return gone_path(r, path, maj, min, ino, buf, len, buf);
	return buf;
}

const char *procroot_maps_root(const struct hp_procroot *r, uint32_t pid, char *buf, size_t len)
{
	char link[64];
	ssize_t n = -1;
	snprintf(link, sizeof(link), "/proc/%" PRIu32 "/root", pid);
	if (r && len > 1)
		n = readlink(link, buf, len - 1);
	if (len)
		buf[n > 1 ? n : 0] = '\0';        /* "/": nothing in front */
	return buf;
}

const char *procroot_maps_path(struct hp_procroot *r, uint32_t pid, const char *root,
			       const char *path, uint32_t maj, uint32_t min, uint64_t ino,
			       char *buf, size_t len)
{
	if (!r || !path || path[0] != '/')
		return path;
	size_t n = strlen(root);
	if (n && n < strlen(path) && !strncmp(path, root, n) && path[n] == '/' &&
	    !is_file(path, maj, min, ino))
		path += n;                  /* its root's own name in front: the process's name */
	return procroot_path(r, pid, path, maj, min, ino, buf, len);
}

void procroot_fork(struct hp_procroot *r, uint32_t ppid, uint32_t pid)
{
	uint64_t v;
	if (r && (hmap_get(&r->index, key_of(ppid), &v) || hmap_get(&r->guess, key_of(ppid), &v)))
		hmap_put(&r->guess, key_of(pid), v);
}

void procroot_exec(struct hp_procroot *r, uint32_t pid)
{
	uint64_t v;
	if (r && hmap_del(&r->index, key_of(pid), &v))
		hmap_put(&r->guess, key_of(pid), v);
}

void procroot_forget(struct hp_procroot *r, uint32_t pid)
{
	if (!r)
		return;
	hmap_del(&r->index, key_of(pid), NULL);
	hmap_del(&r->guess, key_of(pid), NULL);
}

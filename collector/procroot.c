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

struct hp_procroot {
	struct hp_hmap index;          /* pid -> 0: our root; else its prefix's index + 1 */
	char **prefix;                 /* the prefixes found, in order */
	size_t nprefix, cap;
	dev_t dev;                     /* hpprof's root */
	ino_t ino;
};

int procroot_new(struct hp_procroot **out)
{
	struct hp_procroot *r = calloc(1, sizeof(*r));
	struct stat st;
	if (!r)
		return -ENOMEM;
	hmap_init(&r->index);
	if (stat("/", &st) == 0) {
		r->dev = st.st_dev;
		r->ino = st.st_ino;
	}
	*out = r;
	return 0;
}

void procroot_free(struct hp_procroot *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->nprefix; i++)
		free(r->prefix[i]);
	free(r->prefix);
	hmap_release(&r->index);
	free(r);
}

static uint64_t key_of(uint32_t pid)
{
	return (uint64_t)pid | 1ull << 32;
}

/* The prefix of pid's files, "" for our root, NULL when it is gone. */
static const char *lookup_prefix(struct hp_procroot *r, uint32_t pid)
{
	char link[64], dir[PATH_MAX];
	struct stat st, seen;
	uint64_t v;
	if (hmap_get(&r->index, key_of(pid), &v))
		return v ? r->prefix[v - 1] : "";
	snprintf(link, sizeof(link), "/proc/%" PRIu32 "/root", pid);
	if (stat(link, &st) < 0)
		return NULL;                /* gone (or not ours to see): names as they are */
	if (st.st_dev == r->dev && st.st_ino == r->ino) {
		hmap_put(&r->index, key_of(pid), 0);
		return "";
	}
	ssize_t n = readlink(link, dir, sizeof(dir) - 1);
	dir[n > 0 ? n : 0] = '\0';
	/* a chroot's directory is a path of ours; another mount namespace's
	 * root is not (its link reads "/"): through /proc while it lives */
	if (n <= 1 || stat(dir, &seen) < 0 || seen.st_dev != st.st_dev || seen.st_ino != st.st_ino)
		snprintf(dir, sizeof(dir), "%s", link);
	char *copy = strdup(dir);
	if (!copy || hp_grow((void **)&r->prefix, &r->cap, r->nprefix + 1, sizeof(*r->prefix)) ||
	    hmap_put(&r->index, key_of(pid), r->nprefix + 1)) {
		free(copy);
		return NULL;
	}
	r->prefix[r->nprefix++] = copy;
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

const char *procroot_path(struct hp_procroot *r, uint32_t pid, const char *path, uint32_t maj,
			  uint32_t min, uint64_t ino, char *buf, size_t len)
{
	if (!r || !path || path[0] != '/')
		return path;
	const char *prefix = lookup_prefix(r, pid);
	if (!prefix || !prefix[0])
		return path;
	if ((size_t)snprintf(buf, len, "%s%s", prefix, path) >= len)
		return path;
	if (ino && !is_file(buf, maj, min, ino) && is_file(path, maj, min, ino))
		return path;                /* mapped before its chroot */
	return buf;
}

void procroot_forget(struct hp_procroot *r, uint32_t pid)
{
	if (r)
		hmap_del(&r->index, key_of(pid), NULL);
}

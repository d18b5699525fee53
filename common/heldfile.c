/*
 * heldfile.c - files held open under a name (heldfile.h). A list behind a
 * mutex, searched in order: a run holds one file per module it read (tens;
 * a few hundred for the largest programs), each looked up about twice (by
 * the module reader, then by the symbolizer), so a linear search costs
 * microseconds per run. A process that holds none pays one atomic load.
 */
#include "common/heldfile.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/grow.h"

struct held {
	char *name;
	int fd;
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct held *files;
static size_t nfiles, capfiles;
static int any;                  /* read without the lock: 0 until a first add */

static long find(const char *name)
{
	for (size_t i = 0; i < nfiles; i++)
		if (!strcmp(files[i].name, name))
			return (long)i;
	return -1;
}

int heldfile_add(const char *name, int fd)
{
	int err = 0;
	char *copy = fd < 0 ? NULL : strdup(name);
	pthread_mutex_lock(&lock);
	if (fd < 0)
		err = -EBADF;
	else if (!copy)
		err = -ENOMEM;
	else if (find(name) >= 0)
		err = -EEXIST;
	else if (!(err = hp_grow((void **)&files, &capfiles, nfiles + 1, sizeof(*files)))) {
		files[nfiles++] = (struct held){ copy, fd };
		__atomic_store_n(&any, 1, __ATOMIC_RELEASE);
	}
	pthread_mutex_unlock(&lock);
	if (err) {
		free(copy);
		if (fd >= 0)
			close(fd);
	}
	return err;
}

int heldfile_open(const char *name)
{
	if (!__atomic_load_n(&any, __ATOMIC_ACQUIRE))
		return -ENOENT;
	pthread_mutex_lock(&lock);
	long i = find(name);
	int fd = -ENOENT;
	if (i >= 0) {
		/* a new open file description, its own offset (a dup's would be
		 * shared between the collector and the symbol thread) */
		char self[64];
		snprintf(self, sizeof(self), "/proc/self/fd/%d", files[i].fd);
		fd = open(self, O_RDONLY | O_CLOEXEC);
		if (fd == -1)
			fd = -errno;
	}
	pthread_mutex_unlock(&lock);
	return fd;
}

void heldfile_clear(void)
{
	pthread_mutex_lock(&lock);
	for (size_t i = 0; i < nfiles; i++) {
		free(files[i].name);
		close(files[i].fd);
	}
	free(files);
	files = NULL;
	nfiles = capfiles = 0;
	__atomic_store_n(&any, 0, __ATOMIC_RELEASE);
	pthread_mutex_unlock(&lock);
}

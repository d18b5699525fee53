/*
 * outfile.c - output files written through a temporary file and renamed
 * into place on success (outfile.h). Knows nothing about what is written.
 */
#include "common/outfile.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/error.h"

static const char *kind_name(mode_t m)
{
	if (S_ISDIR(m))
		return "a directory";
	if (S_ISCHR(m))
		return "a character device";
	if (S_ISBLK(m))
		return "a block device";
	if (S_ISFIFO(m))
		return "a FIFO";
	if (S_ISSOCK(m))
		return "a socket";
	return "not a regular file";
}

int outfile_resolve(const char *path, char *resolved, size_t len, enum hp_outfile_kind *kind,
		    const char **what)
{
	struct stat sb;
	char real[PATH_MAX];
	if (what)
		*what = NULL;
	if (snprintf(resolved, len, "%s", path) >= (int)len)
		return -ENAMETOOLONG;
	if (lstat(path, &sb) < 0) {
		if (errno != ENOENT)
			return -errno;
		*kind = HP_OUT_NONE;
		return 0;
	}
	if (S_ISLNK(sb.st_mode)) {
		if (!realpath(path, real)) {
			/* /dev/stdout on a pipe: a /proc magic link to "pipe:[N]",
			 * which has no path but is there (it said "No such file or
			 * directory"); dangling and looping links fail stat too. */
			int e = errno;
			if (stat(path, &sb) < 0 || S_ISREG(sb.st_mode))
				return -e;
			*kind = HP_OUT_OTHER;
			if (what)
				*what = kind_name(sb.st_mode);
			return 0;
		}
		if (snprintf(resolved, len, "%s", real) >= (int)len)
			return -ENAMETOOLONG;
		if (stat(real, &sb) < 0)
			return -errno;
	}
	*kind = S_ISREG(sb.st_mode) ? HP_OUT_REGULAR : HP_OUT_OTHER;
	if (*kind == HP_OUT_OTHER && what)
		*what = kind_name(sb.st_mode);
	return 0;
}

/* 0666 & ~umask, or the mode of the file being replaced. */
static mode_t new_mode(const char *dest)
{
	struct stat sb;
	if (!stat(dest, &sb) && S_ISREG(sb.st_mode))
		return sb.st_mode & 07777;
	mode_t mask = umask(022);
	umask(mask);
	return 0666 & ~mask;
}

int outfile_temp(const char *dest, char *tmp, size_t len)
{
	static const char digits[] = "abcdefghijklmnopqrstuvwxyz0123456789";
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	uint64_t seed = (uint64_t)ts.tv_nsec ^ ((uint64_t)getpid() << 20) ^ (uintptr_t)tmp;
	mode_t mode = new_mode(dest);
	for (int attempt = 0; attempt < 100; attempt++) {
		char suffix[7];
		for (int i = 0; i < 6; i++) {
			seed = seed * 6364136223846793005ull + 1442695040888963407ull;
			suffix[i] = digits[(seed >> 33) % (sizeof(digits) - 1)];
		}
		suffix[6] = '\0';
		if (snprintf(tmp, len, "%s.hpprof-tmp.%s", dest, suffix) >= (int)len)
			return -ENAMETOOLONG;
		int fd = open(tmp, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode);
		if (fd >= 0) {
			fchmod(fd, mode);       /* open() applied the umask to mode */
			return fd;
		}
		if (errno != EEXIST)
			return -errno;
	}
	return -EEXIST;
}

int outfile_rename(const char *tmp, const char *dest, int replace)
{
	if (replace)
		return rename(tmp, dest) < 0 ? -errno : 0;
	if (!renameat2(AT_FDCWD, tmp, AT_FDCWD, dest, RENAME_NOREPLACE))
		return 0;
	if (errno != EINVAL && errno != ENOSYS)
		return -errno;
	/* No RENAME_NOREPLACE on this file system: link() never replaces. */
	if (link(tmp, dest) < 0)
		return -errno;
	unlink(tmp);
	return 0;
}

int outfile_open(struct hp_outfile *o, const char *dest)
{
	enum hp_outfile_kind kind;
	int err, fd;
	memset(o, 0, sizeof(*o));
	if ((err = outfile_resolve(dest, o->dest, sizeof(o->dest), &kind, NULL)))
		return err;
	if (kind == HP_OUT_OTHER)
		return -HP_ENOTREG;
	if ((fd = outfile_temp(o->dest, o->tmp, sizeof(o->tmp))) < 0)
		return fd;
	if (!(o->f = fdopen(fd, "wb"))) {
		err = -errno;
		close(fd);
		unlink(o->tmp);
		return err;
	}
	return 0;
}

int outfile_commit(struct hp_outfile *o)
{
	int err = 0;
	if (fflush(o->f) || ferror(o->f))
		err = -(errno ? errno : EIO);
	if (!err && fdatasync(fileno(o->f)) < 0 && errno != EINVAL)
		err = -errno;
	if (fclose(o->f) && !err)
		err = -(errno ? errno : EIO);
	o->f = NULL;
	if (!err)
		err = outfile_rename(o->tmp, o->dest, 1);
	if (err)
		unlink(o->tmp);
	return err;
}

void outfile_discard(struct hp_outfile *o)
{
	if (!o->f)
		return;
	fclose(o->f);
	o->f = NULL;
	unlink(o->tmp);
}

/* --- temporaries removed when a signal ends the process --- */

static const int guarded_signals[] = { SIGINT, SIGTERM, SIGHUP };
#define NGUARDED (sizeof(guarded_signals) / sizeof(guarded_signals[0]))
static char guard_paths[4][PATH_MAX + 16];   /* written before the handler is set */
static volatile sig_atomic_t guard_n;
static struct sigaction guard_old[NGUARDED];
static int guard_set;

static void guard_handler(int sig)
{
	for (sig_atomic_t i = 0; i < guard_n; i++)
		unlink(guard_paths[i]);                  /* async-signal-safe */
	signal(sig, SIG_DFL);
	raise(sig);
}

void outfile_guard(const char *tmp, int sqlite)
{
	static const char *const suffix[] = { "", "-wal", "-shm", "-journal" };
	struct sigaction sa;
	outfile_unguard();
	int n = sqlite ? 4 : 1;
	for (int i = 0; i < n; i++)
		snprintf(guard_paths[i], sizeof(guard_paths[i]), "%s%s", tmp, suffix[i]);
	guard_n = n;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = guard_handler;
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < NGUARDED; i++)
		sigaddset(&sa.sa_mask, guarded_signals[i]);
	for (size_t i = 0; i < NGUARDED; i++) {
		sigaction(guarded_signals[i], &sa, &guard_old[i]);
		if (guard_old[i].sa_handler == SIG_IGN)   /* nohup, `cmd &`: keep ignoring it */
			sigaction(guarded_signals[i], &guard_old[i], NULL);
	}
	guard_set = 1;
}

void outfile_unguard(void)
{
	if (!guard_set)
		return;
	for (size_t i = 0; i < NGUARDED; i++)
		sigaction(guarded_signals[i], &guard_old[i], NULL);
	guard_n = 0;
	guard_set = 0;
}

int hp_mkdirs_private(const char *path)
{
	char buf[PATH_MAX];
	if (snprintf(buf, sizeof(buf), "%s", path) >= (int)sizeof(buf))
		return -ENAMETOOLONG;
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0700) != 0 && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	return mkdir(buf, 0700) != 0 && errno != EEXIST ? -errno : 0;
}

/*
 * launch.c - fork the target, hold it on a socket, exec it on release.
 * Takes an argv, produces a pid; knows nothing about perf events.
 *
 * The child execs only when it reads the release byte: if hpprof dies
 * before releasing it (kill -9 while it sets up), the gate reads end of
 * file and the child exits 127, so the program never runs unprofiled.
 * The gate is a socket so that the release is sent with MSG_NOSIGNAL: a
 * child already gone (Ctrl-C during the set-up) cannot SIGPIPE hpprof.
 */
#include "collector/launch.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static int check_file(const char *path)
{
	struct stat sb;
	if (stat(path, &sb) < 0)
		return -errno;
	if (S_ISDIR(sb.st_mode))
		return -EISDIR;
	if (!S_ISREG(sb.st_mode) || access(path, X_OK) < 0)
		return -EACCES;
	return 0;
}

int launch_resolve(const char *path, char *out, size_t outlen)
{
	if (strchr(path, '/')) {
		int err = check_file(path);
		if (!err)
			snprintf(out, outlen, "%s", path);
		return err;
	}
	const char *env = getenv("PATH");
	char *dirs = strdup(env && *env ? env : "/usr/local/bin:/usr/bin:/bin");
	int err = -ENOENT;
	if (!dirs)
		return -ENOMEM;
	for (char *save, *d = strtok_r(dirs, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
		char cand[PATH_MAX];
		snprintf(cand, sizeof(cand), "%s/%s", d, path);
		int e = check_file(cand);
		if (!e) {
			snprintf(out, outlen, "%s", cand);
			err = 0;
			break;
		}
		if (e == -EACCES)
			err = e;
	}
	free(dirs);
	return err;
}

static struct rlimit nofile_given;     /* before launch_raise_nofile; rlim_max 0: unchanged */

void launch_raise_nofile(void)
{
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) || rl.rlim_cur >= LAUNCH_NOFILE || rl.rlim_cur >= rl.rlim_max)
		return;
	struct rlimit up = { rl.rlim_max < LAUNCH_NOFILE ? rl.rlim_max : LAUNCH_NOFILE, rl.rlim_max };
	if (!setrlimit(RLIMIT_NOFILE, &up))
		nofile_given = rl;
}

static void child_main(int gate, int errw, const char *path, char *const argv[], char **env,
		       const char *argv0)
{
	char c;
	ssize_t n;
	if (nofile_given.rlim_max)          /* the program's own limit, not hpprof's */
		setrlimit(RLIMIT_NOFILE, &nofile_given);
	/* The child stays in our process group so Ctrl-C reaches it too. */
	do
		n = read(gate, &c, 1);
	while (n < 0 && errno == EINTR);
	if (n != 1)
		_exit(127);         /* never released: hpprof is gone */
	close(gate);
	for (char **e = env; e && *e; e++)
		putenv(*e);
	if (argv0)          /* this process's copy of the array */
		((char **)argv)[0] = (char *)argv0;
	execv(path, argv);
	int err = errno;
	ssize_t w = write(errw, &err, sizeof(err));
	(void)w;
	_exit(127);
}

int launch_prepare(struct hp_launch *l, char *const argv[])
{
	int gate[2], errp[2];
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, gate) < 0)
		return -errno;
	if (pipe2(errp, O_CLOEXEC) < 0) {
		int err = -errno;
		close(gate[0]);
		close(gate[1]);
		return err;
	}
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0) {
		int err = -errno;
		close(gate[0]); close(gate[1]); close(errp[0]); close(errp[1]);
		return err;
	}
	if (pid == 0) {
		close(gate[1]);
		close(errp[0]);
		/* Start the target as a shell starts a foreground command: with
		 * default dispositions even when hpprof itself was started with
		 * SIGINT ignored (a background job of a script), so that Ctrl-C
		 * forwarded by the session stops it. */
		signal(SIGPIPE, SIG_DFL);
		signal(SIGINT, SIG_DFL);
		signal(SIGQUIT, SIG_DFL);
		child_main(gate[0], errp[1], argv[0], argv, l->env, l->argv0);
	}
	close(gate[0]);
	close(errp[1]);
	l->pid = pid;
	l->gate_fd = gate[1];
	l->err_fd = errp[0];
	return 0;
}

/* A process's CPU time so far (any process's clock may be read), 0 when
 * it cannot be read. */
static uint64_t child_cpu_ns(pid_t pid)
{
	clockid_t cid;
	struct timespec ts;
	if (clock_getcpuclockid(pid, &cid) || clock_gettime(cid, &ts))
		return 0;
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

int launch_release(struct hp_launch *l)
{
	int child_err = 0;
	ssize_t n;
	/* A child already gone (killed during the set-up) fails the send; its
	 * status is what the session reaps. */
	while (send(l->gate_fd, "g", 1, MSG_NOSIGNAL) < 0 && errno == EINTR)
		;
	close(l->gate_fd);
	l->gate_fd = -1;
	do
		n = read(l->err_fd, &child_err, sizeof(child_err));
	while (n < 0 && errno == EINTR);
	close(l->err_fd);
	l->err_fd = -1;
	if (n == (ssize_t)sizeof(child_err)) {
		int st;
		waitpid(l->pid, &st, 0);
		return -child_err;
	}
	l->exec_cpu_ns = child_cpu_ns(l->pid);
	return 0;
}

void launch_abort(struct hp_launch *l)
{
	int st;
	if (l->pid <= 0)
		return;
	kill(l->pid, SIGKILL);
	if (l->gate_fd >= 0)
		close(l->gate_fd);
	if (l->err_fd >= 0)
		close(l->err_fd);
	l->gate_fd = l->err_fd = -1;
	waitpid(l->pid, &st, 0);
	l->pid = -1;
}

int launch_exit_code(int wstatus)
{
	if (WIFEXITED(wstatus))
		return WEXITSTATUS(wstatus);
	if (WIFSIGNALED(wstatus))
		return 128 + WTERMSIG(wstatus);
	return 255;
}

int launch_is_static(const char *path)
{
	Elf64_Ehdr eh;
	int fd = open(path, O_RDONLY | O_CLOEXEC), ret = 1;
	if (fd < 0)
		return -errno;
	if (pread(fd, &eh, sizeof(eh), 0) != (ssize_t)sizeof(eh) ||
	    memcmp(eh.e_ident, ELFMAG, SELFMAG) || eh.e_ident[EI_CLASS] != ELFCLASS64) {
		close(fd);
		return 0;           /* a script or another format: its interpreter is dynamic */
	}
	for (unsigned i = 0; i < eh.e_phnum; i++) {
		Elf64_Phdr ph;
		if (pread(fd, &ph, sizeof(ph), (off_t)(eh.e_phoff + i * eh.e_phentsize)) !=
		    (ssize_t)sizeof(ph))
			break;
		if (ph.p_type == PT_INTERP) {
			ret = 0;
			break;
		}
	}
	close(fd);
	return ret;
}

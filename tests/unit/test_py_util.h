/*
 * test_py_util.h - running real Python processes from the Python frame
 * tests: spawn with pipes, read their lines, wait until a thread sleeps in
 * a system call, and the paths of the fixtures and interpreters.
 */
#ifndef HP_TEST_PY_UTIL_H
#define HP_TEST_PY_UTIL_H

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define PY311 "/usr/bin/python3.11"

struct pyproc_child {
	pid_t pid;
	FILE *out;          /* the child's stdout */
	int in;             /* the child's stdin (write end) */
};

/* Path of a file under tests/fixtures/python in buf (HP_SRC or the source dir). */
static inline const char *py_fixture(const char *name, char *buf, size_t len)
{
	const char *src = getenv("HP_SRC");
#ifdef HP_SOURCE_DIR
	if (!src)
		src = HP_SOURCE_DIR;
#endif
	snprintf(buf, len, "%s/tests/fixtures/python/%s", src ? src : ".", name);
	return buf;
}

/* Starts argv[0] (a path) with stdin and stdout on pipes. 0 or -errno. */
static inline int py_spawn(char *const argv[], struct pyproc_child *c)
{
	int in[2], out[2];
	signal(SIGPIPE, SIG_IGN);        /* a child that is gone must not kill the test */
	memset(c, 0, sizeof(*c));
	if (pipe2(in, O_CLOEXEC) || pipe2(out, O_CLOEXEC))
		return -errno;
	pid_t pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		dup2(in[0], 0);
		dup2(out[1], 1);
		execv(argv[0], argv);
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	c->pid = pid;
	c->in = in[1];
	c->out = fdopen(out[0], "r");
	return c->out ? 0 : -errno;
}

/* Releases the child (one byte on stdin), closes the pipes and reaps it.
 * Returns its exit status, or -1 when it was killed. */
static inline int py_finish(struct pyproc_child *c)
{
	int status = 0;
	if (write(c->in, "x", 1) != 1)
		kill(c->pid, SIGKILL);
	close(c->in);
	char line[256];
	while (c->out && fgets(line, sizeof line, c->out))
		;
	if (c->out)
		fclose(c->out);
	waitpid(c->pid, &status, 0);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* Waits (up to 20 s) until thread tid of pid sleeps in read(2): its
 * /proc/PID/task/TID/syscall starts with syscall number 0. 0 or -ETIMEDOUT. */
static inline int py_wait_in_read(pid_t pid, pid_t tid)
{
	char path[96], buf[64];
	snprintf(path, sizeof path, "/proc/%d/task/%d/syscall", pid, tid);
	for (int i = 0; i < 2000; i++) {
		FILE *f = fopen(path, "r");
		if (f) {
			int ok = fgets(buf, sizeof buf, f) && !strncmp(buf, "0 ", 2);
			fclose(f);
			if (ok)
				return 0;
		}
		struct timespec ts = { 0, 10 * 1000 * 1000 };
		nanosleep(&ts, NULL);
	}
	return -ETIMEDOUT;
}

#endif

/*
 * launch.h - start the target gated on a socket, and reap it.
 *
 * launch_prepare() forks; the child waits until launch_release() before it
 * execs, so events can be opened on its pid with enable_on_exec first.
 * A failed exec is reported back through a close-on-exec pipe, so the parent
 * learns "cannot execute 'x': Permission denied" instead of a mystery exit 127.
 */
#ifndef HP_LAUNCH_H
#define HP_LAUNCH_H

#include <stdint.h>
#include <sys/types.h>

struct hp_launch {
	pid_t pid;        /* the child, > 0 after launch_prepare */
	int gate_fd;      /* our end: the release byte lets the child exec; closed
			   * without it (hpprof gone), the child exits 127 */
	int err_fd;       /* read end: exec errno arrives here */
	char **env;       /* extra "K=V" strings for the child (NULL-terminated), may be NULL */
	const char *argv0; /* the argv[0] the program sees instead of the resolved
			    * argv[0] exec'd: the name the user wrote, as from a
			    * shell; NULL: argv[0] */
	uint64_t exec_cpu_ns; /* set by launch_release: the child's CPU time read
			       * just after its exec, its pre-exec part (fork's
			       * copies, the release) with a little of the program */
};

/* Check that path names an executable regular file (resolving via PATH
 * when it has no slash). Writes the resolved path to out. Returns 0,
 * -ENOENT, -EACCES or -EISDIR. */
int launch_resolve(const char *path, char *out, size_t outlen);

/* Fork the child for argv (argv[0] resolved; l->argv0 what it sees). Returns 0 or
 * -errno. */
int launch_prepare(struct hp_launch *l, char *const argv[]);

/* hpprof's own descriptor limit, raised at its start (the soft limit up
 * to the hard one, at most LAUNCH_NOFILE): it holds a perf event per CPU
 * and kind, every module it reads, the database, the preload streams; at
 * `ulimit -n 24` a run could not read its modules, at 16 not create its
 * database. The programs it starts get the limit they were given. */
#define LAUNCH_NOFILE 65536
void launch_raise_nofile(void);

/* Let the child exec; returns 0, or -errno when exec failed. */
int launch_release(struct hp_launch *l);

/* Kill and reap a child that was never released. */
void launch_abort(struct hp_launch *l);

/* 1 when the ELF executable at path has no program interpreter (statically
 * linked: LD_PRELOAD cannot reach it), 0 when dynamic, -errno on error. */
int launch_is_static(const char *path);

/* Decode a wait status as the shell does: exit code, or 128 + signal. */
int launch_exit_code(int wstatus);

#endif

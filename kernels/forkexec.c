/*
 * hp-forkexec - a test helper, not a user-facing kernel: it forks, the child
 * execs another program (by default hp-julia --small from the same
 * directory), and the parent does its own work in parent_work meanwhile.
 *
 * What hpprof must show: two processes, the parent's samples in parent_work
 * and the child's under the exec'd image (calculate_z for hp-julia), with
 * the child's mappings replaced at exec.
 *
 * usage: hp-forkexec [--work N] [PROGRAM [ARGS...]]
 */
#include "kernels/kcommon.h"

#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* A serial multiply-add chain of `steps` steps (about 1 ns each). */
KERNEL_FN static uint64_t parent_work(unsigned long steps)
{
	uint64_t x = 1;
	for (unsigned long k = 0; k < steps; k++) {
		x = x * 6364136223846793005ull + 1442695040888963407ull; /* HOT: parent_work */
		__asm__ volatile("" : "+r"(x));                          /* HOT: parent_work */
	}
	return x;
}

/* <directory of this executable>/hp-julia in buf. */
static int sibling_julia(char *buf, size_t len)
{
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
	if (n < 0)
		return -1;
	self[n] = '\0';
	return snprintf(buf, len, "%s/hp-julia", dirname(self)) < (int)len ? 0 : -1;
}

int main(int argc, char **argv)
{
	unsigned long steps = 300000000;        /* about 0.3 s */
	int first = 1;
	char julia[PATH_MAX];
	char *default_argv[] = { julia, "--small", NULL };

	if (argc > 2 && !strcmp(argv[1], "--work")) {
		steps = (unsigned long)strtod(argv[2], NULL);
		first = 3;
	}
	if (argc > 1 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		printf("usage: hp-forkexec [--work STEPS] [PROGRAM [ARGS...]]\n"
		       "Forks; the child execs PROGRAM (default: hp-julia --small beside this binary)\n"
		       "while the parent spends STEPS steps (default 3e8, ~0.3 s) in parent_work.\n");
		return 0;
	}
	char **child_argv = argv + first;
	if (first >= argc) {
		if (sibling_julia(julia, sizeof julia)) {
			fprintf(stderr, "hp-forkexec: cannot find hp-julia beside this executable\n");
			return 1;
		}
		child_argv = default_argv;
	}

	struct ktruth mark;
	ktruth_now(&mark);
	fflush(stdout);
	pid_t pid = fork();
	if (pid < 0) {
		perror("fork");
		return 1;
	}
	if (pid == 0) {
		execvp(child_argv[0], child_argv);
		fprintf(stderr, "hp-forkexec: cannot exec '%s': %s\n", child_argv[0], strerror(errno));
		_exit(127);
	}
	uint64_t x = parent_work(steps);
	ktruth_phase("forkexec", "compute", &mark);
	int status;
	if (waitpid(pid, &status, 0) < 0) {
		perror("waitpid");
		return 1;
	}
	ktruth_phase("forkexec", "wait", &mark);
	bool ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;
	printf("forkexec: parent pid %d, child pid %d ran '%s', parent state %016llx\n", (int)getpid(),
	       (int)pid, child_argv[0], (unsigned long long)x);
	int rc = kvalidate("forkexec", ok, "child exit status %d (expected 0)",
			   WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
	ktruth_process("forkexec", "main", NULL);
	return rc;
}

/*
 * test_launch.c - the gate of collector/launch.c: a released child execs
 * its program (which leaves a file, the truth) and exits with its status;
 * a child whose gate closes without the release byte (hpprof killed while
 * setting up) exits 127 without running the program; a release after the
 * child died (Ctrl-C during the set-up) returns without a SIGPIPE.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "collector/launch.h"
#include "hp_test.h"

static char dir[] = "/tmp/hp-test-launch.XXXXXX";

static int exists(const char *p)
{
	struct stat sb;
	return stat(p, &sb) == 0;
}

int main(void)
{
	char ran[300], cmd[400];
	int st;
	if (!mkdtemp(dir))
		return 1;
	snprintf(ran, sizeof(ran), "%s/ran", dir);
	snprintf(cmd, sizeof(cmd), "touch %s; exit 3", ran);
	char *argv[] = { "/bin/sh", "-c", cmd, NULL };

	/* Released: runs, exit status 3. */
	struct hp_launch l = { .pid = -1 };
	CHECK_EQ_INT(launch_prepare(&l, argv), 0);
	CHECK_EQ_INT(launch_release(&l), 0);
	CHECK(waitpid(l.pid, &st, 0) == l.pid);
	CHECK_EQ_INT(launch_exit_code(st), 3);
	CHECK(exists(ran));
	unlink(ran);

	/* The gate closed without the release: exit 127, the program never ran. */
	struct hp_launch g = { .pid = -1 };
	CHECK_EQ_INT(launch_prepare(&g, argv), 0);
	close(g.gate_fd);
	close(g.err_fd);
	CHECK(waitpid(g.pid, &st, 0) == g.pid);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 127);
	CHECK(!exists(ran));

	/* Released after the child was killed: no SIGPIPE, the status is the kill. */
	struct hp_launch k = { .pid = -1 };
	CHECK_EQ_INT(launch_prepare(&k, argv), 0);
	kill(k.pid, SIGKILL);
	siginfo_t si;
	CHECK(waitid(P_PID, (id_t)k.pid, &si, WEXITED | WNOWAIT) == 0);   /* dead, not reaped */
	CHECK_EQ_INT(launch_release(&k), 0);        /* still here: no SIGPIPE */
	CHECK(waitpid(k.pid, &st, 0) == k.pid);
	CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
	CHECK(!exists(ran));

	rmdir(dir);
	return hp_test_result();
}

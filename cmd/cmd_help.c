/*
 * cmd_help.c - `hpprof help COMMAND`: show a command's manual page.
 *
 * The page rendered at build time (docs/CMakeLists.txt) is shown by man(1)
 * when it is found beside hpprof: <bindir>/HP_MAN_INSTALL_REL/man1 once
 * installed, <build>/HP_MAN_BUILD_REL in the build tree. Without it, or
 * without man, the Markdown source compiled into hpprof is printed, so the
 * manual is always at hand. Listing the commands is main's (hpprof.c).
 */
#include "cmd/cmd_help.h"

#include <errno.h>
#include <limits.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cmd/cmd.h"
#include "common/log.h"

extern char **environ;

static const struct hp_man_page *find_page(const char *page)
{
	for (size_t i = 0; i < hp_man_npages; i++)
		if (!strcmp(hp_man_pages[i].name, page))
			return &hp_man_pages[i];
	return NULL;
}

/* The rendered page beside hpprof in out; 0, or -ENOENT when none is. */
static int rendered_path(const char *page, char *out, size_t len)
{
	static const char *const rels[] = { HP_MAN_INSTALL_REL "/man1", HP_MAN_BUILD_REL };
	char dir[PATH_MAX];
	ssize_t n_exe = readlink("/proc/self/exe", dir, sizeof(dir) - 1);
	if (n_exe <= 0)
		return -ENOENT;
	dir[n_exe] = '\0';
	char *slash = strrchr(dir, '/');
	if (!slash)
		return -ENOENT;
	*slash = '\0';
	for (size_t i = 0; i < sizeof(rels) / sizeof(rels[0]); i++) {
		int n = snprintf(out, len, "%s/%s/%s.1", dir, rels[i], page);
		if (n > 0 && (size_t)n < len && !access(out, R_OK))
			return 0;
	}
	return -ENOENT;
}

/* man -l PATH; returns man's exit status, or -errno when it cannot start. */
static int run_man(const char *path)
{
	char *argv[] = { "man", "-l", (char *)path, NULL };
	pid_t pid;
	int status;
	fflush(stdout);
	int err = posix_spawnp(&pid, "man", NULL, NULL, argv, environ);
	if (err)
		return -err;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -errno;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

int cmd_help_page(const char *page)
{
	const struct hp_man_page *p = find_page(page);
	char path[PATH_MAX];
	if (!p) {
		hp_err("no manual page '%s'", page);
		return 1;
	}
	if (!rendered_path(page, path, sizeof(path))) {
		int rc = run_man(path);
		if (rc == 0)
			return 0;
		if (rc > 0) {
			hp_err("man failed on '%s' (exit status %d)", path, rc);
			return 1;
		}
		hp_debug(HP_DBG_RUN, 1, "cannot run man: %s; printing the Markdown", strerror(-rc));
	}
	fputs(p->text, stdout);
	return 0;
}

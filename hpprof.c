/*
 * hpprof.c - main and the table of subcommands.
 *
 * The table drives dispatch, `hpprof help` and `hpprof --help`. Global
 * options (--debug, -q) come before the command name. main also sets what
 * every command shares: getopt prints nothing (a wrong option gets the one
 * line of cmd_option_error), and a closed pipe on stdout ends hpprof quietly
 * (run and merge, whose product is a file, go on to their end).
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd/cmd.h"
#include "cmd/cmd_help.h"
#include "collector/launch.h"
#include "common/log.h"

/* Flags of a command. */
enum {
	CMD_FILE_PRODUCT = 1,  /* its product is a file, not stdout: a closed stdout
				* does not end it (on_sigpipe) */
};

struct hp_command {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary;
	unsigned flags;        /* CMD_* */
};

static const struct hp_command commands[] = {
	{ "run",      cmd_run,      "run a program and record a profile (hpprof.db)",
	  CMD_FILE_PRODUCT },
	{ "report",   cmd_report,   "print hot functions, lines, threads and memory" },
	{ "top",      cmd_top,      "live view of the hottest functions, recording a profile" },
	{ "tui",      cmd_tui,      "browse a profile in the terminal" },
	{ "annotate", cmd_annotate, "source listing of a function with per-line costs" },
	{ "stat",     cmd_stat,     "count events over repeated runs (mean and stddev)" },
	{ "diff",     cmd_diff,     "compare two profiles, by function or by line" },
	{ "export",   cmd_export,   "write a profile in another tool's format" },
	{ "merge",    cmd_merge,    "combine several profiles into one database",
	  CMD_FILE_PRODUCT },
	{ "list",     cmd_list,     "list the events this machine can measure" },
	{ "kernels",  cmd_kernels,  "list the bundled example kernels" },
};
#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

static void usage(FILE *out)
{
	fprintf(out,
		"usage: hpprof [--debug=DOMAIN[:LEVEL],...] [-q] COMMAND [ARGS]\n"
		"\n"
		"commands:\n");
	for (size_t i = 0; i < NCOMMANDS; i++)
		fprintf(out, "  %-9s %s\n", commands[i].name, commands[i].summary);
	fprintf(out,
		"\n"
		"Run `hpprof COMMAND --help` for a command's options, `hpprof help COMMAND`\n"
		"(or `man hpprof-COMMAND`) for its manual.\n"
		"Debug domains: run perf unwind syms store mem tui all.\n");
}

static const struct hp_command *find_command(const char *name)
{
	for (size_t c = 0; c < NCOMMANDS; c++)
		if (!strcmp(commands[c].name, name))
			return &commands[c];
	return NULL;
}

/* A closed pipe on stdout (`hpprof report | head`) is not an error: the
 * reader took what it wanted, so hpprof ends at once, silently, with status
 * 0 (or the verdict a command decided before, cmd_closed_pipe_status). SIGPIPE raised by any other descriptor (a socket, a pipe to a child)
 * returns, and the write that raised it fails with EPIPE as with SIG_IGN.
 * So does every SIGPIPE of a command whose product is a file
 * (CMD_FILE_PRODUCT: `hpprof run PROG 2>&1 | head` records to the end, with
 * the program's status, and merge writes its file, though their notes go
 * nowhere). */
volatile sig_atomic_t cmd_closed_pipe_status;
static volatile sig_atomic_t closed_stdout_ends = 1;
static volatile sig_atomic_t stdout_closed;  /* seen by on_sigpipe: finish forgives it */

static void on_sigpipe(int sig)
{
	int saved = errno;
	struct pollfd p = { .fd = STDOUT_FILENO, .events = POLLOUT };
	(void)sig;
	if (poll(&p, 1, 0) == 1 && (p.revents & POLLERR)) {
		if (closed_stdout_ends)
			_exit(cmd_closed_pipe_status);
		stdout_closed = 1;
	}
	errno = saved;
}

static void setup_sigpipe(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_sigpipe;
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGPIPE, &sa, NULL);
	sigset_t set;  /* a SIGPIPE blocked by whoever started hpprof would never arrive */
	sigemptyset(&set);
	sigaddset(&set, SIGPIPE);
	sigprocmask(SIG_UNBLOCK, &set, NULL);
}

/* A command that ended well but whose output could not be written (a
 * full disk: the help, the version) fails with a word; a closed pipe is
 * forgiven (above). */
static int finish(int status)
{
	errno = 0;
	if ((fflush(stdout) || ferror(stdout)) && errno != EPIPE && !stdout_closed && !status) {
		hp_err("cannot write the output: %s", strerror(errno ? errno : EIO));
		return 1;
	}
	return status;
}

static int run(int argc, char **argv);

int main(int argc, char **argv)
{
	return finish(run(argc, argv));
}

static int run(int argc, char **argv)
{
	int i = 1;
	setup_sigpipe();
	launch_raise_nofile();
	opterr = 0;

	for (; i < argc && argv[i][0] == '-'; i++) {
		if (!strncmp(argv[i], "--debug=", 8)) {
			if (hp_log_parse_debug(argv[i] + 8) < 0) {
				hp_err("invalid --debug value '%s'", argv[i] + 8);
				return 2;
			}
		} else if (!strcmp(argv[i], "-q") || !strcmp(argv[i], "--quiet")) {
			hp_quiet = 1;
		} else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			usage(stdout);
			return 0;
		} else if (!strcmp(argv[i], "--version")) {
			printf("hpprof %s\n", HPPROF_VERSION);
			return 0;
		} else {
			hp_err("unknown option '%s'; see 'hpprof --help'", argv[i]);
			return 2;
		}
	}
	if (i >= argc) {
		usage(stderr);
		return 2;
	}
	if (!strcmp(argv[i], "help")) {
		char page[64];
		if (i + 1 >= argc) {
			usage(stdout);
			return 0;
		}
		if (!find_command(argv[i + 1])) {
			hp_err("unknown command '%s'; see 'hpprof help'", argv[i + 1]);
			return 2;
		}
		snprintf(page, sizeof(page), "hpprof-%s", argv[i + 1]);
		return cmd_help_page(page);
	}
	if (!strcmp(argv[i], "version")) {
		printf("hpprof %s\n", HPPROF_VERSION);
		return 0;
	}
	const struct hp_command *cmd = find_command(argv[i]);
	if (!cmd) {
		hp_err("unknown command '%s'; see 'hpprof --help'", argv[i]);
		return 2;
	}
	optind = 1;
	closed_stdout_ends = !(cmd->flags & CMD_FILE_PRODUCT);
	return cmd->fn(argc - i, argv + i);
}

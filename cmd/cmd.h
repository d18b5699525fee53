/*
 * cmd.h - the command layer: one cmd_<name>.c per subcommand, each owning its
 * options struct. Only commands combine libraries, print the product on
 * stdout, and decide the exit status.
 *
 * Every command gets argv with argv[0] = its own name, and returns the exit
 * status of hpprof (0 ok, 1 error, 2 usage; `run` returns the target's).
 */
#ifndef HP_CMD_H
#define HP_CMD_H

#include <signal.h>

/* The exit status when stdout's reader goes away (`hpprof ... | head`):
 * 0 by default, since a closed pipe is not an error; a command whose
 * verdict is already decided sets it first (diff --fail-if: 3), so the
 * verdict survives a reader that stopped early. Read by hpprof.c's SIGPIPE
 * handler. */
extern volatile sig_atomic_t cmd_closed_pipe_status;

int cmd_run(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_tui(int argc, char **argv);
int cmd_annotate(int argc, char **argv);
int cmd_stat(int argc, char **argv);
int cmd_diff(int argc, char **argv);
int cmd_export(int argc, char **argv);
int cmd_merge(int argc, char **argv);
int cmd_list(int argc, char **argv);
int cmd_kernels(int argc, char **argv);
int cmd_top(int argc, char **argv);

#endif

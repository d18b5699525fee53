/*
 * cmd_top.c - `hpprof top`: the hottest functions of a program while it
 * runs, refreshed every interval, and the same database `hpprof run`
 * writes.
 *
 * It is `hpprof run` (run_main) with a live view: the view's options are
 * parsed beside run's, and around the session it taps the store's samples
 * into a live table (analyzer/live.h) and starts a thread that closes an
 * interval every --interval seconds and draws the table (tui/top.h): on
 * the terminal, or with --batch as text on stdout, one table per interval.
 * The session itself runs in the main thread as in `run`, so `q` does
 * what Ctrl-C does there: SIGINT to hpprof, which stops a program it
 * started (the profile is saved) or detaches from processes it attached
 * to (they run on). On the terminal, the program's output and hpprof's own
 * messages are held in temporary files while the screen is up, and
 * printed when it closes.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdio_ext.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "analyzer/live.h"
#include "cmd/cmd.h"
#include "cmd/cmd_util.h"
#include "cmd/run.h"
#include "common/clock.h"
#include "common/error.h"
#include "common/log.h"
#include "common/store.h"
#include "tui/term.h"
#include "tui/top.h"

static const char usage_text[] =
	"usage: hpprof top [OPTIONS] [--] PROGRAM [ARGS...]\n"
	"       hpprof top [OPTIONS] -k KERNEL [-- KERNEL-ARGS...]\n"
	"       hpprof top [OPTIONS] -p PID[,PID...]\n"
	"\n"
	"Show the functions where PROGRAM (or the running processes PID) spends its\n"
	"time, refreshed every interval, while recording the same database as\n"
	"`hpprof run` (browse it afterwards with `hpprof tui`).\n"
	"\n"
	"  -i, --interval SEC       refresh every SEC seconds (default 1; 0.1 to 3600)\n"
	"  -b, --batch              no screen: print one table per interval on stdout,\n"
	"                           and the whole run's table at the end (a closed\n"
	"                           stdout, `| head`, stops as q does)\n"
	"  -n, --iterations N       stop after N intervals (as q does)\n"
	"      --rows N             functions per table in --batch (default 20)\n"
	"      --weight cpu|wall    what the table weighs first (wall needs --off-cpu)\n"
	"      --sort self|total    how it is sorted first (default self)\n"
	"      --no-color           monochrome screen\n"
	"  -h, --help               this help\n"
	"\n"
	"Every option of `hpprof run` works too, e.g. -o FILE (default hpprof.db),\n"
	"-F HZ, --off-cpu (wall time: the w key), -p PID, --duration SEC, -q.\n"
	"\n"
	"Keys: q quit (a program hpprof started is stopped as by Ctrl-C and the\n"
	"profile saved; attached processes are detached and run on), space or p\n"
	"pause, s sort by self/total, i last interval/whole run, w CPU/wall time,\n"
	"arrows scroll. Exit status: 0 after q, else PROGRAM's, as `hpprof run`.\n";

enum { OPT_ROWS = RUN_OPT_LIVE, OPT_NO_COLOR, OPT_WEIGHT, OPT_SORT };

static const struct option top_opts[] = {
	{ "interval",   required_argument, NULL, 'i' },
	{ "batch",      no_argument,       NULL, 'b' },
	{ "iterations", required_argument, NULL, 'n' },
	{ "rows",       required_argument, NULL, OPT_ROWS },
	{ "no-color",   no_argument,       NULL, OPT_NO_COLOR },
	{ "weight",     required_argument, NULL, OPT_WEIGHT },
	{ "sort",       required_argument, NULL, OPT_SORT },
	{ NULL, 0, NULL, 0 },
};

struct top_ctx {
	double interval_s;
	int batch, no_color;
	int64_t iterations;           /* 0 = until the end */
	int64_t rows;
	enum live_weight weight;      /* --weight */
	enum live_sort sort;          /* --sort */
	/* the session's */
	struct hp_store *st;
	struct hp_live *live;
	struct tui_top view;
	char target[256];
	pthread_t thread;
	int thread_started;
	volatile int done;            /* the session is over: the thread ends */
	volatile int quit;            /* q presses (or --iterations reached) */
	int out_closed;               /* --batch: stdout's reader is gone (`| head`) */
	int attached;
	/* the terminal and the standard streams while the screen is up */
	int screen_up;
	FILE *tty_in, *tty_out;
	int saved_fd[3];
	FILE *held[3];                /* the output held back: [1] stdout, [2] stderr */
	/* how it ended */
	int ran, exit_code;
};

static int top_option(void *ctx, int c, const char *arg)
{
	struct top_ctx *t = ctx;
	char *end;
	switch (c) {
	case 'h':
		fputs(usage_text, stdout);
		return 1;
	case 'i':
		t->interval_s = strtod(arg, &end);
		if (end == arg || *end || !(t->interval_s >= 0.1) || t->interval_s > 3600) {
			hp_err("invalid --interval '%s': give seconds from 0.1 to 3600", arg);
			return -1;
		}
		return 0;
	case 'b':
		t->batch = 1;
		return 0;
	case OPT_NO_COLOR:
		t->no_color = 1;
		return 0;
	case OPT_WEIGHT:
		if (strcmp(arg, "cpu") && strcmp(arg, "wall")) {
			hp_err("invalid --weight '%s': use cpu or wall", arg);
			return -1;
		}
		t->weight = !strcmp(arg, "wall") ? LIVE_WALL : LIVE_CPU;
		return 0;
	case OPT_SORT:
		if (strcmp(arg, "self") && strcmp(arg, "total")) {
			hp_err("invalid --sort '%s': use self or total", arg);
			return -1;
		}
		t->sort = !strcmp(arg, "total") ? LIVE_SORT_TOTAL : LIVE_SORT_SELF;
		return 0;
	case 'n':
	case OPT_ROWS: {
		int64_t n = cmd_parse_size(c == 'n' ? "--iterations" : "--rows", arg);
		if (n < 1 || n > 1000000) {
			if (n >= 0)
				hp_err("%s must be between 1 and 1000000, not '%s'",
				       c == 'n' ? "--iterations" : "--rows", arg);
			return -1;
		}
		*(c == 'n' ? &t->iterations : &t->rows) = n;
		return 0;
	}
	}
	return -1;
}

/* --- the standard streams while the screen is up --- */

/* Keep the terminal for the screen, and send fds 0, 1, 2 elsewhere:
 * /dev/null for input, temporary files for output (what the program and
 * hpprof print is printed after the screen closes). Returns 0 or -1. */
static int hold_streams(struct top_ctx *t)
{
	int tin = dup(STDIN_FILENO), tout = dup(STDOUT_FILENO);
	int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
	t->held[1] = tmpfile();
	t->held[2] = tmpfile();
	if (tin < 0 || tout < 0 || null < 0 || !t->held[1] || !t->held[2]) {
		hp_err("cannot set up the screen: %s", strerror(errno));
		goto fail;
	}
	fcntl(tin, F_SETFD, FD_CLOEXEC);
	fcntl(tout, F_SETFD, FD_CLOEXEC);
	t->tty_in = fdopen(tin, "r");
	t->tty_out = fdopen(tout, "w");
	if (!t->tty_in || !t->tty_out)
		goto fail;
	fflush(stdout);
	fflush(stderr);
	for (int fd = 0; fd < 3; fd++) {
		t->saved_fd[fd] = fcntl(fd, F_DUPFD_CLOEXEC, 3);
		dup2(fd ? fileno(t->held[fd]) : null, fd);
	}
	close(null);
	return 0;
fail:
	if (null >= 0)
		close(null);
	if (t->tty_in)
		fclose(t->tty_in);
	else if (tin >= 0)
		close(tin);
	if (t->tty_out)
		fclose(t->tty_out);
	else if (tout >= 0)
		close(tout);
	t->tty_in = t->tty_out = NULL;
	return -1;
}

/* Give fds 0, 1, 2 back and print what was held. */
static void release_streams(struct top_ctx *t)
{
	char buf[65536];
	size_t n;
	fflush(stdout);
	fflush(stderr);
	for (int fd = 0; fd < 3; fd++) {
		if (t->saved_fd[fd] < 0)
			continue;
		dup2(t->saved_fd[fd], fd);
		close(t->saved_fd[fd]);
		t->saved_fd[fd] = -1;
	}
	for (int fd = 1; fd < 3; fd++) {
		if (!t->held[fd])
			continue;
		rewind(t->held[fd]);
		while ((n = fread(buf, 1, sizeof(buf), t->held[fd])) > 0)
			if (write(fd, buf, n) < 0)
				break;
		fclose(t->held[fd]);
		t->held[fd] = NULL;
	}
	if (t->tty_in)
		fclose(t->tty_in);
	if (t->tty_out)
		fclose(t->tty_out);
	t->tty_in = t->tty_out = NULL;
}

/* --- the view's thread --- */

/* q (or --iterations): what Ctrl-C does in `run`. A second one kills a
 * program that did not stop. */
static void request_stop(struct top_ctx *t)
{
	t->quit++;
	snprintf(t->view.message, sizeof(t->view.message), "%s",
		 t->attached ? "detaching (the processes run on) and saving the profile..."
		 : t->quit > 1 ? "killing the program..."
		 : "stopping the program and saving the profile... (q again kills it)");
	kill(getpid(), SIGINT);
}

static void draw_screen(struct top_ctx *t, struct tui_screen *scr)
{
	int w, h;
	term_size(&w, &h);
	if (screen_resize(scr, w, h))
		return;
	top_draw(scr, &t->view, t->live);
	term_paint(scr);
}

/* Close an interval: count it (unless paused) and stop after --iterations. */
static void close_interval(struct top_ctx *t)
{
	if (t->view.paused)
		return;
	live_refresh(t->live, hp_now_ns());
	t->view.refreshes++;
	if (t->iterations && t->view.refreshes >= t->iterations && !t->quit)
		request_stop(t);
}

static void *screen_main(void *arg)
{
	struct top_ctx *t = arg;
	struct tui_screen scr = { 0 };
	uint64_t step = (uint64_t)(t->interval_s * 1e9), next = hp_now_ns() + step;
	draw_screen(t, &scr);
	while (!t->done) {
		uint64_t now = hp_now_ns();
		if (now >= next) {
			close_interval(t);
			next = now + step;
			draw_screen(t, &scr);
			continue;
		}
		int wait_ms = (int)((next - now) / 1000000) + 1;
		int k = term_key(wait_ms < 100 ? wait_ms : 100);
		if (k < 0) {
			if (term_signal())            /* Ctrl-C before the session caught it */
				usleep(50000);
			continue;
		}
		enum top_key_result r = top_key(&t->view, k, t->live);
		if (r == TOP_KEY_QUIT)
			request_stop(t);
		if (r != TOP_KEY_NONE)
			draw_screen(t, &scr);
	}
	screen_release(&scr);
	return NULL;
}

/* One table as text on stdout. A reader that went away (`top --batch |
 * head`) is a q: the session stops and the profile is saved, as after
 * --iterations (hpprof's own SIGPIPE handler would end hpprof at once and
 * leave the database unfinished). */
static void print_table(struct top_ctx *t, struct tui_screen *scr)
{
	if (t->out_closed || screen_resize(scr, 120, (int)t->rows + 4))
		return;
	top_draw(scr, &t->view, t->live);
	screen_dump(scr, stdout);
	putchar('\n');
	if ((fflush(stdout) || ferror(stdout)) && errno == EPIPE) {
		__fpurge(stdout);             /* nothing left to write at exit */
		clearerr(stdout);
		t->out_closed = 1;
		if (!t->quit)
			request_stop(t);
	}
}

static void *batch_main(void *arg)
{
	struct top_ctx *t = arg;
	struct tui_screen scr = { 0 };
	uint64_t step = (uint64_t)(t->interval_s * 1e9), next = hp_now_ns() + step;
	while (!t->done) {
		uint64_t now = hp_now_ns();
		if (now < next) {
			uint64_t d = next - now < 50000000 ? next - now : 50000000;
			struct timespec ts = { 0, (long)d };
			nanosleep(&ts, NULL);
			continue;
		}
		next = now + step;
		if (t->quit)
			continue;
		close_interval(t);
		print_table(t, &scr);
	}
	screen_release(&scr);
	return NULL;
}

/* --- around the session (struct run_live) --- */

static void ignore_signal(int sig)
{
	(void)sig;
}

/* In --batch, a SIGINT of --iterations that comes as the session ends
 * (after it gave SIGINT back) must not kill hpprof before it saves; nor
 * must a SIGPIPE of a closed stdout (print_table stops the session
 * instead). Handlers, not SIG_IGN: a program top starts gets the default
 * dispositions back at exec. */
static void catch_sigint(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = ignore_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGPIPE, &sa, NULL);
}

/* Before anything is created: the screen needs a terminal, and top shows time. */
static int top_check(void *ctx, const struct run_opts *o)
{
	struct top_ctx *t = ctx;
	if (!t->batch && (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO))) {
		hp_err("top needs a terminal; --batch prints one table per interval instead");
		return 2;
	}
	if (o->sample_event) {
		hp_err("top shows time: --sample-event cannot be used (see `hpprof run`)");
		return 2;
	}
	if (t->weight == LIVE_WALL && o->off_cpu != 1) {
		hp_err("--weight wall needs --off-cpu (wall = CPU + off-CPU time)");
		return 2;
	}
	return 0;
}

static int top_start(void *ctx, struct run_opts *o, char **targv, struct hp_store *st)
{
	struct top_ctx *t = ctx;
	char dir[PATH_MAX], err[256];
	const char *base = strrchr(targv[0], '/');
	base = base ? base + 1 : targv[0];
	t->attached = o->nattach > 0;
	if (o->nattach)
		snprintf(t->target, sizeof(t->target), "%s (pid %u%s)", base, o->attach[0],
			 o->nattach > 1 ? ", ..." : "");
	else
		snprintf(t->target, sizeof(t->target), "%s", base);
	struct hp_live_opts lo = {
		.cpu_sample_ns = 1000000000ull / (o->s.freq ? o->s.freq : 1000),
		.offcpu_event = o->s.off_cpu ? o->s.offcpu_event : 0,
		.raw_names = o->raw_names,
		.cache_dir = cmd_symbol_cache_dir(dir, sizeof(dir), o->no_cache),
		.start_ns = hp_now_ns(),
	};
	int e = live_new(&lo, st, &t->live);
	if (e) {
		hp_err("cannot start the live view: %s", hp_strerror(e));
		return -1;
	}
	t->st = st;
	t->view = (struct tui_top){ .target = t->target, .output = o->output,
				    .interval_s = t->interval_s, .batch = t->batch,
				    .weight = t->weight, .sort = t->sort };
	t->done = 0;
	t->quit = 0;
	if (t->batch)
		catch_sigint();
	t->saved_fd[0] = t->saved_fd[1] = t->saved_fd[2] = -1;
	if (!t->batch) {
		if (hold_streams(t))
			goto fail;
		if (term_start_on(t->tty_in, t->tty_out, !t->no_color, err, sizeof(err))) {
			release_streams(t);
			hp_err("%s", err);
			goto fail;
		}
		t->screen_up = 1;
	}
	store_set_sample_tap(st, live_tap, t->live);
	if (pthread_create(&t->thread, NULL, t->batch ? batch_main : screen_main, t)) {
		store_set_sample_tap(st, NULL, NULL);
		hp_err("cannot start the live view's thread");
		goto fail;
	}
	t->thread_started = 1;
	return 0;
fail:
	if (t->screen_up) {
		term_stop();
		release_streams(t);
		t->screen_up = 0;
	}
	live_free(t->live);
	t->live = NULL;
	return -1;
}

static void top_stop(void *ctx, const struct hp_session_result *res)
{
	struct top_ctx *t = ctx;
	t->done = 1;
	if (t->thread_started)
		pthread_join(t->thread, NULL);
	t->thread_started = 0;
	store_set_sample_tap(t->st, NULL, NULL);
	if (t->screen_up) {
		term_stop();
		release_streams(t);
		t->screen_up = 0;
	}
	if (t->batch && res->ran) {            /* the whole run, once more at the end */
		struct tui_screen scr = { 0 };
		live_refresh(t->live, hp_now_ns());
		t->view.refreshes++;
		t->view.span = LIVE_OVERALL;
		print_table(t, &scr);
		screen_release(&scr);
	}
	t->ran = res->ran;
	t->exit_code = res->exit_code;
	live_free(t->live);
	t->live = NULL;
}

int cmd_top(int argc, char **argv)
{
	struct top_ctx t = { .interval_s = 1, .rows = 20, .saved_fd = { -1, -1, -1 } };
	const struct run_live live = { "top", top_opts, "i:bn:", top_option, top_check, top_start,
				       top_stop, &t };
	int ret = run_main(argc, argv, &live);
	if (t.quit && t.ran)
		return 0;                     /* stopped with q, as asked: not the program's failure */
	return ret;
}

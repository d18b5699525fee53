/*
 * term.c - the curses backend (term.h).
 *
 * Paints cells row by row with the attribute of their role (colors.c).
 * When the locale is not UTF-8, the few non-ASCII glyphs the views use
 * (blocks, arrows, box lines) are replaced by ASCII look-alikes.
 *
 * Signals: SIGINT, SIGTERM and SIGHUP only set a flag that the main loop
 * sees within one key timeout, so the app unwinds normally and restores
 * the terminal. Fatal signals (SIGSEGV...) restore the terminal and
 * re-raise, so a crash never leaves the user's terminal in raw mode.
 */
#include "tui/term.h"

#include <curses.h>
#include <langinfo.h>
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <wchar.h>

#include "tui/colors.h"

static volatile sig_atomic_t got_signal;
static volatile sig_atomic_t active;
static int utf8;
static SCREEN *scr;

static void on_stop_signal(int sig)
{
	got_signal = sig;
}

static void on_fatal_signal(int sig)
{
	if (active) {
		active = 0;
		endwin();   /* not async-signal-safe, but the process is dying anyway */
	}
	signal(sig, SIG_DFL);
	raise(sig);
}

static void install_signals(void)
{
	static const int stop[] = { SIGINT, SIGTERM, SIGHUP };
	static const int fatal[] = { SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT };
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = on_stop_signal;   /* no SA_RESTART: wake up the key read */
	for (size_t i = 0; i < sizeof(stop) / sizeof(stop[0]); i++)
		sigaction(stop[i], &sa, NULL);
	sa.sa_handler = on_fatal_signal;
	sa.sa_flags = SA_RESETHAND;
	for (size_t i = 0; i < sizeof(fatal) / sizeof(fatal[0]); i++)
		sigaction(fatal[i], &sa, NULL);
}

int term_start(int use_color, char *err, size_t len)
{
	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
		snprintf(err, len, "the browser needs a terminal (use --dump VIEW for text output)");
		return -1;
	}
	return term_start_on(stdin, stdout, use_color, err, len);
}

int term_start_on(FILE *in, FILE *out, int use_color, char *err, size_t len)
{
	setlocale(LC_ALL, "");
	utf8 = !strcmp(nl_langinfo(CODESET), "UTF-8");
	install_signals();
	scr = newterm(NULL, out, in);
	if (!scr) {
		snprintf(err, len, "cannot start the terminal (TERM='%s')",
			 getenv("TERM") ? getenv("TERM") : "");
		return -1;
	}
	active = 1;
	set_term(scr);
	cbreak();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	set_escdelay(25);
	curs_set(0);
	colors_init(use_color);
	return 0;
}

void term_stop(void)
{
	if (!active)
		return;
	active = 0;
	endwin();
	delscreen(scr);
	scr = NULL;
}

void term_size(int *w, int *h)
{
	getmaxyx(stdscr, *h, *w);
}

/* ASCII stand-ins for the glyphs views draw, in a non-UTF-8 locale. */
static wchar_t ascii_of(uint32_t c)
{
	if (c < 0x80)
		return (wchar_t)c;
	if (c >= 0x2581 && c <= 0x2588)     /* lower eighth .. full block */
		return c >= 0x2585 ? '#' : c >= 0x2583 ? '=' : '_';
	if (c >= 0x2800 && c < 0x2900)      /* braille */
		return '.';
	switch (c) {
	case 0x2026: return '~';            /* ellipsis */
	case 0x25bc: return 'v';            /* sort mark */
	case 0x25b8: case 0x25b6: return '>';
	case 0x25be: return 'v';
	case 0x2190: return '<';
	case 0x2192: return '>';
	case 0x2502: case 0x258f: return '|';
	case 0x2500: return '-';
	case 0x2191: return '^';
	case 0x2193: return 'v';
	default: return '?';
	}
}

void term_paint(const struct tui_screen *s)
{
	wchar_t run[1024];
	int w, h;
	term_size(&w, &h);
	for (int y = 0; y < s->h && y < h; y++) {
		const struct tui_cell *row = s->cells + y * s->w;
		int x = 0;
		while (x < s->w && x < w) {
			int role = row[x].role, n = 0, x0 = x;
			while (x < s->w && x < w && row[x].role == role && n < 1023) {
				run[n++] = utf8 ? (wchar_t)row[x].ch : ascii_of(row[x].ch);
				x++;
			}
			run[n] = 0;
			attrset((attr_t)colors_attr(role));
			mvaddnwstr(y, x0, run, n);
		}
	}
	attrset(A_NORMAL);
	refresh();
}

void term_invalidate(void)
{
	clearok(curscr, TRUE);
}

int term_key(int idle_ms)
{
	if (got_signal)
		return -1;
	timeout(idle_ms);
	int k = getch();
	return k == ERR ? -1 : k;
}

int term_signal(void)
{
	return got_signal;
}

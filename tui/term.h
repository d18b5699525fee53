/*
 * term.h - the curses backend: starts and restores the terminal, paints a
 * screen grid, reads keys, and turns SIGINT/SIGTERM/SIGHUP into a clean
 * exit. The terminal is restored on every path out, crashes included.
 */
#ifndef HP_TUI_TERM_H
#define HP_TUI_TERM_H

#include <stddef.h>
#include <stdio.h>

#include "tui/screen.h"

/* Start curses on the controlling terminal. Returns 0, or -1 with a
 * message in err (no terminal, unknown TERM...). */
int term_start(int use_color, char *err, size_t len);
/* term_start on the terminal open as in and out (hpprof top keeps the
 * terminal while its standard streams go elsewhere). */
int term_start_on(FILE *in, FILE *out, int use_color, char *err, size_t len);
/* Restore the terminal; safe to call more than once. */
void term_stop(void);
/* Current terminal size. */
void term_size(int *w, int *h);
/* Paint the grid (curses sends only what changed). */
void term_paint(const struct tui_screen *s);
/* Repaint the whole terminal on the next term_paint (after Ctrl-L). */
void term_invalidate(void);
/* Next key, or -1 after idle_ms without one (or when a signal arrived). */
int term_key(int idle_ms);
/* The terminating signal received, or 0. */
int term_signal(void);

#endif

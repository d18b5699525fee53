/*
 * screen.h - the character grid every view draws into.
 *
 * A screen is w x h cells, each one Unicode code point of width one and a
 * semantic role (colors.h). Views never talk to curses: the terminal
 * backend (term.c) paints the grid with colors, and `--dump` prints it as
 * plain UTF-8 text, so golden tests see exactly what a user sees.
 */
#ifndef HP_TUI_SCREEN_H
#define HP_TUI_SCREEN_H

#include <stdint.h>
#include <stdio.h>

struct tui_cell {
	uint32_t ch;                  /* code point, always one column wide */
	uint8_t role;                 /* enum tui_role */
};

struct tui_screen {
	int w, h;
	struct tui_cell *cells;       /* [h][w] */
};

/* A part of the screen. */
struct tui_rect {
	int y, x, h, w;
};

/* (Re)size to w x h and clear. Returns 0 or -ENOMEM. */
int screen_resize(struct tui_screen *s, int w, int h);
void screen_release(struct tui_screen *s);
void screen_clear(struct tui_screen *s);

/* Put UTF-8 text at (y, x), at most maxw columns, clipped to the screen.
 * Characters that are not one column wide or not printable show as '?'.
 * Returns the number of columns written. */
int screen_put(struct tui_screen *s, int y, int x, int maxw, int role, const char *text);
/* text in lines of at most w columns (broken at spaces) from row y; the
 * row after the last. */
int screen_put_wrapped(struct tui_screen *s, int y, int x, int w, int role, const char *text);
/* The same in at most rows rows (the rest of text not shown). */
int screen_put_wrapped_rows(struct tui_screen *s, int y, int x, int w, int rows, int role,
			    const char *text);
/* The rows screen_put_wrapped_rows would take. */
int screen_wrapped_rows(const char *text, int w, int rows);
int screen_printf(struct tui_screen *s, int y, int x, int maxw, int role, const char *fmt, ...)
	__attribute__((format(printf, 6, 7)));
/* Put text right-aligned so that it ends before column x_end. */
int screen_put_right(struct tui_screen *s, int y, int x_end, int maxw, int role,
		     const char *text);
void screen_putc(struct tui_screen *s, int y, int x, int role, uint32_t ch);
/* Fill w cells from (y, x) with ch. */
void screen_fill(struct tui_screen *s, int y, int x, int w, int role, uint32_t ch);
/* Change the role of w cells from (y, x), keeping their characters. */
void screen_set_role(struct tui_screen *s, int y, int x, int w, int role);

/* Columns that UTF-8 text takes on screen (its code points). */
int screen_text_width(const char *text);

/* Print the grid as UTF-8 lines without trailing blanks. */
void screen_dump(const struct tui_screen *s, FILE *out);

#endif

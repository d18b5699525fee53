/*
 * text.h - a scrolling pane of text lines, each with one role: the summary
 * and help screens, and messages that stand in for a view's content.
 */
#ifndef HP_TUI_TEXT_H
#define HP_TUI_TEXT_H

#include "tui/keys.h"
#include "tui/screen.h"

struct tui_text_line {
	char *text;
	int role;
};

struct tui_text {
	struct tui_text_line *lines;
	int n;
	size_t cap;
	int top;
};

void text_clear(struct tui_text *t);
void text_release(struct tui_text *t);
/* Append a line (silently dropped when out of memory). */
void text_add(struct tui_text *t, int role, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void text_draw(struct tui_text *t, struct tui_screen *s, struct tui_rect r);
/* Scrolling in h rows; TUI_R_VIEW or TUI_R_UNHANDLED. */
int text_action(struct tui_text *t, enum tui_action a, int h);
/* Scroll to the next line (dir 1) or previous (-1) containing needle. */
int text_find(struct tui_text *t, const char *needle, int dir);

#endif

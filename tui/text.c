/*
 * text.c - a scrolling pane of text lines (text.h).
 */
#include "tui/text.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/grow.h"
#include "tui/view.h"

void text_clear(struct tui_text *t)
{
	for (int i = 0; i < t->n; i++)
		free(t->lines[i].text);
	t->n = 0;
	t->top = 0;
}

void text_release(struct tui_text *t)
{
	text_clear(t);
	free(t->lines);
	t->lines = NULL;
	t->cap = 0;
}

void text_add(struct tui_text *t, int role, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;
	if (hp_grow((void **)&t->lines, &t->cap, (size_t)t->n + 1, sizeof(*t->lines)))
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (!(t->lines[t->n].text = strdup(buf)))
		return;
	t->lines[t->n++].role = role;
}

void text_draw(struct tui_text *t, struct tui_screen *s, struct tui_rect r)
{
	if (t->top > t->n - r.h)
		t->top = t->n - r.h;
	if (t->top < 0)
		t->top = 0;
	for (int i = 0; i < r.h && t->top + i < t->n; i++) {
		const struct tui_text_line *l = &t->lines[t->top + i];
		screen_put(s, r.y + i, r.x, r.w, l->role, l->text);
		if (r.w > 1 && screen_text_width(l->text) > r.w)  /* cut: say so */
			screen_putc(s, r.y + i, r.x + r.w - 1, l->role, 0x2026);
	}
}

int text_action(struct tui_text *t, enum tui_action a, int h)
{
	int page = h > 1 ? h - 1 : 1, max = t->n - h > 0 ? t->n - h : 0;
	switch (a) {
	case TUI_A_UP:   t->top--; break;
	case TUI_A_DOWN: t->top++; break;
	case TUI_A_PGUP: t->top -= page; break;
	case TUI_A_PGDN: t->top += page; break;
	case TUI_A_HOME: t->top = 0; break;
	case TUI_A_END:  t->top = max; break;
	default: return TUI_R_UNHANDLED;
	}
	if (t->top > max)
		t->top = max;
	if (t->top < 0)
		t->top = 0;
	return TUI_R_VIEW;
}

int text_find(struct tui_text *t, const char *needle, int dir)
{
	for (int i = 1; i <= t->n; i++) {
		int k = ((t->top + dir * i) % t->n + t->n) % t->n;
		if (strcasestr(t->lines[k].text, needle)) {
			t->top = k;
			return 1;
		}
	}
	return 0;
}

/*
 * list.c - the generic scrolling list (list.h): column layout for the
 * screen width, drawing, selection, paging, sorting mark and search.
 */
#include "tui/list.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "analyzer/profile.h"
#include "analyzer/shortname.h"
#include "tui/colors.h"
#include "tui/view.h"

#define FLEX_MIN 20                   /* narrowest a flexible column gets by default */
#define CELL 4096          /* a cell: whole names, for their brief form (shortname.h) */

void list_init(struct tui_list *l, void *ctx,
	       void (*cell)(void *, int, uint32_t, char *, size_t, int *))
{
	memset(l, 0, sizeof(*l));
	l->ctx = ctx;
	l->cell = cell;
	l->sort_col = -1;
}

static int in_list(const char *list, const char *id)
{
	size_t n = strlen(id);
	for (const char *p = list; p && (p = strstr(p, id)); p += n)
		if ((p == list || p[-1] == ' ') && (p[n] == ' ' || !p[n]))
			return 1;
	return 0;
}

void list_columns(struct tui_list *l, const struct hp_profile *p, const struct hp_column *cols,
		  int ncols, const char *hide)
{
	for (int i = 0; i < ncols && l->ncols < TUI_LIST_MAX_COLS; i++) {
		const struct hp_column *c = &cols[i];
		if ((!c->derived && c->event >= 0 && !p->events[c->event].measured) || c->detail ||
		    in_list(hide, c->id))
			continue;
		if (c->event >= 0 && (uint32_t)c->event < p->nevents &&
		    !strcmp(p->events[c->event].role, "alloc"))
			continue;             /* allocation columns belong to the memory view */
		struct tui_col *t = &l->cols[l->ncols++];
		memset(t, 0, sizeof(*t));
		t->header = c->header;
		t->width = c->width;
		t->right = c->right;
		t->scroll = c->event >= 0;
		t->drop = c->event >= 0 ? 2 : !strcmp(c->id, "module") ? 3
			: !strcmp(c->id, "file") ? 4 : 0;
		t->search = !c->numeric;
		t->name = !strcmp(c->id, "function") ? TUI_NAME_CELL : TUI_NAME_NONE;
		t->src = i;
		if (!strcmp(c->id, "file") && !t->width)
			t->width = 40;
	}
}

int list_col_of_src(const struct tui_list *l, int src)
{
	for (int i = 0; i < l->ncols; i++)
		if (l->cols[i].src == src)
			return i;
	return -1;
}

static int flex_min(const struct tui_col *c)
{
	return c->min ? c->min : FLEX_MIN;
}

/* Decide which columns show at width w and how wide: ws[c] = 0 hidden. */
static void layout(struct tui_list *l, int w, int *ws)
{
	int need = 0, shown = 0, nflex = 0, skipped = 0;
	for (int c = 0; c < l->ncols; c++) {
		ws[c] = 1;
		if (l->cols[c].scroll && skipped < l->hscroll) {
			ws[c] = 0;
			skipped++;
		}
	}
	for (;;) {
		need = shown = nflex = 0;
		for (int c = 0; c < l->ncols; c++) {
			if (!ws[c])
				continue;
			need += l->cols[c].width ? l->cols[c].width : flex_min(&l->cols[c]);
			nflex += !l->cols[c].width;
			shown++;
		}
		need += shown > 1 ? shown - 1 : 0;
		if (need <= w)
			break;
		int victim = -1;
		for (int c = 0; c < l->ncols; c++)
			if (ws[c] && l->cols[c].drop &&
			    (victim < 0 || l->cols[c].drop >= l->cols[victim].drop))
				victim = c;
		if (victim < 0)
			break;
		ws[victim] = 0;
	}
	l->more_right = 0;
	for (int c = 0; c < l->ncols; c++)
		if (!ws[c] && l->cols[c].scroll && skipped-- <= 0)
			l->more_right = 1;
	int spare = w - need, extra = nflex ? spare / nflex : 0;
	for (int c = 0; c < l->ncols; c++)
		if (ws[c])
			ws[c] = l->cols[c].width ? l->cols[c].width
				: flex_min(&l->cols[c]) + (extra > 0 ? extra : 0);
}

/* Write text into a cell of width w, cut with an ellipsis when too long. */
static void put_cell(struct tui_screen *s, int y, int x, int w, int right, int role,
		     const char *text)
{
	int tw = screen_text_width(text);
	if (tw > w) {
		screen_put(s, y, x, w - 1, role, text);
		screen_putc(s, y, x + w - 1, role, 0x2026);
		return;
	}
	screen_put(s, y, right ? x + w - tw : x, tw, role, text);
}

/* A name cell in w columns: the name's brief form when it is too wide
 * (shortname.h); a tree's name keeps its indent and mark in front. */
static const char *fit_name(const struct tui_col *c, const char *text, int w, char *out,
			    size_t len)
{
	size_t k = 0;
	if (!c->name || screen_text_width(text) <= w)
		return text;
	if (c->name == TUI_NAME_TREE) {        /* indent, mark (a leaf's is a space), space */
		while (text[k] == ' ')
			k++;
		if ((unsigned char)text[k] >= 0x80) {   /* the mark: one UTF-8 character */
			k++;
			while (((unsigned char)text[k] & 0xc0) == 0x80)
				k++;
			while (text[k] == ' ')
				k++;
		}
	}
	if (k >= len)
		return text;
	char brief[CELL];
	int pw = 0;                              /* the prefix's columns: spaces and a mark */
	for (size_t i = 0; i < k; i++)
		pw += ((unsigned char)text[i] & 0xc0) != 0x80;
	const char *b = name_fit(text + k, w - pw, brief, sizeof(brief));
	snprintf(out, len, "%.*s%s", (int)k, text, b);
	return out;
}

static void draw_header(struct tui_list *l, struct tui_screen *s, struct tui_rect r,
			const int *ws)
{
	char h[CELL];
	int x = r.x;
	screen_fill(s, r.y, r.x, r.w, TUI_HEADER, ' ');
	for (int c = 0; c < l->ncols && x < r.x + r.w; c++) {
		if (!ws[c])
			continue;
		snprintf(h, sizeof(h), "%s%s", l->cols[c].header, c == l->sort_col ? "\u25bc" : "");
		put_cell(s, r.y, x, ws[c] < r.x + r.w - x ? ws[c] : r.x + r.w - x, l->cols[c].right,
			 TUI_HEADER, h);
		x += ws[c] + 1;
	}
}

/* The visible rows' name cells (TUI_NAME_CELL columns) that read alike
 * once shortened, told apart (name_fit_column): fitted[c][i] for the row
 * top + i, NULL where the row fits its own (fit_name), fitted[c] NULL for
 * the other columns. */
static void fit_visible(struct tui_list *l, const int *ws, uint32_t n, char **fitted[])
{
	char text[CELL];
	for (int c = 0; c < l->ncols; c++) {
		fitted[c] = NULL;
		if (!ws[c] || l->cols[c].name != TUI_NAME_CELL || !n)
			continue;
		char **names = calloc(n, sizeof(*names));
		int ok = names != NULL;
		for (uint32_t i = 0; ok && i < n; i++) {
			int role = 0;
			text[0] = '\0';
			l->cell(l->ctx, c, l->top + i, text, sizeof(text), &role);
			ok = (names[i] = strdup(text)) != NULL;
		}
		if (ok)
			fitted[c] = name_fit_column((const char *const *)names, n, ws[c]);
		for (uint32_t i = 0; names && i < n; i++)
			free(names[i]);
		free(names);
	}
}

static void draw_row(struct tui_list *l, struct tui_screen *s, int y, struct tui_rect r,
		     const int *ws, uint32_t row, char **const fitted[])
{
	char text[CELL], brief[CELL];
	int x = r.x, base = l->row_role ? l->row_role(l->ctx, row) : TUI_NORMAL;
	if (row == l->sel)
		screen_fill(s, y, r.x, r.w, TUI_SELECTED, ' ');
	for (int c = 0; c < l->ncols && x < r.x + r.w; c++) {
		int role = base;
		if (!ws[c])
			continue;
		int w = ws[c] < r.x + r.w - x ? ws[c] : r.x + r.w - x;
		text[0] = '\0';
		l->cell(l->ctx, c, row, text, sizeof(text), &role);
		const char *shown = fitted[c] && w == ws[c] && fitted[c][row - l->top]
					  ? fitted[c][row - l->top]
					  : fit_name(&l->cols[c], text, w, brief, sizeof(brief));
		put_cell(s, y, x, w, l->cols[c].right, row == l->sel ? TUI_SELECTED : role, shown);
		x += ws[c] + 1;
	}
}

void list_draw(struct tui_list *l, struct tui_screen *s, struct tui_rect r)
{
	int ws[TUI_LIST_MAX_COLS];
	if (r.h < 1 || r.w < 1)
		return;
	layout(l, r.w, ws);
	draw_header(l, s, r, ws);
	list_select(l, l->sel, r.h);
	uint32_t n = l->nrows - l->top < (uint32_t)(r.h - 1) ? l->nrows - l->top : (uint32_t)(r.h - 1);
	char **fitted[TUI_LIST_MAX_COLS];
	fit_visible(l, ws, n, fitted);
	for (uint32_t i = 0; i < n; i++)
		draw_row(l, s, r.y + 1 + (int)i, r, ws, l->top + i, fitted);
	for (int c = 0; c < l->ncols; c++)
		free(fitted[c]);
	if (!l->nrows)
		screen_put(s, r.y + 2, r.x + 2, r.w - 2, TUI_DIM, "(nothing in this selection)");
}

void list_select(struct tui_list *l, uint32_t row, int h)
{
	uint32_t page = h > 1 ? (uint32_t)(h - 1) : 1;
	l->sel = l->nrows ? (row < l->nrows ? row : l->nrows - 1) : 0;
	if (l->sel < l->top)
		l->top = l->sel;
	if (l->sel >= l->top + page)
		l->top = l->sel - page + 1;
	if (l->nrows > page && l->top > l->nrows - page)
		l->top = l->nrows - page;
	if (l->nrows <= page)
		l->top = 0;
}

int list_action(struct tui_list *l, enum tui_action a, int h)
{
	uint32_t page = h > 2 ? (uint32_t)(h - 2) : 1;
	switch (a) {
	case TUI_A_UP:
		list_select(l, l->sel ? l->sel - 1 : 0, h);
		break;
	case TUI_A_DOWN:
		list_select(l, l->sel + 1, h);
		break;
	case TUI_A_PGUP:
		list_select(l, l->sel > page ? l->sel - page : 0, h);
		break;
	case TUI_A_PGDN:
		list_select(l, l->sel + page, h);
		break;
	case TUI_A_HOME:
		list_select(l, 0, h);
		break;
	case TUI_A_END:
		list_select(l, l->nrows ? l->nrows - 1 : 0, h);
		break;
	case TUI_A_LEFT:
		if (l->hscroll > 0)
			l->hscroll--;
		break;
	case TUI_A_RIGHT:
		if (l->more_right)
			l->hscroll++;
		break;
	default:
		return TUI_R_UNHANDLED;
	}
	return TUI_R_VIEW;
}

static int row_matches(struct tui_list *l, uint32_t row, const char *needle)
{
	char text[CELL];
	for (int c = 0; c < l->ncols; c++) {
		int role = 0;
		if (!l->cols[c].search)
			continue;
		text[0] = '\0';
		l->cell(l->ctx, c, row, text, sizeof(text), &role);
		if (strcasestr(text, needle))
			return 1;
	}
	return 0;
}

int list_find(struct tui_list *l, const char *needle, int dir, int h)
{
	if (!l->nrows || !*needle)
		return 0;
	for (uint32_t i = 1; i <= l->nrows; i++) {
		uint32_t row = dir > 0 ? (l->sel + i) % l->nrows
				       : (l->sel + l->nrows - i % l->nrows) % l->nrows;
		if (row_matches(l, row, needle)) {
			list_select(l, row, h);
			return 1;
		}
	}
	return 0;
}

void list_position(const struct tui_list *l, char *buf, size_t len)
{
	snprintf(buf, len, "%s%s%u/%u", l->hscroll ? "\u2190" : "", l->more_right ? "\u2192 " :
		 l->hscroll ? " " : "", l->nrows ? l->sel + 1 : 0, l->nrows);
}

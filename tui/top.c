/*
 * top.c - the screen of `hpprof top` (top.h): a title with the target and
 * the database, the interval's and the whole run's sample counts, what the
 * table shows, the table (Self%, Total%, self and total seconds, function,
 * module) and a status line with the keys or the latest news.
 */
#include "tui/top.h"

#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyzer/shortname.h"
#include "tui/colors.h"
#include "tui/term.h"

#define TOP_MAX_ROWS 512

static const char legend[] =
	"q quit  space/p pause  s self/total  i interval/whole run  w CPU/wall  \xe2\x86\x91\xe2\x86\x93 scroll";

static void draw_title(struct tui_screen *s, const struct tui_top *t, const struct live_totals *all)
{
	screen_fill(s, 0, 0, s->w, TUI_TITLE, ' ');
	int x = screen_printf(s, 0, 0, s->w, TUI_TITLE, " hpprof top  %s  \xe2\x86\x92 %s",
			      t->target ? t->target : "", t->output ? t->output : "");
	char right[64];
	snprintf(right, sizeof(right), "%s%.1f s ", t->paused ? "PAUSED  " : "", all->seconds);
	if (x + screen_text_width(right) < s->w)
		screen_put_right(s, 0, s->w, s->w - x, t->paused ? TUI_MARK : TUI_TITLE, right);
}

static void draw_counts(struct tui_screen *s, int y, const struct tui_top *t,
			const struct live_totals *iv, const struct live_totals *all, int wall)
{
	char off_iv[48] = "", off_all[48] = "";
	if (wall) {
		snprintf(off_iv, sizeof(off_iv), ", %.2f s off-CPU", (double)iv->off_ns / 1e9);
		snprintf(off_all, sizeof(off_all), ", %.1f s off-CPU", (double)all->off_ns / 1e9);
	}
	if (!t->refreshes) {
		screen_printf(s, y, 0, s->w, TUI_DIM, "waiting for the first interval (%.1f s)...",
			      t->interval_s);
		return;
	}
	screen_printf(s, y, 0, s->w, TUI_NORMAL,
		      "Last interval %.2f s: %llu samples%s   Whole run %.1f s: %llu samples%s",
		      iv->seconds, (unsigned long long)iv->samples, off_iv, all->seconds,
		      (unsigned long long)all->samples, off_all);
}

static void draw_mode(struct tui_screen *s, int y, const struct tui_top *t)
{
	int x = screen_put(s, y, 0, s->w, TUI_DIM, "Showing ");
	x += screen_put(s, y, x, s->w - x, TUI_HEADER,
			t->span == LIVE_INTERVAL ? "the last interval" : "the whole run");
	x += screen_put(s, y, x, s->w - x, TUI_DIM, " by ");
	x += screen_put(s, y, x, s->w - x, TUI_HEADER,
			t->weight == LIVE_CPU ? "CPU time" : "wall time (on + off CPU)");
	x += screen_put(s, y, x, s->w - x, TUI_DIM, ", sorted by ");
	screen_put(s, y, x, s->w - x, TUI_HEADER, t->sort == LIVE_SORT_SELF ? "self" : "total");
}

#define NUM_COLS 39        /* the numbers before the name: "%7.2f%% %7.2f%% %9.3f %9.3f  " */

/* The columns left for a row's function name. */
static int name_room(const struct tui_screen *s, const struct live_row *r)
{
	int room = s->w - NUM_COLS - (r->module[0] ? (int)strlen(r->module) + 2 : 0);
	return room > 20 ? room : 20;
}

/* apart: the row's name told apart from others that read alike (as in
 * `hpprof report`, name_fit_column), or NULL. */
static void draw_row(struct tui_screen *s, int y, const struct live_row *r, const char *apart)
{
	char num[64];
	snprintf(num, sizeof(num), "%7.2f%% %7.2f%% %9.3f %9.3f  ", r->self_pct, r->total_pct,
		 r->self_s, r->total_s);
	int x = screen_put(s, y, 0, s->w, colors_heat(r->self_pct), num);
	char brief[4096];                     /* a long C++ name: as `hpprof report` shortens it */
	x += screen_put(s, y, x, s->w - x, TUI_NORMAL,
			apart ? apart : name_fit(r->function, name_room(s, r), brief, sizeof(brief)));
	if (r->module[0] && x + 2 < s->w)
		screen_printf(s, y, x + 2, s->w - x - 2, TUI_DIM, "%s", r->module);
}

void top_draw(struct tui_screen *s, const struct tui_top *t, struct hp_live *l)
{
	static struct live_row rows[TOP_MAX_ROWS];
	struct live_totals iv, all;
	int wall = live_has_wall(l);
	screen_clear(s);
	live_totals(l, LIVE_INTERVAL, t->weight, &iv);
	live_totals(l, LIVE_OVERALL, t->weight, &all);
	draw_title(s, t, &all);
	draw_counts(s, 1, t, &iv, &all, wall);
	draw_mode(s, 2, t);
	screen_fill(s, 3, 0, s->w, TUI_HEADER, ' ');
	screen_put(s, 3, 0, s->w, TUI_HEADER, "   Self%   Total%    Self s   Total s  Function  Module");
	int first = 4, last = t->batch ? s->h : s->h - 1;   /* the last line: the status line */
	size_t n = live_rows(l, t->span, t->weight, t->sort, rows, TOP_MAX_ROWS);
	int scroll = t->scroll < (int)n ? t->scroll : (n ? (int)n - 1 : 0);
	int shown = last - first < (int)n - scroll ? last - first : (int)n - scroll, w = s->w;
	const char *names[TOP_MAX_ROWS];
	for (int i = 0; i < shown; i++) {    /* names that read alike: one width, told apart */
		names[i] = rows[scroll + i].function;
		w = name_room(s, &rows[scroll + i]) < w ? name_room(s, &rows[scroll + i]) : w;
	}
	char **apart = shown > 0 ? name_fit_column(names, (size_t)shown, w) : NULL;
	for (int i = 0; i < shown; i++)
		draw_row(s, first + i, &rows[scroll + i], apart ? apart[i] : NULL);
	free(apart);
	if (!n && t->refreshes && first < last)
		screen_put(s, first, 2, s->w - 2, TUI_DIM, "no samples in this interval");
	if (t->batch)
		return;
	screen_fill(s, last, 0, s->w, TUI_STATUS, ' ');
	screen_put(s, last, 0, s->w, TUI_STATUS, t->message[0] ? t->message : legend);
}

enum top_key_result top_key(struct tui_top *t, int k, const struct hp_live *l)
{
	t->message[0] = '\0';
	switch (k) {
	case 'q': case 'Q':
		return TOP_KEY_QUIT;
	case KEY_RESIZE:
		break;
	case 12:                               /* Ctrl-L */
		term_invalidate();
		break;
	case ' ': case 'p': case 'P':
		t->paused = !t->paused;
		break;
	case 's': case 'S':
		t->sort = t->sort == LIVE_SORT_SELF ? LIVE_SORT_TOTAL : LIVE_SORT_SELF;
		break;
	case 'i': case 'I': case 'o': case 'O':
		t->span = t->span == LIVE_INTERVAL ? LIVE_OVERALL : LIVE_INTERVAL;
		break;
	case 'w': case 'W':
		if (t->weight == LIVE_CPU && !live_has_wall(l)) {
			snprintf(t->message, sizeof(t->message), "no off-CPU time recorded:"
				 " `hpprof top --off-cpu` records it (wall = CPU + off-CPU)");
			break;
		}
		t->weight = t->weight == LIVE_CPU ? LIVE_WALL : LIVE_CPU;
		break;
	case KEY_DOWN: case 'j':
		t->scroll++;
		break;
	case KEY_UP: case 'k':
		t->scroll = t->scroll > 0 ? t->scroll - 1 : 0;
		break;
	case KEY_NPAGE:
		t->scroll += 20;
		break;
	case KEY_PPAGE:
		t->scroll = t->scroll > 20 ? t->scroll - 20 : 0;
		break;
	case KEY_HOME: case 'g':
		t->scroll = 0;
		break;
	default:
		return TOP_KEY_NONE;
	}
	return TOP_KEY_REDRAW;
}

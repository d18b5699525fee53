/*
 * view_lines.c - hot source lines: the line column table (columns.h) as a
 * sortable list (table.h). Enter shows the call paths that end on the
 * selected line (a bottom-up tree), a annotates its source file.
 */
#include <stdio.h>
#include <stdlib.h>

#include "analyzer/calltree.h"
#include "analyzer/profile.h"
#include "tui/table.h"
#include "tui/view.h"

struct lines {
	struct tui_view base;
	struct tui_table table;
};

static void lines_draw(struct tui_view *v, struct tui_screen *s, struct tui_rect r)
{
	list_draw(&((struct lines *)v)->table.list, s, r);
}

static int lines_action(struct tui_view *v, enum tui_action a, int arg)
{
	struct lines *lv = (struct lines *)v;
	uint32_t li = table_selected(&lv->table);
	const struct hp_profile *p = app_profile(v->app);
	switch (a) {
	case TUI_A_ENTER:
	case TUI_A_CALLERS:
		return li == UINT32_MAX ? TUI_R_VIEW : app_open_calltree(v->app, 1, HP_CT_NONE, li);
	case TUI_A_ANNOTATE:
		return li == UINT32_MAX ? TUI_R_VIEW
			: app_annotate_file(v->app, p->lines[li].file_id, p->lines[li].file,
					    p->lines[li].line);
	default:
		return table_action(&lv->table, a);
	}
}

static int lines_search(struct tui_view *v, const char *needle, int dir)
{
	return table_search(&((struct lines *)v)->table, needle, dir);
}

static void lines_status(struct tui_view *v, char *buf, size_t len)
{
	list_position(&((struct lines *)v)->table.list, buf, len);
}

static int lines_reload(struct tui_view *v)
{
	return table_reload(&((struct lines *)v)->table);
}

static void lines_free(struct tui_view *v)
{
	table_release(&((struct lines *)v)->table);
	free(v);
}

static const struct tui_view_ops lines_ops = {
	.name = "lines", .kind = TUI_V_LINES, .draw = lines_draw, .action = lines_action,
	.search = lines_search, .status = lines_status, .reload = lines_reload,
	.free = lines_free,
};

struct tui_view *view_lines_new(struct tui_app *a)
{
	struct lines *v = calloc(1, sizeof(*v));
	if (!v)
		return NULL;
	v->base.ops = &lines_ops;
	v->base.app = a;
	snprintf(v->base.title, sizeof(v->base.title),
		 "Lines: samples that ended on each line (Enter: who calls it)");
	if (table_init(&v->table, a, HP_ROWS_LINES, "self", "line")) {
		free(v);
		return NULL;
	}
	return &v->base;
}

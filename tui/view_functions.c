/*
 * view_functions.c - hot functions: the function column table (columns.h)
 * as a sortable list (table.h). Enter or a opens the function's source,
 * c / C the tree of its callers / callees.
 */
#include <stdio.h>
#include <stdlib.h>

#include "analyzer/calltree.h"
#include "tui/table.h"
#include "tui/view.h"

struct functions {
	struct tui_view base;
	struct tui_table table;
};

static void functions_draw(struct tui_view *v, struct tui_screen *s, struct tui_rect r)
{
	list_draw(&((struct functions *)v)->table.list, s, r);
}

static int functions_action(struct tui_view *v, enum tui_action a, int arg)
{
	struct functions *fv = (struct functions *)v;
	uint32_t f = table_selected(&fv->table);
	switch (a) {
	case TUI_A_ENTER:
	case TUI_A_ANNOTATE:
		return f == UINT32_MAX ? TUI_R_VIEW : app_annotate_function(v->app, f);
	case TUI_A_DISASM:
		return f == UINT32_MAX ? TUI_R_VIEW : app_disasm_function(v->app, f);
	case TUI_A_CALLERS:
	case TUI_A_CALLEES:
		return f == UINT32_MAX ? TUI_R_VIEW
			: app_open_calltree(v->app, a == TUI_A_CALLERS, f, HP_CT_NONE);
	default:
		return table_action(&fv->table, a);
	}
}

static int functions_search(struct tui_view *v, const char *needle, int dir)
{
	return table_search(&((struct functions *)v)->table, needle, dir);
}

static void functions_status(struct tui_view *v, char *buf, size_t len)
{
	list_position(&((struct functions *)v)->table.list, buf, len);
}

static int functions_reload(struct tui_view *v)
{
	return table_reload(&((struct functions *)v)->table);
}

static void functions_free(struct tui_view *v)
{
	table_release(&((struct functions *)v)->table);
	free(v);
}

static const struct tui_view_ops functions_ops = {
	.name = "functions", .kind = TUI_V_FUNCTIONS, .draw = functions_draw,
	.action = functions_action, .search = functions_search, .status = functions_status,
	.reload = functions_reload, .free = functions_free,
};

struct tui_view *view_functions_new(struct tui_app *a)
{
	struct functions *v = calloc(1, sizeof(*v));
	if (!v)
		return NULL;
	v->base.ops = &functions_ops;
	v->base.app = a;
	snprintf(v->base.title, sizeof(v->base.title),
		 "Functions: self = in the function, total = with its callees");
	if (table_init(&v->table, a, HP_ROWS_FUNCTIONS, "self", "")) {
		free(v);
		return NULL;
	}
	return &v->base;
}

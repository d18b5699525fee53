/*
 * view_help.c - the `?` screen, generated from the key table (keys.c):
 * first the keys of the view it was opened from, then the keys that work
 * everywhere (less those the view overrides). Rows with the same words are
 * merged ("Up/k").
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tui/colors.h"
#include "tui/keys.h"
#include "tui/text.h"
#include "tui/view.h"

struct help {
	struct tui_view base;
	struct tui_text text;
};

/* Whether an earlier, more specific row binds the same key in kind. */
static int shadowed(const struct tui_key *t, size_t i, unsigned kind)
{
	for (size_t k = 0; k < i; k++)
		if (t[k].key == t[i].key && (t[k].scope & kind))
			return 1;
	return 0;
}

static void add_section(struct help *h, const char *title, unsigned kind, int global)
{
	size_t n;
	const struct tui_key *t = keys_table(&n);
	int first = h->text.n;
	text_add(&h->text, TUI_HEADER, "%s", title);
	for (size_t i = 0; i < n; i++) {
		char keys[64];
		size_t len;
		int is_global = t[i].scope == TUI_V_ALL;
		if (!t[i].help || !(t[i].scope & kind) || is_global != global || shadowed(t, i, kind))
			continue;
		len = (size_t)snprintf(keys, sizeof(keys), "%s", t[i].name);
		/* merge the following rows that say the same (unlisted aliases between) */
		for (size_t k = i + 1; k < n && len < sizeof(keys); k++) {
			if (!t[k].help)
				continue;
			if (strcmp(t[k].help, t[i].help) || t[k].scope != t[i].scope ||
			    shadowed(t, k, kind))
				break;
			len += (size_t)snprintf(keys + len, sizeof(keys) - len, "/%s", t[k].name);
			i = k;
		}
		text_add(&h->text, TUI_NORMAL, "  %-16s %s", keys, t[i].help);
	}
	if (h->text.n == first + 1)
		text_add(&h->text, TUI_DIM, "  (none of its own)");
	text_add(&h->text, TUI_NORMAL, "%s", "");
}

static void help_draw(struct tui_view *v, struct tui_screen *s, struct tui_rect r)
{
	r.x += 1;
	r.w -= 1;
	text_draw(&((struct help *)v)->text, s, r);
}

static int help_action(struct tui_view *v, enum tui_action a, int arg)
{
	return text_action(&((struct help *)v)->text, a, app_area(v->app).h);
}

static int help_search(struct tui_view *v, const char *needle, int dir)
{
	return text_find(&((struct help *)v)->text, needle, dir);
}

static void help_free(struct tui_view *v)
{
	text_release(&((struct help *)v)->text);
	free(v);
}

static const struct tui_view_ops help_ops = {
	.name = "help", .kind = TUI_V_HELP, .draw = help_draw, .action = help_action,
	.search = help_search, .free = help_free,
};

struct tui_view *view_help_new(struct tui_app *a, unsigned kind, const char *view_name)
{
	struct help *h = calloc(1, sizeof(*h));
	char title[96];
	if (!h)
		return NULL;
	h->base.ops = &help_ops;
	h->base.app = a;
	snprintf(h->base.title, sizeof(h->base.title), "Help (Esc or Backspace: back)");
	snprintf(title, sizeof(title), "Keys in the %s view", view_name);
	add_section(h, title, kind, 0);
	add_section(h, "Keys everywhere", kind, 1);
	text_add(&h->text, TUI_DIM, "Percentages are of all samples in the selection; "
		 "counters that were not measured show as n/a.");
	text_add(&h->text, TUI_DIM, "NO_COLOR=1 turns colors off; hot lines are also marked '>'.");
	return &h->base;
}

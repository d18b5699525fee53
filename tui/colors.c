/*
 * colors.c - role -> curses attribute tables (colors.h), one for color
 * terminals and one monochrome table used when NO_COLOR is set (see
 * https://no-color.org) or the terminal has no colors.
 */
#include "tui/colors.h"

#include <curses.h>
#include <stdlib.h>

struct role_style {
	short fg, bg;                 /* -1: terminal default */
	unsigned long color_attr;     /* added to the pair when colored */
	unsigned long mono_attr;      /* used alone when monochrome */
};

static const struct role_style styles[TUI_NROLES] = {
	[TUI_NORMAL]     = { -1, -1, A_NORMAL, A_NORMAL },
	[TUI_TITLE]      = { COLOR_WHITE, COLOR_BLUE, A_BOLD, A_REVERSE },
	[TUI_TAB_SEL]    = { COLOR_BLACK, COLOR_CYAN, A_BOLD, A_BOLD | A_UNDERLINE },
	[TUI_STATUS]     = { COLOR_BLACK, COLOR_CYAN, A_NORMAL, A_REVERSE },
	[TUI_HEADER]     = { COLOR_BLACK, COLOR_GREEN, A_NORMAL, A_BOLD | A_UNDERLINE },
	[TUI_SELECTED]   = { COLOR_BLACK, COLOR_CYAN, A_NORMAL, A_REVERSE },
	[TUI_HOT]        = { COLOR_RED, -1, A_BOLD, A_BOLD },
	[TUI_WARM]       = { COLOR_YELLOW, -1, A_NORMAL, A_NORMAL },
	[TUI_COLD]       = { COLOR_BLUE, -1, A_NORMAL, A_DIM },
	[TUI_REGRESSION] = { COLOR_RED, -1, A_BOLD, A_BOLD },
	[TUI_GAIN]       = { COLOR_GREEN, -1, A_BOLD, A_UNDERLINE },
	[TUI_MARK]       = { COLOR_BLACK, COLOR_YELLOW, A_NORMAL, A_REVERSE | A_BOLD },
	[TUI_DIM]        = { -1, -1, A_DIM, A_DIM },
	[TUI_ERROR]      = { COLOR_RED, -1, A_BOLD, A_BOLD },
	[TUI_CHART]      = { COLOR_GREEN, -1, A_NORMAL, A_NORMAL },
	[TUI_CHART2]     = { COLOR_MAGENTA, -1, A_NORMAL, A_NORMAL },
	[TUI_OFFCPU]     = { COLOR_CYAN, -1, A_NORMAL, A_UNDERLINE },
	[TUI_SLOWER]     = { COLOR_WHITE, COLOR_RED, A_BOLD, A_BOLD | A_REVERSE },
	[TUI_FASTER]     = { COLOR_WHITE, COLOR_BLUE, A_BOLD, A_UNDERLINE },
};

static int colored;

int colors_disabled_by_env(void)
{
	const char *nc = getenv("NO_COLOR");
	return nc && *nc;
}

void colors_init(int use_color)
{
	colored = use_color && !colors_disabled_by_env() && has_colors();
	if (!colored)
		return;
	start_color();
	use_default_colors();
	for (int r = 1; r < TUI_NROLES; r++)
		init_pair((short)r, styles[r].fg, styles[r].bg);
}

unsigned long colors_attr(int role)
{
	if (role <= 0 || role >= TUI_NROLES)
		return A_NORMAL;
	if (!colored)
		return styles[role].mono_attr;
	return COLOR_PAIR(role) | styles[role].color_attr;
}

int colors_heat(double pct)
{
	return pct >= 10.0 ? TUI_HOT : pct >= 1.0 ? TUI_WARM : TUI_COLD;
}

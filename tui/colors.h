/*
 * colors.h - semantic roles of screen cells and their terminal attributes.
 *
 * Views say what a cell means (HOT, SELECTED, REGRESSION...), never which
 * color it has. colors.c maps roles to curses attributes: colors when the
 * terminal has them and NO_COLOR is unset, else bold/reverse/underline.
 */
#ifndef HP_TUI_COLORS_H
#define HP_TUI_COLORS_H

enum tui_role {
	TUI_NORMAL,
	TUI_TITLE,        /* top bar */
	TUI_TAB_SEL,      /* the current view's tab in the top bar */
	TUI_STATUS,       /* bottom bar */
	TUI_HEADER,       /* column headers */
	TUI_SELECTED,     /* the cursor row or frame */
	TUI_HOT,          /* where the time goes */
	TUI_WARM,
	TUI_COLD,
	TUI_REGRESSION,   /* diff: got worse */
	TUI_GAIN,         /* diff: got better */
	TUI_MARK,         /* search match, selected time range */
	TUI_DIM,          /* secondary text */
	TUI_ERROR,        /* messages about missing data */
	TUI_CHART,        /* RSS bars */
	TUI_OFFCPU,       /* flame graph by wall time: frames mostly off the CPU */
	TUI_CHART2,       /* heap bars, second series */
	TUI_SLOWER,       /* diff flame graph: a frame whose time grew (red) */
	TUI_FASTER,       /* diff flame graph: a frame whose time shrank (blue) */
	TUI_NROLES
};

/* Choose colored or monochrome attributes. use_color is honored only when
 * the terminal has colors and NO_COLOR is unset or empty. Call after the
 * terminal is initialized. */
void colors_init(int use_color);

/* Whether the environment asks for no color (NO_COLOR set and non-empty). */
int colors_disabled_by_env(void);

/* The curses attribute (color pair included) for a role. */
unsigned long colors_attr(int role);

/* The role for a share of all samples: HOT, WARM or COLD. */
int colors_heat(double pct);

#endif

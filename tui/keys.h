/*
 * keys.h - the key table: which key does what in which view.
 *
 * One table drives both dispatch and the `?` help screen. A key maps to an
 * action; views interpret generic actions (ENTER, LEFT...) in their own way
 * and the table carries the words the help screen shows for each view.
 * Entries for specific views come before global ones and win.
 */
#ifndef HP_TUI_KEYS_H
#define HP_TUI_KEYS_H

#include <stddef.h>

/* View kinds, as bits, for scoping key bindings. */
enum {
	TUI_V_SUMMARY   = 1u << 0,
	TUI_V_FUNCTIONS = 1u << 1,
	TUI_V_LINES     = 1u << 2,
	TUI_V_SOURCE    = 1u << 3,
	TUI_V_TREE      = 1u << 4,
	TUI_V_FLAME     = 1u << 5,
	TUI_V_MEMORY    = 1u << 6,
	TUI_V_THREADS   = 1u << 7,
	TUI_V_TIMELINE  = 1u << 8,
	TUI_V_DIFF      = 1u << 9,
	TUI_V_HELP      = 1u << 10,
	TUI_V_DISASM    = 1u << 11,
	TUI_V_RANKS     = 1u << 12,
	TUI_V_ALL       = 0xffffu,
};
#define TUI_V_TABLES (TUI_V_FUNCTIONS | TUI_V_LINES | TUI_V_THREADS | TUI_V_DIFF)

enum tui_action {
	TUI_A_NONE,
	TUI_A_UP, TUI_A_DOWN, TUI_A_PGUP, TUI_A_PGDN, TUI_A_HOME, TUI_A_END,
	TUI_A_LEFT, TUI_A_RIGHT,
	TUI_A_ENTER,          /* drill down / zoom / expand / apply */
	TUI_A_BACK,           /* zoom out, else pop the view stack */
	TUI_A_QUIT, TUI_A_HELP, TUI_A_REDRAW,
	TUI_A_SEARCH, TUI_A_SEARCH_NEXT, TUI_A_SEARCH_PREV,
	TUI_A_SORT_NEXT, TUI_A_SORT_PREV,
	TUI_A_VIEW_NEXT, TUI_A_VIEW_PREV, TUI_A_VIEW_N,
	TUI_A_THREAD,         /* cycle the thread filter */
	TUI_A_CLEAR_FILTER,
	TUI_A_ANNOTATE,       /* source of the selected function or line */
	TUI_A_CALLERS, TUI_A_CALLEES,
	TUI_A_TOGGLE, TUI_A_EXPAND_ALL, TUI_A_COLLAPSE_ALL, TUI_A_INVERT,
	TUI_A_PROCESS,        /* filter by / cycle the process */
	TUI_A_MARK,           /* start or drop a time-range selection */
	TUI_A_RANKS,          /* the MPI ranks view */
	TUI_A_FLAME,          /* memory: the allocation flame graph */
	TUI_A_WEIGHT,         /* memory: the next allocation weight */
	TUI_A_DISASM,         /* machine code of the selected function */
	TUI_A_COMPARE,        /* ranks: the two jobs of --diff, or this job alone */
};

struct tui_key {
	int key;              /* curses key code or character */
	const char *name;     /* as the help screen and --keys write it */
	enum tui_action action;
	int arg;              /* VIEW_N: tab index */
	unsigned scope;       /* TUI_V_* bits where the binding applies */
	const char *help;     /* NULL: not listed */
};

/* The action of key in a view of kind `kind` (a TUI_V_* bit); *arg gets
 * the binding's argument. TUI_A_NONE when the key is unbound there. */
enum tui_action keys_lookup(int key, unsigned kind, int *arg);

/* The whole table, for the help screen. */
const struct tui_key *keys_table(size_t *n);

/* Parse a key script for --keys: characters stand for themselves and
 * <name> for a named key (<enter> <esc> <bs> <tab> <btab> <up> <down>
 * <left> <right> <pgup> <pgdn> <home> <end> <space> <resize> <lt>).
 * Returns the number of keys stored in keys[0..max), or -1 with the bad
 * name copied to err. */
int keys_parse(const char *script, int *keys, int max, char *err, size_t errlen);

#endif

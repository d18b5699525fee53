/*
 * keys.c - the key table (keys.h) and the --keys script parser.
 *
 * To add a key: add a row here; the help screen picks it up. Rows with the
 * same help text next to each other are shown as one line ("Up/k").
 */
#include "tui/keys.h"

#include <curses.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#define ESC 27
#define CTRL(c) ((c) & 0x1f)

static const struct tui_key table[] = {
	/* functions */
	{ '\n', "Enter", TUI_A_ANNOTATE, 0, TUI_V_FUNCTIONS, "annotate the function's source" },
	{ 'a', "a", TUI_A_ANNOTATE, 0,
	  TUI_V_FUNCTIONS | TUI_V_LINES | TUI_V_TREE | TUI_V_FLAME | TUI_V_DIFF,
	  "annotate the source of the selection" },
	{ 'c', "c", TUI_A_CALLERS, 0, TUI_V_FUNCTIONS | TUI_V_FLAME | TUI_V_TREE,
	  "callers of the selected function" },
	{ 'C', "C", TUI_A_CALLEES, 0, TUI_V_FUNCTIONS | TUI_V_FLAME | TUI_V_TREE,
	  "callees of the selected function" },
	{ 'd', "d", TUI_A_DISASM, 0, TUI_V_FUNCTIONS | TUI_V_SOURCE,
	  "machine code of the selected function, with per-instruction costs" },
	/* lines and source */
	{ '\n', "Enter", TUI_A_CALLERS, 0, TUI_V_LINES | TUI_V_SOURCE,
	  "call paths that reach the selected line" },
	/* machine code */
	{ '\n', "Enter", TUI_A_CALLERS, 0, TUI_V_DISASM, "call paths through the function" },
	/* call tree */
	{ '\n', "Enter", TUI_A_TOGGLE, 0, TUI_V_TREE, "expand or collapse" },
	{ ' ', "Space", TUI_A_TOGGLE, 0, TUI_V_TREE, "expand or collapse" },
	{ KEY_RIGHT, "Right", TUI_A_RIGHT, 0, TUI_V_TREE, "expand, or go to the first child" },
	{ KEY_LEFT, "Left", TUI_A_LEFT, 0, TUI_V_TREE, "collapse, or go to the parent" },
	{ '+', "+", TUI_A_EXPAND_ALL, 0, TUI_V_TREE, "expand everything below" },
	{ '*', "*", TUI_A_EXPAND_ALL, 0, TUI_V_TREE, "expand everything below" },
	{ '-', "-", TUI_A_COLLAPSE_ALL, 0, TUI_V_TREE, "collapse everything" },
	{ 'i', "i", TUI_A_INVERT, 0, TUI_V_TREE, "switch top-down / bottom-up" },
	/* flame graph */
	{ '\n', "Enter", TUI_A_ENTER, 0, TUI_V_FLAME, "zoom into the selected frame" },
	{ KEY_BACKSPACE, "Backspace", TUI_A_BACK, 0, TUI_V_FLAME, "zoom out (then go back)" },
	{ KEY_UP, "Up", TUI_A_UP, 0, TUI_V_FLAME, "go to the caller" },
	{ KEY_DOWN, "Down", TUI_A_DOWN, 0, TUI_V_FLAME, "go to the hottest callee" },
	{ KEY_LEFT, "Left", TUI_A_LEFT, 0, TUI_V_FLAME, "previous frame on this level" },
	{ KEY_RIGHT, "Right", TUI_A_RIGHT, 0, TUI_V_FLAME, "next frame on this level" },
	{ 'w', "w", TUI_A_WEIGHT, 0, TUI_V_FLAME,
	  "weigh frames by CPU samples, off-CPU or wall time (run --off-cpu)" },
	/* diff */
	{ '\n', "Enter", TUI_A_ANNOTATE, 0, TUI_V_DIFF, "annotate the source (after)" },
	{ ' ', "Space", TUI_A_TOGGLE, 0, TUI_V_DIFF, "compare functions / lines" },
	/* memory */
	{ 'p', "p", TUI_A_PROCESS, 0, TUI_V_MEMORY, "show the next process (tree order)" },
	{ 'f', "f", TUI_A_FLAME, 0, TUI_V_MEMORY, "allocation flame graph (--alloc)" },
	{ 'c', "c", TUI_A_CALLERS, 0, TUI_V_MEMORY,
	  "callers of the selected allocation site, bottom-up" },
	{ 'w', "w", TUI_A_WEIGHT, 0, TUI_V_MEMORY,
	  "weigh f and c by the next of alloc-bytes, leaked-bytes, peak-bytes, temporary, allocs" },
	/* threads */
	{ '\n', "Enter", TUI_A_ENTER, 0, TUI_V_THREADS, "show only this thread in every view" },
	{ 'p', "p", TUI_A_PROCESS, 0, TUI_V_THREADS, "show only this thread's process" },
	/* timeline */
	{ KEY_LEFT, "Left", TUI_A_LEFT, 0, TUI_V_TIMELINE, "move the time cursor" },
	{ KEY_RIGHT, "Right", TUI_A_RIGHT, 0, TUI_V_TIMELINE, "move the time cursor" },
	{ ' ', "Space", TUI_A_MARK, 0, TUI_V_TIMELINE, "start (or drop) a range at the cursor" },
	{ '\n', "Enter", TUI_A_ENTER, 0, TUI_V_TIMELINE,
	  "show only the range (or the cursor column) in every view" },
	/* tables */
	{ '\n', "Enter", TUI_A_ENTER, 0, TUI_V_RANKS, "show only this rank in every view" },
	{ ' ', "Space", TUI_A_TOGGLE, 0, TUI_V_RANKS, "functions across ranks: self / total" },
	{ KEY_PPAGE, "PgUp", TUI_A_PGUP, 0, TUI_V_RANKS, "scroll the functions across ranks" },
	{ KEY_NPAGE, "PgDn", TUI_A_PGDN, 0, TUI_V_RANKS, "scroll the functions across ranks" },
	{ 'd', "d", TUI_A_COMPARE, 0, TUI_V_RANKS,
	  "with --diff: the two jobs side by side (imbalance, ranks, functions) / this job alone" },
	{ 's', "s", TUI_A_SORT_NEXT, 0, TUI_V_TABLES, "sort by the next column" },
	{ 'S', "S", TUI_A_SORT_PREV, 0, TUI_V_TABLES, "sort by the previous column" },
	{ KEY_LEFT, "Left", TUI_A_LEFT, 0, TUI_V_TABLES | TUI_V_SOURCE | TUI_V_DISASM,
	  "scroll the columns" },
	{ KEY_RIGHT, "Right", TUI_A_RIGHT, 0, TUI_V_TABLES | TUI_V_SOURCE | TUI_V_DISASM,
	  "scroll the columns" },
	/* everywhere */
	{ KEY_UP, "Up", TUI_A_UP, 0, TUI_V_ALL, "move up" },
	{ 'k', "k", TUI_A_UP, 0, TUI_V_ALL, "move up" },
	{ KEY_DOWN, "Down", TUI_A_DOWN, 0, TUI_V_ALL, "move down" },
	{ 'j', "j", TUI_A_DOWN, 0, TUI_V_ALL, "move down" },
	{ KEY_PPAGE, "PgUp", TUI_A_PGUP, 0, TUI_V_ALL, "page up" },
	{ KEY_NPAGE, "PgDn", TUI_A_PGDN, 0, TUI_V_ALL, "page down" },
	{ ' ', "Space", TUI_A_PGDN, 0, TUI_V_ALL, "page down" },
	{ KEY_HOME, "Home", TUI_A_HOME, 0, TUI_V_ALL, "first row" },
	{ 'g', "g", TUI_A_HOME, 0, TUI_V_ALL, "first row" },
	{ KEY_END, "End", TUI_A_END, 0, TUI_V_ALL, "last row" },
	{ 'G', "G", TUI_A_END, 0, TUI_V_ALL, "last row" },
	{ '\n', "Enter", TUI_A_ENTER, 0, TUI_V_ALL, "drill down" },
	{ KEY_ENTER, "Enter", TUI_A_ENTER, 0, TUI_V_ALL, NULL },
	{ '\r', "Enter", TUI_A_ENTER, 0, TUI_V_ALL, NULL },
	{ KEY_BACKSPACE, "Backspace", TUI_A_BACK, 0, TUI_V_ALL, "go back" },
	{ 127, "Backspace", TUI_A_BACK, 0, TUI_V_ALL, NULL },
	{ CTRL('h'), "Backspace", TUI_A_BACK, 0, TUI_V_ALL, NULL },
	{ ESC, "Esc", TUI_A_BACK, 0, TUI_V_ALL, "go back" },
	{ '/', "/", TUI_A_SEARCH, 0, TUI_V_ALL, "search" },
	{ 'n', "n", TUI_A_SEARCH_NEXT, 0, TUI_V_ALL, "next match" },
	{ 'N', "N", TUI_A_SEARCH_PREV, 0, TUI_V_ALL, "previous match" },
	{ '\t', "Tab", TUI_A_VIEW_NEXT, 0, TUI_V_ALL, "next view" },
	{ KEY_BTAB, "Shift-Tab", TUI_A_VIEW_PREV, 0, TUI_V_ALL, "previous view" },
	{ '1', "1", TUI_A_VIEW_N, 0, TUI_V_ALL, "summary" },
	{ '2', "2", TUI_A_VIEW_N, 1, TUI_V_ALL, "functions" },
	{ '3', "3", TUI_A_VIEW_N, 2, TUI_V_ALL, "lines" },
	{ '4', "4", TUI_A_VIEW_N, 3, TUI_V_ALL, "call tree" },
	{ '5', "5", TUI_A_VIEW_N, 4, TUI_V_ALL, "flame graph" },
	{ '6', "6", TUI_A_VIEW_N, 5, TUI_V_ALL, "memory" },
	{ '7', "7", TUI_A_VIEW_N, 6, TUI_V_ALL, "threads and processes" },
	{ '8', "8", TUI_A_VIEW_N, 7, TUI_V_ALL, "timeline" },
	{ '9', "9", TUI_A_VIEW_N, 8, TUI_V_ALL, "diff (with --diff)" },
	{ 't', "t", TUI_A_THREAD, 0, TUI_V_ALL, "filter by the next thread (cycles; all at the end)" },
	{ 'x', "x", TUI_A_CLEAR_FILTER, 0, TUI_V_ALL, "clear the thread, rank and time filters" },
	{ 'r', "r", TUI_A_RANKS, 0, TUI_V_ALL, "MPI ranks: imbalance, each rank, functions across ranks" },
	{ CTRL('l'), "Ctrl-L", TUI_A_REDRAW, 0, TUI_V_ALL, "redraw the screen" },
	{ '?', "?", TUI_A_HELP, 0, TUI_V_ALL, "this help" },
	{ KEY_F(1), "F1", TUI_A_HELP, 0, TUI_V_ALL, "this help" },
	{ 'q', "q", TUI_A_QUIT, 0, TUI_V_ALL, "quit" },
};

#define NKEYS (sizeof(table) / sizeof(table[0]))

enum tui_action keys_lookup(int key, unsigned kind, int *arg)
{
	for (size_t i = 0; i < NKEYS; i++) {
		if (table[i].key == key && (table[i].scope & kind)) {
			if (arg)
				*arg = table[i].arg;
			return table[i].action;
		}
	}
	return TUI_A_NONE;
}

const struct tui_key *keys_table(size_t *n)
{
	*n = NKEYS;
	return table;
}

static const struct { const char *name; int key; } names[] = {
	{ "enter", '\n' }, { "esc", ESC }, { "bs", KEY_BACKSPACE }, { "tab", '\t' },
	{ "btab", KEY_BTAB }, { "up", KEY_UP }, { "down", KEY_DOWN }, { "left", KEY_LEFT },
	{ "right", KEY_RIGHT }, { "pgup", KEY_PPAGE }, { "pgdn", KEY_NPAGE },
	{ "home", KEY_HOME }, { "end", KEY_END }, { "space", ' ' }, { "resize", KEY_RESIZE },
	{ "lt", '<' }, { "f1", KEY_F(1) },
};

static int named_key(const char *s, size_t len)
{
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strlen(names[i].name) == len && !strncasecmp(names[i].name, s, len))
			return names[i].key;
	return -1;
}

int keys_parse(const char *script, int *keys, int max, char *err, size_t errlen)
{
	int n = 0;
	for (const char *p = script; *p && n < max; p++) {
		const char *end = *p == '<' ? strchr(p, '>') : NULL;
		if (!end) {
			keys[n++] = (unsigned char)*p;
			continue;
		}
		int k = named_key(p + 1, (size_t)(end - p - 1));
		if (k < 0) {
			snprintf(err, errlen, "%.*s", (int)(end - p + 1), p);
			return -1;
		}
		keys[n++] = k;
		p = end;
	}
	return n;
}

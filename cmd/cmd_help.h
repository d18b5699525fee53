/*
 * cmd_help.h - `hpprof help COMMAND`: a command's manual page.
 */
#ifndef HP_CMD_HELP_H
#define HP_CMD_HELP_H

#include <stddef.h>

/* The Markdown sources of the man pages (the files docs/man/NAME.md), compiled in by
 * docs/man/embed.cmake: name is the page ("hpprof-run"), text its source. */
struct hp_man_page {
	const char *name;
	const char *text;
};
extern const struct hp_man_page hp_man_pages[];
extern const size_t hp_man_npages;

/* Show the manual page `page` ("hpprof" or "hpprof-run"): the rendered page
 * through man(1) when hpprof finds it next to itself (installed under
 * <prefix>/share/man, or in the build tree's docs/man1) and man runs; else
 * the Markdown source on stdout. Returns the exit status for hpprof: 0, or 1
 * when man failed or the page does not exist (after printing why). */
int cmd_help_page(const char *page);

#endif

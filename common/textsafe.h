/*
 * textsafe.h - text from a profile made safe for a terminal.
 *
 * Names in a profile (functions, files, commands, thread names, event
 * reasons) come from the profiled program or a database, both untrusted:
 * printed raw, "ESC ]0;" retitles a terminal window, "ESC [2J" clears it
 * and a newline forges a row of a table. Every text output (report, diff,
 * annotate, list, stat, error messages) prints such text through these
 * helpers, which escape it C-style: newline, carriage return, tab and ESC
 * as \n \r \t \e, other C0 controls and DEL as \xNN, C1 controls
 * (U+0080..U+009F, which some terminals obey like ESC) and bytes that are
 * not valid UTF-8 as \xNN; valid UTF-8 text is kept as is (a backslash
 * too: the aim is a terminal that cannot be driven, not a reversible
 * encoding).
 * Text without such bytes is returned unchanged (no copy).
 */
#ifndef HP_TEXTSAFE_H
#define HP_TEXTSAFE_H

#include <stddef.h>
#include <stdio.h>

/* s escaped into buf (len bytes; a longer result ends in "..."), or s
 * itself when it needs no escape; NULL stays NULL. */
const char *textsafe(const char *s, char *buf, size_t len);

/* 1 when s holds a byte textsafe would escape. */
int textsafe_needed(const char *s);

/* fputs of textsafe(s), any length; keep_tabs: print tabs as they are
 * (source text, where they indent). */
void textsafe_fputs(const char *s, int keep_tabs, FILE *out);

/* Escape in place the unsafe bytes of a formatted line (buf of len bytes,
 * NUL-terminated), keeping its final newline: for messages assembled by
 * printf from several parts (log.c). */
void textsafe_line(char *buf, size_t len);

#endif

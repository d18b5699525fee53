/*
 * screen.c - the character grid (screen.h): UTF-8 decoding, clipping and
 * the plain-text dump used by `hpprof tui --dump` and the golden tests.
 *
 * It knows nothing of curses or colors: a cell's role is just a number.
 */
#include "tui/screen.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "tui/colors.h"

int screen_resize(struct tui_screen *s, int w, int h)
{
	struct tui_cell *c;
	if (w < 1)
		w = 1;
	if (h < 1)
		h = 1;
	c = realloc(s->cells, (size_t)w * (size_t)h * sizeof(*c));
	if (!c)
		return -ENOMEM;
	s->cells = c;
	s->w = w;
	s->h = h;
	screen_clear(s);
	return 0;
}

void screen_release(struct tui_screen *s)
{
	free(s->cells);
	s->cells = NULL;
	s->w = s->h = 0;
}

void screen_clear(struct tui_screen *s)
{
	for (int i = 0; i < s->w * s->h; i++)
		s->cells[i] = (struct tui_cell){ ' ', TUI_NORMAL };
}

/* Decode one UTF-8 sequence; returns its length (at least 1). */
static int decode(const unsigned char *p, uint32_t *cp)
{
	int n = p[0] < 0x80 ? 1 : (p[0] & 0xe0) == 0xc0 ? 2 : (p[0] & 0xf0) == 0xe0 ? 3
		: (p[0] & 0xf8) == 0xf0 ? 4 : 0;
	uint32_t c;
	if (n == 0) {
		*cp = '?';
		return 1;
	}
	if (n == 1) {
		*cp = p[0];
		return 1;
	}
	c = p[0] & (0x7f >> n);
	for (int i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80) {
			*cp = '?';
			return i;
		}
		c = (c << 6) | (p[i] & 0x3f);
	}
	*cp = c;
	return n;
}

/* Code points we trust to be one column wide in every terminal: Latin,
 * Greek, Cyrillic, punctuation, arrows, box drawing, blocks, shapes and
 * braille. Anything else (CJK, emoji, controls) becomes '?'. */
static uint32_t sanitize(uint32_t c)
{
	if (c == '\t')
		return ' ';
	if (c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0))
		return '?';
	if (c < 0x0530 || (c >= 0x2010 && c < 0x2070) || (c >= 0x2190 && c < 0x2600) ||
	    (c >= 0x2800 && c < 0x2900))
		return c;
	return '?';
}

void screen_putc(struct tui_screen *s, int y, int x, int role, uint32_t ch)
{
	if (y < 0 || y >= s->h || x < 0 || x >= s->w)
		return;
	s->cells[y * s->w + x] = (struct tui_cell){ ch, (uint8_t)role };
}

int screen_put(struct tui_screen *s, int y, int x, int maxw, int role, const char *text)
{
	const unsigned char *p = (const unsigned char *)text;
	int n = 0;
	if (!text)
		return 0;
	while (*p && n < maxw) {
		uint32_t c;
		p += decode(p, &c);
		screen_putc(s, y, x + n, role, sanitize(c));
		n++;
	}
	return n;
}

int screen_printf(struct tui_screen *s, int y, int x, int maxw, int role, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	return screen_put(s, y, x, maxw, role, buf);
}

/* text in lines of at most w columns (broken at spaces) from row y; the
 * row after the last. */
/* text in lines of at most w columns from row y, at most rows of them,
 * drawn when s is set; the row after the last. */
static int wrap(struct tui_screen *s, int y, int x, int w, int rows, int role, const char *text)
{
	char line[512];
	for (int end = y + rows; text && *text && w > 0 && y < end;) {
		size_t n = strlen(text), cut = n;
		if ((int)n > w) {
			for (cut = (size_t)w; cut > 0 && text[cut] != ' '; cut--)
				;
			if (!cut)
				cut = (size_t)w;
		}
		snprintf(line, sizeof(line), "%.*s", (int)cut, text);
		if (s)
			screen_put(s, y, x, w, role, line);
		y++;
		text += cut;
		while (*text == ' ')
			text++;
	}
	return y;
}

int screen_put_wrapped(struct tui_screen *s, int y, int x, int w, int role, const char *text)
{
	return wrap(s, y, x, w, INT_MAX / 2, role, text);
}

int screen_put_wrapped_rows(struct tui_screen *s, int y, int x, int w, int rows, int role,
			    const char *text)
{
	return wrap(s, y, x, w, rows, role, text);
}

int screen_wrapped_rows(const char *text, int w, int rows)
{
	return wrap(NULL, 0, 0, w, rows, 0, text);
}

int screen_text_width(const char *text)
{
	const unsigned char *p = (const unsigned char *)text;
	int n = 0;
	while (p && *p) {
		uint32_t c;
		p += decode(p, &c);
		n++;
	}
	return n;
}

int screen_put_right(struct tui_screen *s, int y, int x_end, int maxw, int role,
		     const char *text)
{
	int w = screen_text_width(text);
	if (w > maxw)
		w = maxw;
	return screen_put(s, y, x_end - w, w, role, text);
}

void screen_fill(struct tui_screen *s, int y, int x, int w, int role, uint32_t ch)
{
	for (int i = 0; i < w; i++)
		screen_putc(s, y, x + i, role, ch);
}

void screen_set_role(struct tui_screen *s, int y, int x, int w, int role)
{
	if (y < 0 || y >= s->h)
		return;
	for (int i = x < 0 ? 0 : x; i < x + w && i < s->w; i++)
		s->cells[y * s->w + i].role = (uint8_t)role;
}

static void put_utf8(uint32_t c, FILE *out)
{
	if (c < 0x80) {
		fputc((int)c, out);
	} else if (c < 0x800) {
		fputc((int)(0xc0 | (c >> 6)), out);
		fputc((int)(0x80 | (c & 0x3f)), out);
	} else if (c < 0x10000) {
		fputc((int)(0xe0 | (c >> 12)), out);
		fputc((int)(0x80 | ((c >> 6) & 0x3f)), out);
		fputc((int)(0x80 | (c & 0x3f)), out);
	} else {
		fputc((int)(0xf0 | (c >> 18)), out);
		fputc((int)(0x80 | ((c >> 12) & 0x3f)), out);
		fputc((int)(0x80 | ((c >> 6) & 0x3f)), out);
		fputc((int)(0x80 | (c & 0x3f)), out);
	}
}

void screen_dump(const struct tui_screen *s, FILE *out)
{
	for (int y = 0; y < s->h; y++) {
		const struct tui_cell *row = s->cells + y * s->w;
		int end = s->w;
		while (end > 0 && row[end - 1].ch == ' ')
			end--;
		for (int x = 0; x < end; x++)
			put_utf8(row[x].ch, out);
		fputc('\n', out);
	}
}

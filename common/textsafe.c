/*
 * textsafe.c - escaping of control characters and invalid UTF-8 in text
 * shown on a terminal (textsafe.h).
 */
#include "common/textsafe.h"

#include <stdint.h>
#include <string.h>

/* Length of the valid UTF-8 sequence at s that is safe to print (not a C1
 * control), or 0. */
static size_t utf8_ok(const unsigned char *s)
{
	uint32_t cp;
	size_t n;
	if (s[0] < 0xc2 || s[0] > 0xf4)
		return 0;
	n = s[0] < 0xe0 ? 2 : s[0] < 0xf0 ? 3 : 4;
	cp = s[0] & (0x7f >> n);
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || (cp >= 0x80 && cp <= 0x9f))
		return 0;
	return n;
}

/* Bytes at s that print as they are: an ASCII byte other than a control
 * or DEL, or a whole safe UTF-8 sequence; 0 when s[0] must be escaped. */
static size_t safe_run(const unsigned char *s)
{
	if (s[0] >= 0x20 && s[0] < 0x7f)
		return 1;
	return s[0] >= 0x80 ? utf8_ok(s) : 0;
}

/* The escape of byte c into out (at least 5 bytes); returns its length. */
static size_t escape_byte(unsigned char c, char *out)
{
	static const char hex[] = "0123456789abcdef";
	const char *named = c == '\n' ? "\\n" : c == '\r' ? "\\r" : c == '\t' ? "\\t"
			  : c == 0x1b ? "\\e" : NULL;
	if (named) {
		memcpy(out, named, 2);
		return 2;
	}
	out[0] = '\\';
	out[1] = 'x';
	out[2] = hex[c >> 4];
	out[3] = hex[c & 15];
	return 4;
}

int textsafe_needed(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	while (p && *p) {
		size_t n = safe_run(p);
		if (!n)
			return 1;
		p += n;
	}
	return 0;
}

const char *textsafe(const char *s, char *buf, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t o = 0;
	if (!s || !textsafe_needed(s) || len < 8)
		return s;
	while (*p) {
		char esc[8];
		size_t n = safe_run(p), m;
		if (n) {
			memcpy(esc, p, n);
			m = n;
		} else {
			m = escape_byte(*p, esc);
			n = 1;
		}
		if (o + m + 4 > len) {
			memcpy(buf + o, "...", 4);
			return buf;
		}
		memcpy(buf + o, esc, m);
		o += m;
		p += n;
	}
	buf[o] = '\0';
	return buf;
}

void textsafe_fputs(const char *s, int keep_tabs, FILE *out)
{
	const unsigned char *p = (const unsigned char *)s;
	while (p && *p) {
		char esc[8];
		size_t n = keep_tabs && *p == '\t' ? 1 : safe_run(p);
		if (n) {
			fwrite(p, 1, n, out);
			p += n;
			continue;
		}
		fwrite(esc, 1, escape_byte(*p++, esc), out);
	}
}

void textsafe_line(char *buf, size_t len)
{
	size_t n = strlen(buf);
	int nl = n && buf[n - 1] == '\n';
	char tmp[4096];
	if (nl)
		buf[--n] = '\0';
	if (textsafe_needed(buf)) {
		const char *r = textsafe(buf, tmp, sizeof(tmp) < len ? sizeof(tmp) : len - 1);
		memmove(buf, r, strlen(r) + 1);
		n = strlen(buf);
	}
	if (nl && n + 1 < len) {
		buf[n] = '\n';
		buf[n + 1] = '\0';
	}
}

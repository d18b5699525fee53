/*
 * shortname.c - shorter forms of long demangled names (shortname.h).
 *
 * The names come from libiberty's demangler (demangle.h), whose output
 * nests <>, (), [] and {} properly; the only unbalanced brackets are
 * operator names ("operator<", "operator()", "operator->"), skipped as
 * one token. Anything that does not parse as a C++ signature is left as
 * it is.
 */
#include "analyzer/shortname.h"

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define WORK 4096

static int ident(char c)
{
	return isalnum((unsigned char)c) || c == '_' || c == '$';
}

static int opening(char c)
{
	return c == '<' || c == '(' || c == '[' || c == '{';
}

static int closing(char c)
{
	return c == '>' || c == ')' || c == ']' || c == '}';
}

/* s + i starts the word "operator"? */
static int at_operator(const char *s, size_t i)
{
	return !strncmp(s + i, "operator", 8) && (i == 0 || !ident(s[i - 1])) && !ident(s[i + 8]);
}

/* Past the operator at s + i: "operator()", "operator[]", a run of symbol
 * characters ("operator<<=", "operator->"), or a word follows (operator
 * new, delete, a conversion: *words = 1, its spaces are not the end of a
 * return type). */
static size_t skip_operator(const char *s, size_t i, int *words)
{
	size_t j = i + 8;
	if ((s[j] == '(' && s[j + 1] == ')') || (s[j] == '[' && s[j + 1] == ']'))
		return j + 2;
	if (s[j] == ' ') {
		*words = 1;
		return j;
	}
	while (s[j] && strchr("<>=!+-*/%^&|~,", s[j]))
		j++;
	if (s[j] == ' ' && s[j + 1] == '<')   /* "operator< <int>": its template arguments */
		j++;
	return j;
}

/* Index of the bracket closing the one at s + i, or 0 when unbalanced. */
static size_t matching(const char *s, size_t i)
{
	int depth = 0, words = 0;
	for (size_t j = i; s[j]; j++) {
		if (at_operator(s, j)) {
			j = skip_operator(s, j, &words) - 1;
			continue;
		}
		if (opening(s[j]))
			depth++;
		else if (closing(s[j]) && --depth == 0)
			return j;
	}
	return 0;
}

/* Qualifiers after a parameter list, dropped with it. */
static const char *skip_qualifiers(const char *t)
{
	static const char *const q[] = { " const", " volatile", " &&", " &", " noexcept" };
	for (int again = 1; again;) {
		again = 0;
		for (size_t k = 0; k < sizeof(q) / sizeof(q[0]); k++)
			if (!strncmp(t, q[k], strlen(q[k])) && !ident(t[strlen(q[k])])) {
				t += strlen(q[k]);
				again = 1;
			}
	}
	return t;
}

const char *name_brief(const char *name, char *out, size_t len)
{
	static const char *const thunks[] = { "virtual thunk to ", "non-virtual thunk to ",
					      "covariant return thunk to ", "transaction clone for " };
	size_t pre = 0, start = 0, open = 0, close = 0;
	int depth = 0, words = 0, found = 0;
	for (size_t k = 0; k < sizeof(thunks) / sizeof(thunks[0]); k++)
		if (!strncmp(name, thunks[k], strlen(thunks[k])))
			pre = strlen(thunks[k]);
	const char *s = name + pre;
	for (size_t i = 0; s[i] && !found; i++) {
		if (depth == 0 && at_operator(s, i)) {
			i = skip_operator(s, i, &words) - 1;
			continue;
		}
		if (depth == 0 && s[i] == '(') {
			size_t j = matching(s, i);
			if (!j)
				return name;
			if (s[j + 1] == ':' && s[j + 2] == ':') {  /* a scope: f(int)::local */
				i = j;
				continue;
			}
			open = i;
			close = j;
			found = 1;
		} else if (opening(s[i])) {
			depth++;
		} else if (closing(s[i])) {
			if (--depth < 0)
				return name;
		} else if (s[i] == ' ' && depth == 0 && !words && (ident(s[i + 1]) || s[i + 1] == ':')) {
			start = i + 1;                /* the return type ends here */
		}
	}
	if (!found || open <= start || s[open - 1] == ' ')   /* "fib (/tmp/x.js:3)": not C++ */
		return name;
	const char *tail = skip_qualifiers(s + close + 1);
	if (*tail && strncmp(tail, " [clone ", 8) && strcmp(tail, "@plt"))
		return name;                          /* not a C++ signature */
	snprintf(out, len, "%.*s%.*s%s", (int)pre, name, (int)(open - start), s + start, tail);
	return out;
}

/* in without the namespaces of names inside brackets (template arguments):
 * "std::sort<std::vector<int>::iterator>" -> "std::sort<vector<int>::iterator>". */
static void drop_inner_namespaces(const char *in, char *out, size_t len)
{
	size_t o = 0, resume = SIZE_MAX;     /* resume: just past a dropped "ns::" */
	int depth = 0, words = 0;
	static const char anon[] = "(anonymous namespace)::";
	for (size_t i = 0; in[i] && o + 1 < len;) {
		if (at_operator(in, i)) {
			size_t j = skip_operator(in, i, &words);
			while (i < j && o + 1 < len)
				out[o++] = in[i++];
			continue;
		}
		if (depth > 0 && !strncmp(in + i, anon, sizeof(anon) - 1)) {
			i += sizeof(anon) - 1;
			continue;
		}
		if (depth > 0 && ident(in[i]) &&
		    (i == resume || (i > 0 && !ident(in[i - 1]) && in[i - 1] != ':'))) {
			size_t j = i;
			while (ident(in[j]))
				j++;
			if (in[j] == ':' && in[j + 1] == ':') {
				i = resume = j + 2;   /* a namespace or class: dropped */
				continue;
			}
		}
		if (opening(in[i]))
			depth++;
		else if (closing(in[i]) && depth > 0)
			depth--;
		out[o++] = in[i++];
	}
	out[o] = '\0';
}

/* Where the last "::" outside brackets starts, or 0. */
static size_t last_scope(const char *s)
{
	size_t at = 0;
	int depth = 0, words = 0;
	for (size_t i = 0; s[i]; i++) {
		if (at_operator(s, i)) {
			i = skip_operator(s, i, &words) - 1;
			continue;
		}
		if (opening(s[i]))
			depth++;
		else if (closing(s[i]) && depth > 0)
			depth--;
		else if (depth == 0 && s[i] == ':' && s[i + 1] == ':')
			at = i++;
	}
	return at;
}

/* Still too wide: the class's template arguments are cut in the middle,
 * so that the function's own name stays ("std::mersenne_twi..::_M_gen_rand",
 * not "std::mersenne_twister_engine<unsig.." for every member). */
static void keep_last_component(char *s, int w)
{
	enum { HEAD_MIN = 8 };
	size_t n = strlen(s), at = last_scope(s);
	if ((int)n <= w || !at)
		return;
	size_t last = n - at - 2;                   /* the name after "::" */
	if ((int)(last + 4 + HEAD_MIN) > w)
		return;                               /* the caller cuts at the end */
	size_t head = (size_t)w - 4 - last;
	memmove(s + head + 4, s + at + 2, last + 1);
	memcpy(s + head, "..::", 4);
}

const char *name_fit(const char *name, int w, char *out, size_t len)
{
	char brief[WORK];
	if (w <= 0 || !len || (int)strlen(name) <= w)
		return name;
	const char *b = name_brief(name, brief, sizeof(brief));
	if ((int)strlen(b) <= w) {
		snprintf(out, len, "%s", b);
		return out;
	}
	drop_inner_namespaces(b, out, len);
	keep_last_component(out, w);
	return out;
}

int name_matches(const char *name, const char *s)
{
	char brief[WORK];
	return !strcmp(name, s) || !strcmp(name_brief(name, brief, sizeof(brief)), s);
}

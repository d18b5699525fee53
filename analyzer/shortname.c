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
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
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

/* Length of the operator token at t ("<<=", "->", "-"), longest first, so
 * that template arguments right after it are not taken for part of it:
 * "operator-<double*, ...>", "operator==<int>". 0 when none. */
static size_t operator_token(const char *t)
{
	static const char *const tokens[] = {
		"<=>", "<<=", ">>=", "->*", "<<", ">>", "<=", ">=", "==", "!=", "&&", "||", "++",
		"--", "+=", "-=", "*=", "/=", "%=", "^=", "&=", "|=", "->", "+", "-", "*", "/",
		"%", "^", "&", "|", "~", "!", "=", "<", ">", ","
	};
	for (size_t k = 0; k < sizeof(tokens) / sizeof(tokens[0]); k++)
		if (!strncmp(t, tokens[k], strlen(tokens[k])))
			return strlen(tokens[k]);
	return 0;
}

/* Past the operator at s + i: "operator()", "operator[]", a symbol token
 * ("operator<<=", "operator->"), or a word follows (operator new, delete,
 * a conversion: *words = 1, its spaces are not the end of a return type). */
static size_t skip_operator(const char *s, size_t i, int *words)
{
	size_t j = i + 8;
	if ((s[j] == '(' && s[j + 1] == ')') || (s[j] == '[' && s[j + 1] == ']'))
		return j + 2;
	if (s[j] == ' ') {
		*words = 1;
		return j;
	}
	j += operator_token(s + j);
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

/* name_fit()'s form, cut to w columns ("..") as a column shows it. */
static const char *name_cut(const char *name, int w, char *out, size_t len)
{
	const char *f = name_fit(name, w, out, len);
	if (w < 3 || (int)strlen(f) <= w)
		return f;
	if (f != out)
		snprintf(out, len, "%s", f);
	if ((size_t)w < len)
		memcpy(out + w - 2, "..", 3);
	return out;
}

/* The form the names are told apart in: brief, without inner namespaces
 * (full = 0), or the whole name without them (full = 1: overloads). */
static void apart_form(const char *name, int full, char *out, size_t len)
{
	char brief[WORK];
	drop_inner_namespaces(full ? name : name_brief(name, brief, sizeof(brief)), out, len);
}

/* The length of the start all of f[0..n) share. */
static size_t shared_start(char *const *f, int n)
{
	size_t d = strlen(f[0]);
	for (int i = 1; i < n; i++) {
		size_t k = 0;
		while (k < d && f[i][k] == f[0][k])
			k++;
		d = k;
	}
	return d;
}

/* 1 when two of f[0..n) are the same text. */
static int any_same(char *const *f, int n)
{
	for (int i = 0; i < n; i++)
		for (int j = i + 1; j < n; j++)
			if (!strcmp(f[i], f[j]))
				return 1;
	return 0;
}

/* Where the window of f that shows the difference at d starts: the word
 * there, and the template's name when the word is its first argument
 * ("Point<double", not "double"), or the "+" of an offset ("+0x3e77") or
 * the "(" of a parameter list ("(int)": overloads). */
static size_t window_start(const char *f, size_t d)
{
	size_t k = d;
	while (k > 0 && ident(f[k - 1]))
		k--;
	if (k > 0 && (f[k - 1] == '+' || f[k - 1] == '('))  /* "+0x3e77", "(int)" */
		k--;
	else if (k > 1 && f[k - 1] == '<' && ident(f[k - 2])) {
		k--;
		while (k > 0 && ident(f[k - 1]))
			k--;
	}
	return k;
}

/* f in w columns showing its text from k: a head, "..", the window, and
 * "..::member" when the window lies in the class; 0 when w is too narrow. */
static int fit_window(const char *f, size_t k, int w, char *out, size_t len)
{
	enum { HEAD_MIN = 4, WIN = 14 };
	size_t at = last_scope(f), end = strlen(f);
	const char *member = "";
	if (at && at + 2 > k && (int)(end - at - 2 + 4) <= w / 2) {
		member = f + at + 2;
		end = at;
	}
	int avail = w - (*member ? (int)strlen(member) + 4 : 0);
	int rest = (int)(end - k), cut = *member ? 0 : 2;     /* ".." after a cut window */
	if ((int)k + rest <= avail) {
		snprintf(out, len, "%.*s%s%s", (int)end, f, *member ? "::" : "", member);
		return 1;
	}
	int win = rest < WIN ? rest : WIN;
	int head = avail - 2 - win - (win < rest ? cut : 0);
	if (head >= (int)k) {                  /* the head reaches the window: no ".." */
		head = (int)k;
		win = avail - head - cut;
	} else if (head < HEAD_MIN) {
		return 0;
	}
	while (head > HEAD_MIN && head < (int)k && f[head - 1] == '.')
		head--;                        /* "libunwind.so..", not "libunwind.so..." */
	snprintf(out, len, "%.*s%s%.*s%s%s%s", head, f, head < (int)k ? ".." : "", win, f + k,
		 win < rest && !*member ? ".." : "", *member ? "..::" : "", member);
	return 1;
}

/* f[i] = names[i]'s form (apart_form); 1 when no two are the same. */
static int apart_forms(const char *const *names, int n, int full, char *const *f)
{
	for (int i = 0; i < n; i++)
		apart_form(names[i], full, f[i], WORK);
	return !any_same(f, n);
}

void name_fit_apart(const char *const *names, int n, int w, char *const *out, size_t len)
{
	char *f[n > 0 ? n : 1], fitted[WORK];
	int ok = n > 1;
	for (int i = 0; i < n; i++)
		ok = (f[i] = malloc(WORK)) && ok;
	ok = ok && (apart_forms(names, n, 0, f) || apart_forms(names, n, 1, f));
	size_t k = ok ? window_start(f[0], shared_start(f, n)) : 0;
	for (int i = 0; i < n; i++)
		if (!ok || !fit_window(f[i], k, w, out[i], len))
			snprintf(out[i], len, "%s", name_cut(names[i], w, fitted, sizeof(fitted)));
	for (int i = 0; i < n; i++)
		free(f[i]);
}

struct fit_row {
	const char *name;
	char *fit;
	size_t i;
	int apart;                    /* fit is a told-apart form */
};

static int by_fit_then_name(const void *a, const void *b)
{
	const struct fit_row *x = a, *y = b;
	int c = strcmp(x->fit, y->fit);
	return c ? c : strcmp(x->name, y->name);
}

/* r[0..n), one fitted text, sorted by name: when 2+ names share it, each
 * gets its told-apart form. 0, or -ENOMEM (r is left as it was or partly
 * told apart). */
static int apart_run(struct fit_row *r, size_t n, int w)
{
	const char *uniq[n];
	char *out[n];
	size_t u = 0, j;
	int ok = 1;
	for (size_t i = 0; i < n; i++)
		if (!i || strcmp(r[i].name, r[i - 1].name))
			uniq[u++] = r[i].name;
	if (u < 2)
		return 0;
	for (j = 0; j < u; j++)
		ok = (out[j] = malloc(WORK)) && ok;
	if (ok)
		name_fit_apart(uniq, (int)u, w, out, WORK);
	j = 0;
	for (size_t i = 0; i < n && ok; i++) {
		j += i && strcmp(r[i].name, r[i - 1].name);
		char *t = strdup(out[j]);
		if ((ok = t != NULL)) {
			free(r[i].fit);
			r[i].fit = t;
			r[i].apart = 1;
		}
	}
	for (j = 0; j < u; j++)
		free(out[j]);
	return ok ? 0 : -ENOMEM;
}

/* The told-apart texts in one allocation, in the names' order; NULL
 * for the others. */
static char **column_of(const struct fit_row *r, size_t n)
{
	size_t bytes = n * sizeof(char *);
	for (size_t i = 0; i < n; i++)
		bytes += r[i].apart ? strlen(r[i].fit) + 1 : 0;
	char **col = malloc(bytes ? bytes : 1);
	if (!col)
		return NULL;
	char *text = (char *)(col + n);
	for (size_t i = 0; i < n; i++) {
		col[r[i].i] = r[i].apart ? strcpy(text, r[i].fit) : NULL;
		text += r[i].apart ? strlen(text) + 1 : 0;
	}
	return col;
}

char **name_fit_column(const char *const *names, size_t n, int w)
{
	char buf[WORK], **col = NULL;
	struct fit_row *r = calloc(n ? n : 1, sizeof(*r));
	int ok = r != NULL;
	for (size_t i = 0; ok && i < n; i++) {
		r[i] = (struct fit_row){ names[i], strdup(name_cut(names[i], w, buf, sizeof(buf))), i };
		ok = r[i].fit != NULL;
	}
	if (ok)
		qsort(r, n, sizeof(*r), by_fit_then_name);
	for (size_t a = 0, b; ok && a < n; a = b) {
		for (b = a + 1; b < n && !strcmp(r[b].fit, r[a].fit); b++)
			;
		ok = apart_run(r + a, b - a, w) == 0;
	}
	if (ok)
		col = column_of(r, n);
	for (size_t i = 0; r && i < n; i++)
		free(r[i].fit);
	free(r);
	return col;
}

int name_matches(const char *name, const char *s)
{
	char brief[WORK];
	return !strcmp(name, s) || !strcmp(name_brief(name, brief, sizeof(brief)), s);
}

/* 1 when the pieces of cut between its ".." lie in order in form: the
 * first at its start, the last at its end unless cut ends in "..". */
static int pieces_in(const char *form, const char *cut)
{
	const char *p = form;
	for (int first = 1;; first = 0) {
		const char *dots = strstr(cut, "..");
		size_t n = dots ? (size_t)(dots - cut) : strlen(cut);
		size_t rest = strlen(p);
		if (first && strncmp(p, cut, n))
			return 0;
		if (!dots)                     /* the last piece: form's end */
			return rest >= n && !strcmp(p + rest - n, cut);
		const char *at = first ? p : memmem(p, rest, cut, n);
		if (!at)
			return 0;
		p = at + n;
		cut = dots + 2;
		if (!*cut)
			return 1;              /* cut ends in "..": the rest is free */
	}
}

int name_matches_cut(const char *name, const char *cut)
{
	char brief[WORK], bare[WORK], bare_full[WORK];
	if (!strstr(cut, ".."))
		return 0;
	const char *b = name_brief(name, brief, sizeof(brief));
	drop_inner_namespaces(b, bare, sizeof(bare));
	drop_inner_namespaces(name, bare_full, sizeof(bare_full));
	return pieces_in(name, cut) || pieces_in(b, cut) || pieces_in(bare, cut) ||
	       pieces_in(bare_full, cut);
}

/*
 * cachegrind.c - the Cachegrind output parser (cachegrind.h).
 *
 * One pass over the text, line by line, with every limit checked before
 * anything is kept: the file's size, each line's length, no NUL bytes, at
 * most HP_CG_MAX_EVENTS events, numbers that fit 64 bits, no more counts
 * than events, no cost line before fl= and fn=, at most HP_CG_MAX_COSTS
 * distinct lines, sums that do not overflow, and a summary equal to the
 * sum of the cost lines. File and function names are interned; costs of a
 * repeated (file, function, line) are added. Produces a struct
 * hp_cachegrind; knows nothing of the store (cachegrind_attach.c maps the
 * result to hpprof's functions and files).
 */
#include "analyzer/cachegrind.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "common/grow.h"
#include "common/hmap.h"

struct strtab {
	char ***v;                    /* the hp_cachegrind array it fills */
	uint32_t *n;
	size_t cap;
	struct hp_hmap index;         /* hash -> index, probed on collisions */
};

struct parser {
	struct hp_cachegrind *cg;
	struct strtab files, fns;
	struct hp_hmap cost_index;    /* (file, fn, line) hash -> index, probed */
	uint64_t *values;             /* [ncosts * nevents] */
	size_t values_cap, costs_cap;
	int have_events, have_summary, in_body;
	int64_t file, fn;             /* current fl= / fn=, -1 before the first */
	unsigned long lineno;
	uint64_t bytes;
	char *why;
	size_t whylen;
};

static int fail(struct parser *ps, const char *fmt, ...)
{
	va_list ap;
	int n = ps->lineno ? snprintf(ps->why, ps->whylen, "line %lu: ", ps->lineno) : 0;
	if (n < 0 || (size_t)n >= ps->whylen)
		n = 0;
	va_start(ap, fmt);
	vsnprintf(ps->why + n, ps->whylen - (size_t)n, fmt, ap);
	va_end(ap);
	return -HP_ECORRUPT;
}

/* Index of s in t, adding a copy when new; -1 on ENOMEM. */
static int64_t intern(struct strtab *t, const char *s)
{
	uint64_t h = hmap_str_key(s), v;
	for (uint64_t attempt = 1;; attempt++) {
		if (!hmap_get(&t->index, h, &v))
			break;
		if (!strcmp((*t->v)[v], s))
			return (int64_t)v;
		h = hmap_key2(h, attempt);
	}
	char *copy = strdup(s);
	if (!copy || hp_grow((void **)t->v, &t->cap, (size_t)*t->n + 1, sizeof(char *)) ||
	    hmap_put(&t->index, h, *t->n)) {
		free(copy);
		return -1;
	}
	(*t->v)[*t->n] = copy;
	return (*t->n)++;
}

/* A decimal number that fits 64 bits at *p (advanced past it); 0 or -1. */
static int parse_u64(const char **p, uint64_t *out)
{
	const char *s = *p;
	uint64_t v = 0;
	if (!isdigit((unsigned char)*s))
		return -1;
	for (; isdigit((unsigned char)*s); s++) {
		unsigned d = (unsigned)(*s - '0');
		if (v > (UINT64_MAX - d) / 10)
			return -1;
		v = v * 10 + d;
	}
	if (*s && *s != ' ' && *s != '\t')
		return -1;
	*out = v;
	*p = s;
	return 0;
}

static const char *skip_blanks(const char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	return s;
}

/* The next blank-separated token of s as a number; counts the tokens. */
static int next_count(struct parser *ps, const char **s, uint64_t *v, const char *what)
{
	const char *start = *s;
	if (parse_u64(s, v) < 0) {
		size_t n = strcspn(start, " \t");
		return fail(ps, "%s '%.*s' is not a whole number below 2^64", what,
			    (int)(n > 40 ? 40 : n), start);
	}
	*s = skip_blanks(*s);
	return 0;
}

/* --- header lines --- */

static int parse_events(struct parser *ps, const char *s)
{
	struct hp_cachegrind *cg = ps->cg;
	if (ps->have_events)
		return fail(ps, "a second events: line");
	ps->have_events = 1;
	for (s = skip_blanks(s); *s; s = skip_blanks(s)) {
		size_t n = strcspn(s, " \t");
		if (cg->nevents == HP_CG_MAX_EVENTS)
			return fail(ps, "more than %d events", HP_CG_MAX_EVENTS);
		for (size_t i = 0; i < n; i++)
			if (!isalnum((unsigned char)s[i]) && s[i] != '_')
				return fail(ps, "event name '%.*s' is not a word", (int)(n > 40 ? 40 : n), s);
		if (!(cg->events[cg->nevents] = strndup(s, n)))
			return -ENOMEM;
		for (uint32_t e = 0; e < cg->nevents; e++)
			if (!strcmp(cg->events[e], cg->events[cg->nevents])) {
				free(cg->events[cg->nevents]);
				cg->events[cg->nevents] = NULL;
				return fail(ps, "event '%s' is listed twice", cg->events[e]);
			}
		cg->nevents++;
		s += n;
	}
	if (!cg->nevents)
		return fail(ps, "the events: line names no event");
	return 0;
}

/* "I1 cache:         32768 B, 64 B, 8-way associative" (or "fully
 * associative", or "direct-mapped": what valgrind writes for 1 way, as it
 * simulates an LL taken from a virtual machine's CPUID). A desc: line is
 * free text: one that does not parse is not an error, the cache stays
 * unknown. */
static void parse_desc(struct parser *ps, const char *s)
{
	struct hp_cg_cache c = { 1, 0, 0, 0 }, *dst;
	s = skip_blanks(s);
	if (!strncmp(s, "I1 cache:", 9))
		dst = &ps->cg->I1;
	else if (!strncmp(s, "D1 cache:", 9))
		dst = &ps->cg->D1;
	else if (!strncmp(s, "LL cache:", 9))
		dst = &ps->cg->LL;
	else
		return;
	s = skip_blanks(s + 9);
	if (parse_u64(&s, &c.size) < 0 || strncmp(s, " B, ", 4))
		return;
	s += 4;
	if (parse_u64(&s, &c.line_size) < 0 || strncmp(s, " B, ", 4))
		return;
	s += 4;
	if (!strncmp(s, "fully associative", 17)) {
		c.assoc = 0;
	} else if (!strncmp(s, "direct-mapped", 13)) {
		c.assoc = 1;
	} else {
		const char *p = s;
		while (isdigit((unsigned char)*p))
			p++;
		if (p == s || strncmp(p, "-way", 4))
			return;
		c.assoc = strtoull(s, NULL, 10);
	}
	*dst = c;
}

static int parse_summary(struct parser *ps, const char *s)
{
	struct hp_cachegrind *cg = ps->cg;
	uint32_t n = 0;
	if (!ps->have_events)
		return fail(ps, "summary: before events:");
	if (ps->have_summary)
		return fail(ps, "a second summary: line");
	ps->have_summary = 1;
	for (s = skip_blanks(s); *s; n++) {
		if (n == cg->nevents)
			return fail(ps, "the summary has more counts than the %u events", cg->nevents);
		int err = next_count(ps, &s, &cg->summary[n], "summary count");
		if (err)
			return err;
	}
	return 0;
}

static int header_line(struct parser *ps, const char *line)
{
	const char *colon = strchr(line, ':');
	size_t klen = colon ? (size_t)(colon - line) : 0;
	if (!colon || !klen || line[strspn(line, "abcdefghijklmnopqrstuvwxyz")] != ':')
		return fail(ps, "'%.40s' is neither a header line (key: value) nor a cost line", line);
	const char *v = colon + 1;
	if (klen == 6 && !strncmp(line, "events", 6))
		return ps->in_body ? fail(ps, "events: after the first cost line") : parse_events(ps, v);
	if (klen == 7 && !strncmp(line, "summary", 7))
		return parse_summary(ps, v);
	if (ps->in_body)
		return fail(ps, "header line '%.40s' after the first cost line", line);
	if (klen == 3 && !strncmp(line, "cmd", 3)) {
		free(ps->cg->cmd);
		return (ps->cg->cmd = strdup(skip_blanks(v))) ? 0 : -ENOMEM;
	}
	if (klen == 4 && !strncmp(line, "desc", 4)) {
		parse_desc(ps, v);
		return 0;
	}
	if (klen == 9 && !strncmp(line, "positions", 9) && strcmp(skip_blanks(v), "line"))
		return fail(ps, "positions '%.40s': only line positions are understood",
			    skip_blanks(v));
	return 0;                     /* another key: not needed */
}

/* --- the body --- */

static int name_line(struct parser *ps, const char *line)
{
	const char *name = line + 3;
	int is_file = line[1] == 'l';
	if (!*name)
		return fail(ps, "%.3s with an empty name", line);
	if (name[0] == '(' && isdigit((unsigned char)name[1]) &&
	    name[1 + strspn(name + 1, "0123456789")] == ')')
		return fail(ps, "compressed name '%.40s': a callgrind file (hpprof reads"
			    " cachegrind output)", name);
	int64_t id = intern(is_file ? &ps->files : &ps->fns, name);
	if (id < 0)
		return -ENOMEM;
	if (is_file) {
		ps->file = id;
		ps->fn = -1;          /* every file starts its functions anew */
	} else {
		ps->fn = id;
	}
	ps->in_body = 1;
	return 0;
}

/* Index of the cost entry (file, fn, line), creating it; -1 on ENOMEM. */
static int64_t cost_entry(struct parser *ps, uint32_t line)
{
	struct hp_cachegrind *cg = ps->cg;
	uint64_t h = hmap_key2(((uint64_t)ps->file << 32) | (uint64_t)ps->fn, line), v;
	for (uint64_t attempt = 1;; attempt++) {
		if (!hmap_get(&ps->cost_index, h, &v))
			break;
		struct hp_cg_cost *c = &cg->costs[v];
		if (c->file == ps->file && c->fn == ps->fn && c->line == line)
			return (int64_t)v;
		h = hmap_key2(h, attempt);
	}
	if (cg->ncosts >= HP_CG_MAX_COSTS)
		return -2;
	if (hp_grow((void **)&cg->costs, &ps->costs_cap, (size_t)cg->ncosts + 1, sizeof(*cg->costs)) ||
	    hp_grow_zero((void **)&ps->values, &ps->values_cap,
			 ((size_t)cg->ncosts + 1) * cg->nevents, sizeof(*ps->values)) ||
	    hmap_put(&ps->cost_index, h, cg->ncosts))
		return -1;
	cg->costs[cg->ncosts] = (struct hp_cg_cost){ (uint32_t)ps->file, (uint32_t)ps->fn, line,
						      NULL };
	return cg->ncosts++;
}

static int cost_line(struct parser *ps, const char *s)
{
	struct hp_cachegrind *cg = ps->cg;
	uint64_t line, v;
	int err;
	if (!ps->have_events)
		return fail(ps, "a cost line before the events: line");
	if (ps->file < 0 || ps->fn < 0)
		return fail(ps, "a cost line before fl= and fn=");
	if ((err = next_count(ps, &s, &line, "line number")))
		return err;
	if (line > INT32_MAX)
		return fail(ps, "line number %llu is out of range", (unsigned long long)line);
	int64_t idx = cost_entry(ps, (uint32_t)line);
	if (idx == -2)
		return fail(ps, "more than %u distinct source lines", HP_CG_MAX_COSTS);
	if (idx < 0)
		return -ENOMEM;
	uint64_t *dst = ps->values + (size_t)idx * cg->nevents;
	for (uint32_t e = 0; *s; e++) {
		if (e == cg->nevents)
			return fail(ps, "more counts than the %u events", cg->nevents);
		if ((err = next_count(ps, &s, &v, "count")))
			return err;
		if (__builtin_add_overflow(dst[e], v, &dst[e]))
			return fail(ps, "the %s count of this line overflows 64 bits", cg->events[e]);
	}
	ps->in_body = 1;
	return 0;
}

/* Lines only callgrind writes: relative positions, objects, inlined
 * files, calls and jumps. */
static int callgrind_line(const char *line)
{
	static const char *const keys[] = { "ob=", "fi=", "fe=", "cob=", "cfi=", "cfl=", "cfn=",
					    "calls=", "jump=", "jcnd=" };
	if (*line == '+' || *line == '-' || *line == '*')
		return 1;
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (!strncmp(line, keys[i], strlen(keys[i])))
			return 1;
	return 0;
}

static int parse_line(struct parser *ps, char *line)
{
	if (!*line)
		return 0;
	if (*line == '#') {
		if (ps->lineno == 1 && strstr(line, "callgrind format"))
			return fail(ps, "a callgrind file (hpprof reads cachegrind output)");
		return 0;
	}
	if (isdigit((unsigned char)*line))
		return cost_line(ps, line);
	if (!strncmp(line, "fl=", 3) || !strncmp(line, "fn=", 3))
		return name_line(ps, line);
	if (callgrind_line(line))
		return fail(ps, "'%.40s' is a callgrind line (hpprof reads cachegrind output)", line);
	return header_line(ps, line);
}

/* --- the whole file --- */

/* Sum of the cost lines per event, checked against the summary. */
static int check_summary(struct parser *ps)
{
	struct hp_cachegrind *cg = ps->cg;
	ps->lineno = 0;
	if (!ps->have_events)
		return fail(ps, "no events: line (empty or not a cachegrind file)");
	if (!ps->have_summary)
		return fail(ps, "no summary: line (the file is truncated, or valgrind did not finish)");
	for (uint32_t e = 0; e < cg->nevents; e++) {
		uint64_t sum = 0;
		for (uint32_t i = 0; i < cg->ncosts; i++)
			if (__builtin_add_overflow(sum, ps->values[(size_t)i * cg->nevents + e], &sum))
				return fail(ps, "the %s counts overflow 64 bits", cg->events[e]);
		if (sum != cg->summary[e])
			return fail(ps, "the summary says %s %llu but the cost lines add up to %llu"
				    " (the file is truncated or was edited)", cg->events[e],
				    (unsigned long long)cg->summary[e], (unsigned long long)sum);
	}
	return 0;
}

static int read_all(struct parser *ps, FILE *f)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	int err = 0;
	errno = 0;
	while (!err && (len = getline(&line, &cap, f)) >= 0) {
		ps->lineno++;
		ps->bytes += (uint64_t)len;
		if (ps->bytes > HP_CG_MAX_BYTES)
			err = fail(ps, "the file is larger than %llu MiB",
				   (unsigned long long)(HP_CG_MAX_BYTES >> 20));
		else if ((size_t)len > HP_CG_MAX_LINE)
			err = fail(ps, "longer than %u bytes", HP_CG_MAX_LINE);
		else if (strlen(line) != (size_t)len)
			err = fail(ps, "a NUL byte: not a text file");
		if (err)
			break;
		while (len && (line[len - 1] == '\n' || line[len - 1] == '\r'))
			line[--len] = '\0';
		err = parse_line(ps, line);
	}
	if (!err && ferror(f))
		err = errno ? -errno : -EIO;
	free(line);
	return err ? err : check_summary(ps);
}

/* Point each cost's v into the values array, which no longer moves. */
static void finish(struct parser *ps)
{
	struct hp_cachegrind *cg = ps->cg;
	cg->priv = ps->values;
	ps->values = NULL;
	for (uint32_t i = 0; i < cg->ncosts; i++)
		cg->costs[i].v = (uint64_t *)cg->priv + (size_t)i * cg->nevents;
}

int cachegrind_parse_stream(FILE *f, struct hp_cachegrind **out, char *why, size_t whylen)
{
	static char dummy[2];
	struct parser ps = { 0 };
	int err;
	if (!why || !whylen)
		why = dummy, whylen = sizeof(dummy);
	why[0] = '\0';
	if (!(ps.cg = calloc(1, sizeof(*ps.cg))))
		return -ENOMEM;
	ps.files = (struct strtab){ &ps.cg->files, &ps.cg->nfiles, 0, { 0 } };
	ps.fns = (struct strtab){ &ps.cg->fns, &ps.cg->nfns, 0, { 0 } };
	hmap_init(&ps.files.index);
	hmap_init(&ps.fns.index);
	hmap_init(&ps.cost_index);
	ps.file = ps.fn = -1;
	ps.why = why;
	ps.whylen = whylen;
	err = read_all(&ps, f);
	if (err == -ENOMEM)
		snprintf(why, whylen, "out of memory");
	if (!err)
		finish(&ps);
	hmap_release(&ps.files.index);
	hmap_release(&ps.fns.index);
	hmap_release(&ps.cost_index);
	free(ps.values);
	if (err) {
		cachegrind_free(ps.cg);
		return err;
	}
	*out = ps.cg;
	return 0;
}

int cachegrind_parse_file(const char *path, struct hp_cachegrind **out, char *why, size_t whylen)
{
	FILE *f = fopen(path, "re");
	if (!f) {
		int err = -errno;
		if (why && whylen)
			snprintf(why, whylen, "%s", strerror(errno));
		return err;
	}
	int err = cachegrind_parse_stream(f, out, why, whylen);
	fclose(f);
	return err;
}

void cachegrind_free(struct hp_cachegrind *cg)
{
	if (!cg)
		return;
	free(cg->cmd);
	for (uint32_t e = 0; e < cg->nevents; e++)
		free(cg->events[e]);
	for (uint32_t i = 0; i < cg->nfiles; i++)
		free(cg->files[i]);
	for (uint32_t i = 0; i < cg->nfns; i++)
		free(cg->fns[i]);
	free(cg->files);
	free(cg->fns);
	free(cg->costs);
	free(cg->priv);
	free(cg);
}

int cachegrind_event(const struct hp_cachegrind *cg, const char *name)
{
	for (uint32_t e = 0; e < cg->nevents; e++)
		if (!strcmp(cg->events[e], name))
			return (int)e;
	return -1;
}

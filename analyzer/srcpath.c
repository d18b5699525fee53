/*
 * srcpath.c - the source file a recorded path names (srcpath.h): the path
 * itself, under the run's directory, through --source-map and
 * $HPPROF_SOURCE_MAP substitutions, or a Rust std path in a rust-src.
 */
#include "analyzer/srcpath.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "analyzer/annotate.h"
#include "common/error.h"
#include "common/log.h"

#define MAX_MAPS 32
#define ENV_MAP "HPPROF_SOURCE_MAP"

struct map {
	char *from, *to;
};

/* --source-map's, in the order given (set once by the command's options,
 * before any source is read). */
static struct map maps[MAX_MAPS];
static unsigned nmaps;

int srcpath_add_map(const char *spec)
{
	const char *eq = spec ? strchr(spec, '=') : NULL;
	if (!eq || eq == spec || !eq[1])
		return -EINVAL;
	if (nmaps == MAX_MAPS)
		return -ENOMEM;
	struct map *m = &maps[nmaps];
	if (!(m->from = strndup(spec, (size_t)(eq - spec))) || !(m->to = strdup(eq + 1))) {
		free(m->from);
		return -ENOMEM;
	}
	nmaps++;
	return 0;
}

int srcpath_option(const char *spec)
{
	int err = srcpath_add_map(spec);
	if (err == -EINVAL)
		hp_err("--source-map wants FROM=TO (two non-empty paths), not '%s'", spec);
	else if (err)
		hp_err("--source-map '%s': %s", spec, hp_strerror(err));
	return err;
}

/* FROM is a prefix of path ending at a component boundary: the rest of
 * path after it, else NULL. FROM's trailing '/' is optional. */
static const char *map_rest(const char *path, const char *from, size_t flen)
{
	while (flen > 1 && from[flen - 1] == '/')
		flen--;
	if (strncmp(path, from, flen))
		return NULL;
	return path[flen] == '/' || !path[flen] ? path + flen : NULL;
}

/* Opens TO + the rest of path when FROM (flen bytes) matches. */
static FILE *try_map(const char *path, const char *from, size_t flen, const char *to,
		     size_t tlen, char **shown)
{
	char buf[4096], why[160];
	const char *rest = map_rest(path, from, flen);
	FILE *f;
	if (!rest || (size_t)snprintf(buf, sizeof(buf), "%.*s%s", (int)tlen, to, rest) >=
			     sizeof(buf))
		return NULL;
	if ((f = annotate_open_source(buf, why, sizeof(why))))
		*shown = strdup(buf);
	return f;
}

/* The environment's FROM=TO[:FROM=TO...], a pair without '=' ignored. */
static FILE *try_env(const char *path, char **shown)
{
	const char *p = getenv(ENV_MAP);
	FILE *f = NULL;
	while (p && *p && !f) {
		size_t n = strcspn(p, ":");
		const char *eq = memchr(p, '=', n);
		if (eq && eq > p && eq + 1 < p + n)
			f = try_map(path, p, (size_t)(eq - p), eq + 1, (size_t)(p + n - eq - 1), shown);
		p += n + (p[n] == ':');
	}
	return f;
}

static FILE *try_maps(const char *path, char **shown)
{
	for (unsigned i = 0; i < nmaps; i++) {
		FILE *f = try_map(path, maps[i].from, strlen(maps[i].from), maps[i].to,
				  strlen(maps[i].to), shown);
		if (f)
			return f;
	}
	return try_env(path, shown);
}

FILE *srcpath_open(const char *path, const char *cwd, char **shown, char *why, size_t len)
{
	char alt[4096], why_alt[160];
	int is_rust = 0;
	FILE *f = annotate_open_source(path, why, len);
	*shown = NULL;
	if (f || !path) {
		if (f)
			*shown = strdup(path);
		return f;
	}
	if (path[0] != '/' && cwd &&
	    (size_t)snprintf(alt, sizeof(alt), "%s/%s", cwd, path) < sizeof(alt) &&
	    (f = annotate_open_source(alt, why_alt, sizeof(why_alt)))) {
		*shown = strdup(alt);
		return f;
	}
	if ((f = try_maps(path, shown)))
		return f;
	char *rs = rustsrc_find(path, &is_rust, why, len);
	if (rs) {
		f = annotate_open_source(rs, why, len);
		if (f)
			*shown = rs;
		else
			free(rs);
	}
	return f;
}

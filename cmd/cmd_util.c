/*
 * cmd_util.c - helpers shared by the commands (cmd_util.h).
 */
#include "cmd/cmd_util.h"

#include <errno.h>
#include <stdlib.h>

#include "analyzer/finish.h"
#include "analyzer/profile.h"
#include "analyzer/symbolize.h"
#include "common/error.h"
#include "common/log.h"
#include "common/store.h"

static const char *open_hint(int err)
{
	switch (-err) {
	case ENOENT:     return " (record one with `hpprof run PROGRAM`)";
	case HP_ENOTDB:  return " (pass a file written by `hpprof run`)";
	default:         return "";
	}
}

struct hp_store *cmd_open_db(const char *path, int writable)
{
	struct hp_store *st;
	int err = store_open(path, writable, &st);
	if (err) {
		hp_err("cannot open database '%s': %s%s", path, hp_strerror(err), open_hint(err));
		return NULL;
	}
	return st;
}

/* A run that stopped before its end (hpprof killed, disk full) left raw
 * samples without symbols: finish the file now, as run would have. */
static struct hp_store *finish_if_needed(const char *path, struct hp_store *st)
{
	struct hp_symbolizer *sym;
	if (store_is_symbolized(st) || !store_has_locations(st))
		return st;
	store_close(st);
	if (!(st = cmd_open_db(path, 1)))
		return NULL;
	hp_info("'%s' is from a run that did not finish: symbolizing it now", path);
	int err = symbolizer_new(&sym);
	if (!err) {
		err = finish_profile(st, sym);
		symbolizer_free(sym);
	}
	if (err)
		hp_warn("cannot finish '%s': %s; showing raw addresses", path, hp_strerror(err));
	return st;
}

struct hp_profile *cmd_load_profile(const char *path, const struct hp_profile_filter *f,
				    struct hp_store **st_out)
{
	struct hp_profile *p;
	struct hp_store *st = cmd_open_db(path, 0);
	if (!st || !(st = finish_if_needed(path, st)))
		return NULL;
	int err = profile_load(st, f, &p);
	if (err) {
		hp_err("cannot read profile from '%s': %s", path,
		       err == -HP_ESQL ? store_errmsg(st) : hp_strerror(err));
		store_close(st);
		return NULL;
	}
	if (st_out)
		*st_out = st;
	else
		store_close(st);
	return p;
}

int64_t cmd_parse_size(const char *opt, const char *value)
{
	char *end;
	errno = 0;
	long long v = strtoll(value, &end, 10);
	if (errno || end == value || v < 0)
		goto bad;
	switch (*end) {
	case 'k': case 'K': v <<= 10; end++; break;
	case 'm': case 'M': v <<= 20; end++; break;
	case 'g': case 'G': v <<= 30; end++; break;
	default: break;
	}
	if (*end)
		goto bad;
	return v;
bad:
	hp_err("invalid value '%s' for %s", value, opt);
	return -1;
}

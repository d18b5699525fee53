/*
 * cmd_util.c - helpers shared by the commands (cmd_util.h).
 */
#include "cmd/cmd_util.h"

#include <errno.h>
#include <getopt.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/xattr.h>

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
	case HP_ENOTREG: return " (a database is a regular file written by `hpprof run`)";
	case HP_EHOTJOURNAL:
		return " (run `hpprof report` on it once as a user who may write the file and"
		       " its directory, or copy the file with its -wal beside it to such a place)";
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
 * samples without symbols: finish the file now, as run would have. A
 * reader that may not write the file shows it unfinished (raw addresses)
 * and says so. One reader finishes it, under the writer lock; another
 * waits, then reads what the first wrote. The lock's descriptor goes to
 * the store, closed after its connection: closing any descriptor of a
 * file drops every POSIX lock this process holds on it, SQLite's too
 * (a file corrupted in CI run 152, wave 25). */
static struct hp_store *finish_if_needed(const char *path, struct hp_store *st)
{
	struct hp_symbolizer *sym;
	struct hp_store *w;
	if (store_is_symbolized(st) || !store_has_locations(st))
		return st;
	int lock = store_lock_writer(path);
	int err = store_open(path, 1, &w);
	if (err) {
		hp_warn("'%s' is from a run that did not finish, and cannot be finished here: %s;"
			" showing raw addresses", path, hp_strerror(err));
		store_keep_fd(st, lock);
		return st;
	}
	store_close(st);
	st = w;
	store_keep_fd(st, lock);
	if (store_is_symbolized(st))          /* finished meanwhile, by another reader */
		return st;
	hp_info("'%s' is from a run that did not finish: symbolizing it now", path);
	char dir[PATH_MAX];
	err = symbolizer_new(&sym);
	if (!err)
		err = symbolizer_set_cache(sym, cmd_symbol_cache_dir(dir, sizeof(dir), 0));
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
	/* A run still writing it is not read (until wave 25 the reader finished
	 * it, and the run's own end then failed). Asked before this process
	 * opens the file: the probe's descriptor is closed at once. */
	if (store_write_locked(path) == 1) {
		hp_err("'%s' is being written by a run in progress: its profile is complete at"
		       " that run's end (`hpprof top` shows a run as it goes)", path);
		return NULL;
	}
	struct hp_store *st = cmd_open_db(path, 0);
	if (!st || !(st = finish_if_needed(path, st)))
		return NULL;
	int err = profile_load(st, f, &p);
	if (err) {
		hp_err("cannot read profile from '%s': %s", path,
		       hp_strerror(err));
		store_close(st);
		return NULL;
	}
	if (st_out)
		*st_out = st;
	else
		store_close(st);
	return p;
}

const char *cmd_output_refusal(const char *path, int *err)
{
	static char why[128];
	char resolved[PATH_MAX];
	enum hp_outfile_kind kind;
	const char *what;
	*err = outfile_resolve(path, resolved, sizeof(resolved), &kind, &what);
	if (*err)
		return hp_strerror(*err);
	if (kind != HP_OUT_OTHER)
		return NULL;
	*err = -HP_ENOTREG;
	snprintf(why, sizeof(why), "it is %s; hpprof writes only regular files", what);
	return why;
}

/* An existing hpprof profile at path (the input of the command, or any
 * other): export -o and stat -o replaced it with their text (wave 15). */
static int output_is_profile(const char *path)
{
	char dest[PATH_MAX];
	enum hp_outfile_kind kind;
	int id;
	return !outfile_resolve(path, dest, sizeof(dest), &kind, NULL) && kind == HP_OUT_REGULAR &&
	       ((id = store_identify(dest)) == 0 || id == -HP_ENEWER);
}

int cmd_output_open(struct hp_outfile *o, const char *path, const char *what)
{
	int err;
	const char *why = cmd_output_refusal(path, &err);
	if (!why && output_is_profile(path))
		why = "it is an hpprof profile, which this output never replaces (choose another -o)";
	if (!why && (err = outfile_open(o, path)))
		why = hp_strerror(err);
	if (why) {
		hp_err("%s '%s': %s", what, path, why);
		return -1;
	}
	return 0;
}

int cmd_output_close(struct hp_outfile *o, int ok)
{
	int err;
	if (!ok) {
		outfile_discard(o);
		return 0;
	}
	if ((err = outfile_commit(o))) {
		hp_err("cannot write '%s': %s", o->dest, hp_strerror(err));
		return -1;
	}
	return 0;
}

int cmd_parse_number(const char *opt, const char *value, double lo, double hi, double *out)
{
	char *end;
	double v = strtod(value, &end);
	if (end == value || *end || !(v >= lo && v <= hi)) {
		hp_err("invalid value '%s' for %s", value, opt);
		return -1;
	}
	*out = v;
	return 0;
}

int cmd_parse_seconds(const char *opt, const char *value, uint64_t *ns)
{
	double v;
	if (cmd_parse_number(opt, value, 0, 3.2e8, &v))
		return -1;
	*ns = (uint64_t)(v * 1e9);
	return 0;
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

/* The entry of longopts that "--name" (len bytes of name) selects as
 * getopt_long does: an exact name, else the only one it is a prefix of.
 * *nmatch counts the prefix matches (more than one: ambiguous). */
static const struct option *match_long(const struct option *lo, const char *name, size_t len,
				       int *nmatch)
{
	const struct option *found = NULL;
	*nmatch = 0;
	for (; lo->name; lo++) {
		if (strncmp(lo->name, name, len))
			continue;
		if (strlen(lo->name) == len) {
			*nmatch = 1;
			return lo;
		}
		found = lo;
		(*nmatch)++;
	}
	return *nmatch == 1 ? found : NULL;
}

/* "--format, --from" for an ambiguous prefix. */
static void list_matches(char *buf, size_t len, const struct option *lo, const char *name,
			 size_t nlen)
{
	size_t used = 0;
	buf[0] = '\0';
	for (; lo->name && used < len; lo++)
		if (!strncmp(lo->name, name, nlen))
			used += (size_t)snprintf(buf + used, len - used, "%s--%s",
						 used ? ", " : "", lo->name);
}

/* What was wrong with "--name[=value]" (tok), or 0 when tok is not the
 * option getopt_long stopped at. */
static int describe_long(char *what, size_t len, const char *tok, const struct option *lo)
{
	const char *name = tok + 2;
	size_t nlen = strcspn(name, "=");
	int nmatch, has_value = name[nlen] == '=';
	const struct option *o = match_long(lo, name, nlen, &nmatch);
	char names[200];

	if (optopt && (!o || o->val != optopt))
		return 0;  /* a short option after an earlier long one */
	if (nmatch > 1) {
		list_matches(names, sizeof(names), lo, name, nlen);
		snprintf(what, len, "option '--%.*s' is ambiguous (%s)", (int)nlen, name, names);
	} else if (!o) {
		snprintf(what, len, "unknown option '--%.*s'", (int)nlen, name);
	} else if (o->has_arg == required_argument && !has_value) {
		snprintf(what, len, "option '--%s' needs a value", o->name);
	} else if (o->has_arg == no_argument && has_value) {
		snprintf(what, len, "option '--%s' takes no value", o->name);
	} else {
		snprintf(what, len, "invalid option '%s'", tok);
	}
	return 1;
}

/* A short option: unknown, or the last argument and lacking its value. The
 * option string is not known here, so "lacks its value" is read from the
 * long table: a short option with a required value has a long twin. */
static void describe_short(char *what, size_t len, int argc, char **argv,
			   const struct option *lo)
{
	const char *last = argv[argc - 1];
	int c = optopt;
	for (; lo->name; lo++)
		if (lo->val == c)
			break;
	if (lo->name && lo->has_arg == required_argument && optind >= argc &&
	    last[0] == '-' && last[1] != '-' && last[strlen(last) - 1] == c)
		snprintf(what, len, "option '-%c' needs a value", c);
	else if (c > ' ' && c < 127)
		snprintf(what, len, "unknown option '-%c'", c);
	else
		snprintf(what, len, "invalid option '%s'", argv[optind > 1 ? optind - 1 : 1]);
}

int cmd_option_error(char **argv, const struct option *longopts)
{
	int argc = 0;
	char what[320];
	while (argv[argc])
		argc++;
	const char *tok = optind > 1 && optind <= argc ? argv[optind - 1] : "";
	if (strncmp(tok, "--", 2) || !tok[2] ||
	    !describe_long(what, sizeof(what), tok, longopts))
		describe_short(what, sizeof(what), argc, argv, longopts);
	hp_err("%s; see 'hpprof %s --help'", what, argv[0]);
	return 2;
}

const char *cmd_symbol_cache_dir(char *buf, size_t size, int no_cache)
{
	const char *off = getenv("HPPROF_NO_CACHE");
	const char *xdg = getenv("XDG_CACHE_HOME");
	const char *home = getenv("HOME");
	if (no_cache || (off && off[0] && strcmp(off, "0")))
		return NULL;
	if (xdg && xdg[0] == '/') {
		snprintf(buf, size, "%s/hpprof", xdg);
		return buf;
	}
	if (!home || home[0] != '/') {
		struct passwd *pw = getpwuid(getuid());
		home = pw ? pw->pw_dir : NULL;
	}
	if (!home || home[0] != '/')
		return NULL;
	snprintf(buf, size, "%s/.cache/hpprof", home);
	return buf;
}

void cmd_setid_of(const char *path, char *buf, size_t len)
{
	struct stat st;
	buf[0] = '\0';
	if (!path || stat(path, &st) < 0)
		return;
	if (st.st_mode & S_ISUID) {
		struct passwd *pw = getpwuid(st.st_uid);
		snprintf(buf, len, ": set-user-ID, owner %s", pw ? pw->pw_name : "?");
	} else if ((st.st_mode & (S_ISGID | S_IXGRP)) == (S_ISGID | S_IXGRP)) {
		struct group *gr = getgrgid(st.st_gid);
		snprintf(buf, len, ": set-group-ID, group %s", gr ? gr->gr_name : "?");
	} else if (getxattr(path, "security.capability", NULL, 0) > 0) {
		snprintf(buf, len, ": file capabilities");
	}
}

const char *cmd_exec_denied(const char *path, char *buf, size_t len)
{
	struct stat st;
	struct statvfs vfs;
	if (!strchr(path, '/') || stat(path, &st) < 0)
		snprintf(buf, len, "is not an executable file (check its permissions)");
	else if (!S_ISREG(st.st_mode))
		snprintf(buf, len, "is not a regular file");
	else if (statvfs(path, &vfs) == 0 && (vfs.f_flag & ST_NOEXEC))
		snprintf(buf, len, "is on a file system mounted noexec: copy it to one that is not"
			 " (or, for a script, name its interpreter before it: sh FILE, python3 FILE)");
	else if (!(st.st_mode & 0111))
		snprintf(buf, len, "is not an executable file: chmod +x it, or name its interpreter"
			 " before it (sh FILE, python3 FILE)");
	else {
		struct passwd *pw = getpwuid(st.st_uid);
		snprintf(buf, len, "is not executable by you (mode %04o, owner %s)",
			 (unsigned)(st.st_mode & 07777), pw ? pw->pw_name : "?");
	}
	return buf;
}

/* What to do about a program execve refused, by its error. */
static const char *exec_hint(const char *prog, int err, char *buf, size_t len)
{
	switch (err) {
	case -ENOENT:
		return strchr(prog, '/') ? "check the path"
					 : "check the name: a program without '/' is looked up in PATH";
	case -EACCES:
		snprintf(buf, len, "it ");
		cmd_exec_denied(prog, buf + 3, len - 3);
		return buf;
	case -ENOEXEC:
		return "it is neither a program this machine runs nor a script with a '#!' line: "
		       "name its interpreter before it (sh FILE, python3 FILE)";
	case -EISDIR:
		return "it is a directory: name the program in it";
	default:
		return NULL;
	}
}

int cmd_cannot_execute(const char *prog, int err)
{
	char buf[256];
	const char *hint = exec_hint(prog, err, buf, sizeof(buf));
	hp_err("cannot execute '%s': %s%s%s", prog, hp_strerror(err), hint ? "; " : "",
	       hint ? hint : "");
	return err == -ENOENT ? 127 : 126;
}

int cmd_events_add(const char **list, char **owned, const char *add)
{
	char *joined;
	if (!*list) {
		*list = add;
		return 0;
	}
	if (asprintf(&joined, "%s,%s", *list, add) < 0) {
		hp_err("out of memory");
		return -ENOMEM;
	}
	free(*owned);
	*list = *owned = joined;
	return 0;
}

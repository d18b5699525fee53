/*
 * diff_join.c - the keys that join a function (or a file's lines) of one
 * profile with the same one of another (diff.h): by name and module
 * basename, except the run's own program - the profiled binary, or the
 * Python script a Python run ran - which joins the other side's program
 * or script whatever each file is called (./prog.old against ./prog.new,
 * julia1.py against julia2.py), its unnamed code (prog.old+0x1450) too.
 * A module gone from its name during its run ("prog (deleted)") joins
 * the same name's.
 *
 * Takes a profile's run_info (target, command) and a function's module;
 * produces key strings. No allocation.
 */
#include "analyzer/diff.h"

#include <stdio.h>
#include <string.h>

#include "analyzer/profile.h"
#include "analyzer/stacks.h"

#define PY_MODULE "[python] "

static int ends_with(const char *s, size_t len, const char *tail)
{
	size_t n = strlen(tail);
	return len > n && !memcmp(s + len - n, tail, n);
}

const char *diff_script(const struct hp_profile *p, char *buf, size_t len)
{
	const char *cmd = profile_meta(p, "command");
	if (!cmd || !profile_meta(p, "python_version") || !len)
		return NULL;
	const char *s = cmd + strcspn(cmd, " ");          /* the interpreter */
	while (*s) {
		s += strspn(s, " ");
		size_t n = strcspn(s, " ");
		if (n && s[0] != '-' && ends_with(s, n, ".py")) {
			const char *base = s;
			for (size_t i = 0; i < n; i++)
				if (s[i] == '/')
					base = s + i + 1;
			size_t bn = (size_t)(s + n - base);
			if (bn >= len)
				return NULL;
			memcpy(buf, base, bn);
			buf[bn] = '\0';
			return buf;
		}
		if (n == 2 && (!strncmp(s, "-m", 2) || !strncmp(s, "-c", 2)))
			return NULL;                      /* a module or a string: no script */
		s += n;
	}
	return NULL;
}

const char *diff_join_module(const struct hp_profile *p, const char *module, int python)
{
	const char *target = profile_meta(p, "target");
	char script[256];
	if (module && target && !strcmp(module, stacks_basename(target)))
		return "\001program";
	if (python && module && diff_script(p, script, sizeof(script)) && !strcmp(module, script))
		return "\001script";
	return module ? module : "";
}

/* module without the " (deleted)" (and ", inode N") of a file gone from
 * its name during its run, or the ", inode N" of a second file the run
 * read under one name (docs/symbols.md): the same program or library as
 * the other side's, in buf when cut */
static int inode_tail(const char *s)
{
	return !strncmp(s, ", inode ", 8) && s[8] && strspn(s + 8, "0123456789") == strlen(s + 8);
}

static const char *live_name(const char *module, char *buf, size_t len)
{
	const char *cut = module ? strstr(module, " (deleted)") : NULL;
	if (cut && cut[10] && !inode_tail(cut + 10))
		cut = NULL;
	else if (!cut && module && (cut = strstr(module, ", inode ")) && !inode_tail(cut))
		cut = NULL;
	if (!cut || (size_t)(cut - module) >= len)
		return module;
	memcpy(buf, module, (size_t)(cut - module));
	buf[cut - module] = '\0';
	return buf;
}

void diff_function_key(const struct hp_profile *p, const struct hp_pfunc *f, char *buf,
		       size_t len)
{
	int python = f->module && !strncmp(f->module, PY_MODULE, strlen(PY_MODULE));
	const char *base = stacks_basename(f->module);
	char live[256];
	const char *join = diff_join_module(p, live_name(base, live, sizeof(live)), python);
	size_t n = base ? strlen(base) : 0;
	/* unnamed code is named after its file (prog.old+0x1450, its FDE): the
	 * program's joins the other side's whatever each file is called */
	if (join[0] == '\001' && n && !strncmp(f->name, base, n) && !strncmp(f->name + n, "+0x", 3))
		snprintf(buf, len, "%s%s\x1f%s", join, f->name + n, join);
	else
		snprintf(buf, len, "%s\x1f%s", f->name, join);
}

/*
 * demangle.c - demangle_name over libiberty's cplus_demangle (demangle.h).
 *
 * Takes one raw symbol name and returns a new string; it knows nothing of
 * modules or the store. cplus_demangle's automatic style tries Rust (both
 * manglings) and then the Itanium C++ ABI; D is not part of that style and
 * is asked for explicitly for "_D" names. libiberty keeps no state between
 * calls (the style is only read), so this is safe from any thread.
 */
#include "analyzer/demangle.h"

#include <libiberty/demangle.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PLT_SUFFIX "@plt"
#define DEMANGLE_OPTS (DMGL_PARAMS | DMGL_ANSI)

int demangle_is_mangled(const char *raw)
{
	if (!raw || raw[0] != '_')
		return 0;
	/* "_Z": C++ and Rust legacy (Itanium-style); "__Z" as Mach-O spells
	 * it does not occur on ELF. "_R": Rust v0. "_D" + digit or "main": D. */
	if (raw[1] == 'Z' || raw[1] == 'R')
		return 1;
	return raw[1] == 'D' && ((raw[2] >= '0' && raw[2] <= '9') || !strcmp(raw + 2, "main"));
}

/* cplus_demangle in the style raw asks for. */
static char *demangle_plain(const char *raw)
{
	if (!demangle_is_mangled(raw))
		return NULL;
	return cplus_demangle(raw, DEMANGLE_OPTS | (raw[1] == 'D' ? DMGL_DLANG : 0));
}

char *demangle_name(const char *raw)
{
	size_t len = raw ? strlen(raw) : 0, slen = strlen(PLT_SUFFIX);
	if (len > slen && !strcmp(raw + len - slen, PLT_SUFFIX)) {
		char *base = strndup(raw, len - slen), *out = NULL;
		char *dem = base ? demangle_plain(base) : NULL;
		if (dem) {
			size_t n = strlen(dem) + slen + 1;
			if ((out = malloc(n)))
				snprintf(out, n, "%s%s", dem, PLT_SUFFIX);
		}
		free(dem);
		free(base);
		return out;
	}
	return demangle_plain(raw);
}

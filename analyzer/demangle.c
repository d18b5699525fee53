/*
 * demangle.c - demangle_name over libiberty's cplus_demangle (demangle.h).
 *
 * Takes one raw symbol name and returns a new string; it knows nothing of
 * modules or the store. cplus_demangle's automatic style tries Rust (both
 * manglings) and then the Itanium C++ ABI; D is not part of that style and
 * is asked for explicitly for "_D" names. libiberty keeps no state between
 * calls (the style is only read), so this is safe from any thread.
 * Three spellings libiberty does not know are handled here: GCC's clone
 * suffixes after a D name (libiberty reads them after C++ names only),
 * gdc 12's order of a parameter's `return` and `scope` attributes (below),
 * and gfortran's module procedures, which no demangler library covers.
 */
#include "analyzer/demangle.h"

#include <ctype.h>
#include <libiberty/demangle.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PLT_SUFFIX "@plt"
#define DEMANGLE_OPTS (DMGL_PARAMS | DMGL_ANSI)
#define FORTRAN_MOD "_MOD_"

/* gfortran's module procedure "__MODULE_MOD_NAME": *mlen is MODULE's
 * length, *name where NAME starts. Module names are Fortran identifiers
 * (lower case, digits, '_'; '.' joins a submodule to its parent). */
static int fortran_split(const char *raw, size_t *mlen, const char **name)
{
	if (strncmp(raw, "__", 2) || !islower((unsigned char)raw[2]))
		return 0;
	const char *mod = strstr(raw + 2, FORTRAN_MOD);
	if (!mod || !mod[strlen(FORTRAN_MOD)])
		return 0;
	for (const char *p = raw + 2; p < mod; p++)
		if (!islower((unsigned char)*p) && !isdigit((unsigned char)*p) && *p != '_' &&
		    *p != '.')
			return 0;
	*mlen = (size_t)(mod - (raw + 2));
	*name = mod + strlen(FORTRAN_MOD);
	return 1;
}

int demangle_is_mangled(const char *raw)
{
	size_t mlen;
	const char *name;
	if (!raw || raw[0] != '_')
		return 0;
	/* "_Z": C++ and Rust legacy (Itanium-style); "__Z" as Mach-O spells
	 * it does not occur on ELF. "_R": Rust v0. "_D" + digit or "main": D.
	 * "__m_MOD_p": gfortran. */
	if (raw[1] == 'Z' || raw[1] == 'R')
		return 1;
	if (raw[1] == 'D')
		return (raw[2] >= '0' && raw[2] <= '9') || !strcmp(raw + 2, "main");
	return fortran_split(raw, &mlen, &name);
}

/* "module::name", as gdb shows a Fortran module procedure. */
static char *demangle_fortran(const char *raw)
{
	size_t mlen, n;
	const char *name;
	char *out;
	if (!fortran_split(raw, &mlen, &name))
		return NULL;
	n = mlen + strlen("::") + strlen(name) + 1;
	if ((out = malloc(n)))
		snprintf(out, n, "%.*s::%s", (int)mlen, raw + 2, name);
	return out;
}

/* GCC's clone suffixes (".constprop.0", ".isra.0.cold") as libiberty
 * prints them after a C++ name: " [clone .constprop.0] [clone .cold]".
 * Each clone is '.', a word of [a-z_], then any number of ".DIGITS".
 * NULL when sfx is not such a list (or on ENOMEM). */
static char *clone_suffix(const char *sfx)
{
	size_t cap = 4 * strlen(sfx) + 1, len = 0;
	char *out = malloc(cap);
	const char *p = sfx;
	if (!out)
		return NULL;
	while (*p) {
		const char *start = p++;
		if (start[0] != '.' || !(islower((unsigned char)*p) || *p == '_'))
			goto bad;
		while (islower((unsigned char)*p) || *p == '_')
			p++;
		while (p[0] == '.' && isdigit((unsigned char)p[1]))
			for (p++; isdigit((unsigned char)*p); p++)
				;
		len += (size_t)snprintf(out + len, cap - len, " [clone %.*s]", (int)(p - start),
					start);
	}
	return out;
bad:
	free(out);
	return NULL;
}

/* A D name followed by GCC clone suffixes: the name demangled, then the
 * clones as C++ names show them. */
static char *demangle_d_clone(const char *raw)
{
	const char *dot = strchr(raw, '.');
	char *base, *dem = NULL, *sfx = NULL, *out = NULL;
	if (!dot || !(base = strndup(raw, (size_t)(dot - raw))))
		return NULL;
	if ((dem = cplus_demangle(base, DEMANGLE_OPTS | DMGL_DLANG)) && (sfx = clone_suffix(dot))) {
		size_t n = strlen(dem) + strlen(sfx) + 1;
		if ((out = malloc(n)))
			snprintf(out, n, "%s%s", dem, sfx);
	}
	free(base);
	free(dem);
	free(sfx);
	return out;
}

/* gdc 12 (the D front end 2.100) mangles a `return scope` parameter as
 * "Nk" (return) then "M" (scope): `front(return scope inout(double)[])` is
 * "...FNaNbNcNdNiNfNkMANgdZNgd". The D ABI's grammar (Parameter: "M"
 * for scope, "Nk" for return, before the parameter's storage class and
 * type; https://dlang.org/spec/abi.html) is read by libiberty 2.40 with
 * scope first only: it rejects every such name (all 15 mangled D names
 * left in the realworld D program, 785 of libgphobos' symbols). raw with
 * each "NkM" swapped to "MNk", or NULL when it has none. An "Nk" that may
 * continue a back reference's number ("Q", upper-case digits, the last
 * digit lower-case: "QBNk"; so whenever the upper-case letters right
 * before it hold a "Q") is left alone; one inside an identifier is caught
 * after demangling (demangle_d_order). */
static char *swap_return_scope(const char *raw)
{
	char *out = strdup(raw);
	int swapped = 0;
	for (char *p = out ? strstr(out, "NkM") : NULL; p; p = strstr(p + 3, "NkM")) {
		const char *q = p;
		int backref = 0;
		while (q > out && isupper((unsigned char)q[-1]))
			backref |= *--q == 'Q';   /* "Q" + upper-case digits right before */
		if (backref)
			continue;
		memcpy(p, "MNk", 3);
		swapped = 1;
	}
	if (!swapped) {
		free(out);
		return NULL;
	}
	return out;
}

/* A D name libiberty rejects for gdc 12's "NkM": demangled with scope
 * first. An "NkM" that was part of an identifier would show as "MNk" in
 * the result: then the name is left mangled, never shown wrong. */
static char *demangle_d_order(const char *raw)
{
	char *sw = swap_return_scope(raw), *out = NULL;
	if (!sw)
		return NULL;
	if (!(out = cplus_demangle(sw, DEMANGLE_OPTS | DMGL_DLANG)))
		out = demangle_d_clone(sw);
	if (out && strstr(out, "MNk")) {
		free(out);
		out = NULL;
	}
	free(sw);
	return out;
}

/* cplus_demangle in the style raw asks for. */
static char *demangle_plain(const char *raw)
{
	char *out;
	if (!demangle_is_mangled(raw))
		return NULL;
	if (raw[1] == '_')
		return demangle_fortran(raw);
	out = cplus_demangle(raw, DEMANGLE_OPTS | (raw[1] == 'D' ? DMGL_DLANG : 0));
	if (!out && raw[1] == 'D')
		out = demangle_d_clone(raw);
	if (!out && raw[1] == 'D')
		out = demangle_d_order(raw);
	return out;
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

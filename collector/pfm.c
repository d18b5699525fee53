/*
 * pfm.c - libpfm4 through dlopen on first use (pfm.h).
 *
 * Takes nothing; produces the wrappers' function pointers. Not
 * thread-safe (neither is libpfm4's global state): events.c calls it from
 * one thread.
 */
#include "collector/pfm.h"

#include <dlfcn.h>
#include <stddef.h>

#include "common/log.h"

/* The library the headers describe: libpfm4's ABI is that of its major
 * version, 4. */
#define PFM_SONAME "libpfm.so.4"
_Static_assert(LIBPFM_VERSION >> 16 == 4, "libpfm4 headers of another major version");

static struct {
	int state;                    /* 0 untried, 1 loaded, -1 failed */
	pfm_err_t (*initialize)(void);
	const char *(*strerror)(int);
	pfm_err_t (*get_os_event_encoding)(const char *, int, pfm_os_t, void *);
	pfm_err_t (*get_event_attr_info)(int, int, pfm_os_t, pfm_event_attr_info_t *);
	int (*get_event_next)(int);
	pfm_err_t (*get_event_info)(int, pfm_os_t, pfm_event_info_t *);
	pfm_err_t (*get_pmu_info)(pfm_pmu_t, pfm_pmu_info_t *);
} lib;

#define SYM(h, field, name) (*(void **)&lib.field = dlsym(h, name))

int pfmlib_load(void)
{
	if (lib.state)
		return lib.state > 0;
	void *h = dlopen(PFM_SONAME, RTLD_NOW | RTLD_LOCAL);
	lib.state = h && SYM(h, initialize, "pfm_initialize") && SYM(h, strerror, "pfm_strerror") &&
		    SYM(h, get_os_event_encoding, "pfm_get_os_event_encoding") &&
		    SYM(h, get_event_attr_info, "pfm_get_event_attr_info") &&
		    SYM(h, get_event_next, "pfm_get_event_next") &&
		    SYM(h, get_event_info, "pfm_get_event_info") &&
		    SYM(h, get_pmu_info, "pfm_get_pmu_info") ? 1 : -1;
	if (lib.state < 0) {
		const char *why = dlerror();
		hp_debug(HP_DBG_PERF, 1, "cannot load %s: %s; event names are perf's generic ones only",
			 PFM_SONAME, why ? why : "symbols missing");
	}
	return lib.state > 0;
}

pfm_err_t pfmlib_initialize(void) { return lib.initialize(); }
const char *pfmlib_strerror(int code) { return lib.strerror(code); }

pfm_err_t pfmlib_get_os_event_encoding(const char *str, int dfl_plm, pfm_os_t os, void *args)
{
	return lib.get_os_event_encoding(str, dfl_plm, os, args);
}

pfm_err_t pfmlib_get_event_attr_info(int eidx, int aidx, pfm_os_t os,
				     pfm_event_attr_info_t *output)
{
	return lib.get_event_attr_info(eidx, aidx, os, output);
}

int pfmlib_get_event_next(int idx) { return lib.get_event_next(idx); }

pfm_err_t pfmlib_get_event_info(int idx, pfm_os_t os, pfm_event_info_t *output)
{
	return lib.get_event_info(idx, os, output);
}

pfm_err_t pfmlib_get_pmu_info(pfm_pmu_t pmu, pfm_pmu_info_t *output)
{
	return lib.get_pmu_info(pmu, output);
}

/*
 * pfmload.c - open libpfm4 with dlopen on first use (pfmload.h says why)
 * and resolve the functions events.c calls.
 */
#include "collector/pfmload.h"

#include <dlfcn.h>
#include <stddef.h>
#include <stdio.h>

#include "common/log.h"

#define PFM_SONAME "libpfm.so.4"    /* the ABI of the headers built against */

static struct hp_pfm lib;
static int state;                   /* 0 untried, 1 ready, -1 failed */
static char reason[256];

static int resolve(void *h)
{
	static const struct { const char *name; size_t off; } fns[] = {
		{ "pfm_initialize", offsetof(struct hp_pfm, initialize) },
		{ "pfm_strerror", offsetof(struct hp_pfm, strerror) },
		{ "pfm_get_os_event_encoding", offsetof(struct hp_pfm, get_os_event_encoding) },
		{ "pfm_get_event_attr_info", offsetof(struct hp_pfm, get_event_attr_info) },
		{ "pfm_get_event_next", offsetof(struct hp_pfm, get_event_next) },
		{ "pfm_get_event_info", offsetof(struct hp_pfm, get_event_info) },
		{ "pfm_get_pmu_info", offsetof(struct hp_pfm, get_pmu_info) },
	};
	for (size_t i = 0; i < sizeof(fns) / sizeof(fns[0]); i++) {
		void *f = dlsym(h, fns[i].name);
		if (!f) {
			snprintf(reason, sizeof(reason), "%s has no %s", PFM_SONAME, fns[i].name);
			return -1;
		}
		*(void **)((char *)&lib + fns[i].off) = f;
	}
	return 0;
}

static int load(void)
{
	void *h = dlopen(PFM_SONAME, RTLD_NOW | RTLD_LOCAL);
	if (!h) {
		snprintf(reason, sizeof(reason), "cannot load libpfm4: %s (install libpfm4)",
			 dlerror());
		return -1;
	}
	if (resolve(h))
		return -1;
	int ret = lib.initialize();
	if (ret != PFM_SUCCESS) {
		snprintf(reason, sizeof(reason), "libpfm4 initialization failed: %s",
			 lib.strerror(ret));
		return -1;
	}
	return 0;
}

const struct hp_pfm *pfm_load(const char **why)
{
	if (!state) {
		state = load() ? -1 : 1;
		if (state < 0)
			hp_debug(HP_DBG_PERF, 1, "%s", reason);
	}
	if (state < 0 && why)
		*why = reason;
	return state > 0 ? &lib : NULL;
}

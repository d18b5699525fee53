/*
 * pfmload.h - libpfm4, loaded on first use.
 *
 * libpfm4 carries ~41,000 relative relocations (its event tables): linked
 * into hpprof, the dynamic loader processed them at every start of every
 * command, about 7 ms of a `hpprof run` whose programs never name a PMU
 * event (the generic names come from events.c's own table). It is opened
 * with dlopen when an event needs it (a PMU event name, a modifier only
 * libpfm4 decodes, `hpprof list`).
 */
#ifndef HP_COLLECTOR_PFMLOAD_H
#define HP_COLLECTOR_PFMLOAD_H

#include <linux/perf_event.h>       /* before libpfm4's copy of it */
#include <perfmon/pfmlib_perf_event.h>

struct hp_pfm {
	pfm_err_t (*initialize)(void);
	const char *(*strerror)(int code);
	pfm_err_t (*get_os_event_encoding)(const char *str, int dfl_plm, pfm_os_t os, void *args);
	pfm_err_t (*get_event_attr_info)(int eidx, int aidx, pfm_os_t os,
					 pfm_event_attr_info_t *info);
	int (*get_event_next)(int idx);
	pfm_err_t (*get_event_info)(int idx, pfm_os_t os, pfm_event_info_t *info);
	pfm_err_t (*get_pmu_info)(pfm_pmu_t pmu, pfm_pmu_info_t *info);
};

/* The library, loaded and initialized (pfm_initialize) on the first call;
 * NULL when it cannot be loaded or initialized: then *why (static text)
 * says why. */
const struct hp_pfm *pfm_load(const char **why);

#endif

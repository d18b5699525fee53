/*
 * pfm.h - libpfm4, loaded when an event name first needs it.
 *
 * Linked in, libpfm4 cost every start of hpprof ~5 ms of CPU (its 41,000
 * relocations and the pages they write, measured against a program linked
 * without it; docs/performance.md "Fixed cost"), though `run` with its
 * default events and `report`, `tui`... never call it. These wrappers have
 * libpfm4's signatures; pfmlib_load() opens the library of the major
 * version of the headers (libpfm.so.4) once.
 */
#ifndef HP_PFM_H
#define HP_PFM_H

#include <linux/perf_event.h>       /* before libpfm4's copy of it */
#include <perfmon/pfmlib_perf_event.h>

/* 1 when libpfm4 is loaded (loading it on the first call), 0 when it
 * cannot be (the reason is logged once under --debug=perf). */
int pfmlib_load(void);

/* libpfm4's functions; call only after pfmlib_load() returned 1. */
pfm_err_t pfmlib_initialize(void);
const char *pfmlib_strerror(int code);
pfm_err_t pfmlib_get_os_event_encoding(const char *str, int dfl_plm, pfm_os_t os, void *args);
pfm_err_t pfmlib_get_event_attr_info(int eidx, int aidx, pfm_os_t os,
				     pfm_event_attr_info_t *output);
int pfmlib_get_event_next(int idx);
pfm_err_t pfmlib_get_event_info(int idx, pfm_os_t os, pfm_event_info_t *output);
pfm_err_t pfmlib_get_pmu_info(pfm_pmu_t pmu, pfm_pmu_info_t *output);

#endif

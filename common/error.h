/*
 * error.h - hpprof's error codes.
 *
 * Library functions return 0 or a negative code: -errno for system errors,
 * or one of the -HP_E* codes below. hp_strerror() turns either into text.
 */
#ifndef HP_ERROR_H
#define HP_ERROR_H

enum {
	HP_EBASE = 4096,
	HP_ENOTDB,       /* file is not an hpprof database */
	HP_ENEWER,       /* database schema is newer than this hpprof */
	HP_ESQL,         /* SQLite reported an error (logged with details) */
	HP_ECORRUPT,     /* database or record is malformed */
	HP_ENOPERF,      /* perf_event_open is not permitted or not available */
	HP_EUNSUPPORTED, /* event or feature not supported on this machine */
	HP_EBADEVENT,    /* event name not understood */
	HP_ENOSYMS,      /* no symbols could be read */
	HP_EEMPTY,       /* database holds no profile (no samples) */
};

/* Text for a negative error code (-errno or -HP_E*). Static storage. */
const char *hp_strerror(int err);

#endif

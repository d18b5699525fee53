/*
 * error.h - hpprof's error codes.
 *
 * Library functions return 0 or a negative code: -errno for system errors,
 * or one of the -HP_E* codes below. hp_strerror() turns either into text.
 *
 * A code can carry a detail (hp_error_detail: the SQLite message of an
 * -HP_ESQL, what is wrong with a damaged profile for -HP_ECORRUPT): the
 * last detail set in the thread is appended by hp_strerror for that code,
 * so a message says what failed where it is printed, however far up.
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
	HP_ENOTREG,      /* not a regular file (device, FIFO, socket, directory) */
	HP_ELOCKED,      /* database is locked by another process */
	HP_EHOTJOURNAL,  /* database needs a recovery this reader may not write */
	HP_ERINGMEM,     /* the perf rings exceed the memory this user may lock */
};

/* Text for a negative error code (-errno or -HP_E*), with the thread's
 * detail for that code when one was set. Thread-local storage. */
const char *hp_strerror(int err);

/* Record a detail for err (printf format) and return err. */
int hp_error_detail(int err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* A damaged profile: hp_error_detail(-HP_ECORRUPT, ...). Readers of a
 * database use it for every bound or type they find broken; the message
 * reads "this profile is damaged: DETAIL". */
#define hp_damaged(...) hp_error_detail(-HP_ECORRUPT, __VA_ARGS__)

/* Forget the thread's detail. */
void hp_error_clear(void);

#endif

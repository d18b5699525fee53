/*
 * error.c - text for hpprof's error codes (error.h), with the last detail
 * recorded per thread.
 */
#include "common/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static __thread int detail_err;
static __thread char detail[512];
static __thread char message[640];

static const char *base_text(int err)
{
	switch (-err) {
	case HP_ENOTDB:       return "file is not an hpprof database";
	case HP_ENEWER:       return "database was written by a newer hpprof; upgrade hpprof to read it";
	case HP_ESQL:         return "database error";
	case HP_ECORRUPT:     return "this profile is damaged";
	case HP_ENOPERF:      return "perf events are not available";
	case HP_EUNSUPPORTED: return "not supported on this machine";
	case HP_EBADEVENT:    return "unknown event name";
	case HP_ENOSYMS:      return "no symbols found";
	case HP_EEMPTY:       return "the profile holds no samples";
	case HP_ENOTREG:      return "not a regular file";
	case HP_ELOCKED:      return "the database is locked by another process (is a run still writing it?)";
	case HP_EHOTJOURNAL:  return "the database was left by a process that died while writing it, and"
				     " recovering it needs write access to the file and its directory";
	case HP_ERINGMEM:     return "the perf rings need more memory than this user may lock"
				     " (kernel.perf_event_mlock_kb for each CPU, plus `ulimit -l`,"
				     " shared with the user's other perf sessions); raise `ulimit -l`"
				     " or run as root";
	default:              return strerror(-err);
	}
}

const char *hp_strerror(int err)
{
	if (err != detail_err || !detail[0])
		return base_text(err);
	snprintf(message, sizeof(message), "%s: %s", base_text(err), detail);
	return message;
}

int hp_error_detail(int err, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(detail, sizeof(detail), fmt, ap);
	va_end(ap);
	detail_err = err;
	return err;
}

void hp_error_clear(void)
{
	detail_err = 0;
	detail[0] = '\0';
}

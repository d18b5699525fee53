/*
 * error.c - text for hpprof's error codes (error.h).
 */
#include "common/error.h"

#include <string.h>

const char *hp_strerror(int err)
{
	switch (-err) {
	case HP_ENOTDB:       return "file is not an hpprof database";
	case HP_ENEWER:       return "database was written by a newer hpprof; upgrade hpprof to read it";
	case HP_ESQL:         return "database error";
	case HP_ECORRUPT:     return "database is corrupt or incomplete";
	case HP_ENOPERF:      return "perf events are not available";
	case HP_EUNSUPPORTED: return "not supported on this machine";
	case HP_EBADEVENT:    return "unknown event name";
	case HP_ENOSYMS:      return "no symbols found";
	case HP_EEMPTY:       return "the profile holds no samples";
	default:              return strerror(-err);
	}
}

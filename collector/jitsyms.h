/*
 * jitsyms.h - names for JIT-compiled code: the /tmp/perf-PID.map files
 * (perfmap.h) that the run's processes wrote (Node --perf-basic-prof,
 * CPython >= 3.12 -X perf, Java agents), read at the end of `run` while
 * they still exist and kept in the database, so the profile needs them no
 * more.
 *
 * Every location that no module covers (module id 0: an address in
 * anonymous executable memory, stored absolute) and that a map covers gets
 * its one-frame chain now: function = the map's name, module
 * "[jit] /tmp/perf-PID.map", no file or line. The symbolizer leaves
 * locations with frames alone; the rest stay "[unknown]".
 */
#ifndef HP_JITSYMS_H
#define HP_JITSYMS_H

#include <stdint.h>

struct hp_store;

struct jitsyms_result {
	uint32_t maps;            /* map files read */
	uint32_t entries;         /* their code regions */
	uint32_t named;           /* locations named from them */
};

/* Returns 0 or a store error (a map that cannot be read is warned about). */
int jitsyms_store(struct hp_store *st, struct jitsyms_result *res);

#endif

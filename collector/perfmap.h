/*
 * perfmap.h - symbols of JIT-compiled code from /tmp/perf-PID.map.
 *
 * The format is perf's (tools/perf/Documentation/jit-interface.txt): one
 * line per code region, "START SIZE NAME", START and SIZE in hex (with or
 * without 0x), NAME the rest of the line. Written by Node with
 * --perf-basic-prof ("JS:*hotLoop /app/x.js:1:17"), CPython >= 3.12 with
 * -X perf ("py::f:/app/x.py"), Java agents (perf-map-agent) and others.
 * The file grows while the program runs and a region can be reused for
 * new code: a later line wins over an earlier one for the addresses both
 * cover. Lines that do not parse are skipped and counted.
 */
#ifndef HP_PERFMAP_H
#define HP_PERFMAP_H

#include <stddef.h>
#include <stdint.h>

struct perfmap_entry {
	uint64_t start, size;   /* the region [start, start + size) */
	const char *name;       /* owned by the map */
	uint32_t seq;           /* line number among the parsed lines, from 0 */
};

struct perfmap;

/* Opens and reads /tmp/perf-PID.map. Returns 0, -ENOENT when there is no
 * map for pid, -ENOMEM or another -errno. */
int perfmap_open(uint32_t pid, struct perfmap **out);

/* Same for any path. */
int perfmap_load(const char *path, struct perfmap **out);

/* Reads the lines appended since the last read (a last line without its
 * newline waits for the next call). Returns the number of new entries or a
 * negative errno. */
int perfmap_update(struct perfmap *pm);

/* The entry covering addr (the latest line when several do), or NULL. The
 * pointer is valid until the next perfmap_update or perfmap_free. */
const struct perfmap_entry *perfmap_lookup(struct perfmap *pm, uint64_t addr);

size_t perfmap_count(const struct perfmap *pm);       /* entries read */
size_t perfmap_bad_lines(const struct perfmap *pm);   /* lines skipped */

void perfmap_free(struct perfmap *pm);

/* Parses one line (without its newline) into start, size and the offset
 * of the name in line. Returns 0, or -EINVAL when it is not a map line. */
int perfmap_parse_line(const char *line, uint64_t *start, uint64_t *size, size_t *name_off);

#endif

/*
 * procmap.h - the executable mappings of every process of the run.
 *
 * Fed from perf MMAP2/FORK/COMM(exec)/EXIT records (and /proc/PID/maps as a
 * fallback for a pid first seen mid-run). Answers: which module, and at
 * which load bias, covers address A in process P.
 */
#ifndef HP_PROCMAP_H
#define HP_PROCMAP_H

#include <stdint.h>
#include <sys/types.h>

#include "collector/module.h"

struct hp_map {
	uint64_t start, end;        /* [start, end) in the process */
	uint64_t pgoff;             /* file offset of start */
	struct hp_module *mod;      /* NULL for anonymous executable memory */
	uint64_t bias;              /* runtime address - ELF vaddr */
};

struct hp_procmaps;

int procmaps_new(struct hp_module_cache *mc, struct hp_procmaps **out);
void procmaps_free(struct hp_procmaps *pm);
/* The names /proc/PID/maps gives are read through the process's root
 * (roots, procroot.h), as perf's records are: a process in another mount
 * namespace sees them from its own (attach, the agent); those no longer
 * naming their files (" (deleted)", a memfd) through the process (files,
 * mapfile.h). NULL: as given. */
struct hp_procroot;
struct hp_mapfiles;
void procmaps_set_names(struct hp_procmaps *pm, struct hp_procroot *roots,
			struct hp_mapfiles *files);

/* Add a mapping (replacing what overlaps it). path NULL or "" = anonymous. */
int procmaps_add(struct hp_procmaps *pm, uint32_t pid, uint64_t start, uint64_t len,
		 uint64_t pgoff, const char *path);
/* pid was forked from ppid: copy its maps. */
int procmaps_fork(struct hp_procmaps *pm, uint32_t ppid, uint32_t pid);
/* pid exec'd: forget its old maps. */
void procmaps_exec(struct hp_procmaps *pm, uint32_t pid);
/* pid exited. */
void procmaps_exit(struct hp_procmaps *pm, uint32_t pid);
/* Read /proc/PID/maps for a process we know nothing about. */
int procmaps_load_proc(struct hp_procmaps *pm, uint32_t pid);

/* The mapping of pid that covers addr, or NULL. Also tries, at most once
 * per pid, /proc/PID/maps when the address is unknown. */
const struct hp_map *procmaps_find(struct hp_procmaps *pm, uint32_t pid, uint64_t addr);

/* The mapping of pid whose module's whole ELF image (min_vaddr..max_vaddr
 * moved by the mapping's bias) covers addr, or NULL. Finds bytes such as
 * .eh_frame that lie in a module's non-executable segments, which are not
 * tracked themselves. Never reads /proc. */
const struct hp_map *procmaps_find_image(struct hp_procmaps *pm, uint32_t pid, uint64_t addr);

/* How many mappings of pid are known (0 for an unknown pid, or one whose
 * maps could not be read: a zombie's /proc/PID/maps is empty). */
size_t procmaps_count(struct hp_procmaps *pm, uint32_t pid);

/* A value that changes whenever a mapping of pid is replaced or dropped
 * (overlap, fork, exec), so caches keyed by address can tell they are
 * stale. 0 for an unknown pid. */
uint64_t procmaps_generation(struct hp_procmaps *pm, uint32_t pid);

#endif

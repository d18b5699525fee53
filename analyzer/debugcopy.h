/*
 * debugcopy.h - decompressed copies of separate debug files, per build id.
 *
 * Debian's debug files (libc6-dbg and the -dbgsym packages) keep their
 * .debug_* sections zlib-compressed (SHF_COMPRESSED); libdw inflates them
 * into fresh memory every time a module's DWARF is opened: ~70 ms of CPU
 * and 10 MB of cleared pages for libc alone, on every run. A copy with
 * the sections stored plainly is mapped instead (0.2 ms). The copy is
 * made once, the first time such a file is needed, under
 * CACHE_DIR/debug/BUILDID.debug, written to a temporary file and renamed
 * into place; it is used only when it is a sound ELF file (every section
 * inside the file, nothing compressed) carrying the same build id.
 */
#ifndef HP_DEBUGCOPY_H
#define HP_DEBUGCOPY_H

/* Every place libdwfl's standard search looks for the separate debug file
 * of the module at module_path, in its order: the build-id path under
 * /usr/lib/debug (when build_id, lowercase hex, is given), then the
 * .gnu_debuglink name (when given) next to the module, in its .debug/ and
 * under /usr/lib/debug. cb gets each path, existing or not. */
void debugcopy_candidates(const char *module_path, const char *build_id,
			  const char *debuglink, void (*cb)(void *ctx, const char *path),
			  void *ctx);
/* 1 when any of those exists. */
int debugcopy_any_candidate(const char *module_path, const char *build_id,
			    const char *debuglink);

/* An fd (O_RDONLY) of the copy for build_id (lowercase hex) when a sound
 * one exists, with its path in a new malloc'ed *path; else -1. */
int debugcopy_open(const char *cache_dir, const char *build_id, char **path);

/* When the debug file src has compressed sections and is at most 512 MiB
 * decompressed, make the copy for build_id and return an fd of it (its
 * path in *path, malloc'ed); else -1 (nothing to gain, or it could not be
 * written: a debug note says why). src is not modified. */
int debugcopy_make(const char *cache_dir, const char *build_id, const char *src, char **path);

#endif

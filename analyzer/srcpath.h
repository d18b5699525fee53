/*
 * srcpath.h - where a source file named by the debug information is read
 * from (annotate, the TUI's source view, annotate --asm's source lines).
 *
 * In order, the first readable regular file wins:
 *   1. the path as recorded;
 *   2. a relative path under the run's working directory;
 *   3. each substitution FROM=TO whose FROM is a prefix of the path (at a
 *      '/' boundary), as gdb's `set substitute-path` and perf's
 *      --prefix/--prefix-strip: those of --source-map first, then those of
 *      $HPPROF_SOURCE_MAP (FROM=TO pairs separated by ':');
 *   4. a Rust standard library path "/rustc/COMMIT/REST" (rustc's
 *      remapped sysroot): REST in the rust-src of the rustc whose commit is
 *      COMMIT (rustsrc_find), else in a rust-src of the same stable
 *      release.
 * The path comes from a database (untrusted): every candidate is opened
 * with annotate_open_source's rules (a regular file of bounded size).
 */
#ifndef HP_SRCPATH_H
#define HP_SRCPATH_H

#include <stddef.h>
#include <stdio.h>

/* Adds one substitution "FROM=TO" (--source-map), tried before those of
 * the environment. Returns 0, or -EINVAL (no '=', empty FROM or TO) or
 * -ENOMEM. The strings are copied. */
int srcpath_add_map(const char *spec);

/* srcpath_add_map for a command's --source-map: an error is said on
 * stderr (the command exits 2). */
int srcpath_option(const char *spec);

/* Opens path's source by the rules above (cwd: the run's working
 * directory, or NULL). On success *shown is a new string, the path read
 * (the caller frees it; NULL on ENOMEM). On failure: NULL, why filled
 * (the recorded path's error, and for a Rust path which commit's rust-src
 * was looked for and what was found instead). */
FILE *srcpath_open(const char *path, const char *cwd, char **shown, char *why, size_t len);

/* 1 when path is a Rust std path "/rustc/COMMIT/REST" (COMMIT: 40 hex
 * digits), the kind rustsrc_find looks for. */
int rustsrc_is_std_path(const char *path);

/* The rust-src file of a "/rustc/COMMIT/REST" path (srcpath_rust.c): a new
 * string naming a readable file, or NULL with why filled. 0 in *is_rust
 * when path is not such a path (why untouched). */
char *rustsrc_find(const char *path, int *is_rust, char *why, size_t len);

/* Reads the rustc that built ELF file binary from its .comment section
 * ("rustc version 1.63.0 (4b91a6ea7 2022-08-08)") and remembers it, so
 * that a /rustc/COMMIT path of that commit may be read from a rust-src of
 * the same stable release when no toolchain of the commit is installed.
 * Each path is read once. 1 when binary names its rustc. */
int rustsrc_note_binary(const char *binary);

#endif

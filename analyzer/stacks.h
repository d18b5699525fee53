/*
 * stacks.h - the stack model: what a sampled stack means, read once from a
 * store and shared by every view of a profile.
 *
 * The store keeps a stack as a path in a prefix tree (stack_nodes: a node
 * is one code address, a location, with its caller as parent), and the
 * symbolizer's answer per location as an inline chain (location_frames).
 * This module owns both, and the id -> name/path tables (functions, files,
 * modules, threads), and expands a stack id into frames:
 *
 *   stack id -> nodes, innermost first -> each node's location -> its inline
 *   chain (inlined callees first, the real function last) -> reversed:
 *   frames[0] is the outermost frame (main, a thread start), frames[n-1]
 *   the innermost, where the sample was taken.
 *
 * A frame (struct hp_sframe) is a function at a source line in a module,
 * with the location it came from, its depth in that location's inline
 * chain and its kind. Everything that reads stacks - the aggregation into
 * functions and lines (profile.h), call trees and flame graphs
 * (calltree.h), per-line costs (annotate.h), every export - reads these
 * frames, so they all see the same inline expansion and the same names.
 *
 * Self and total (the one definition; brief §7, docs/schema.md):
 *   self  of a function, a line or a call path = the weight of the samples
 *         whose innermost frame (after inline expansion) is that function,
 *         that line, or ends that path;
 *   total = the weight of the samples whose stack contains it anywhere,
 *         counted once per sample however often it appears (recursion).
 * A weight is samples, or one column of per-sample values (counters read
 * with the samples, page faults x period; profile.h): the aggregation is the
 * same for every weight.
 *
 * Kinds: a frame is user code (the program and its libraries) or kernel
 * code (a module whose path starts with "[kernel"): kernel frames are
 * innermost, under the user frame that entered the kernel. The kind is
 * what a view needs to treat a class of frames apart (colours, charging
 * kernel time to the user line above it); new kinds (interpreted Python
 * frames, JIT code) are new values, decided from the module in one place
 * (stacks_module_kind). Python frames (HP_FRAME_PYTHON, modules named
 * "[python] FILE") are user code to every view: they replace the
 * interpreter's evaluation loop in a stack, and native code called from
 * Python sits under them.
 *
 * Classes: a whole stack is compute or MPI time (stacks_class, decided
 * here once per distinct stack): MPI when any of its frames is MPI code.
 * A rank that busy-polls in MPI_Allreduce waiting for a slower one spends
 * MPI time, not compute, and the rank dimension of a job (ranks.h, the
 * rank_profile view) counts it so.
 *
 * Strings live in the model's arena (stacks_arena) and are freed at once by
 * stacks_free; a profile keeps its own strings there too.
 */
#ifndef HP_STACKS_H
#define HP_STACKS_H

#include <stdint.h>

struct hp_store;
struct hp_arena;
struct hp_stacks;

enum hp_frame_kind {
	HP_FRAME_USER,                /* the program, its libraries, or unknown code */
	HP_FRAME_KERNEL,              /* a kernel function ("[kernel]" modules) */
	HP_FRAME_PYTHON,              /* an interpreted Python function ("[python] FILE" modules:
				       * function co_qualname, file FILE, the line; written by the
				       * collector, collector/pyfeed.h) */
};

/* The kind of a module's frames, from its path: the one place it is decided. */
enum hp_frame_kind stacks_path_kind(const char *path);

/* What a stack's samples were doing (stacks_class). */
enum hp_stack_class {
	HP_STACK_COMPUTE,             /* the program's own work */
	HP_STACK_MPI,                 /* inside MPI: a frame of an MPI_* / PMPI_* function or
				       * of an MPI library (stacks_module_is_mpi) */
};

/* One frame of an expanded stack: the meaning of one location at one depth
 * of its inline chain. Ids are the store's (0 = unknown). */
struct hp_sframe {
	uint32_t func;                /* functions.id */
	uint32_t file;                /* files.id of this frame's line */
	uint32_t line;                /* where execution is in this function: the line
				       * itself innermost, a call site in callers */
	uint32_t module;              /* modules.id of the code address */
	uint32_t location;            /* locations.id the frame came from */
	uint16_t depth;               /* inline depth: 0 innermost of the location's chain */
	uint8_t inlined;              /* 1 when inlined into the next outer frame */
	uint8_t kind;                 /* enum hp_frame_kind */
};

/* A function as the store names it. */
struct hp_sfunc {
	const char *name;             /* never NULL */
	uint32_t module;              /* modules.id */
	uint32_t file;                /* files.id of its definition; 0 when unknown */
};

/* A thread: its process, name and run. */
struct hp_sthread {
	uint32_t tid, pid;
	const char *comm;             /* NULL when unknown */
	uint32_t run;                 /* runs.id in a merged file (an MPI rank's input); 0 */
};

/* Read the tables, locations, inline chains and stack tree of st (not the
 * samples). *out is owned by the caller (stacks_free). Returns 0 or a
 * negative error. */
int stacks_load(struct hp_store *st, struct hp_stacks **out);
void stacks_free(struct hp_stacks *s);

/* The arena the model's strings live in; a profile puts its own there. */
struct hp_arena *stacks_arena(struct hp_stacks *s);

/* Frames of stack_id, outermost first, inline frames expanded (at most
 * 4 x HP_MAX_FRAMES; a node whose location was never symbolized is one
 * frame of function 0). Stack 0 (no stack) has no frames. Expanded once
 * and cached: *frames stays valid until stacks_free. Returns 0 or -ENOMEM. */
int stacks_expand(struct hp_stacks *s, uint32_t stack_id, const struct hp_sframe **frames,
		  uint32_t *n);
/* The class of stack_id: HP_STACK_MPI when a frame is a function named
 * MPI_*, PMPI_* (or the Fortran mpi_* / pmpi_*), or any code of a module
 * stacks_module_is_mpi accepts; else HP_STACK_COMPUTE (stack 0 too).
 * Decided with the expansion and cached. */
enum hp_stack_class stacks_class(struct hp_stacks *s, uint32_t stack_id);
/* 1 when the module at path is an MPI library: Open MPI (libmpi*,
 * libopen-pal, libopen-rte, anything under an .../openmpi/ directory: the
 * mca_* components), MPICH and Intel MPI (libmpi*, libmpich*), the process
 * managers' client libraries (libpmix, libpmi*, libprrte) and the
 * transports only MPI calls (libfabric, UCX's libuc[pstm], PSM). */
int stacks_module_is_mpi(const char *path);
/* Location ids of stack_id, innermost first, into locs[0..max); returns
 * how many. */
uint32_t stacks_locations(const struct hp_stacks *s, uint32_t stack_id, uint32_t *locs,
			  uint32_t max);
/* Inline chain of a location, innermost (depth 0) first, in *chain;
 * returns its length (0 when the location has no frames). */
uint32_t stacks_chain(const struct hp_stacks *s, uint32_t location,
		      const struct hp_sframe **chain);
/* Module id and address (ELF vaddr) of a location; 0 and 0 when unknown. */
void stacks_location(const struct hp_stacks *s, uint32_t location, uint32_t *module,
		     uint64_t *addr);

/* The function with this id, or NULL when the store has none. */
const struct hp_sfunc *stacks_func(const struct hp_stacks *s, uint32_t id);
/* Its name, "[unknown]" when the id is unknown. */
const char *stacks_func_name(const struct hp_stacks *s, uint32_t id);
/* Path of a file id, NULL when unknown (id 0 included). */
const char *stacks_file(const struct hp_stacks *s, uint32_t id);
/* File id of a path, 0 when the store has no such file. */
uint32_t stacks_file_id(const struct hp_stacks *s, const char *path);
/* Path and build id (hex) of a module id; NULL when unknown. */
const char *stacks_module(const struct hp_stacks *s, uint32_t id);
const char *stacks_module_build_id(const struct hp_stacks *s, uint32_t id);
/* Kind of the frames of a module (id 0: user). */
enum hp_frame_kind stacks_module_kind(const struct hp_stacks *s, uint32_t id);

/* Index of the innermost user frame of frames[0..n) (outermost first):
 * the frame whose line a kernel-mode sample is charged to; n - 1 when no
 * frame is user code (and 0 when n is 0). */
uint32_t stacks_user_leaf(const struct hp_sframe *frames, uint32_t n);

/* Threads in the store's order; stacks_thread: the one with this tid, or
 * NULL. */
const struct hp_sthread *stacks_threads(const struct hp_stacks *s, uint32_t *n);
const struct hp_sthread *stacks_thread(const struct hp_stacks *s, uint32_t tid);

/* Largest id + 1 of functions, modules and locations (for id-indexed
 * arrays of the caller's); at least 1. */
uint32_t stacks_nfuncs(const struct hp_stacks *s);
uint32_t stacks_nmodules(const struct hp_stacks *s);
uint32_t stacks_nlocations(const struct hp_stacks *s);

/* Last component of a path ("/usr/lib/libc.so.6" -> "libc.so.6"); NULL
 * for NULL. */
const char *stacks_basename(const char *path);
/* The same, or none when path is NULL. */
const char *stacks_basename_or(const char *path, const char *none);

#endif

/*
 * store.h - the hpprof database: the only module that speaks SQL.
 *
 * A store is one SQLite file created from schema.sql. Writers call the
 * store_add_* functions; rows are batched in one transaction that is
 * committed every few thousand rows and by store_flush(). Readers use the
 * store_each_* iterators, which call back once per row and stop early when
 * the callback returns non-zero (that value is returned).
 *
 * All functions return 0 or a negative error code (common/error.h). A store
 * may move between threads but must be used by one thread at a time.
 *
 * A database is untrusted input (docs/reliability.md): the iterators check
 * every id and reference of a row against its table before the callback
 * sees it, and a file that breaks a bound is refused with -HP_ECORRUPT and
 * a detail ("this profile is damaged: ..."); text the schema declares NOT
 * NULL is never NULL in a row.
 */
#ifndef HP_STORE_H
#define HP_STORE_H

#include <stdint.h>

#include "common/record.h"
#include "common/runfacts.h"

#define HP_STORE_APPLICATION_ID 0x68707066  /* 'hppf' */
#define HP_STORE_VERSION        1

struct hp_store;

/* Create a new database at path, which must not exist: the file appears
 * with its schema complete (written beside it and renamed into place
 * without replacing anything), then is opened for writing in WAL mode.
 * -EEXIST when path exists, or a -wal/-journal of that name is left. */
int store_create(const char *path, struct hp_store **out);
/* store_create in two parts: the file (its schema written beside it,
 * renamed into place: where a full disk, a refused permission or a
 * read-only directory fails, ~0.3 ms), then SQLite's connection to it
 * (open, WAL, pragmas: the schema parsed, ~2-4 ms), which `hpprof run`
 * makes after the program has started (docs/performance.md, "Wave 12").
 * store_open_created removes the file when it fails.
 * store_create_file returns the file's descriptor holding its writer lock
 * (or -errno), which store_open_created takes over (closed with the store,
 * or at once when it fails). */
int store_create_file(const char *path);
int store_open_created(const char *path, int lock_fd, struct hp_store **out);
/* The writer lock: a database a live process is creating and writing
 * (store_create until store_close, or that process's end: a killed run
 * leaves none) holds an open-file-description lock on its first byte,
 * which SQLite never locks. 1 when another writer holds it on path (a
 * run in progress: another run must not rotate it away, a reader must
 * not finish it), STORE_LOCK_FINISHING when that is a reader finishing
 * a killed run's file (store_lock_writer: the second byte too), 0 when
 * none, or when it cannot be told. */
#define STORE_LOCK_FINISHING 2
int store_write_locked(const char *path);
/* Take the writer lock of an existing file at path as a reader finishing
 * it, waiting while another process holds it (the next reader waits,
 * then reads what the first wrote). The descriptor holding it (close it
 * to let go), or -errno when the file cannot be opened for writing;
 * where the file system has no such locks, held without one. */
int store_lock_writer(const char *path);
/* st keeps fd (a writer lock's descriptor; < 0: none) and closes it after
 * its connection: closed before, it would drop SQLite's POSIX locks on the
 * file (closing any descriptor of a file drops all of the process's). */
void store_keep_fd(struct hp_store *st, int fd);
/* Open an existing database; refuses what is not a regular file
 * (-HP_ENOTREG: a FIFO would block), foreign (-HP_ENOTDB), damaged
 * (-HP_ECORRUPT with the detail) and newer files. A read-only open first
 * settles a WAL left by a killed writer when it may (store_settle_file). */
int store_open(const char *path, int writable, struct hp_store **out);
/* A database left in WAL mode by a process that died (its -wal beside
 * it): when this process may write there and no one else has it open,
 * checkpoint the WAL into the file and remove it. Returns 0 when no -wal
 * is left, -EBUSY when one is (open elsewhere, or not writable here). */
int store_settle_file(const char *path);
/* Whether the file at path is an hpprof database, by its header alone
 * (SQLite's magic string, hpprof's application_id and schema version):
 * 0, -HP_ENOTDB, -HP_ENEWER, -HP_ECORRUPT, -HP_ENOTREG or -errno. Reads
 * 100 bytes and parses no schema: for deciding whether a file may be
 * replaced, not for reading it (store_open checks its tables too). */
int store_identify(const char *path);
/* Remove a database this process created (closed), with its -wal, -shm
 * and -journal. */
void store_unlink(const char *path);
/* Commit pending rows and close. NULL is ignored. */
int store_close(struct hp_store *st);
/* Start syncing what the WAL holds so far (and its directory) on a thread,
 * so that the close's own syncs find little left to write: for a writer
 * that is about to finish (finish_profile). Changes no guarantee; joined
 * by store_close. */
void store_sync_ahead(struct hp_store *st);
/* Commit the batch in progress; the next write starts a new one. */
int store_flush(struct hp_store *st);
/* The last SQLite error message, for logging. */
const char *store_errmsg(struct hp_store *st);

/* --- the run's facts (run_info) --- */
/* Set every field of f to unset (NULL, NAN, HP_FACT_UNSET). */
void store_facts_init(struct hp_run_facts *f);
/* Write every set field of f as the run_info row named after it (an
 * existing row of that key is replaced); unset fields write nothing. */
int store_write_facts(struct hp_store *st, const struct hp_run_facts *f);
/* Value for key as a malloc'd string in *value (caller frees), or NULL. */
int store_get_meta(struct hp_store *st, const char *key, char **value);
/* Integer value for key, or dflt when absent. */
int64_t store_get_meta_int(struct hp_store *st, const char *key, int64_t dflt);
/* The time (ns since the run's start) of its last sample or memory
 * reading into *t_ns (0 when none). */
int store_last_record_ns(struct hp_store *st, int64_t *t_ns);
/* Remove the run_info row of key (a fact that no longer holds). */
int store_unset_meta(struct hp_store *st, const char *key);
int store_each_meta(struct hp_store *st,
		    int (*cb)(void *ctx, const char *key, const char *value), void *ctx);

/* --- what the collector writes --- */
struct hp_event_info {
	int id;                 /* 0: the main sampler; counters 1..N hold blob slot id-1 */
	const char *name;
	const char *role;       /* "sampler", "counter", "pagefault" */
	int measured;
	const char *reason;     /* NULL when measured */
	int64_t total;          /* -1 when unknown */
	uint64_t enabled_ns, running_ns;
};
int store_add_event(struct hp_store *st, const struct hp_event_info *ev);
int store_each_event(struct hp_store *st,
		     int (*cb)(void *ctx, const struct hp_event_info *ev), void *ctx);

int store_add_process(struct hp_store *st, uint32_t pid, uint32_t ppid, const char *comm,
		      const char *exe, uint64_t start_ns);
int store_set_process_comm(struct hp_store *st, uint32_t pid, const char *comm, const char *exe);
/* The process ended: its end time, exit code (-1 unknown) and its own peak
 * RSS (-1 unknown; the row keeps the larger of what it had and this). */
int store_end_process(struct hp_store *st, uint32_t pid, uint64_t end_ns, int exit_code,
		      int64_t peak_rss);
/* pid's own peak RSS is at least peak_rss bytes (measured at its exit). */
int store_note_process_peak(struct hp_store *st, uint32_t pid, int64_t peak_rss);
/* Bytes of heap pid had in use at its heap peak (allocation tracking). */
int store_set_process_heap(struct hp_store *st, uint32_t pid, int64_t heap_peak);
/* The end of a process whose end is not known yet (perf lost its exit
 * record; its preload stream ended): nothing else changes. */
int store_end_open_process(struct hp_store *st, uint32_t pid, uint64_t end_ns);
int store_add_thread(struct hp_store *st, uint32_t tid, uint32_t pid, const char *comm,
		     uint64_t start_ns);
int store_set_thread_comm(struct hp_store *st, uint32_t tid, const char *comm);
int store_end_thread(struct hp_store *st, uint32_t tid, uint64_t end_ns);

/* Module id for path, creating it on first use. */
int store_intern_module(struct hp_store *st, const char *path, const char *build_id,
			uint32_t *id);
/* Location id of (module, addr), creating it on first use: for frames the
 * collector names itself (Python frames: store_add_location_frame). */
int store_intern_location(struct hp_store *st, const struct hp_location *loc, uint32_t *id);
/* Call fn(ctx, module path, address) for each location as it is first
 * interned, on the writer's thread (run: the symbol warm-up resolves it
 * while the program runs, cmd/run_symbols.c); fn NULL: none. The path
 * stays valid until store_close. */
void store_on_location(struct hp_store *st, void (*fn)(void *ctx, const char *path,
							  uint64_t addr), void *ctx);
/* Stack id (innermost node) for frames[0..n), innermost first; 0 when n == 0. */
int store_intern_stack(struct hp_store *st, const struct hp_location *frames, uint32_t n,
		       uint32_t *stack_id);
int store_add_sample(struct hp_store *st, const struct hp_sample *s);
/* A live reader of the samples as they are written (hpprof top): tap is
 * called by store_add_sample with every sample it wrote, in the writer's
 * thread; NULL removes it. */
void store_set_sample_tap(struct hp_store *st,
			  void (*tap)(void *ctx, const struct hp_sample *s), void *ctx);
/* The path of module id as interned by this writer, or NULL. Valid until
 * the next store_intern_module. */
const char *store_module_path(struct hp_store *st, uint32_t id);
int store_add_memory(struct hp_store *st, const struct hp_mem_reading *m);
/* A perf record as the kernel wrote it (run --raw, for debugging the
 * unwinder): ring is the CPU ring it came from. */
int store_add_raw_record(struct hp_store *st, uint64_t t_ns, uint32_t ring, const void *rec,
			 uint32_t size);

/* --- reading raw facts (analyzer) --- */
struct hp_module_row { uint32_t id; const char *path; const char *build_id; };
int store_each_module(struct hp_store *st,
		      int (*cb)(void *ctx, const struct hp_module_row *m), void *ctx);
struct hp_location_row { uint32_t id; uint32_t module_id; uint64_t addr; };
int store_each_location(struct hp_store *st,
			int (*cb)(void *ctx, const struct hp_location_row *l), void *ctx);
struct hp_node_row { uint32_t id, parent, location_id; };
int store_each_stack_node(struct hp_store *st,
			  int (*cb)(void *ctx, const struct hp_node_row *n), void *ctx);
/* Samples in [t_from, t_to) (t_to = 0: no upper bound), in time order. */
struct hp_sample_row {
	uint64_t t_ns;
	uint32_t tid;
	uint32_t stack_id;
	int event;              /* events.id of the sampling event (0 = the main sampler) */
	uint32_t nr_counters;
	const int64_t *counters;
	int unwind;             /* how its unwinding ended: enum hp_stack_end, as below */
};
int store_each_sample(struct hp_store *st, uint64_t t_from, uint64_t t_to,
		      int (*cb)(void *ctx, const struct hp_sample_row *s), void *ctx);
struct hp_thread_row {
	uint32_t tid, pid; const char *comm; uint64_t start_ns, end_ns;
	uint32_t run;           /* runs.id in a merged file; 0 in a recorded one */
};
int store_each_thread(struct hp_store *st,
		      int (*cb)(void *ctx, const struct hp_thread_row *t), void *ctx);
struct hp_process_row {
	uint32_t pid, ppid;
	const char *comm, *exe;
	uint64_t start_ns, end_ns;
	int exit_code;          /* -1 when unknown */
	int64_t peak_rss;       /* its own peak RSS, bytes; -1 when unknown */
	int64_t heap_peak;      /* heap in use at its heap peak, bytes; -1 when not tracked */
};
int store_each_process(struct hp_store *st,
		       int (*cb)(void *ctx, const struct hp_process_row *p), void *ctx);
int store_each_memory(struct hp_store *st,
		      int (*cb)(void *ctx, const struct hp_mem_reading *m), void *ctx);

/* --- what symbolization writes, and reads back --- */
int store_intern_file(struct hp_store *st, const char *path, uint32_t *id);
int store_intern_function(struct hp_store *st, const char *name, uint32_t module_id,
			  uint32_t file_id, uint32_t *id);
/* store_intern_function, with the name as the binary spells it (mangled;
 * NULL when made up) for functions.raw_name. A function is (name, module):
 * when several raw names show as one name, the first one is kept. */
int store_intern_function_raw(struct hp_store *st, const char *name, const char *raw_name,
			      uint32_t module_id, uint32_t file_id, uint32_t *id);
int store_add_location_frame(struct hp_store *st, uint32_t location_id, uint32_t depth,
			     uint32_t function_id, uint32_t file_id, uint32_t line);
struct hp_file_row { uint32_t id; const char *path; };
int store_each_file(struct hp_store *st,
		    int (*cb)(void *ctx, const struct hp_file_row *f), void *ctx);
struct hp_function_row {
	uint32_t id;
	const char *name;
	uint32_t module_id, file_id;
	const char *raw_name;         /* NULL when made up, or in files from before it */
};
int store_each_function(struct hp_store *st,
			int (*cb)(void *ctx, const struct hp_function_row *f), void *ctx);
struct hp_frame_row { uint32_t location_id, depth, function_id, file_id, line; };
/* Ordered by location_id, then depth. */
int store_each_location_frame(struct hp_store *st,
			      int (*cb)(void *ctx, const struct hp_frame_row *f), void *ctx);
/* The frames the writer has stored so far for its location (module_id,
 * addr), innermost first, with their names: the ones the collector names
 * itself when it interns them (Python frames); none for a location not
 * symbolized yet. For the writer's thread (hpprof top's sample tap). file
 * is NULL and line 0 when unknown; the strings live until cb returns. */
struct hp_named_frame { uint32_t depth; const char *function, *file; uint32_t line; };
int store_location_names(struct hp_store *st, uint32_t module_id, uint64_t addr,
			 int (*cb)(void *ctx, const struct hp_named_frame *f), void *ctx);
/* 1 when the file has symbolization results. */
int store_is_symbolized(struct hp_store *st);
/* 1 when the file has code addresses (samples with stacks). */
int store_has_locations(struct hp_store *st);

/* --- pre-aggregated profile (analyzer, end of run) --- */
int store_clear_stats(struct hp_store *st);
int store_add_function_stat(struct hp_store *st, uint32_t function_id, uint64_t self,
			    uint64_t total);
int store_add_line_stat(struct hp_store *st, uint32_t file_id, uint32_t line,
			uint32_t function_id, uint64_t self);
int store_add_function_counter(struct hp_store *st, uint32_t function_id, int event_id,
			       int64_t self, int64_t total);
int store_add_line_counter(struct hp_store *st, uint32_t file_id, uint32_t line,
			   uint32_t function_id, int event_id, int64_t self);
/* (Re)create function_profile and line_profile with one column per
 * measured counter event (and simulated event) of the events table. A run
 * that has simulated events and no sampler gets NULL sample columns:
 * nothing was sampled. Views the file already holds exactly as they
 * would be made are kept as they are (no schema change). */
int store_create_views(struct hp_store *st);
/* The same over the events list calls cb for, in the order of their ids,
 * as the events table will hold them: a run creates its views beside the
 * program, and its end keeps them (docs/performance.md, "Wave 22"). */
typedef int (*hp_event_list)(void *ctx, int (*cb)(void *, const struct hp_event_info *),
			     void *cbctx);
int store_create_views_from(struct hp_store *st, hp_event_list list, void *ctx);

/* --- simulated costs (run --cache-sim; common/store_sim.c) --- */
/* One simulated count of a source line: event_id is a 'simulated' event;
 * file_id and line 0 when unknown. Rows of one line and event add up. */
int store_add_sim_cost(struct hp_store *st, uint32_t function_id, uint32_t file_id,
		       uint32_t line, int event_id, int64_t value);
struct hp_sim_cost_row {
	uint32_t function_id, file_id, line;   /* file_id, line: 0 when unknown */
	int event_id;
	int64_t value;
};
/* Every simulated cost (none in a file without the table, an older one). */
int store_each_sim_cost(struct hp_store *st,
			int (*cb)(void *ctx, const struct hp_sim_cost_row *r), void *ctx);
/* --- runs and ranks (store_runs.c) --- */
/* In a merged file, the pid that process pid of input run has there (merge
 * renumbers a pid an earlier input used): the run's process of that heap
 * peak, that pid first; run 0: any run's (a merged input, whose runs stay
 * runs of their own). *out = pid when none matches. */
int store_run_heap_peak_pid(struct hp_store *st, unsigned run, int64_t pid, int64_t heap_peak,
			    int64_t *out);
/* A run of the file: the recorded run itself (id 0), or each input of a
 * merged file (runs.id) with that input's own run_info (run_meta). */
struct hp_run_row {
	uint32_t id;            /* runs.id; 0 in a recorded profile */
	const char *path;       /* the merged input as named to merge; NULL for run 0 */
	int64_t rank, size;     /* mpi_rank, mpi_size; -1 when unknown (not an MPI rank) */
	const char *host, *job; /* hostname, mpi_job; NULL when unknown */
	uint32_t pid;           /* its first process (the rank), 0 when none */
	int64_t exit_status;    /* exit code or 128 + signal; -1 when unknown */
	const char *signal;     /* the signal that ended it, or NULL */
	int interrupted;        /* stopped by Ctrl-C / SIGTERM (an aborted job) */
	int64_t samples, duration_ns; /* as the run recorded them; -1 when unknown */
	int64_t cpu_sample_ns;  /* the CPU time one of its main samples stands for
				 * (its run_info cpu_sample_ns); 0 when none */
};
/* Each run, in runs.id order (a recorded profile: one, id 0). */
int store_each_run(struct hp_store *st, int (*cb)(void *ctx, const struct hp_run_row *r),
		   void *ctx);
/* A run's samples split into compute and MPI time (the analyzer's). */
struct hp_rank_stat {
	uint32_t run;           /* runs.id, 0 in a recorded profile */
	int64_t rank;           /* -1: not an MPI rank (NULL in the table) */
	const char *host;
	uint32_t pid;
	uint64_t samples, mpi_samples;  /* compute = samples - mpi_samples */
};
/* Replace the rank_stats rows (behind the rank_profile view) with
 * rows[0..n); a file written before rank_stats existed gets none. */
int store_write_rank_stats(struct hp_store *st, const struct hp_rank_stat *rows, uint32_t n);

/* ===================================================================== */
/* Additions for `hpprof diff`, `hpprof export` and `hpprof merge`.      */
/* ===================================================================== */

/* --- public views as rows (export --format csv|json) --- */
enum hp_cell_type { HP_CELL_NULL, HP_CELL_INT, HP_CELL_REAL, HP_CELL_TEXT };
struct hp_cell {
	enum hp_cell_type type;
	int64_t i;              /* HP_CELL_INT */
	double d;               /* HP_CELL_REAL */
	const char *text;       /* every non-NULL cell as text, valid during the callback */
};
/* 1 when a view of that name exists in the file, else 0. */
int store_has_view(struct hp_store *st, const char *view);
/* Every row of a public view (SELECT * FROM view), columns named in
 * names[0..ncols): cb is called once with cells == NULL (the header), then
 * once per row. The view must exist (store_has_view). */
int store_each_view_row(struct hp_store *st, const char *view,
			int (*cb)(void *ctx, int ncols, const char *const *names,
				  const struct hp_cell *cells),
			void *ctx);

/* --- allocation totals (diff) --- */
struct hp_alloc_totals {
	int64_t sites;          /* allocating stacks; 0 when allocation tracking did not run */
	int64_t allocs, bytes, leaked_bytes;
};
int store_alloc_totals(struct hp_store *st, struct hp_alloc_totals *t);

/* --- merging runs (merge) --- */
/* Copy the runs in paths[0..n) into out, a store just made by
 * store_create(): events (the union by name; a counter is measured only when
 * every run measured it), modules, files, functions, locations with their
 * inline frames, stack nodes, samples, threads, processes, memory and
 * allocation sites, with ids remapped and identical modules, functions,
 * locations and stacks shared. Input k (1-based) becomes runs row k and
 * threads/processes .run = k; a tid or pid already used by an earlier input
 * is renumbered to k << 22 | id (pid_max is at most 2^22). Meta keys are
 * copied from the first input; the caller sets the summed ones and writes
 * the statistics (profile_load + profile_write_stats). Each input must be
 * symbolized. samples[k] (when not NULL) gets the main-sampler samples of
 * input k. On error *bad_input (when not NULL) says which input failed. */
int store_merge(struct hp_store *out, const char *const *paths, unsigned n,
		uint64_t *samples, unsigned *bad_input);


/* --- allocation tracking (run --alloc) --- */
struct hp_alloc_site_row {
	uint32_t stack_id;      /* allocating stack (stack_nodes id); its leaf is the caller of malloc */
	uint32_t pid;           /* the process that allocated */
	uint64_t allocs, bytes;
	uint64_t peak_bytes;    /* live from this stack at its process's heap peak */
	uint64_t leaked_bytes, leaked_allocs;  /* never freed before exit */
	uint64_t temporary;     /* freed right after their own allocation (heaptrack's rule) */
};
/* Every alloc_stacks row (pid 0 in files made before it was kept). */
int store_each_alloc_stack(struct hp_store *st,
			   int (*cb)(void *ctx, const struct hp_alloc_site_row *r), void *ctx);
int store_add_alloc_stack(struct hp_store *st, const struct hp_alloc_site_row *r);
/* Rows of the alloc_sites view (per function, file, line), by bytes. */
struct hp_alloc_site {
	const char *function, *file;
	uint32_t line;
	uint64_t allocs, bytes, peak_bytes, leaked_bytes, leaked_allocs, temporary;
};
int store_each_alloc_site(struct hp_store *st, const char *order_by,
			  int (*cb)(void *ctx, const struct hp_alloc_site *a), void *ctx);

#endif

-- hpprof database schema. Compiled into the binary (common/CMakeLists.txt).
--
-- A file is an hpprof database when PRAGMA application_id = 0x68707066 ('hppf').
-- PRAGMA user_version is the schema version; store.c refuses a newer one.
-- Tables are internal and may change between versions; the VIEWS at the end are
-- the public interface (docs/schema.md) and only grow compatibly.
-- All addresses are stored as ELF virtual addresses of their module (load bias
-- removed), so the file symbolizes, diffs and exports without the binaries.

-- Key/value facts about the run: command, times, exit status, events, counts.
CREATE TABLE meta (
  key   TEXT PRIMARY KEY,
  value TEXT
) WITHOUT ROWID;

-- Every event requested for the run, opened or not (never silently dropped).
CREATE TABLE events (
  id        INTEGER PRIMARY KEY,   -- 0: main sampler; counter N is slot N-1 of samples.counters
  name      TEXT NOT NULL,         -- as the user wrote it
  role      TEXT NOT NULL,         -- 'sampler' | 'counter' | 'total' (counted, not per sample) | 'pagefault' (a second sampler)
                                   -- | 'simulated' (run --cache-sim: sim_costs, no samples)
  measured  INTEGER NOT NULL,      -- 1 when opened and counted
  reason    TEXT,                  -- why not measured (errno text and the fix)
  total     INTEGER,               -- whole-run count (scaled), NULL when not measured
  enabled_ns INTEGER,              -- time_enabled, for multiplexing
  running_ns INTEGER               -- time_running, for multiplexing
);

-- Processes of the run (the target, its forks and execs).
CREATE TABLE processes (
  pid        INTEGER PRIMARY KEY,
  ppid       INTEGER,
  comm       TEXT,
  exe        TEXT,
  start_ns   INTEGER,
  end_ns     INTEGER,
  exit_code  INTEGER,              -- exit status, or 128+signal
  peak_rss   INTEGER,              -- bytes: this process's own peak (its readings, VmHWM,
                                   -- its own rusage), never its children's
  run        INTEGER NOT NULL DEFAULT 0, -- runs.id in a merged file; 0 in a recorded one
  heap_peak  INTEGER               -- bytes of heap in use at its heap peak (--alloc), else NULL
);

-- Threads; the main thread has tid = pid.
CREATE TABLE threads (
  tid       INTEGER PRIMARY KEY,
  pid       INTEGER NOT NULL,
  comm      TEXT,
  start_ns  INTEGER,
  end_ns    INTEGER,
  run       INTEGER NOT NULL DEFAULT 0 -- runs.id in a merged file; 0 in a recorded one
);

-- Executable files and libraries seen in mappings.
CREATE TABLE modules (
  id        INTEGER PRIMARY KEY,
  path      TEXT NOT NULL,
  build_id  TEXT
);

-- Distinct code addresses. A caller frame stores its return address minus one
-- so that every address lies inside the call instruction's line.
CREATE TABLE locations (
  id        INTEGER PRIMARY KEY,
  module_id INTEGER NOT NULL,      -- 0 when no module covers the address
  addr      INTEGER NOT NULL       -- ELF vaddr in the module (absolute when module_id = 0)
);

-- The stack prefix tree: a node is a frame with its caller as parent.
-- A sample points at its innermost node; parent = 0 marks the outermost frame.
CREATE TABLE stack_nodes (
  id          INTEGER PRIMARY KEY,
  parent      INTEGER NOT NULL,
  location_id INTEGER NOT NULL
);

-- One row per sample; kept small (about 20 bytes on disk).
CREATE TABLE samples (
  t_ns      INTEGER NOT NULL,      -- since the run started
  tid       INTEGER NOT NULL,
  stack_id  INTEGER NOT NULL,      -- innermost stack_nodes.id, 0 when no stack
  event     INTEGER NOT NULL DEFAULT 0, -- events.id of the sampling event; 0 = main sampler
  counters  BLOB,                  -- counter deltas, zigzag LEB128 varints, one per slot (counters.h)
  unwind    INTEGER                -- how unwinding ended (record.h hp_stack_end): 0 at the
                                   -- outermost frame, 1 cut by the stack copy, 2 stopped,
                                   -- 3 too deep, 4 at a stack page the kernel could not copy,
                                   -- 5 completed from a later sample of the same frame
                                   -- (docs/symbols.md); NULL when not known (0, 1, NULL take
                                   -- no bytes)
);

-- Symbolization results (written at the end of run).
CREATE TABLE functions (
  id        INTEGER PRIMARY KEY,
  name      TEXT NOT NULL,         -- as shown: demangled (unless run --no-demangle)
  module_id INTEGER NOT NULL,
  file_id   INTEGER,               -- where the function is defined, when known
  raw_name  TEXT                   -- as the binary spells it (mangled); NULL when hpprof
                                   -- made the name up (lib.so+0x1a0, [unknown], [kernel])
);
CREATE TABLE files (
  id        INTEGER PRIMARY KEY,
  path      TEXT NOT NULL UNIQUE
);
-- The inline chain of a location: depth 0 is the innermost (inlined) frame,
-- the largest depth is the real function containing the address.
CREATE TABLE location_frames (
  location_id INTEGER NOT NULL,
  depth       INTEGER NOT NULL,
  function_id INTEGER NOT NULL,
  file_id     INTEGER,             -- source line of this frame; NULL when unknown
  line        INTEGER,
  PRIMARY KEY (location_id, depth)
) WITHOUT ROWID;

-- Pre-aggregated profile (written by the analyzer at the end of run).
CREATE TABLE function_stats (
  function_id   INTEGER PRIMARY KEY,
  self_samples  INTEGER NOT NULL,
  total_samples INTEGER NOT NULL
);
CREATE TABLE line_stats (
  file_id      INTEGER,
  line         INTEGER,
  function_id  INTEGER NOT NULL,
  self_samples INTEGER NOT NULL
);
-- Counter sums per function and per line (event_id -> events.id).
CREATE TABLE function_counter_stats (
  function_id INTEGER NOT NULL,
  event_id    INTEGER NOT NULL,
  self_value  INTEGER NOT NULL,
  total_value INTEGER NOT NULL,
  PRIMARY KEY (function_id, event_id)
) WITHOUT ROWID;
CREATE TABLE line_counter_stats (
  file_id     INTEGER,
  line        INTEGER,
  function_id INTEGER NOT NULL,
  event_id    INTEGER NOT NULL,
  self_value  INTEGER NOT NULL
);

-- Resident memory over time, one row per process per interval (RSS rows),
-- and heap-in-use points of allocation tracking (heap rows, with the last
-- RSS before them).
CREATE TABLE memory (
  pid        INTEGER NOT NULL,
  t_ns       INTEGER NOT NULL,
  rss_bytes  INTEGER NOT NULL,
  heap_bytes INTEGER,              -- NULL unless allocation tracking ran
  rss_anon   INTEGER,              -- RssAnon, RssFile, RssShmem (/proc/PID/status) of
  rss_file   INTEGER,              -- the reading; they add up to rss_bytes; NULL on
  rss_shmem  INTEGER               -- heap rows and when not read
);

-- Allocation tracking (--alloc): one row per allocating stack and process.
-- Definitions (heaptrack's; docs/memory.md) are per process.
CREATE TABLE alloc_stacks (
  stack_id     INTEGER NOT NULL,    -- stack_nodes.id of the allocating stack
  allocs       INTEGER NOT NULL,
  bytes        INTEGER NOT NULL,
  peak_bytes   INTEGER NOT NULL,    -- bytes live from this stack at its process's heap peak
  leaked_bytes INTEGER NOT NULL,    -- bytes never freed at exit
  leaked_allocs INTEGER NOT NULL,
  temporary    INTEGER NOT NULL,    -- frees that came right after their own allocation:
                                   -- no other free between, and the last allocation was
                                   -- of this stack and size
  pid          INTEGER NOT NULL DEFAULT 0, -- the process (0 in files made before it was kept)
  PRIMARY KEY (stack_id, pid)
);

-- Simulated costs (run --cache-sim): what valgrind's Cachegrind counted per
-- source line, with its file and function mapped to files and functions.
-- event_id -> events.id of a 'simulated' event (sim_Ir, sim_D1mr, ...).
-- These are raw facts like samples: the profile model adds them to its
-- lines and functions, and the statistics tables persist the sums.
CREATE TABLE sim_costs (
  function_id INTEGER NOT NULL,
  file_id     INTEGER,              -- NULL when cachegrind knew no file ('???')
  line        INTEGER,              -- NULL when it knew no line
  event_id    INTEGER NOT NULL,
  value       INTEGER NOT NULL
);

-- Runs combined by `hpprof merge` (no rows in a recorded profile): one row
-- per input database, in the order given; threads.run and processes.run
-- point here. A merged file keeps every sample, so sample counts add up.
CREATE TABLE runs (
  id          INTEGER PRIMARY KEY,  -- 1, 2, ... in the order of the inputs
  path        TEXT NOT NULL,        -- the input database as named on the command line
  command     TEXT,                 -- its run_info values
  start_time  TEXT,
  duration_ns INTEGER,
  samples     INTEGER,
  exit_status INTEGER
);

-- Each merged run's own run_info (no rows in a recorded profile, whose
-- run_info is its own): what differs between the runs, such as an MPI
-- rank's mpi_rank, hostname, exit_status and signal. Written by merge.
CREATE TABLE run_meta (
  run   INTEGER NOT NULL,         -- runs.id
  key   TEXT NOT NULL,
  value TEXT,
  PRIMARY KEY (run, key)
) WITHOUT ROWID;

-- Main-sampler samples per run split into compute and MPI time, written by
-- the analyzer with the other statistics (the split needs the stack model:
-- a sample is MPI time when its stack holds an MPI frame; analyzer/stacks.h).
-- One row per run: run 0 in a recorded profile, runs.id in a merged one.
CREATE TABLE rank_stats (
  run             INTEGER PRIMARY KEY,
  rank            INTEGER,        -- run_info mpi_rank; NULL when the run was no MPI rank
  host            TEXT,           -- run_info hostname
  pid             INTEGER,        -- the run's first process: the rank itself
  samples         INTEGER NOT NULL,
  compute_samples INTEGER NOT NULL,
  mpi_samples     INTEGER NOT NULL
);

-- Undecoded perf records (run --raw only): for chasing unwinder bugs, with
-- the registers and stack copy of every sample as the kernel wrote them.
CREATE TABLE raw_records (
  t_ns   INTEGER NOT NULL,         -- since the run started
  ring   INTEGER NOT NULL,         -- the CPU ring it came from
  type   INTEGER NOT NULL,         -- perf_event_header.type (9 = SAMPLE, 10 = MMAP2, ...)
  record BLOB NOT NULL             -- the whole record, header included
);

CREATE INDEX samples_by_time ON samples(t_ns);
-- A line's counters, looked up by the line_profile view once per row and
-- counter column (without it, exporting line_profile is quadratic).
CREATE INDEX line_counter_stats_by_line ON line_counter_stats(function_id, line, event_id);

-- ---------------------------------------------------------------------------
-- Public views (contract: docs/schema.md). Counter columns are appended to
-- function_profile and line_profile by the store when a run has counters.

-- The run's facts, then one row per requested event: 'event:NAME' with
-- "measured: TOTAL" or "not measured: REASON" ("simulated (cachegrind):
-- TOTAL" for the counters of a --cache-sim run).
CREATE VIEW run_info AS
  SELECT key, value FROM meta
  UNION ALL
  SELECT 'event:' || name,
         CASE WHEN role = 'simulated' THEN 'simulated (cachegrind): ' || COALESCE(total, '?')
              WHEN measured THEN 'measured: ' || COALESCE(total, '?')
                   || CASE WHEN running_ns > 0 AND running_ns < enabled_ns
                           THEN ' (scaled: counted ' || ROUND(100.0 * running_ns / enabled_ns, 1)
                                || '% of the time)' ELSE '' END
              ELSE 'not measured: ' || COALESCE(reason, 'unknown') END
  FROM events;

CREATE VIEW thread_profile AS
  SELECT t.pid AS pid, s.tid AS tid, t.comm AS comm, COUNT(*) AS samples
  FROM samples s LEFT JOIN threads t ON t.tid = s.tid
  WHERE s.event = 0
  GROUP BY s.tid ORDER BY samples DESC;

CREATE VIEW memory_timeline AS
  SELECT pid, t_ns, rss_bytes, heap_bytes, rss_anon AS rss_anon_bytes,
         rss_file AS rss_file_bytes, rss_shmem AS rss_shmem_bytes
  FROM memory ORDER BY pid, t_ns;

-- Every process of the run with its own figures: peak_rss_bytes is the
-- process's own peak (never its children's), samples its threads' main
-- samples; the tree is ppid -> pid.
CREATE VIEW process_profile AS
  SELECT p.pid AS pid, p.ppid AS ppid, p.comm AS comm, p.exe AS exe,
         p.start_ns AS start_ns, p.end_ns AS end_ns, COALESCE(c.n, 0) AS samples,
         p.peak_rss AS peak_rss_bytes, p.exit_code AS exit_code,
         p.heap_peak AS heap_peak_bytes
  FROM processes p
  LEFT JOIN (SELECT t.pid AS pid, COUNT(*) AS n FROM samples s JOIN threads t ON t.tid = s.tid
             WHERE s.event = 0 GROUP BY t.pid) c ON c.pid = p.pid
  ORDER BY p.start_ns, p.pid;

-- function_profile and line_profile without counter columns; the store
-- recreates both with one column per measured counter (store_create_views,
-- common/store_stats.c: the same SQL). Shares are of run_info's samples;
-- in a merge of runs sampled at different rates (the analyzer stored the
-- CPU time per function and line as counter stats of event_id -17) they
-- are of the CPU time, each sample its own run's period: that time over
-- the runs' samples x cpu_sample_ns (runs, run_meta), and rows come in the
-- order of that time.
CREATE VIEW function_profile AS
  SELECT f.name AS function, m.path AS module, fi.path AS file,
         s.self_samples, s.total_samples,
         ROUND(CASE WHEN (SELECT 1 FROM function_counter_stats WHERE event_id = -17 LIMIT 1) IS NULL
                    THEN 100.0 * s.self_samples / MAX(1, (SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'samples'))
                    ELSE 100.0 * COALESCE((SELECT c.self_value FROM function_counter_stats c
                                           WHERE c.function_id = s.function_id AND c.event_id = -17), 0)
                         / MAX(1, (SELECT SUM(r.samples * CAST(rm.value AS INTEGER)) FROM runs r
                                   JOIN run_meta rm ON rm.run = r.id AND rm.key = 'cpu_sample_ns')) END, 2) AS self_pct,
         ROUND(CASE WHEN (SELECT 1 FROM function_counter_stats WHERE event_id = -17 LIMIT 1) IS NULL
                    THEN 100.0 * s.total_samples / MAX(1, (SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'samples'))
                    ELSE 100.0 * COALESCE((SELECT c.total_value FROM function_counter_stats c
                                           WHERE c.function_id = s.function_id AND c.event_id = -17), 0)
                         / MAX(1, (SELECT SUM(r.samples * CAST(rm.value AS INTEGER)) FROM runs r
                                   JOIN run_meta rm ON rm.run = r.id AND rm.key = 'cpu_sample_ns')) END, 2) AS total_pct
  FROM function_stats s
  JOIN functions f ON f.id = s.function_id
  LEFT JOIN modules m ON m.id = f.module_id
  LEFT JOIN files fi ON fi.id = f.file_id
  ORDER BY (SELECT c.self_value FROM function_counter_stats c
            WHERE c.function_id = s.function_id AND c.event_id = -17) DESC,
           s.self_samples DESC, s.total_samples DESC;

CREATE VIEW line_profile AS
  SELECT fi.path AS file, l.line AS line, f.name AS function, m.path AS module,
         l.self_samples,
         ROUND(CASE WHEN (SELECT 1 FROM function_counter_stats WHERE event_id = -17 LIMIT 1) IS NULL
                    THEN 100.0 * l.self_samples / MAX(1, (SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'samples'))
                    ELSE 100.0 * COALESCE((SELECT SUM(c.self_value) FROM line_counter_stats c
                                           WHERE c.file_id IS l.file_id AND c.line IS l.line
                                           AND c.function_id = l.function_id AND c.event_id = -17), 0)
                         / MAX(1, (SELECT SUM(r.samples * CAST(rm.value AS INTEGER)) FROM runs r
                                   JOIN run_meta rm ON rm.run = r.id AND rm.key = 'cpu_sample_ns')) END, 2) AS self_pct
  FROM line_stats l
  JOIN functions f ON f.id = l.function_id
  LEFT JOIN modules m ON m.id = f.module_id
  LEFT JOIN files fi ON fi.id = l.file_id
  ORDER BY (SELECT SUM(c.self_value) FROM line_counter_stats c
            WHERE c.file_id IS l.file_id AND c.line IS l.line
            AND c.function_id = l.function_id AND c.event_id = -17) DESC,
           l.self_samples DESC;

-- One row per MPI rank (per run; a recorded profile has one): its samples,
-- how many were compute and how many MPI time, and MPI's share.
CREATE VIEW rank_profile AS
  SELECT rank, host, pid, samples, compute_samples, mpi_samples,
         ROUND(100.0 * mpi_samples / MAX(1, samples), 2) AS mpi_pct, run
  FROM rank_stats ORDER BY rank IS NULL, rank, run;
-- Wall-clock time per function (run --off-cpu; docs/offcpu.md): time on the
-- CPU (main samples x run_info cpu_sample_ns) and off it (the off-CPU
-- event's intervals, in ns). self = time whose innermost program frame
-- (kernel frames aside) is in the function; total = time whose stack
-- contains it; total_pct of the summed wall time of all threads. Off-CPU
-- columns and total_ns are NULL when the run recorded no off-CPU time, the
-- on-CPU ones when the sampler was not cpu-clock: never 0 for "not measured".
-- A merge of runs sampled at different rates has no one cpu_sample_ns: its
-- on-CPU time is each sample's own run's period, summed per function and
-- line by the analyzer as counter stats of event_id -17 (no events row;
-- HP_PEVENT_CPU_TIME in analyzer/profile.h).
CREATE VIEW wall_profile AS
  WITH k AS (SELECT (SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'cpu_sample_ns') AS cpu_ns,
                    (SELECT MIN(id) FROM events WHERE role = 'offcpu' AND measured) AS off_id,
                    (SELECT SUM(self_value) FROM line_counter_stats WHERE event_id = -17) AS mix_ns),
       tot AS (SELECT COALESCE((SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'samples') * k.cpu_ns,
                               k.mix_ns)
                      + (SELECT total FROM events WHERE id = k.off_id) AS wall FROM k),
       son AS (SELECT function_id AS fid, SUM(self_samples) AS n FROM line_stats GROUP BY function_id),
       mson AS (SELECT function_id AS fid, SUM(self_value) AS ns FROM line_counter_stats
                WHERE event_id = -17 GROUP BY function_id),
       soff AS (SELECT function_id AS fid, SUM(self_value) AS ns FROM line_counter_stats, k
                WHERE event_id = k.off_id GROUP BY function_id),
       w AS (SELECT s.function_id AS fid,
                    COALESCE(COALESCE(son.n, 0) * k.cpu_ns,
                             CASE WHEN k.mix_ns IS NULL THEN NULL ELSE COALESCE(mson.ns, 0) END) AS self_on_ns,
                    CASE WHEN k.off_id IS NULL THEN NULL ELSE COALESCE(soff.ns, 0) END AS self_off_ns,
                    COALESCE(s.total_samples * k.cpu_ns,
                             CASE WHEN k.mix_ns IS NULL THEN NULL ELSE COALESCE(mt.total_value, 0) END)
                    + CASE WHEN k.off_id IS NULL THEN NULL ELSE COALESCE(o.total_value, 0) END AS total_ns
             FROM function_stats s CROSS JOIN k
             LEFT JOIN son ON son.fid = s.function_id
             LEFT JOIN mson ON mson.fid = s.function_id
             LEFT JOIN function_counter_stats mt ON mt.function_id = s.function_id AND mt.event_id = -17
             LEFT JOIN soff ON soff.fid = s.function_id
             LEFT JOIN function_counter_stats o ON o.function_id = s.function_id AND o.event_id = k.off_id)
  SELECT f.name AS function, m.path AS module, fi.path AS file, w.self_on_ns, w.self_off_ns,
         w.total_ns, ROUND(100.0 * w.total_ns / MAX(1, tot.wall), 2) AS total_pct
  FROM w CROSS JOIN tot
  JOIN functions f ON f.id = w.fid
  LEFT JOIN modules m ON m.id = f.module_id
  LEFT JOIN files fi ON fi.id = f.file_id
  WHERE m.path IS NULL OR m.path NOT LIKE '[kernel%'
  ORDER BY w.total_ns DESC, w.self_on_ns DESC;

-- The same by source line: self time of the lines where program frames
-- were innermost (a kernel function's time goes to the line that entered
-- it); self_pct of the summed wall time of all threads.
CREATE VIEW wall_line_profile AS
  WITH k AS (SELECT (SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'cpu_sample_ns') AS cpu_ns,
                    (SELECT MIN(id) FROM events WHERE role = 'offcpu' AND measured) AS off_id,
                    (SELECT SUM(self_value) FROM line_counter_stats WHERE event_id = -17) AS mix_ns),
       tot AS (SELECT COALESCE((SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'samples') * k.cpu_ns,
                               k.mix_ns)
                      + (SELECT total FROM events WHERE id = k.off_id) AS wall FROM k),
       w AS (SELECT l.file_id AS file_id, l.line AS line, l.function_id AS fid,
                    COALESCE(l.self_samples * k.cpu_ns, CASE WHEN k.mix_ns IS NULL THEN NULL ELSE
                      COALESCE((SELECT SUM(c.self_value) FROM line_counter_stats c
                       WHERE c.file_id IS l.file_id AND c.line IS l.line
                       AND c.function_id = l.function_id AND c.event_id = -17), 0) END) AS self_on_ns,
                    CASE WHEN k.off_id IS NULL THEN NULL ELSE COALESCE(
                      (SELECT SUM(c.self_value) FROM line_counter_stats c
                       WHERE c.file_id IS l.file_id AND c.line IS l.line
                       AND c.function_id = l.function_id AND c.event_id = k.off_id), 0) END AS self_off_ns
             FROM line_stats l CROSS JOIN k)
  SELECT fi.path AS file, w.line AS line, f.name AS function, m.path AS module,
         w.self_on_ns, w.self_off_ns, w.self_on_ns + w.self_off_ns AS self_ns,
         ROUND(100.0 * (w.self_on_ns + w.self_off_ns) / MAX(1, tot.wall), 2) AS self_pct
  FROM w CROSS JOIN tot
  JOIN functions f ON f.id = w.fid
  LEFT JOIN modules m ON m.id = f.module_id
  LEFT JOIN files fi ON fi.id = w.file_id
  ORDER BY self_ns DESC, w.self_on_ns DESC;

-- Allocation sites (run --alloc): per source line of the call to malloc & co.
CREATE VIEW alloc_sites AS
  SELECT f.name AS function, fi.path AS file, lf.line AS line,
         SUM(a.allocs) AS allocs, SUM(a.bytes) AS bytes, SUM(a.peak_bytes) AS peak_bytes,
         SUM(a.leaked_bytes) AS leaked_bytes, SUM(a.leaked_allocs) AS leaked_allocs,
         SUM(a.temporary) AS temporary
  FROM alloc_stacks a
  JOIN stack_nodes n ON n.id = a.stack_id
  JOIN location_frames lf ON lf.location_id = n.location_id AND lf.depth = 0
  JOIN functions f ON f.id = lf.function_id
  LEFT JOIN files fi ON fi.id = lf.file_id
  GROUP BY f.name, fi.path, lf.line
  ORDER BY bytes DESC;

/*
 * pyremote.h - Python frames of processes hpprof attached to (`run -p`),
 * read from their memory when each perf sample is processed.
 *
 * An attached process has no preload agent, so its Python frames cannot be
 * read in the target at the sample (docs/python.md, "Choosing the
 * mechanism"). They are read by the collector instead (pyframes.h,
 * process_vm_readv), after the fact, and corrected with what the sample
 * holds of its own moment (docs/python.md, "Attach"):
 *  - each _PyEval_EvalFrameDefault activation keeps its _PyCFrame on the C
 *    stack, so the copy names, for every activation it covers, the Python
 *    frame it was running; the chain is read from there, and that frame
 *    (or its caller, if it returned) must still be in the thread's chain;
 *  - the evaluation loop's next_instr, in a register of the sample or
 *    saved by the C functions below the loop, points into the code object
 *    the innermost frame was running: the one read must contain it, or a
 *    code object seen before that does is taken instead; its line is that
 *    of the code unit before next_instr;
 *  - the count check of pymerge.h. A sample that fails keeps its native
 *    frames (unmerged). A caller whose callee returned since the sample
 *    gets no line (it may have gone on to another).
 */
#ifndef HP_PYREMOTE_H
#define HP_PYREMOTE_H

#include <stdint.h>

#include "collector/bpf/pybpf_abi.h"    /* enum pybpf_kind */
#include "common/record.h"             /* enum hp_stack_end */

struct hp_location;
struct hp_run_facts;
struct hp_session;
struct hp_pyremote;

int pyremote_new(struct hp_pyremote **out);
void pyremote_free(struct hp_pyremote *r);

/* Number the Python frames' locations with f's (the preload agent's
 * pyfeed, which must outlive r's use): a launched Python whose CPU
 * samples the agent takes and whose off-CPU samples r merges gets one
 * location per Python line, not two numberings of one "[python] FILE"
 * module (docs/python.md). */
struct hp_pyfeed;
void pyremote_share_locations(struct hp_pyremote *r, struct hp_pyfeed *f);

/* Looks at pid: 1 when hpprof can read its Python frames, 0 when it
 * runs no Python, or one it cannot read (then said on stderr once, with
 * pyruntime_note's text, and kept for run_info). The answer is kept until
 * pid execs (pyremote_exec); "no Python" until pid maps a file that may
 * hold one (pyremote_mapped), never on a timer. */
int pyremote_probe(struct hp_pyremote *r, uint32_t pid);

/* pid mapped path executable (a PERF_RECORD_MMAP/MMAP2): when the file
 * may be a Python runtime (pyruntime_may_hold: a libpython loaded after
 * the probe, an embedding program) and pid was found running none, it is
 * probed again at its next sample. path NULL: mapping records may have
 * been lost (PERF_RECORD_LOST), so every process found without Python is
 * probed again. */
void pyremote_mapped(struct hp_pyremote *r, uint32_t pid, const char *path);

/* pid exec'd (PERF_RECORD_COMM with its exec flag): its runtime, thread
 * states and code objects were those of the old image. They are
 * forgotten, and the new image is probed at the pid's next sample, so a
 * process that execs into CPython 3.11 after the attach (a shell script's
 * `exec python3.11`, a child of an attached process) gets Python frames
 * from then on. */
void pyremote_exec(struct hp_pyremote *r, uint32_t pid);

/* A sampling event was opened (fd; kind PYBPF_CPU, or PYBPF_OFFCPU for
 * the context-switch sampler): the BPF reader (pybpf.h) is loaded at the
 * first one and attached to each, when permitted; else (said in run_info
 * python_frames) the frames are read after the fact. */
void pyremote_sampler_fd(struct hp_pyremote *r, int fd, unsigned kind);

/* The sampling events given by pyremote_sampler_fd and kept for the load
 * were closed (the session opens its events again): forget them. */
void pyremote_forget_sampler_fds(struct hp_pyremote *r);

/* A switch-out of pid's tid at time whose stack is not used (an "off"
 * slot, offcpu.h): its BPF record, if any, is dropped (not left for
 * another sample). */
void pyremote_unused(struct hp_pyremote *r, uint32_t pid, uint32_t tid, uint64_t time,
		     unsigned kind);

/* Load the BPF reader at the first sampling event even when no process
 * was found running Python yet (an attach: a child forked before its exec
 * into Python inherits the events as they are at its fork, so only events
 * that carry the reader by then give its samples records). Else it is
 * loaded when the first process running Python is found (a launched run
 * without Python does not pay the load). */
void pyremote_bpf_early(struct hp_pyremote *r);

/* The sample at the moment described by its user registers and stack copy
 * (stack_len bytes from regs' SP): its native pcs[0..n) (complete: the
 * unwinding reached the outermost frame: *end is HP_STACK_END_OUTERMOST)
 * located into out with the Python frames merged in, or as they are when
 * the checks fail. A Python chain deeper than the frames read (the BPF
 * record's PYBPF_MAX_FRAMES, PYFRAMES_MAX) keeps its innermost frames,
 * merged as pymerge_cut, and sets *end to HP_STACK_END_DEEP. time: the
 * sample's (CLOCK_MONOTONIC ns), to find its BPF reader's record of kind
 * (its event's: PYBPF_CPU, PYBPF_OFFCPU); 0 for a sample of an event
 * without the reader (read after the fact). Returns the number of
 * locations written (at most max). */
uint32_t pyremote_locate(struct hp_pyremote *r, struct hp_session *s, uint32_t pid,
			 uint32_t tid, uint64_t time, unsigned kind, const uint64_t *regs, const uint8_t *stack,
			 uint64_t stack_len, const uint64_t *pcs, uint32_t n, enum hp_stack_end *end,
			 struct hp_location *out, uint32_t max);

/* pyremote_locate for thread tid asleep now (offcpu_attach.h: found
 * asleep at the attach), known by its user SP and PC alone: its Python
 * frames, read now from memory, are its own (it does not run), so the
 * innermost frame's code object is not checked against the registers
 * (which are not known) and the callers keep the lines read. */
uint32_t pyremote_locate_blocked(struct hp_pyremote *r, struct hp_session *s, uint32_t pid,
				 uint32_t tid, uint64_t sp, uint64_t pc, const uint8_t *stack,
				 uint64_t stack_len, const uint64_t *pcs, uint32_t n,
				 enum hp_stack_end *end, struct hp_location *out, uint32_t max);

/* Under the preload agent, whose samples give the python_* facts: how
 * the off-CPU samples (the only ones r sees then) got their Python
 * frames, in buf; NULL when r saw no sample of a Python thread. */
const char *pyremote_offcpu_note(const struct hp_pyremote *r, char *buf, size_t len);

/* The run_info facts (python_frames, python_version, the counts). Strings
 * stay valid until pyremote_free. */
void pyremote_facts(struct hp_pyremote *r, struct hp_run_facts *facts);

#endif

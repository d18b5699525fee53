/*
 * pybpf.h - the BPF Python frame reader: a BPF program (bpf/pyframes.bpf.c,
 * embedded in the executable) attached to hpprof's sampling events reads
 * the frame chain of a registered CPython process's thread at the moment
 * of each sample, in that thread, and hands it over through a BPF ring
 * buffer; pybpf_take gives each perf sample its record (pybpfq.h).
 *
 * Needs root or CAP_BPF + CAP_PERFMON, a kernel with BPF ring buffers
 * (5.8), and hpprof in the initial PID namespace (the program sees the
 * kernel's tids). pybpf_open says why when it cannot be used; the caller
 * then reads the frames after the fact (pyremote.h).
 */
#ifndef HP_PYBPF_H
#define HP_PYBPF_H

#include <stddef.h>
#include <stdint.h>

#include "collector/bpf/pybpf_abi.h"

struct hp_pybpf;
struct py_runtime;

/* Load the program. 0, or -errno with why (a sentence for run_info). */
int pybpf_open(struct hp_pybpf **out, char *why, size_t whylen);
void pybpf_free(struct hp_pybpf *b);

/* Run the program on each sample of the perf event fd (and of the events
 * it inherits to children created from now on); kind: the event's
 * (PYBPF_CPU: a sampling event; PYBPF_OFFCPU: the context-switch sampler,
 * read at the switch-out), which its records carry. */
int pybpf_attach(struct hp_pybpf *b, int perf_fd, unsigned kind);

/* Read the frames of pid's threads from now on (its runtime as found by
 * pyruntime_find). */
int pybpf_register(struct hp_pybpf *b, uint32_t pid, const struct py_runtime *rt);

/* pid exec'd or ended: stop reading it. */
void pybpf_unregister(struct hp_pybpf *b, uint32_t pid);

/* The record of kind of the sample of tid at time (CLOCK_MONOTONIC ns;
 * ip: its user-mode instruction pointer, 0 when not known), or NULL;
 * free() it. */
struct pybpf_rec *pybpf_take(struct hp_pybpf *b, uint32_t tid, uint64_t time, uint64_t ip,
			     unsigned kind);

/* Records the ring had no room for, and records whose samples never came. */
uint64_t pybpf_lost(struct hp_pybpf *b);
uint64_t pybpf_unmatched(struct hp_pybpf *b);

#endif

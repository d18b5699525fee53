/*
 * pybpfq.h - the BPF reader's records waiting for their perf samples, and
 * the rule that matches one to a sample.
 *
 * The BPF program (bpf/pyframes.bpf.c) runs in the sampling event's
 * overflow handler, so for one thread there is one record per sample, in
 * the same order, its time (bpf_ktime_get_ns, CLOCK_MONOTONIC, as the
 * events' sample times) within microseconds of its sample's: measured
 * 7-211 us after it on kernel 6.18 (the sample's time is taken first),
 * while the thread's next sample is a sampling period of its CPU time
 * away. The rule, per sample (tid, time, ip): the record of that tid
 * nearest in time, at most PYBPFQ_MAX_GAP_NS away, is its record, provided
 * that, when the record saw a user-mode ip, that ip is the sample's.
 * Records of that tid up to it are taken out (older ones: their samples
 * were lost); later ones wait for their samples. All of this per event
 * kind (rec.kind, pybpf_abi.h): a CPU sample and a switch-out of one
 * thread may be microseconds apart and come out of different rings in
 * either order, so a CPU sample takes only a CPU record and a switch-out
 * an off-CPU one (the switch-out's record has the kernel's ip: not
 * checked).
 */
#ifndef HP_PYBPFQ_H
#define HP_PYBPFQ_H

#include <stddef.h>
#include <stdint.h>

#include "collector/bpf/pybpf_abi.h"

#define PYBPFQ_MAX_GAP_NS 1000000ull   /* record to sample: microseconds in practice */
#define PYBPFQ_MAX_AGE_NS 5000000000ull /* a record whose sample never came is dropped */

struct pybpfq {
	struct pybpf_rec **rec;        /* waiting, in arrival order */
	size_t n, cap;
	uint64_t dropped;              /* records whose samples never came */
};

/* A copy of rec (its frames only) joins the queue. 0 or -ENOMEM. */
int pybpfq_push(struct pybpfq *q, const struct pybpf_rec *rec);

/* The record of kind (PYBPF_CPU, PYBPF_OFFCPU) of the sample of tid at
 * time (ip: its user-mode instruction pointer, 0 when not known), taken
 * out of the queue (free() it), or NULL when none matches. */
struct pybpf_rec *pybpfq_take(struct pybpfq *q, uint32_t tid, uint64_t time, uint64_t ip,
			      unsigned kind);

/* Records older than now - PYBPFQ_MAX_AGE_NS are dropped. */
void pybpfq_expire(struct pybpfq *q, uint64_t now);

void pybpfq_release(struct pybpfq *q);

#endif

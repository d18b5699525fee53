/*
 * test_pybpfq.c - the match of the BPF reader's records to perf samples
 * (collector/pybpfq.c): per thread, the record nearest in time within the
 * allowed gap, one record per sample in order; a record after its sample
 * (as measured on 6.18) or before it both match; another thread's record
 * never does; a record whose user-mode ip is not the sample's is refused;
 * records whose samples were lost are dropped when a later sample of the
 * same thread takes its own; a sample whose record was lost gets none
 * (not its neighbour's); a CPU sample and a switch-out (off-CPU) each
 * take only their own kind's record; old records expire.
 */
#include <stdlib.h>
#include <string.h>

#include "hp_test.h"
#include "collector/pybpfq.h"

int main(void);

static void push_kind(struct pybpfq *q, uint32_t tid, uint64_t time, uint64_t ip, uint16_t code,
		      unsigned kind)
{
	struct pybpf_rec r;
	memset(&r, 0, offsetof(struct pybpf_rec, frames));
	r.kind = (uint16_t)kind;
	r.tid = tid;
	r.pid = 1;
	r.time = time;
	r.ip = ip;
	r.user = ip != 0;
	r.nframes = 1;
	r.frames[0].code = code;
	CHECK_EQ_INT(pybpfq_push(q, &r), 0);
}

static void push(struct pybpfq *q, uint32_t tid, uint64_t time, uint64_t ip, uint16_t code)
{
	push_kind(q, tid, time, ip, code, PYBPF_CPU);
}

/* The code of the record matched to (tid, time, ip); 0 when none. */
static long take_kind(struct pybpfq *q, uint32_t tid, uint64_t time, uint64_t ip, unsigned kind)
{
	struct pybpf_rec *r = pybpfq_take(q, tid, time, ip, kind);
	long code = r ? (long)r->frames[0].code : 0;
	free(r);
	return code;
}

static long take(struct pybpfq *q, uint32_t tid, uint64_t time, uint64_t ip)
{
	return take_kind(q, tid, time, ip, PYBPF_CPU);
}

int main(void)
{
	struct pybpfq q = { 0 };
	const uint64_t ms = 1000000, T = 1000 * ms;

	/* two threads, records 20 us after their samples, arriving interleaved */
	push(&q, 10, T + 20000, 0x100, 1);
	push(&q, 11, T + 30000, 0x200, 2);
	push(&q, 10, T + ms + 20000, 0x101, 3);
	push(&q, 11, T + ms + 30000, 0x201, 4);
	CHECK_EQ_INT(take(&q, 10, T, 0x100), 1);
	CHECK_EQ_INT(take(&q, 11, T + 5000, 0x200), 2);
	CHECK_EQ_INT(take(&q, 10, T + ms, 0x101), 3);
	CHECK_EQ_INT(take(&q, 11, T + ms, 0x201), 4);
	CHECK_EQ_INT((long)q.n, 0);

	/* a record before its sample matches too; a kernel-mode record (ip 0)
	 * is not checked against the sample's user ip */
	push(&q, 10, T + 2 * ms - 10000, 0, 5);
	CHECK_EQ_INT(take(&q, 10, T + 2 * ms, 0x7777), 5);

	/* no record of this thread: none, and the other thread's stays */
	push(&q, 11, T + 3 * ms, 0x300, 6);
	CHECK_EQ_INT(take(&q, 10, T + 3 * ms, 0x300), 0);
	CHECK_EQ_INT((long)q.n, 1);
	CHECK_EQ_INT(take(&q, 11, T + 3 * ms + 1000, 0x300), 6);

	/* the sample of the record at 4 ms was lost: the 5 ms sample takes its
	 * own record and the older one is dropped */
	push(&q, 10, T + 4 * ms + 20000, 0x400, 7);
	push(&q, 10, T + 5 * ms + 20000, 0x500, 8);
	push(&q, 10, T + 6 * ms + 20000, 0x600, 9);
	uint64_t dropped = q.dropped;
	CHECK_EQ_INT(take(&q, 10, T + 5 * ms, 0x500), 8);
	CHECK_EQ_INT((long)(q.dropped - dropped), 1);
	CHECK_EQ_INT((long)q.n, 1);                  /* the 6 ms record waits for its sample */

	/* the 7 ms sample's record was lost: the 6 ms record (1 ms earlier,
	 * within the gap) is nearest, but its user ip is not the sample's */
	CHECK_EQ_INT(take(&q, 10, T + 7 * ms, 0x700), 0);
	CHECK_EQ_INT((long)q.n, 0);

	/* beyond the gap: no match */
	push(&q, 10, T + 10 * ms, 0, 10);
	CHECK_EQ_INT(take(&q, 10, T + 10 * ms + PYBPFQ_MAX_GAP_NS + 1, 0), 0);
	CHECK_EQ_INT((long)q.n, 1);
	/* the nearest of two candidates (the one after, not the one before) */
	push(&q, 10, T + 10 * ms + 900000, 0, 11);
	CHECK_EQ_INT(take(&q, 10, T + 10 * ms + 600000, 0), 11);
	CHECK_EQ_INT((long)q.n, 0);                  /* the older one dropped with it */

	/* a switch-out 30 us after a CPU sample of the same thread, their
	 * records in the queue, the switch-out processed first (another
	 * ring): each takes its own kind's, the CPU record is not dropped as
	 * older, and a switch-out's kernel ip is not checked */
	push_kind(&q, 10, T + 20 * ms + 20000, 0x2000, 13, PYBPF_CPU);
	push_kind(&q, 10, T + 20 * ms + 40000, 0, 14, PYBPF_OFFCPU);
	CHECK_EQ_INT(take_kind(&q, 10, T + 20 * ms + 50000, 0x2001, PYBPF_OFFCPU), 14);
	CHECK_EQ_INT((long)q.n, 1);
	CHECK_EQ_INT(take_kind(&q, 10, T + 20 * ms, 0x2000, PYBPF_CPU), 13);
	/* a switch-out whose record was lost does not take a CPU sample's */
	push_kind(&q, 10, T + 21 * ms, 0x2100, 15, PYBPF_CPU);
	CHECK_EQ_INT(take_kind(&q, 10, T + 21 * ms + 10000, 0x2100, PYBPF_OFFCPU), 0);
	CHECK_EQ_INT(take_kind(&q, 10, T + 21 * ms, 0x2100, PYBPF_CPU), 15);
	CHECK_EQ_INT((long)q.n, 0);

	/* records whose samples never come expire */
	push(&q, 12, T, 0, 12);
	pybpfq_expire(&q, T + PYBPFQ_MAX_AGE_NS / 2);
	CHECK_EQ_INT((long)q.n, 1);
	pybpfq_expire(&q, T + PYBPFQ_MAX_AGE_NS + 1);
	CHECK_EQ_INT((long)q.n, 0);
	pybpfq_release(&q);
	return hp_test_result();
}

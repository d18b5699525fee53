/*
 * pybpfq.c - the BPF reader's records waiting for their perf samples and
 * the one-for-one match of a record to its sample (pybpfq.h).
 */
#include "collector/pybpfq.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/grow.h"

int pybpfq_push(struct pybpfq *q, const struct pybpf_rec *rec)
{
	uint16_t n = rec->nframes <= PYBPF_MAX_FRAMES ? rec->nframes : PYBPF_MAX_FRAMES;
	size_t size = offsetof(struct pybpf_rec, frames) + n * sizeof(rec->frames[0]);
	struct pybpf_rec *c;
	if (hp_grow((void **)&q->rec, &q->cap, q->n + 1, sizeof(*q->rec)) || !(c = malloc(size)))
		return -ENOMEM;
	memcpy(c, rec, size);
	c->nframes = n;
	q->rec[q->n++] = c;
	return 0;
}

/* Remove the entries marked NULL, keeping the order. */
static void compact(struct pybpfq *q)
{
	size_t k = 0;
	for (size_t i = 0; i < q->n; i++)
		if (q->rec[i])
			q->rec[k++] = q->rec[i];
	q->n = k;
}

static uint64_t gap(uint64_t a, uint64_t b)
{
	return a > b ? a - b : b - a;
}

struct pybpf_rec *pybpfq_take(struct pybpfq *q, uint32_t tid, uint64_t time, uint64_t ip,
			      unsigned kind)
{
	size_t best = q->n;
	for (size_t i = 0; i < q->n; i++) {
		const struct pybpf_rec *r = q->rec[i];
		if (r->tid == tid && r->kind == kind && gap(r->time, time) <= PYBPFQ_MAX_GAP_NS &&
		    (best == q->n || gap(r->time, time) < gap(q->rec[best]->time, time)))
			best = i;
	}
	if (best == q->n)
		return NULL;
	struct pybpf_rec *got = q->rec[best];
	q->rec[best] = NULL;
	for (size_t i = 0; i < q->n; i++)     /* the same tid's older records: samples lost */
		if (q->rec[i] && q->rec[i]->tid == tid && q->rec[i]->kind == kind &&
		    q->rec[i]->time <= got->time) {
			free(q->rec[i]);
			q->rec[i] = NULL;
			q->dropped++;
		}
	compact(q);
	if (got->user && ip && got->ip != ip) {
		free(got);                      /* another sample's (this one's record was lost) */
		q->dropped++;
		return NULL;
	}
	return got;
}

void pybpfq_expire(struct pybpfq *q, uint64_t now)
{
	int any = 0;
	for (size_t i = 0; i < q->n; i++)
		if (q->rec[i]->time + PYBPFQ_MAX_AGE_NS < now) {
			free(q->rec[i]);
			q->rec[i] = NULL;
			q->dropped++;
			any = 1;
		}
	if (any)
		compact(q);
}

void pybpfq_release(struct pybpfq *q)
{
	for (size_t i = 0; i < q->n; i++)
		free(q->rec[i]);
	free(q->rec);
	memset(q, 0, sizeof(*q));
}

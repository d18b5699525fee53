/*
 * allocdecode.c - decode one stream's records (allocdecode.h): compact
 * allocation records with their per-stream state (thread pointer bases,
 * stack ids, the time), and the long records (EXIT, SAMPLE).
 */
#include "collector/allocdecode.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "common/grow.h"

#define UNKNOWN UINT32_MAX

void apdecode_init(struct hp_apdecode *d, uint64_t t_start_ns)
{
	memset(d, 0, sizeof(*d));
	d->t_start = d->t_now = t_start_ns;
}

void apdecode_release(struct hp_apdecode *d)
{
	free(d->last_ptr);
	free(d->tid);
	free(d->pool);
	free(d->stack_at);
	free(d->stack_n);
	memset(d, 0, sizeof(*d));
}

/* Thread number n's slot, growing the tables; NULL on -ENOMEM. Numbers
 * come from a counter in the target, so they stay small and dense. */
static int thread_slot(struct hp_apdecode *d, uint64_t n)
{
	if (!n || n > (1u << 24))
		return -HP_ECORRUPT;
	if (n < d->nthreads)
		return 0;
	size_t want = (size_t)n + 1, cap1 = d->nthreads, cap2 = d->nthreads;
	if (hp_grow((void **)&d->last_ptr, &cap1, want, sizeof(*d->last_ptr)) ||
	    hp_grow((void **)&d->tid, &cap2, want, sizeof(*d->tid)))
		return -ENOMEM;
	size_t cap = cap1 < cap2 ? cap1 : cap2;
	memset(d->last_ptr + d->nthreads, 0, (cap - d->nthreads) * sizeof(*d->last_ptr));
	memset(d->tid + d->nthreads, 0, (cap - d->nthreads) * sizeof(*d->tid));
	d->nthreads = cap;
	return 0;
}

static const unsigned char *get_pcs(uint64_t *out, const unsigned char *p,
				    const unsigned char *end, unsigned n)
{
	uint64_t v;
	for (unsigned i = 0; i < n; i++) {
		if (!(p = hp_ap_get(p, end, &v)))
			return NULL;
		out[i] = i ? out[i - 1] + (uint64_t)hp_ap_unzigzag(v) : v;
	}
	return p;
}

/* thread, dptr: the pointer of an ALLOC, FREE or NOFREE. */
static const unsigned char *get_ptr(struct hp_apdecode *d, const unsigned char *p,
				    const unsigned char *end, struct hp_alloc_event *ev, int *err)
{
	uint64_t n, dz;
	if (!(p = hp_ap_get(p, end, &n)) || (*err = thread_slot(d, n)))
		return NULL;
	ev->tid = d->tid[n] ? d->tid[n] : ev->pid;
	if (ev->kind == HP_ALLOC_ALLOC) {      /* the stack id comes before the pointer */
		uint64_t id;
		if (!(p = hp_ap_get(p, end, &id)) || id > UINT32_MAX)
			return NULL;
		ev->stack_ref = (uint32_t)id;
	}
	if (!(p = hp_ap_get(p, end, &dz)))
		return NULL;
	ev->ptr = d->last_ptr[n] + (uint64_t)hp_ap_unzigzag(dz);
	d->last_ptr[n] = ev->ptr;
	return p;
}

/* An allocation stack's words (allocproto.h): native pcs, then, after
 * HP_AP_PY_MARK (or HP_AP_PY_MARK_CUT), two words per Python frame. Sets ev's pcs, nr_pcs and
 * its Python frames (HP_ALLOC_F_PYTHON) or none. */
static int split_words(struct hp_alloc_event *ev, const uint64_t *w, unsigned n)
{
	unsigned k = 0;
	while (k < n && w[k] != HP_AP_PY_MARK && w[k] != HP_AP_PY_MARK_CUT)
		k++;
	unsigned npy = k < n ? (n - k - 1) / 2 : 0;
	if (k > HP_AP_MAX_FRAMES || (k < n && (n - k - 1) % 2) || npy > HP_AP_MAX_PY_FRAMES)
		return -HP_ECORRUPT;
	memcpy(ev->pcs, w, k * sizeof(*w));
	ev->nr_pcs = (uint16_t)k;
	ev->nr_py = (uint16_t)npy;
	ev->flags = k < n ? HP_ALLOC_F_PYTHON : 0;
	if (k < n && w[k] == HP_AP_PY_MARK_CUT)
		ev->flags |= HP_ALLOC_F_PYCUT;     /* the innermost frames of a deeper chain */
	for (unsigned i = 0; i < npy; i++)
		ev->py[i] = (struct pysample_frame){ .code = w[k + 1 + 2 * i],
						     .offset = (int32_t)(w[k + 2 + 2 * i] >> 32),
						     .flags = (uint32_t)w[k + 2 + 2 * i] };
	return 0;
}

static int add_stack(struct hp_apdecode *d, const unsigned char *p, const unsigned char *end)
{
	uint64_t id, n;
	if (!(p = hp_ap_get(p, end, &id)) || !(p = hp_ap_get(p, end, &n)) || !id ||
	    id > (1u << 26) || n > HP_AP_MAX_ALLOC_WORDS)
		return -HP_ECORRUPT;
	if (id >= d->nstacks) {
		size_t c1 = d->nstacks, c2 = d->nstacks;
		if (hp_grow((void **)&d->stack_at, &c1, (size_t)id + 1, sizeof(*d->stack_at)) ||
		    hp_grow((void **)&d->stack_n, &c2, (size_t)id + 1, sizeof(*d->stack_n)))
			return -ENOMEM;
		size_t cap = c1 < c2 ? c1 : c2;
		for (size_t i = d->nstacks; i < cap; i++)
			d->stack_at[i] = UNKNOWN;
		d->nstacks = cap;
	}
	if (hp_grow((void **)&d->pool, &d->pool_cap, d->npool + n, sizeof(*d->pool)))
		return -ENOMEM;
	if (!get_pcs(d->pool + d->npool, p, end, (unsigned)n))
		return -HP_ECORRUPT;
	d->stack_at[id] = (uint32_t)d->npool;
	d->stack_n[id] = (uint16_t)n;
	d->npool += n;
	return 0;
}

/* The rest of an ALLOC after the pointer: size, [weight], [inline pcs]. */
static int alloc_rest(struct hp_apdecode *d, const unsigned char *p, const unsigned char *end,
		      uint32_t head, struct hp_alloc_event *ev)
{
	if (!(p = hp_ap_get(p, end, &ev->size)))
		return -HP_ECORRUPT;
	ev->weight = ev->size;
	if ((HP_AP_HEAD_FLAGS(head) & HP_AP_RF_WEIGHT) && !(p = hp_ap_get(p, end, &ev->weight)))
		return -HP_ECORRUPT;
	if (ev->stack_ref) {
		uint32_t id = ev->stack_ref;
		if (id >= d->nstacks || d->stack_at[id] == UNKNOWN)
			return -HP_ECORRUPT;        /* an id before its STACK */
		return split_words(ev, d->pool + d->stack_at[id], d->stack_n[id]);
	}
	uint64_t n, w[HP_AP_MAX_ALLOC_WORDS];
	if (!(p = hp_ap_get(p, end, &n)) || n > HP_AP_MAX_ALLOC_WORDS ||
	    !get_pcs(w, p, end, (unsigned)n))
		return -HP_ECORRUPT;
	return split_words(ev, w, (unsigned)n);
}

static int decode_compact(struct hp_apdecode *d, const unsigned char *rec, uint32_t len,
			  uint32_t head, struct hp_alloc_event *ev)
{
	const unsigned char *p = rec + 4, *end = rec + len;
	unsigned type = HP_AP_HEAD_TYPE(head);
	uint64_t a, b;
	int err = 0;
	d->bytes += len;
	switch (type) {
	case HP_AP_TIME:
		if (!hp_ap_get(p, end, &a))
			return -HP_ECORRUPT;
		if (d->t_start + a > d->t_now)
			d->t_now = d->t_start + a;
		return 0;
	case HP_AP_THREAD:
		if (!(p = hp_ap_get(p, end, &a)) || !hp_ap_get(p, end, &b) || (err = thread_slot(d, a)))
			return err ? err : -HP_ECORRUPT;
		d->tid[a] = (uint32_t)b;
		return 0;
	case HP_AP_STACK:
		return add_stack(d, p, end);
	}
	ev->kind = type == HP_AP_ALLOC ? HP_ALLOC_ALLOC : HP_ALLOC_FREE;
	ev->func = (uint8_t)HP_AP_HEAD_FUNC(head);
	ev->t_ns = d->t_now;
	if (!(p = get_ptr(d, p, end, ev, &err)))
		return err ? err : -HP_ECORRUPT;
	d->events++;
	if (type == HP_AP_NOFREE)
		return 0;
	if (type == HP_AP_FREE)
		return 1;
	return (err = alloc_rest(d, p, end, head, ev)) ? err : 1;
}

/* The kernel part of a PYSAMPLE (HP_AP_RF_KCHAIN): nr_k, then the
 * addresses (the first as is, then zigzag deltas). */
static int get_kernel(const unsigned char *p, const unsigned char *end, struct hp_alloc_event *ev)
{
	uint64_t n, v, ip = 0;
	if (!(p = hp_ap_get(p, end, &n)) || n > HP_AP_MAX_KERNEL_FRAMES)
		return -HP_ECORRUPT;
	for (uint64_t i = 0; i < n; i++) {
		if (!(p = hp_ap_get(p, end, &v)))
			return -HP_ECORRUPT;
		ip = i ? ip + (uint64_t)hp_ap_unzigzag(v) : v;
		ev->kpcs[i] = ip;
	}
	ev->nr_kpcs = (uint16_t)n;
	ev->flags |= HP_ALLOC_F_KCHAIN | (n ? HP_ALLOC_F_KMODE : 0);
	return 1;
}

/* The Python frames of a PYSAMPLE: nr_py, then (code delta, offset,
 * flags) each. */
static int get_py(const unsigned char *p, const unsigned char *end, unsigned rflags,
		  struct hp_alloc_event *ev)
{
	uint64_t n, dcode, off, fl, code = 0;
	if (!(p = hp_ap_get(p, end, &n)) || n > HP_AP_MAX_PY_FRAMES)
		return -HP_ECORRUPT;
	for (uint64_t i = 0; i < n; i++) {
		if (!(p = hp_ap_get(p, end, &dcode)) || !(p = hp_ap_get(p, end, &off)) ||
		    !(p = hp_ap_get(p, end, &fl)))
			return -HP_ECORRUPT;
		code += (uint64_t)hp_ap_unzigzag(dcode);
		ev->py[i] = (struct pysample_frame){ .code = code,
						     .offset = (int32_t)hp_ap_unzigzag(off),
						     .flags = (uint32_t)fl };
	}
	ev->nr_py = (uint16_t)n;
	ev->flags |= HP_ALLOC_F_PYTHON | ((rflags & HP_AP_RF_PYFAIL) ? HP_ALLOC_F_PYFAIL : 0) |
		     ((rflags & HP_AP_RF_FAULT) ? HP_ALLOC_F_FAULT : 0) |
		     ((rflags & HP_AP_RF_PYCUT) ? HP_ALLOC_F_PYCUT : 0);
	return (rflags & HP_AP_RF_KCHAIN) ? get_kernel(p, end, ev) : 1;
}

/* EXIT and SAMPLE: the 8-byte prefix, tid, t, then for SAMPLE overrun, pcs. */
static int decode_long(struct hp_apdecode *d, const unsigned char *rec, uint32_t len,
		       uint32_t head, struct hp_alloc_event *ev)
{
	struct hp_ap_rec r;
	uint64_t tid, dt, overrun;
	if (len < sizeof(r))
		return -HP_ECORRUPT;
	memcpy(&r, rec, sizeof(r));
	const unsigned char *p = rec + sizeof(r), *end = rec + len;
	if (!(p = hp_ap_get(p, end, &tid)) || !(p = hp_ap_get(p, end, &dt)))
		return -HP_ECORRUPT;
	ev->tid = (uint32_t)tid;
	ev->t_ns = d->t_start + dt;
	ev->func = r.func;
	if (HP_AP_HEAD_TYPE(head) == HP_AP_EXIT)
		return 1;
	if (HP_AP_HEAD_TYPE(head) == HP_AP_PYCODE) {
		ev->kind = HP_ALLOC_PYCODE;
		ev->blob = p;
		ev->blob_len = (uint32_t)(end - p);
		return 1;
	}
	if (r.nr_pcs > HP_AP_MAX_SAMPLE_FRAMES || !(p = hp_ap_get(p, end, &overrun)) ||
	    !(p = get_pcs(ev->pcs, p, end, r.nr_pcs)))
		return -HP_ECORRUPT;
	ev->kind = HP_ALLOC_SAMPLE;
	ev->nr_pcs = r.nr_pcs;
	ev->weight = 1 + overrun;
	ev->flags = (r.flags & HP_AP_RF_TRUNCATED) ? HP_ALLOC_F_TRUNCATED : 0;
	ev->nr_py = 0;
	ev->nr_kpcs = 0;
	if (HP_AP_HEAD_TYPE(head) == HP_AP_PYSAMPLE)
		return get_py(p, end, r.flags, ev);
	return 1;
}

int apdecode_record(struct hp_apdecode *d, const unsigned char *rec, uint32_t len, uint32_t head,
		    struct hp_alloc_event *ev)
{
	unsigned type = HP_AP_HEAD_TYPE(head);
	if (type == HP_AP_PAD)
		return 0;
	if (HP_AP_COMPACT(type))
		return decode_compact(d, rec, len, head, ev);
	if (type == HP_AP_EXIT || type == HP_AP_SAMPLE || type == HP_AP_PYSAMPLE ||
	    type == HP_AP_PYCODE)
		return decode_long(d, rec, len, head, ev);
	return -HP_ECORRUPT;
}

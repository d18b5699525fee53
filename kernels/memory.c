/*
 * hp-memory - memory growth, footprints and leaks: High Performance Python
 * ch. 2 (memory_profiler), ch. 3 (list over-allocation), ch. 5 (generators
 * instead of materialized lists) and ch. 11 (using less RAM).
 *
 * Lesson: the memory timeline and the allocation sites tell where RAM goes.
 *   stream / materialize   the same sum; materialize first stores N values:
 *                          an RSS step of N x 8 bytes, stream stays flat.
 *   boxed / contiguous     N 8-byte values malloc'd one by one behind a
 *                          pointer array vs one array: RSS about 5:1.
 *   leak                   exactly --rounds x 4096 bytes never freed, all
 *                          from one line, among freed temporaries.
 *   growvec / exactvec     a vector grown by realloc with CPython's list
 *                          policy (x1.125) vs one exact allocation: the
 *                          allocation count and the slack.
 * Values are v(i) = i mod 1000, so every sum has a closed form.
 */
#include "kernels/kcommon.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LEAK_BLOCK 4096

enum variant { V_STREAM, V_MATERIALIZE, V_BOXED, V_CONTIGUOUS, V_LEAK, V_GROWVEC, V_EXACTVEC };

static const struct kvariant variants[] = {
	{ "stream", "sum N values computed on the fly: flat RSS (a generator, ch. 5)" },
	{ "materialize", "store N values first, then sum: an RSS step of N x 8 bytes (a list)" },
	{ "boxed", "N values each malloc'd, behind a pointer array: ~5x contiguous RSS (ch. 11)" },
	{ "contiguous", "N values in one array (array.array, ch. 11)" },
	{ "leak", "--rounds x 4096 B leaked from one line among freed temporaries" },
	{ "growvec", "append N values, realloc by CPython's x1.125 list policy (ch. 3)" },
	{ "exactvec", "the same N values in one exact allocation (a tuple, ch. 3)" },
	{ NULL, NULL },
};

static uint64_t value(uint64_t i)
{
	return i % 1000;
}

/* The closed form of sum(v(i) for i < n). */
static uint64_t expected_sum(uint64_t n)
{
	uint64_t r = n % 1000;
	return n / 1000 * 499500 + r * (r - 1) / 2;   /* r = 0: 0 * (2^64-1) / 2 = 0 */
}

/* sum(v(i) for i < n), nothing stored. */
KERNEL_FN static uint64_t stream_values(uint64_t n)
{
	uint64_t sum = 0;
	for (uint64_t i = 0; i < n; i++)
		sum += value(i);                                  /* HOT: stream sum */
	return sum;
}

/* [v(i) for i < n]: n x 8 bytes, first touched here. Caller frees. */
KERNEL_FN static uint64_t *materialize_values(uint64_t n)
{
	uint64_t *vals = kchecked(malloc(n * sizeof *vals)); /* ALLOC: materialized list */
	for (uint64_t i = 0; i < n; i++)
		vals[i] = value(i);                               /* RSS: first touch of the list */
	return vals;
}

KERNEL_FN static uint64_t sum_values(const uint64_t *vals, uint64_t n)
{
	uint64_t sum = 0;
	for (uint64_t i = 0; i < n; i++)
		sum += vals[i];                                   /* HOT: array sum */
	return sum;
}

/* n values, each its own 8-byte allocation, behind a pointer array. Caller
 * frees each box and the array. */
KERNEL_FN static uint64_t **boxed_values(uint64_t n)
{
	uint64_t **boxes = kchecked(malloc(n * sizeof *boxes)); /* ALLOC: pointer array */
	for (uint64_t i = 0; i < n; i++) {
		boxes[i] = kchecked(malloc(sizeof **boxes)); /* ALLOC: one box per value */
		*boxes[i] = value(i);
	}
	return boxes;
}

KERNEL_FN static uint64_t sum_boxed(uint64_t *const *boxes, uint64_t n)
{
	uint64_t sum = 0;
	for (uint64_t i = 0; i < n; i++)
		sum += *boxes[i];                                 /* HOT: boxed sum */
	return sum;
}

/* The same n values in one allocation. Caller frees. */
KERNEL_FN static uint64_t *contiguous_values(uint64_t n)
{
	uint64_t *vals = kchecked(malloc(n * sizeof *vals)); /* ALLOC: one array */
	for (uint64_t i = 0; i < n; i++)
		vals[i] = value(i);
	return vals;
}

/*
 * Each round: a few temporaries of varying size, all freed, and one 4096-byte
 * block that is never freed. Returns the line of that malloc.
 */
KERNEL_FN static int leak_buffers(long rounds)
{
	int line = 0;
	for (long r = 0; r < rounds; r++) {
		for (size_t k = 0; k < 8; k++) {
			size_t size = (size_t)64 << ((size_t)r % 11);
			char *tmp = kchecked(malloc(size)); /* ALLOC: temporary, freed */
			memset(tmp, (int)k, size);
			KESCAPE(tmp);
			free(tmp);
		}
		char *lost = kchecked(malloc(LEAK_BLOCK)); line = __LINE__; /* LEAK: 4096 B per round, never freed */
		memset(lost, 0xab, LEAK_BLOCK);
		KESCAPE(lost);
	}
	return line;
}

/* A growable vector of uint64_t, resized as CPython resizes a list. */
struct vec {
	uint64_t *data;
	size_t len, cap;
	long reallocs;
};

/* CPython's list_resize: new allocation = n + n/8 + (n < 9 ? 3 : 6). */
static size_t grown_capacity(size_t n)
{
	return n + (n >> 3) + (n < 9 ? 3 : 6);
}

static void vec_append(struct vec *v, uint64_t x)
{
	if (v->len == v->cap) {
		v->cap = grown_capacity(v->len + 1);
		v->data = kchecked(realloc(v->data, v->cap * sizeof *v->data)); /* ALLOC: list_resize */
		v->reallocs++;
	}
	v->data[v->len++] = x;
}

/* Appends v(i) for i < n one at a time. Caller frees v->data. */
KERNEL_FN static void grow_vector(struct vec *v, uint64_t n)
{
	for (uint64_t i = 0; i < n; i++)
		vec_append(v, value(i));                          /* HOT: append */
}

/* The same n values in one exact allocation. Caller frees v->data. */
KERNEL_FN static void exact_vector(struct vec *v, uint64_t n)
{
	v->data = kchecked(malloc(n * sizeof *v->data)); /* ALLOC: exact size */
	v->cap = n;
	v->reallocs = 1;
	for (uint64_t i = 0; i < n; i++)
		v->data[v->len++] = value(i);
}

/* The capacity the list policy reaches after n appends, without allocating. */
static size_t policy_capacity(size_t n, long *resizes)
{
	size_t cap = 0;
	*resizes = 0;
	for (size_t len = 0; len < n; len++)
		if (len == cap) {
			cap = grown_capacity(len + 1);
			++*resizes;
		}
	return cap;
}

struct options {
	long n, passes, rounds;
};

/* Phases (truth lines): build (the values stored, if any), compute (the
 * passes), teardown (the frees). */
static int run_sum(enum variant v, const struct options *o, struct ktruth *mark)
{
	uint64_t n = (uint64_t)o->n, sum = 0;
	uint64_t *vals = NULL, **boxes = NULL;

	if (v == V_MATERIALIZE)
		vals = materialize_values(n);
	else if (v == V_CONTIGUOUS)
		vals = contiguous_values(n);
	else if (v == V_BOXED)
		boxes = boxed_values(n);
	ktruth_phase("memory", "build", mark);
	for (long p = 0; p < o->passes; p++)
		sum += v == V_STREAM ? stream_values(n) : boxes ? sum_boxed(boxes, n) : sum_values(vals, n);
	ktruth_phase("memory", "compute", mark);
	for (uint64_t i = 0; boxes && i < n; i++)
		free(boxes[i]);
	free(boxes);
	free(vals);
	ktruth_phase("memory", "teardown", mark);

	uint64_t want = expected_sum(n) * (uint64_t)o->passes;
	printf("memory: variant %s: %lu values x %ld passes\n", variants[v].name, (unsigned long)n,
	       o->passes);
	return kvalidate("memory", sum == want, "sum %lu (expected %lu)", (unsigned long)sum,
			 (unsigned long)want);
}

static int run_leak(const struct options *o, struct ktruth *mark)
{
	int line = leak_buffers(o->rounds);
	ktruth_phase("memory", "compute", mark);
	printf("memory: variant leak: %ld rounds, 8 freed temporaries each\n", o->rounds);
	return kvalidate("memory", line > 0, "leaked %ld bytes in %ld blocks of %d from memory.c:%d",
			 o->rounds * LEAK_BLOCK, o->rounds, LEAK_BLOCK, line);
}

/* Phases: build (the appends), compute (the sum), teardown (the free). */
static int run_vector(enum variant v, const struct options *o, struct ktruth *mark)
{
	struct vec vec = { 0 };
	long resizes;
	size_t n = (size_t)o->n, cap = v == V_GROWVEC ? policy_capacity(n, &resizes) : n;

	if (v == V_GROWVEC)
		grow_vector(&vec, n);
	else
		exact_vector(&vec, n);
	ktruth_phase("memory", "build", mark);
	uint64_t sum = sum_values(vec.data, vec.len);
	ktruth_phase("memory", "compute", mark);
	free(vec.data);
	ktruth_phase("memory", "teardown", mark);

	printf("memory: variant %s: %zu items, %ld allocations, capacity %zu, slack %zu bytes (%.1f%%)\n",
	       variants[v].name, vec.len, vec.reallocs, vec.cap, (vec.cap - vec.len) * sizeof(uint64_t),
	       100.0 * (double)(vec.cap - vec.len) / (double)vec.len);
	return kvalidate("memory", sum == expected_sum(n) && vec.cap == cap,
			 "sum %lu (expected %lu), capacity %zu (expected %zu)", (unsigned long)sum,
			 (unsigned long)expected_sum(n), vec.cap, cap);
}

int main(int argc, char **argv)
{
	struct ktruth mark;
	ktruth_now(&mark);
	struct options o = { 0 };
	const struct kopt opts[] = {
		{ "n", KOPT_LONG, &o.n,
		  "values (default 1e7; growvec/exactvec 1e8 as the book; --small 1e6)" },
		{ "passes", KOPT_LONG, &o.passes,
		  "sums over the values (default stream 250, materialize 400, boxed 30, contiguous 400; --small 2)" },
		{ "rounds", KOPT_LONG, &o.rounds, "leak: rounds, one leaked 4096 B block each (default 1000)" },
		{ NULL, 0, NULL, NULL },
	};
	const struct kspec spec = {
		"memory", "memory growth, footprints and leaks: what the RSS timeline and alloc sites show",
		"HPP ch. 2, 3, 5, 11", variants, opts,
		"Every variant frees what it allocates except leak, which leaks exactly "
		"rounds x 4096 bytes from the line it prints.",
	};
	static const long default_passes[] = { 250, 400, 30, 400, 1, 1, 1 };
	bool small;
	enum variant v = kargs_parse(&spec, argc, argv, &small);
	bool vector = v == V_GROWVEC || v == V_EXACTVEC;
	o.n = o.n ? o.n : small ? 1000000 : vector ? 100000000 : 10000000;
	o.passes = o.passes ? o.passes : small ? 2 : default_passes[v];
	o.rounds = o.rounds ? o.rounds : 1000;

	ktruth_phase("memory", "setup", &mark);
	int rc = v == V_LEAK ? run_leak(&o, &mark) : vector ? run_vector(v, &o, &mark)
							    : run_sum(v, &o, &mark);
	ktruth_process("memory", "main", NULL);
	return rc;
}

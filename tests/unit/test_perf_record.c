/*
 * test_perf_record.c - collector/perf_record.c and perf_ring.c on records
 * built by hand: a full sample parses to the values put in; every
 * truncation of it, and records whose counts lie (callchain, group read,
 * stack size, registers), are refused with -EBADMSG without reading past
 * the record's end; COMM, MMAP2, FORK/EXIT and LOST with short bodies or
 * unterminated strings are refused; record times come from the sample or
 * the sample_id trailer. A drain of two hand-made rings hands the records
 * over in time order, copies a record that wraps around the ring's end,
 * and stops at a lying header, releasing the ring.
 *
 * Each record under test sits at the very end of a page followed by a
 * PROT_NONE page, so reading one byte past it faults (with or without
 * ASan).
 */
#include <errno.h>
#include <stddef.h>
#include <linux/perf_event.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "hp_test.h"
#include "collector/perf_record.h"
#include "collector/perf_ring.h"

#define NREGS 3
#define STACK 64

static const struct hp_perf_format fmt = {
	.sample_type = PERF_SAMPLE_IDENTIFIER | PERF_SAMPLE_IP | PERF_SAMPLE_TID |
		       PERF_SAMPLE_TIME | PERF_SAMPLE_READ | PERF_SAMPLE_CALLCHAIN |
		       PERF_SAMPLE_REGS_USER | PERF_SAMPLE_STACK_USER,
	.read_format = PERF_FORMAT_GROUP | PERF_FORMAT_ID | PERF_FORMAT_TOTAL_TIME_ENABLED |
		       PERF_FORMAT_TOTAL_TIME_RUNNING,
	.nregs = NREGS,
};

/* ---- a guarded place for records ---- */

static uint8_t *guard_page;      /* a readable page; the next one is PROT_NONE */
static size_t page;

static void guard_init(void)
{
	page = (size_t)sysconf(_SC_PAGESIZE);
	guard_page = mmap(NULL, 2 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
			  -1, 0);
	if (guard_page == MAP_FAILED || mprotect(guard_page + page, page, PROT_NONE)) {
		perror("mmap");
		exit(1);
	}
}

/* Copy size bytes of rec so that they end where the guard page starts,
 * with the header's size set to size. */
static const void *guarded(const void *rec, uint32_t size)
{
	uint8_t *p = guard_page + page - size;
	memcpy(p, rec, size);
	if (size >= sizeof(struct perf_event_header))
		((struct perf_event_header *)p)->size = (uint16_t)size;
	return p;
}

/* ---- records built by hand ---- */

struct builder {
	uint64_t w[512];
	unsigned n;
};

static void put(struct builder *b, uint64_t v)
{
	b->w[b->n++] = v;
}

static void header(struct builder *b, uint32_t type, uint16_t misc)
{
	struct perf_event_header h = { type, misc, 0 };
	b->n = 0;
	memcpy(&b->w[b->n++], &h, sizeof(h));
}

static uint32_t finish(struct builder *b)
{
	uint32_t size = b->n * 8;
	uint16_t hsize = (uint16_t)size;
	memcpy((uint8_t *)b->w + offsetof(struct perf_event_header, size), &hsize, sizeof(hsize));
	return size;
}

/* The full sample of fmt; positions of its count fields come back. */
struct sample_pos { unsigned read_nr, nr_ips, abi, stack_size, dyn; };

static uint32_t build_sample(struct builder *b, struct sample_pos *pos, uint64_t dyn)
{
	header(b, PERF_RECORD_SAMPLE, PERF_RECORD_MISC_USER);
	put(b, 77);                                /* identifier */
	put(b, 0x401000);                          /* ip */
	put(b, (uint64_t)1235 << 32 | 1234);       /* pid 1234, tid 1235 */
	put(b, 5000000);                           /* time */
	pos->read_nr = b->n;
	put(b, 2);                                 /* group: nr */
	put(b, 900);                               /* enabled */
	put(b, 800);                               /* running */
	put(b, 111); put(b, 78);                   /* value, id */
	put(b, 222); put(b, 79);
	pos->nr_ips = b->n;
	put(b, 3);
	put(b, (uint64_t)PERF_CONTEXT_USER); put(b, 0x401000); put(b, 0x402000);
	pos->abi = b->n;
	put(b, PERF_SAMPLE_REGS_ABI_64);
	put(b, 10); put(b, 20); put(b, 30);        /* NREGS registers */
	pos->stack_size = b->n;
	put(b, STACK);
	for (unsigned i = 0; i < STACK / 8; i++)
		put(b, 0x1111111111111111ull * (i + 1));
	pos->dyn = b->n;
	put(b, dyn);
	return finish(b);
}

static void test_full_sample(void)
{
	struct builder b;
	struct sample_pos pos;
	struct hp_perf_sample s;
	uint64_t v, id, t;
	uint32_t size = build_sample(&b, &pos, 40);

	CHECK_EQ_INT(perf_parse_sample(guarded(b.w, size), size, &fmt, &s), 0);
	CHECK_EQ_INT(s.id, 77);
	CHECK_EQ_INT(s.ip, 0x401000);
	CHECK_EQ_INT(s.pid, 1234);
	CHECK_EQ_INT(s.tid, 1235);
	CHECK_EQ_INT(s.time, 5000000);
	CHECK_EQ_INT(s.read_nr, 2);
	CHECK_EQ_INT(s.time_enabled, 900);
	CHECK_EQ_INT(s.time_running, 800);
	perf_read_entry(&s, 1, &v, &id);
	CHECK_EQ_INT(v, 222);
	CHECK_EQ_INT(id, 79);
	CHECK_EQ_INT(s.nr_ips, 3);
	CHECK(s.ips && s.ips[2] == 0x402000);
	CHECK(s.regs && s.regs[0] == 10 && s.regs[2] == 30);
	CHECK_EQ_INT(s.stack_dyn_size, 40);
	CHECK(s.stack && s.stack[0] == 0x11);
	CHECK_EQ_INT(perf_sample_id(guarded(b.w, size), size, fmt.sample_type, &id), 0);
	CHECK_EQ_INT(id, 77);
	CHECK_EQ_INT(perf_record_time(guarded(b.w, size), size, fmt.sample_type, &t), 0);
	CHECK_EQ_INT(t, 5000000);

	/* the kernel's dyn_size beyond the copied bytes is clamped */
	size = build_sample(&b, &pos, 4096);
	CHECK_EQ_INT(perf_parse_sample(guarded(b.w, size), size, &fmt, &s), 0);
	CHECK_EQ_INT(s.stack_dyn_size, STACK);

	/* a non-group read keeps its value and id together */
	struct hp_perf_format single = fmt;
	single.read_format = PERF_FORMAT_ID | PERF_FORMAT_TOTAL_TIME_ENABLED;
	header(&b, PERF_RECORD_SAMPLE, 0);
	put(&b, 1); put(&b, 2); put(&b, 3); put(&b, 4);   /* identifier ip tid time */
	put(&b, 555); put(&b, 66); put(&b, 81);          /* value, enabled, id */
	put(&b, 0);                                      /* callchain: none */
	put(&b, PERF_SAMPLE_REGS_ABI_NONE);
	put(&b, 0);                                      /* no stack */
	size = finish(&b);
	CHECK_EQ_INT(perf_parse_sample(guarded(b.w, size), size, &single, &s), 0);
	perf_read_entry(&s, 0, &v, &id);
	CHECK_EQ_INT(v, 555);
	CHECK_EQ_INT(id, 81);
	CHECK_EQ_INT(s.time_enabled, 66);
	CHECK(!s.regs && !s.stack);
}

/* PERF_FORMAT_LOST (the session's samplers, Linux >= 6.0) adds a lost
 * count after each value's id: a group read, a single one and a read()
 * of an fd give the same values and ids as without it, and their lost
 * counts; a read() cut short is refused. */
static void test_read_lost(void)
{
	struct builder b;
	struct hp_perf_sample s;
	uint64_t v, id;
	struct hp_perf_format lf = fmt;
	lf.read_format |= PERF_FORMAT_LOST;
	header(&b, PERF_RECORD_SAMPLE, 0);
	put(&b, 1); put(&b, 2); put(&b, 3); put(&b, 4);   /* identifier ip tid time */
	put(&b, 2); put(&b, 900); put(&b, 800);           /* nr, enabled, running */
	put(&b, 111); put(&b, 78); put(&b, 5);            /* value, id, lost */
	put(&b, 222); put(&b, 79); put(&b, 0);
	put(&b, 0);                                       /* callchain: none */
	put(&b, PERF_SAMPLE_REGS_ABI_NONE);
	put(&b, 0);                                       /* no stack */
	uint32_t size = finish(&b);
	CHECK_EQ_INT(perf_parse_sample(guarded(b.w, size), size, &lf, &s), 0);
	CHECK_EQ_INT(s.read_nr, 2);
	perf_read_entry(&s, 0, &v, &id);
	CHECK(v == 111 && id == 78);
	perf_read_entry(&s, 1, &v, &id);
	CHECK(v == 222 && id == 79);
	CHECK_EQ_INT(perf_read_lost(&s, 0), 5);
	CHECK_EQ_INT(perf_read_lost(&s, 1), 0);
	CHECK_EQ_INT(s.time_running, 800);

	/* read() of the same group: the words after the header */
	const uint64_t *g = b.w + 5;
	CHECK_EQ_INT(perf_parse_read(g, 9 * 8, lf.read_format, &s), 0);
	perf_read_entry(&s, 1, &v, &id);
	CHECK(v == 222 && id == 79 && s.time_enabled == 900);
	CHECK_EQ_INT(perf_read_lost(&s, 0), 5);
	CHECK_EQ_INT(perf_parse_read(g, 8 * 8, lf.read_format, &s), -EBADMSG);
	/* without the flag, the same read has no lost words and counts none */
	const uint64_t plain[] = { 2, 900, 800, 111, 78, 222, 79 };
	CHECK_EQ_INT(perf_parse_read(plain, sizeof(plain), fmt.read_format, &s), 0);
	perf_read_entry(&s, 1, &v, &id);
	CHECK(v == 222 && id == 79 && perf_read_lost(&s, 0) == 0);

	/* single reads: { value, [enabled], [running], [id], [lost] } */
	const uint64_t one[] = { 4242, 7 };
	CHECK_EQ_INT(perf_parse_read(one, sizeof(one), PERF_FORMAT_LOST, &s), 0);
	perf_read_entry(&s, 0, &v, &id);
	CHECK(v == 4242 && id == 0 && perf_read_lost(&s, 0) == 7);
	const uint64_t fault[] = { 31, 1000, 990, 12 };
	uint64_t ff = PERF_FORMAT_TOTAL_TIME_ENABLED | PERF_FORMAT_TOTAL_TIME_RUNNING;
	CHECK_EQ_INT(perf_parse_read(fault, sizeof(fault), ff | PERF_FORMAT_LOST, &s), 0);
	perf_read_entry(&s, 0, &v, &id);
	CHECK(v == 31 && s.time_enabled == 1000 && s.time_running == 990);
	CHECK_EQ_INT(perf_read_lost(&s, 0), 12);
	CHECK_EQ_INT(perf_parse_read(fault, 3 * 8, ff | PERF_FORMAT_LOST, &s), -EBADMSG);
	/* a read of another format (a page-fault sampler's as a sampler's) */
	CHECK_EQ_INT(perf_parse_read(fault, sizeof(fault), PERF_FORMAT_LOST, &s), -EBADMSG);
	const uint64_t idl[] = { 9, 81, 3 };
	CHECK_EQ_INT(perf_parse_read(idl, sizeof(idl), PERF_FORMAT_ID | PERF_FORMAT_LOST, &s), 0);
	perf_read_entry(&s, 0, &v, &id);
	CHECK(v == 9 && id == 81 && perf_read_lost(&s, 0) == 3);
}

/* Every truncation of a valid sample is refused, and nothing past the
 * cut is read (the guard page would fault). */
static void test_truncated_samples(void)
{
	struct builder b;
	struct sample_pos pos;
	struct hp_perf_sample s;
	uint64_t id, t;
	uint32_t size = build_sample(&b, &pos, 40);
	int refused = 0;

	for (uint32_t cut = 8; cut < size; cut += 8) {
		const void *r = guarded(b.w, cut);
		refused += perf_parse_sample(r, cut, &fmt, &s) == -EBADMSG;
		perf_sample_id(r, cut, fmt.sample_type, &id);
		perf_record_time(r, cut, fmt.sample_type, &t);
	}
	CHECK_EQ_INT(refused, (int)(size / 8) - 1);
	/* below a header */
	CHECK_EQ_INT(perf_parse_sample(guarded(b.w, 4), 4, &fmt, &s), -EBADMSG);
	CHECK_EQ_INT(perf_sample_id(guarded(b.w, 4), 4, fmt.sample_type, &id), -EBADMSG);
	/* the header's size must be the record's */
	CHECK_EQ_INT(perf_parse_sample(b.w, size - 8, &fmt, &s), -EBADMSG);
	/* a layout the parser does not know */
	struct hp_perf_format odd = fmt;
	odd.sample_type |= PERF_SAMPLE_BRANCH_STACK;
	CHECK_EQ_INT(perf_parse_sample(guarded(b.w, size), size, &odd, &s), -EOPNOTSUPP);
}

/* Counts that promise more than the record holds. */
static void test_lying_counts(void)
{
	struct builder b;
	struct sample_pos pos;
	struct hp_perf_sample s;
	uint32_t size;
	const uint64_t lies[] = { 128, 1ull << 40, UINT64_MAX / 8, UINT64_MAX };

	for (size_t i = 0; i < sizeof(lies) / sizeof(lies[0]); i++) {
		size = build_sample(&b, &pos, 40);
		b.w[pos.read_nr] = lies[i];
		CHECK_EQ_INT(perf_parse_sample(guarded(b.w, size), size, &fmt, &s), -EBADMSG);
		size = build_sample(&b, &pos, 40);
		b.w[pos.nr_ips] = lies[i];
		CHECK_EQ_INT(perf_parse_sample(guarded(b.w, size), size, &fmt, &s), -EBADMSG);
		size = build_sample(&b, &pos, 40);
		b.w[pos.stack_size] = lies[i] & ~7ull;
		CHECK_EQ_INT(perf_parse_sample(guarded(b.w, size), size, &fmt, &s), -EBADMSG);
	}
	/* a stack size that is not a whole number of words */
	size = build_sample(&b, &pos, 40);
	b.w[pos.stack_size] = STACK - 4;
	CHECK_EQ_INT(perf_parse_sample(guarded(b.w, size), size, &fmt, &s), -EBADMSG);
	/* more registers than the record carries */
	struct hp_perf_format many = fmt;
	many.nregs = 200;
	size = build_sample(&b, &pos, 40);
	CHECK_EQ_INT(perf_parse_sample(guarded(b.w, size), size, &many, &s), -EBADMSG);
}

static uint32_t build_string_record(struct builder *b, uint32_t type, unsigned words_before,
				    const char *str, int terminate)
{
	header(b, type, 0);
	for (unsigned i = 0; i < words_before; i++)
		put(b, 0);
	size_t len = strlen(str) + (terminate ? 1 : 0);
	unsigned words = (unsigned)((len + 7) / 8);
	memset(&b->w[b->n], terminate ? 0 : 'x', words * 8);
	memcpy(&b->w[b->n], str, strlen(str));
	b->n += words;
	return finish(b);
}

static void test_other_records(void)
{
	struct builder b;
	struct hp_perf_comm c;
	struct hp_perf_mmap m;
	struct hp_perf_task t;
	uint64_t id, lost, time;
	uint32_t size;

	/* COMM: pid/tid word, then the name */
	size = build_string_record(&b, PERF_RECORD_COMM, 1, "worker", 1);
	b.w[1] = (uint64_t)8 << 32 | 7;
	CHECK_EQ_INT(perf_parse_comm(guarded(b.w, size), size, &c), 0);
	CHECK(c.pid == 7 && c.tid == 8 && c.comm && !strcmp(c.comm, "worker"));
	size = build_string_record(&b, PERF_RECORD_COMM, 1, "workerxx", 0);
	CHECK_EQ_INT(perf_parse_comm(guarded(b.w, size), size, &c), -EBADMSG);
	CHECK_EQ_INT(perf_parse_comm(guarded(b.w, 8), 8, &c), -EBADMSG);

	/* MMAP2: pid/tid, addr, len, pgoff, maj/min, ino, gen, prot/flags, name */
	size = build_string_record(&b, PERF_RECORD_MMAP2, 8, "/lib/libc.so.6", 1);
	b.w[2] = 0x7f0000000000;
	b.w[3] = 0x1000;
	b.w[5] = (uint64_t)7 << 32 | 259;       /* maj 259, min 7 */
	b.w[6] = 123456;                        /* ino */
	b.w[8] = (uint64_t)MAP_PRIVATE << 32 | (PROT_READ | PROT_EXEC);
	CHECK_EQ_INT(perf_parse_mmap(guarded(b.w, size), size, &m), 0);
	CHECK(m.addr == 0x7f0000000000 && m.len == 0x1000 && (m.prot & PROT_EXEC));
	CHECK(m.maj == 259 && m.min == 7 && m.ino == 123456);   /* procroot.c's file check */
	CHECK(m.filename && !strcmp(m.filename, "/lib/libc.so.6"));
	for (uint32_t cut = 8; cut < size; cut += 8)
		CHECK_EQ_INT(perf_parse_mmap(guarded(b.w, cut), cut, &m), -EBADMSG);
	size = build_string_record(&b, PERF_RECORD_MMAP2, 8, "/no/terminator", 0);
	CHECK_EQ_INT(perf_parse_mmap(guarded(b.w, size), size, &m), -EBADMSG);

	/* FORK: pid, ppid, tid, ptid, time */
	header(&b, PERF_RECORD_FORK, 0);
	put(&b, (uint64_t)1 << 32 | 10);
	put(&b, (uint64_t)1 << 32 | 10);
	put(&b, 123);
	size = finish(&b);
	CHECK_EQ_INT(perf_parse_task(guarded(b.w, size), size, &t), 0);
	CHECK(t.pid == 10 && t.ppid == 1 && t.tid == 10 && t.time == 123);
	CHECK_EQ_INT(perf_parse_task(guarded(b.w, size - 8), size - 8, &t), -EBADMSG);

	/* LOST: id, lost */
	header(&b, PERF_RECORD_LOST, 0);
	put(&b, 5);
	put(&b, 42);
	size = finish(&b);
	CHECK_EQ_INT(perf_parse_lost(guarded(b.w, size), size, &id, &lost), 0);
	CHECK_EQ_INT(lost, 42);
	CHECK_EQ_INT(perf_parse_lost(guarded(b.w, size - 8), size - 8, &id, &lost), -EBADMSG);

	/* a non-sample record's time is in the sample_id trailer:
	 * { pid/tid, time, identifier } for TID | TIME | IDENTIFIER */
	header(&b, PERF_RECORD_EXIT, 0);
	put(&b, 0); put(&b, 0); put(&b, 0);                   /* body */
	put(&b, 0); put(&b, 987654); put(&b, 77);              /* trailer */
	size = finish(&b);
	CHECK_EQ_INT(perf_record_time(guarded(b.w, size), size, fmt.sample_type, &time), 0);
	CHECK_EQ_INT(time, 987654);
	CHECK_EQ_INT(perf_record_time(guarded(b.w, 16), 16, fmt.sample_type, &time), -EBADMSG);
	CHECK_EQ_INT(perf_record_time(guarded(b.w, size), size, PERF_SAMPLE_IP, &time), -EINVAL);
}

/* ---- rings built by hand ---- */

#define RING_BYTES 256

struct fake_ring {
	struct perf_event_mmap_page meta;
	uint8_t data[RING_BYTES];
};

static void ring_init(struct fake_ring *f, struct hp_ring *r, uint64_t start)
{
	memset(f, 0, sizeof(*f));
	memset(r, 0, sizeof(*r));
	r->fd = -1;
	r->meta = &f->meta;
	r->data = f->data;
	r->size = RING_BYTES;
	r->mask = RING_BYTES - 1;
	f->meta.data_tail = f->meta.data_head = start;
}

/* Append an EXIT record with time t (TID | TIME | IDENTIFIER trailer). */
static void ring_put(struct fake_ring *f, uint64_t t, uint32_t tag)
{
	struct builder b;
	header(&b, PERF_RECORD_EXIT, 0);
	put(&b, tag); put(&b, 0); put(&b, 0);
	put(&b, 0); put(&b, t); put(&b, 0);
	uint32_t size = finish(&b);
	for (uint32_t i = 0; i < size; i++)
		f->data[(f->meta.data_head + i) & (RING_BYTES - 1)] = ((uint8_t *)b.w)[i];
	f->meta.data_head += size;
}

struct seen {
	uint32_t tag[16];
	unsigned ring[16];
	unsigned n;
};

static void on_record(void *ctx, unsigned ring, const uint8_t *rec, uint32_t size, uint64_t t)
{
	struct seen *s = ctx;
	struct hp_perf_task task;
	if (s->n < 16 && perf_parse_task(rec, size, &task) == 0) {
		s->tag[s->n] = task.pid;
		s->ring[s->n++] = ring;
	}
}

static void test_ring_drain(void)
{
	static struct fake_ring f[2];
	struct hp_ring r[2];
	struct hp_ring_reader rd = { 0 };
	struct seen seen = { 0 };
	uint64_t st = PERF_SAMPLE_TID | PERF_SAMPLE_TIME | PERF_SAMPLE_IDENTIFIER;

	/* ring 0 starts 20 bytes before its end: its second record wraps */
	ring_init(&f[0], &r[0], 3 * RING_BYTES - 20 - 56);
	ring_init(&f[1], &r[1], 0);
	ring_put(&f[0], 100, 1);
	ring_put(&f[0], 300, 3);
	ring_put(&f[1], 200, 2);
	ring_put(&f[1], 400, 4);
	CHECK_EQ_INT(ring_drain(&rd, r, 2, st, on_record, &seen), 0);
	CHECK_EQ_INT(seen.n, 4);
	for (unsigned i = 0; i < seen.n; i++)
		CHECK_EQ_INT(seen.tag[i], i + 1);          /* time order across rings */
	CHECK_EQ_INT(seen.ring[1], 1);
	CHECK(f[0].meta.data_tail == f[0].meta.data_head);
	CHECK(f[1].meta.data_tail == f[1].meta.data_head);
	CHECK_EQ_INT(rd.bad, 0);

	/* a lying header ends the ring's drain; the ring is released */
	seen.n = 0;
	ring_put(&f[1], 500, 5);
	uint64_t liar = f[1].meta.data_head;
	ring_put(&f[1], 600, 6);
	((struct perf_event_header *)&f[1].data[liar & (RING_BYTES - 1)])->size = 4000;
	ring_put(&f[1], 700, 7);
	CHECK_EQ_INT(ring_drain(&rd, r, 2, st, on_record, &seen), 0);
	CHECK_EQ_INT(seen.n, 1);
	CHECK_EQ_INT(seen.tag[0], 5);
	CHECK_EQ_INT(rd.bad, 1);
	CHECK(f[1].meta.data_tail == f[1].meta.data_head);

	/* a zero-sized header too */
	seen.n = 0;
	liar = f[1].meta.data_head;
	ring_put(&f[1], 800, 8);
	((struct perf_event_header *)&f[1].data[liar & (RING_BYTES - 1)])->size = 0;
	CHECK_EQ_INT(ring_drain(&rd, r, 2, st, on_record, &seen), 0);
	CHECK_EQ_INT(seen.n, 0);
	CHECK_EQ_INT(rd.bad, 2);
	ring_reader_release(&rd);
}

/* A drain with a cut (the time it began) leaves each ring's records from
 * the first one stamped at or after it for the next drain, so that a
 * record written meanwhile to a ring read before (here: 250, in ring 0)
 * still comes before them. Without the cut the first drain gave 100, 200,
 * 300, 400 and the next 250: out of time order (perf_ring.h). */
static void test_ring_cut(void)
{
	static struct fake_ring f[2];
	struct hp_ring r[2];
	struct hp_ring_reader rd = { 0 };
	struct seen seen = { 0 };
	uint64_t st = PERF_SAMPLE_TID | PERF_SAMPLE_TIME | PERF_SAMPLE_IDENTIFIER;

	ring_init(&f[0], &r[0], 0);
	ring_init(&f[1], &r[1], RING_BYTES - 20);     /* its held record wraps */
	ring_put(&f[0], 100, 1);
	ring_put(&f[1], 200, 2);
	ring_put(&f[1], 300, 4);
	ring_put(&f[1], 400, 5);
	uint64_t held = f[1].meta.data_head - 2 * 56;  /* where 300 begins */
	rd.cut = 260;
	CHECK_EQ_INT(ring_drain(&rd, r, 2, st, on_record, &seen), 0);
	CHECK_EQ_INT(seen.n, 2);
	CHECK_EQ_INT(seen.tag[0], 1);
	CHECK_EQ_INT(seen.tag[1], 2);
	CHECK(f[0].meta.data_tail == f[0].meta.data_head);
	CHECK(f[1].meta.data_tail == held);           /* 300 and 400 stay */

	ring_put(&f[0], 250, 3);                       /* written during that drain */
	rd.cut = 0;                                    /* the last drain: everything */
	CHECK_EQ_INT(ring_drain(&rd, r, 2, st, on_record, &seen), 0);
	CHECK_EQ_INT(seen.n, 5);
	for (unsigned i = 0; i < seen.n; i++)
		CHECK_EQ_INT(seen.tag[i], i + 1);
	CHECK(f[1].meta.data_tail == f[1].meta.data_head);

	/* a time far past the cut is no time of the run's clock: not held */
	seen.n = 0;
	ring_put(&f[0], 1000000000000000ull, 6);
	rd.cut = 500;
	CHECK_EQ_INT(ring_drain(&rd, r, 2, st, on_record, &seen), 0);
	CHECK_EQ_INT(seen.n, 1);
	CHECK(f[0].meta.data_tail == f[0].meta.data_head);
	ring_reader_release(&rd);
}

/* A drain releases ring space as it goes (every 32 records handled), but
 * never past a record it has not handled yet. */
#define BIG_RING 4096

struct big_ring {
	struct perf_event_mmap_page meta;
	uint8_t data[BIG_RING];
};

struct tails {
	const struct perf_event_mmap_page *meta;
	uint64_t tail[64];          /* data_tail as each record was handed over */
	unsigned n;
};

static void on_record_tail(void *ctx, unsigned ring, const uint8_t *rec, uint32_t size,
			   uint64_t t)
{
	struct tails *tl = ctx;
	(void)ring; (void)rec; (void)size; (void)t;
	if (tl->n < 64)
		tl->tail[tl->n++] = tl->meta->data_tail;
}

static void big_put(struct big_ring *f, uint64_t t)
{
	struct builder b;
	header(&b, PERF_RECORD_EXIT, 0);
	put(&b, 1); put(&b, 0); put(&b, 0);
	put(&b, 0); put(&b, t); put(&b, 0);
	uint32_t size = finish(&b);
	for (uint32_t i = 0; i < size; i++)
		f->data[(f->meta.data_head + i) & (BIG_RING - 1)] = ((uint8_t *)b.w)[i];
	f->meta.data_head += size;
}

static void test_ring_release(void)
{
	static struct big_ring f;
	struct hp_ring r;
	struct hp_ring_reader rd = { 0 };
	struct tails tl = { .meta = &f.meta };
	uint64_t st = PERF_SAMPLE_TID | PERF_SAMPLE_TIME | PERF_SAMPLE_IDENTIFIER;
	const uint64_t rec = 56, start = 1000;   /* an EXIT record with its trailer */

	for (int pass = 0; pass < 2; pass++) {
		memset(&f, 0, sizeof(f));
		memset(&r, 0, sizeof(r));
		r.fd = -1;
		r.meta = &f.meta;
		r.data = f.data;
		r.size = BIG_RING;
		r.mask = BIG_RING - 1;
		f.meta.data_tail = f.meta.data_head = start;
		/* pass 1: the second record is the latest, handed over last */
		for (unsigned i = 0; i < 40; i++)
			big_put(&f, pass && i == 1 ? 1000000 : 100 + i);
		tl.n = 0;
		CHECK_EQ_INT(ring_drain(&rd, &r, 1, st, on_record_tail, &tl), 0);
		CHECK_EQ_INT(tl.n, 40);
		CHECK_EQ_INT(tl.tail[0], start);
		CHECK_EQ_INT(tl.tail[31], start);                   /* 31 handled: not yet */
		/* 32 handled: released up to the first one not handled */
		CHECK_EQ_INT(tl.tail[32], start + (pass ? 1 : 32) * rec);
		CHECK_EQ_INT(tl.tail[39], start + (pass ? 1 : 32) * rec);
		CHECK(f.meta.data_tail == f.meta.data_head);        /* all of it at the end */
	}
	ring_reader_release(&rd);
}

/* Ring sizes: the default (1 kHz, 64 KiB copies) stays 4 MiB; a higher
 * rate gets rings that hold RING_SPAN_MS of one busy CPU's samples, up to
 * the caps; never below the default. */
static void test_ring_sizing(void)
{
	const uint64_t copy = 65528;                    /* HP_STACK_SIZE_DEFAULT */
	CHECK_EQ_INT(ring_pages_for(1000, copy, 2), RING_PAGES_MIN);
	CHECK_EQ_INT(ring_pages_for(1000, copy, 256), RING_PAGES_MIN);
	CHECK_EQ_INT(ring_pages_for(100, copy, 2), RING_PAGES_MIN);
	CHECK_EQ_INT(ring_pages_for(0, copy, 2), RING_PAGES_MIN);      /* a period: rate unknown */
	CHECK_EQ_INT(ring_pages_for(5000, 0, 2), RING_PAGES_MIN);      /* no stack copy */
	CHECK_EQ_INT(ring_pages_for(100000, copy, 1024), RING_PAGES_MIN);
	for (unsigned f = 1000; f <= 100000; f += 500)
		for (unsigned ncpu = 1; ncpu <= 64; ncpu *= 2) {
			unsigned p = ring_pages_for(f, copy, ncpu);
			uint64_t held = (uint64_t)p * 4096 / copy;        /* samples a ring holds */
			CHECK((p & (p - 1)) == 0);
			CHECK(p >= RING_PAGES_MIN && p <= RING_PAGES_MAX);
			CHECK(p == RING_PAGES_MIN || (uint64_t)p * 4096 * ncpu <= RING_TOTAL_MAX);
			/* RING_SPAN_MS of samples, when the caps allow it */
			if ((uint64_t)f * RING_SPAN_MS / 1000 * copy <= RING_TOTAL_MAX / ncpu &&
			    (uint64_t)f * RING_SPAN_MS / 1000 * copy <= (uint64_t)RING_PAGES_MAX * 4096)
				CHECK(held + 1 >= (uint64_t)f * RING_SPAN_MS / 1000);
		}
	/* at -F 5000 on two CPUs: 32 MiB, 512 samples (102 ms) */
	CHECK_EQ_INT(ring_pages_for(5000, copy, 2), RING_PAGES_MAX);
}

/* Rings fitted to a lock budget (pages): each ring locks its pages and a
 * header page; the off-CPU rings are a quarter and a half of a CPU ring,
 * at least RING_PAGES_LAST. The kernel's default allowance on 8 CPUs with
 * `ulimit -l` 8 MiB is 129 x 8 + 2048 = 3080 pages: 4 MiB rings do not fit
 * there (3 of them already need 3075). */
static void test_ring_budget(void)
{
	CHECK_EQ_INT(ring_part_pages(1024, 4), 256);
	CHECK_EQ_INT(ring_part_pages(1024, 2), 512);
	CHECK_EQ_INT(ring_part_pages(128, 4), RING_PAGES_LAST);
	CHECK_EQ_INT(ring_part_pages(32, 4), 32);            /* never above the CPU ring */
	CHECK_EQ_INT(ring_pages_fitting(1024, 2, 1, 0, UINT64_MAX), 1024);
	CHECK_EQ_INT(ring_pages_fitting(1024, 2, 1, 0, 2050), 1024);   /* exactly */
	CHECK_EQ_INT(ring_pages_fitting(1024, 2, 1, 0, 2049), 512);
	CHECK_EQ_INT(ring_pages_fitting(1024, 8, 1, 0, 3080), 256);
	CHECK_EQ_INT(ring_pages_fitting(1024, 64, 1, 0, 129 * 64 + 2048), 128);
	/* with the off-CPU rings: 1024 + 256 + 512 + 3 a CPU */
	CHECK_EQ_INT(ring_pages_fitting(1024, 2, 1, 1, 2 * 1795), 1024);
	CHECK_EQ_INT(ring_pages_fitting(1024, 2, 1, 1, 2 * 1795 - 1), 512);
	/* the smallest: 65 + 65 + 65 a CPU with, 65 without */
	CHECK_EQ_INT(ring_pages_fitting(1024, 2, 1, 1, 389), 0);
	CHECK_EQ_INT(ring_pages_fitting(1024, 2, 1, 1, 390), 64);
	CHECK_EQ_INT(ring_pages_fitting(1024, 2, 1, 0, 258), 128);
	CHECK_EQ_INT(ring_pages_fitting(1024, 2, 1, 0, 129), 0);
	/* off-CPU rings only (the preload agent samples the CPU) */
	CHECK_EQ_INT(ring_pages_fitting(1024, 2, 0, 1, 2 * (257 + 513)), 1024);
	/* an attach with the right to lock more: the stacks' ring twice a CPU ring */
	CHECK_EQ_INT(ring_pages_fitting(1024, 2, 1, RING_OFFCPU_ATTACH, 2 * (1025 + 257 + 2049)), 1024);
	CHECK_EQ_INT(ring_pages_fitting(1024, 2, 1, RING_OFFCPU_ATTACH, 2 * (1025 + 257 + 2049) - 1),
		     512);
	/* RING_SESSION_MAX: the default sizes up to 36 CPUs, then smaller */
	const uint64_t most = RING_SESSION_MAX / 4096;
	CHECK_EQ_INT(ring_pages_fitting(1024, 2, 1, RING_OFFCPU, most), 1024);
	CHECK_EQ_INT(ring_pages_fitting(1024, 36, 1, RING_OFFCPU, most), 1024);
	CHECK_EQ_INT(ring_pages_fitting(1024, 37, 1, RING_OFFCPU, most), 512);
	CHECK_EQ_INT(ring_pages_fitting(1024, 64, 1, RING_OFFCPU, most), 512);
	CHECK_EQ_INT(ring_pages_fitting(1024, 64, 1, 0, most), 512);
	CHECK_EQ_INT(ring_pages_fitting(8192, 2, 1, RING_OFFCPU, most), 8192);  /* -F 5000 */
	for (uint64_t b = 0; b < 20000; b += 97)
		for (unsigned n = 1; n <= 16; n++) {
			unsigned p = ring_pages_fitting(1024, n, 1, 1, b);
			CHECK(p == 0 || (p & (p - 1)) == 0);
			CHECK(p == 0 || (uint64_t)n * (p + 1 + ring_part_pages(p, 4) + 1 +
						  ring_part_pages(p, 2) + 1) <= b);
			CHECK(p == 1024 || p == 0 || (uint64_t)n * (2 * p + 1 + ring_part_pages(2 * p, 4) + 1 +
							       ring_part_pages(2 * p, 2) + 1) > b);
		}
}

int main(void)
{
	guard_init();
	test_full_sample();
	test_read_lost();
	test_truncated_samples();
	test_lying_counts();
	test_other_records();
	test_ring_drain();
	test_ring_cut();
	test_ring_sizing();
	test_ring_budget();
	test_ring_release();
	return hp_test_result();
}

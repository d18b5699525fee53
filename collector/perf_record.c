/*
 * perf_record.c - parsing perf ring records with bounds checks
 * (perf_record.h).
 *
 * A cursor walks the record in 8-byte words; every read asks the cursor
 * first whether the words are there, so a short or lying record stops the
 * parse with -EBADMSG instead of reading the next record or the ring's end.
 * Layouts are those of linux/perf_event.h (enum perf_event_type).
 */
#include "collector/perf_record.h"

#include <errno.h>
#include <string.h>
#include <sys/mman.h>

#define SUPPORTED_SAMPLE_TYPE                                                              \
	(PERF_SAMPLE_IDENTIFIER | PERF_SAMPLE_IP | PERF_SAMPLE_TID | PERF_SAMPLE_TIME |        \
	 PERF_SAMPLE_ADDR | PERF_SAMPLE_ID | PERF_SAMPLE_STREAM_ID | PERF_SAMPLE_CPU |         \
	 PERF_SAMPLE_PERIOD | PERF_SAMPLE_READ | PERF_SAMPLE_CALLCHAIN | PERF_SAMPLE_RAW |     \
	 PERF_SAMPLE_REGS_USER | PERF_SAMPLE_STACK_USER)

/* The fields of the sample_id trailer (sample_id_all), in order. */
#define SAMPLE_ID_FIELDS                                                                   \
	(PERF_SAMPLE_TID | PERF_SAMPLE_TIME | PERF_SAMPLE_ID | PERF_SAMPLE_STREAM_ID |         \
	 PERF_SAMPLE_CPU | PERF_SAMPLE_IDENTIFIER)

struct cursor {
	const uint8_t *p, *end;
};

/* Is there room for n more 8-byte words? */
static int room(const struct cursor *c, uint64_t n)
{
	return n <= (uint64_t)(c->end - c->p) / 8;
}

static uint64_t word(struct cursor *c)
{
	uint64_t v;
	memcpy(&v, c->p, 8);
	c->p += 8;
	return v;
}

/* Header check common to all records: size matches and covers the header. */
static int open_record(const void *rec, uint32_t size, struct cursor *c,
		       struct perf_event_header *h)
{
	if (size < sizeof(*h))
		return -EBADMSG;
	memcpy(h, rec, sizeof(*h));
	if (h->size != size)
		return -EBADMSG;
	c->p = (const uint8_t *)rec + sizeof(*h);
	c->end = (const uint8_t *)rec + size;
	return 0;
}

int perf_sample_id(const void *rec, uint32_t size, uint64_t sample_type, uint64_t *id)
{
	struct perf_event_header h;
	struct cursor c;
	*id = 0;
	if (!(sample_type & PERF_SAMPLE_IDENTIFIER))
		return -EINVAL;
	if (open_record(rec, size, &c, &h) || !room(&c, 1))
		return -EBADMSG;
	*id = word(&c);
	return 0;
}

/* READ: { nr, [enabled], [running], { value, [id], [lost] } * nr } with
 * PERF_FORMAT_GROUP, else { value, [enabled], [running], [id], [lost] }. */
static int parse_read(struct cursor *c, uint64_t rf, struct hp_perf_sample *s)
{
	uint32_t stride = 1 + !!(rf & PERF_FORMAT_ID) + !!(rf & PERF_FORMAT_LOST);
	s->read_format = rf;
	if (!(rf & PERF_FORMAT_GROUP)) {
		uint64_t n = 1 + !!(rf & PERF_FORMAT_TOTAL_TIME_ENABLED) +
			     !!(rf & PERF_FORMAT_TOTAL_TIME_RUNNING) + stride - 1;
		if (!room(c, n))
			return -EBADMSG;
		s->read_single[0] = word(c);
		if (rf & PERF_FORMAT_TOTAL_TIME_ENABLED)
			s->time_enabled = word(c);
		if (rf & PERF_FORMAT_TOTAL_TIME_RUNNING)
			s->time_running = word(c);
		/* laid out as one entry of a group read: { value, [id], [lost] } */
		for (uint32_t k = 1; k < stride; k++)
			s->read_single[k] = word(c);
		s->read_nr = 1;
		s->read_values = s->read_single;
		s->read_stride = stride;
		return 0;
	}
	if (!room(c, 1))
		return -EBADMSG;
	s->read_nr = word(c);
	if (rf & PERF_FORMAT_TOTAL_TIME_ENABLED) {
		if (!room(c, 1))
			return -EBADMSG;
		s->time_enabled = word(c);
	}
	if (rf & PERF_FORMAT_TOTAL_TIME_RUNNING) {
		if (!room(c, 1))
			return -EBADMSG;
		s->time_running = word(c);
	}
	if (s->read_nr > (uint64_t)(c->end - c->p) / 8 / stride)
		return -EBADMSG;
	s->read_values = (const uint64_t *)c->p;
	s->read_stride = stride;
	c->p += 8 * s->read_nr * stride;
	return 0;
}

void perf_read_entry(const struct hp_perf_sample *s, uint64_t k, uint64_t *value, uint64_t *id)
{
	const uint64_t *e = s->read_values + k * s->read_stride;
	*value = e[0];
	*id = s->read_format & PERF_FORMAT_ID ? e[1] : 0;
}

uint64_t perf_read_lost(const struct hp_perf_sample *s, uint64_t k)
{
	const uint64_t *e = s->read_values + k * s->read_stride;
	return s->read_format & PERF_FORMAT_LOST ? e[s->read_stride - 1] : 0;
}

int perf_parse_read(const void *buf, size_t len, uint64_t read_format,
		    struct hp_perf_sample *out)
{
	struct cursor c = { buf, (const uint8_t *)buf + len };
	memset(out, 0, sizeof(*out));
	if (len % 8 || parse_read(&c, read_format, out) || c.p != c.end)
		return -EBADMSG;             /* read() returns the whole format: no more, no less */
	return 0;
}

/* Fixed one-word fields before READ, in the order of the layout. */
static int parse_head(struct cursor *c, uint64_t st, struct hp_perf_sample *s)
{
	uint64_t n = !!(st & PERF_SAMPLE_IDENTIFIER) + !!(st & PERF_SAMPLE_IP) +
		     !!(st & PERF_SAMPLE_TID) + !!(st & PERF_SAMPLE_TIME) +
		     !!(st & PERF_SAMPLE_ADDR) + !!(st & PERF_SAMPLE_ID) +
		     !!(st & PERF_SAMPLE_STREAM_ID) + !!(st & PERF_SAMPLE_CPU) +
		     !!(st & PERF_SAMPLE_PERIOD);
	if (!room(c, n))
		return -EBADMSG;
	if (st & PERF_SAMPLE_IDENTIFIER)
		s->id = word(c);
	if (st & PERF_SAMPLE_IP)
		s->ip = word(c);
	if (st & PERF_SAMPLE_TID) {
		uint64_t v = word(c);
		s->pid = (uint32_t)v;
		s->tid = (uint32_t)(v >> 32);
	}
	if (st & PERF_SAMPLE_TIME)
		s->time = word(c);
	if (st & PERF_SAMPLE_ADDR)
		word(c);
	if (st & PERF_SAMPLE_ID)
		s->id = word(c);
	if (st & PERF_SAMPLE_STREAM_ID)
		word(c);
	if (st & PERF_SAMPLE_CPU)
		word(c);
	if (st & PERF_SAMPLE_PERIOD)
		s->period = word(c);
	return 0;
}

static int parse_callchain(struct cursor *c, struct hp_perf_sample *s)
{
	if (!room(c, 1))
		return -EBADMSG;
	s->nr_ips = word(c);
	if (!room(c, s->nr_ips))
		return -EBADMSG;
	s->ips = (const uint64_t *)c->p;
	c->p += 8 * s->nr_ips;
	return 0;
}

/* RAW: { u32 size; char data[size]; } padded to 8 bytes. */
static int skip_raw(struct cursor *c)
{
	uint32_t n;
	if (c->end - c->p < 4)
		return -EBADMSG;
	memcpy(&n, c->p, 4);
	uint64_t words = ((uint64_t)n + 4 + 7) / 8;
	if (!room(c, words))
		return -EBADMSG;
	c->p += 8 * words;
	return 0;
}

static int parse_regs(struct cursor *c, uint32_t nregs, struct hp_perf_sample *s)
{
	if (!room(c, 1))
		return -EBADMSG;
	s->regs_abi = word(c);
	if (s->regs_abi == PERF_SAMPLE_REGS_ABI_NONE)
		return 0;
	if (!room(c, nregs))
		return -EBADMSG;
	s->regs = (const uint64_t *)c->p;
	c->p += 8 * (uint64_t)nregs;
	return 0;
}

/* STACK_USER: { u64 size; char data[size]; u64 dyn_size (when size != 0) }. */
static int parse_stack(struct cursor *c, struct hp_perf_sample *s)
{
	if (!room(c, 1))
		return -EBADMSG;
	uint64_t size = word(c);
	if (!size)
		return 0;
	if (size % 8 || !room(c, size / 8 + 1))
		return -EBADMSG;
	s->stack = c->p;
	c->p += size;
	uint64_t dyn = word(c);
	s->stack_dyn_size = dyn < size ? dyn : size;
	s->stack_size = size;
	return 0;
}

int perf_parse_sample(const void *rec, uint32_t size, const struct hp_perf_format *f,
		      struct hp_perf_sample *out)
{
	struct perf_event_header h;
	struct cursor c;
	uint64_t st = f->sample_type;
	int err;

	memset(out, 0, sizeof(*out));
	if (st & ~(uint64_t)SUPPORTED_SAMPLE_TYPE)
		return -EOPNOTSUPP;
	if ((err = open_record(rec, size, &c, &h)))
		return err;
	if (h.type != PERF_RECORD_SAMPLE)
		return -EBADMSG;
	out->misc = h.misc;
	if ((err = parse_head(&c, st, out)))
		return err;
	if ((st & PERF_SAMPLE_READ) && (err = parse_read(&c, f->read_format, out)))
		return err;
	if ((st & PERF_SAMPLE_CALLCHAIN) && (err = parse_callchain(&c, out)))
		return err;
	if ((st & PERF_SAMPLE_RAW) && (err = skip_raw(&c)))
		return err;
	if ((st & PERF_SAMPLE_REGS_USER) && (err = parse_regs(&c, f->nregs, out)))
		return err;
	if ((st & PERF_SAMPLE_STACK_USER) && (err = parse_stack(&c, out)))
		return err;
	return 0;
}

int perf_record_time(const void *rec, uint32_t size, uint64_t sample_type, uint64_t *t)
{
	struct perf_event_header h;
	struct cursor c;
	uint64_t off;
	*t = 0;
	if (!(sample_type & PERF_SAMPLE_TIME))
		return -EINVAL;
	if (open_record(rec, size, &c, &h))
		return -EBADMSG;
	if (h.type == PERF_RECORD_SAMPLE) {
		/* IDENTIFIER, IP and TID come before TIME */
		off = 8 * (uint64_t)(!!(sample_type & PERF_SAMPLE_IDENTIFIER) +
				     !!(sample_type & PERF_SAMPLE_IP) +
				     !!(sample_type & PERF_SAMPLE_TID));
	} else {
		/* the trailer ends the record: TIME is followed by ID,
		 * STREAM_ID, CPU and IDENTIFIER when present */
		uint64_t after = !!(sample_type & PERF_SAMPLE_ID) +
				 !!(sample_type & PERF_SAMPLE_STREAM_ID) +
				 !!(sample_type & PERF_SAMPLE_CPU) +
				 !!(sample_type & PERF_SAMPLE_IDENTIFIER);
		uint64_t trailer = (uint64_t)__builtin_popcountll(sample_type & SAMPLE_ID_FIELDS);
		if (!room(&c, trailer))
			return -EBADMSG;
		off = (uint64_t)(c.end - c.p) - 8 * (after + 1);
	}
	if (!room(&c, off / 8 + 1))
		return -EBADMSG;
	memcpy(t, c.p + off, 8);
	return 0;
}

int perf_parse_switch(const void *rec, uint32_t size, uint64_t sample_type,
		      struct hp_perf_switch *out)
{
	struct perf_event_header h;
	struct cursor c;
	memset(out, 0, sizeof(*out));
	if ((sample_type & (PERF_SAMPLE_TID | PERF_SAMPLE_TIME)) !=
	    (PERF_SAMPLE_TID | PERF_SAMPLE_TIME))
		return -EINVAL;
	if (open_record(rec, size, &c, &h))
		return -EBADMSG;
	/* the trailer is the whole body: TID first, TIME next */
	if (!room(&c, (uint64_t)__builtin_popcountll(sample_type & SAMPLE_ID_FIELDS)))
		return -EBADMSG;
	uint64_t pidtid = word(&c);
	out->pid = (uint32_t)pidtid;
	out->tid = (uint32_t)(pidtid >> 32);
	out->time = word(&c);
	out->out = !!(h.misc & PERF_RECORD_MISC_SWITCH_OUT);
	out->preempt = !!(h.misc & PERF_RECORD_MISC_SWITCH_OUT_PREEMPT);
	return 0;
}

/* A NUL-terminated string at offset off of the record, inside it. */
static const char *string_at(const void *rec, uint32_t size, uint32_t off)
{
	if (off >= size || !memchr((const char *)rec + off, '\0', size - off))
		return NULL;
	return (const char *)rec + off;
}

static uint32_t u32_at(const void *rec, uint32_t off)
{
	uint32_t v;
	memcpy(&v, (const uint8_t *)rec + off, 4);
	return v;
}

static uint64_t u64_at(const void *rec, uint32_t off)
{
	uint64_t v;
	memcpy(&v, (const uint8_t *)rec + off, 8);
	return v;
}

int perf_parse_comm(const void *rec, uint32_t size, struct hp_perf_comm *out)
{
	struct perf_event_header h;
	struct cursor c;
	memset(out, 0, sizeof(*out));
	if (open_record(rec, size, &c, &h) || h.type != PERF_RECORD_COMM || !room(&c, 1))
		return -EBADMSG;
	out->pid = u32_at(rec, 8);
	out->tid = u32_at(rec, 12);
	out->comm = string_at(rec, size, 16);
	out->exec = !!(h.misc & PERF_RECORD_MISC_COMM_EXEC);
	return out->comm ? 0 : -EBADMSG;
}

int perf_parse_task(const void *rec, uint32_t size, struct hp_perf_task *out)
{
	struct perf_event_header h;
	struct cursor c;
	memset(out, 0, sizeof(*out));
	if (open_record(rec, size, &c, &h) ||
	    (h.type != PERF_RECORD_FORK && h.type != PERF_RECORD_EXIT) || !room(&c, 3))
		return -EBADMSG;
	out->pid = u32_at(rec, 8);
	out->ppid = u32_at(rec, 12);
	out->tid = u32_at(rec, 16);
	out->ptid = u32_at(rec, 20);
	out->time = u64_at(rec, 24);
	return 0;
}

int perf_parse_mmap(const void *rec, uint32_t size, struct hp_perf_mmap *out)
{
	struct perf_event_header h;
	struct cursor c;
	uint32_t name_off;
	memset(out, 0, sizeof(*out));
	if (open_record(rec, size, &c, &h))
		return -EBADMSG;
	if (h.type == PERF_RECORD_MMAP) {
		/* pid, tid, addr, len, pgoff, filename */
		name_off = 8 + 8 + 24;
		out->prot = PROT_EXEC;
	} else if (h.type == PERF_RECORD_MMAP2) {
		/* ... pgoff, maj, min, ino, ino_generation (or build id), prot, flags, filename */
		name_off = 8 + 8 + 24 + 24 + 8;
		if (size < name_off)
			return -EBADMSG;
		out->prot = u32_at(rec, name_off - 8);
		out->flags = u32_at(rec, name_off - 4);
		if (!(h.misc & PERF_RECORD_MISC_MMAP_BUILD_ID)) {
			out->maj = u32_at(rec, 40);
			out->min = u32_at(rec, 44);
			out->ino = u64_at(rec, 48);
		}
	} else {
		return -EBADMSG;
	}
	if (size < name_off)
		return -EBADMSG;
	out->pid = u32_at(rec, 8);
	out->tid = u32_at(rec, 12);
	out->addr = u64_at(rec, 16);
	out->len = u64_at(rec, 24);
	out->pgoff = u64_at(rec, 32);
	out->filename = string_at(rec, size, name_off);
	return out->filename ? 0 : -EBADMSG;
}

int perf_parse_lost(const void *rec, uint32_t size, uint64_t *id, uint64_t *lost)
{
	struct perf_event_header h;
	struct cursor c;
	*id = *lost = 0;
	if (open_record(rec, size, &c, &h) || h.type != PERF_RECORD_LOST || !room(&c, 2))
		return -EBADMSG;
	*id = u64_at(rec, 8);
	*lost = u64_at(rec, 16);
	return 0;
}

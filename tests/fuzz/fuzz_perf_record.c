/*
 * fuzz_perf_record.c - libFuzzer target over collector/perf_record.c, the
 * parser of the records the kernel writes into a perf ring.
 *
 * Input: 8 bytes of sample_type (masked to the bits the parser knows, plus
 * one it does not now and then), 8 bytes of read_format, 1 byte of
 * register count, then the record, copied into a buffer of exactly its
 * size (so ASan sees a read one byte past it) with its header's size set
 * to the record's size as a ring's would be. Every parser runs on it; what
 * a parse returns is then read in full (callchain, group values,
 * registers, stack bytes, strings), so a parse that claims more than the
 * record holds is caught.
 */
#include <linux/perf_event.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "collector/perf_record.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define KNOWN (PERF_SAMPLE_IDENTIFIER | PERF_SAMPLE_IP | PERF_SAMPLE_TID | PERF_SAMPLE_TIME | \
	       PERF_SAMPLE_ADDR | PERF_SAMPLE_ID | PERF_SAMPLE_STREAM_ID | PERF_SAMPLE_CPU | \
	       PERF_SAMPLE_PERIOD | PERF_SAMPLE_READ | PERF_SAMPLE_CALLCHAIN | PERF_SAMPLE_RAW | \
	       PERF_SAMPLE_REGS_USER | PERF_SAMPLE_STACK_USER)

static volatile uint64_t sink;

static void touch(const void *p, size_t n)
{
	const uint8_t *b = p;
	uint64_t s = 0;
	for (size_t i = 0; i < n; i++)
		s += b[i];
	sink += s;
}

static void read_sample(const struct hp_perf_sample *s, const struct hp_perf_format *f)
{
	for (uint64_t k = 0; k < s->read_nr; k++) {
		uint64_t v, id;
		perf_read_entry(s, k, &v, &id);
		sink += v + id;
	}
	if (s->ips)
		touch(s->ips, s->nr_ips * sizeof(*s->ips));
	if (s->regs)
		touch(s->regs, f->nregs * sizeof(*s->regs));
	if (s->stack)
		touch(s->stack, s->stack_dyn_size);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hp_perf_format f;
	struct hp_perf_sample s;
	struct hp_perf_comm comm;
	struct hp_perf_task task;
	struct hp_perf_mmap mm;
	uint64_t v, w;
	if (size < 17)
		return 0;
	memcpy(&f.sample_type, data, 8);
	memcpy(&f.read_format, data + 8, 8);
	f.sample_type &= (f.sample_type >> 63) ? ~0ull >> 1 : KNOWN;
	f.read_format &= PERF_FORMAT_TOTAL_TIME_ENABLED | PERF_FORMAT_TOTAL_TIME_RUNNING |
			 PERF_FORMAT_ID | PERF_FORMAT_GROUP | PERF_FORMAT_LOST;
	f.nregs = data[16] & 63;
	data += 17;
	size -= 17;
	if (size > 65535)
		size = 65535;
	uint32_t n = (uint32_t)size;
	uint8_t *rec = malloc(n ? n : 1);
	if (!rec)
		return 0;
	memcpy(rec, data, n);
	if (n >= sizeof(struct perf_event_header))
		((struct perf_event_header *)rec)->size = (uint16_t)n;

	if (!perf_sample_id(rec, n, f.sample_type, &v))
		sink += v;
	if (!perf_parse_sample(rec, n, &f, &s))
		read_sample(&s, &f);
	if (!perf_record_time(rec, n, f.sample_type, &v))
		sink += v;
	if (!perf_parse_comm(rec, n, &comm))
		sink += strlen(comm.comm);
	if (!perf_parse_task(rec, n, &task))
		sink += task.time;
	if (!perf_parse_mmap(rec, n, &mm))
		sink += strlen(mm.filename);
	if (!perf_parse_lost(rec, n, &v, &w))
		sink += v + w;
	free(rec);
	return 0;
}

/*
 * perf_record.h - the records of a perf_event ring, parsed with bounds
 * checks.
 *
 * Takes one record as the ring holds it (header included, `size` bytes,
 * 8-byte aligned) and the sample_type / read_format its event was opened
 * with; produces plain structs whose pointers point into the record. Every
 * field is checked against the record size before it is read, as perf's
 * own sample parser does: a truncated or malformed record gives -EBADMSG
 * and is never read past its end. Knows nothing about sessions, maps or
 * storage (session.c decides what the records mean).
 *
 * Supported sample_type bits: IDENTIFIER, IP, TID, TIME, ADDR, ID,
 * STREAM_ID, CPU, PERIOD, READ, CALLCHAIN, RAW, REGS_USER, STACK_USER;
 * any other bit gives -EOPNOTSUPP (its layout is not known here).
 */
#ifndef HP_PERF_RECORD_H
#define HP_PERF_RECORD_H

#include <linux/perf_event.h>
#include <stddef.h>
#include <stdint.h>

/* How the samples of one event are laid out. */
struct hp_perf_format {
	uint64_t sample_type;          /* perf_event_attr.sample_type */
	uint64_t read_format;          /* perf_event_attr.read_format (for PERF_SAMPLE_READ) */
	uint32_t nregs;                /* registers in sample_regs_user (popcount of the mask) */
};

/* A PERF_RECORD_SAMPLE. Fields its sample_type lacks are 0 / NULL. */
struct hp_perf_sample {
	uint16_t misc;                 /* header misc: PERF_RECORD_MISC_CPUMODE_MASK etc. */
	uint64_t id;                   /* IDENTIFIER or ID */
	uint64_t ip;
	uint32_t pid, tid;
	uint64_t time;
	uint64_t period;
	/* READ: read_nr values with their times, read with perf_read_entry.
	 * A non-group read has read_nr = 1 (kept in read_single: the struct
	 * must not be copied while it is used). */
	uint64_t read_nr;
	uint64_t time_enabled, time_running;
	uint64_t read_format;
	const uint64_t *read_values;   /* value k at read_values[k * read_stride], then its
				        * id and lost count when read_format has them */
	uint32_t read_stride;
	uint64_t read_single[3];
	/* CALLCHAIN: nr_ips addresses, PERF_CONTEXT_* markers included. */
	uint64_t nr_ips;
	const uint64_t *ips;
	/* REGS_USER: regs is NULL when the ABI is PERF_SAMPLE_REGS_ABI_NONE
	 * (e.g. the sample hit a kernel thread), else nregs values. */
	uint64_t regs_abi;
	const uint64_t *regs;
	/* STACK_USER: stack_dyn_size bytes at stack are valid (the kernel's
	 * dyn_size, never more than stack_size, the room the record has for
	 * them: the copy stopped early when dyn_size < stack_size). */
	const uint8_t *stack;
	uint64_t stack_dyn_size, stack_size;
};

/* The identifier of a sample (PERF_SAMPLE_IDENTIFIER, the first field
 * after the header): which event it came from, and so which format
 * parses it. Returns 0, -EINVAL without IDENTIFIER, -EBADMSG when short. */
int perf_sample_id(const void *rec, uint32_t size, uint64_t sample_type, uint64_t *id);

/* Parse a PERF_RECORD_SAMPLE. Returns 0, -EBADMSG when a field does not
 * fit the record (or the header's size is not size), -EOPNOTSUPP for an
 * unsupported sample_type bit. */
int perf_parse_sample(const void *rec, uint32_t size, const struct hp_perf_format *f,
		      struct hp_perf_sample *out);

/* Value k (< read_nr) of a parsed READ, and its id (0 without
 * PERF_FORMAT_ID). */
void perf_read_entry(const struct hp_perf_sample *s, uint64_t k, uint64_t *value, uint64_t *id);

/* The records event k of a parsed READ could not write into its ring
 * (PERF_FORMAT_LOST, Linux >= 6.0); 0 without that format. */
uint64_t perf_read_lost(const struct hp_perf_sample *s, uint64_t k);

/* What read() of an event's fd returned (len bytes, the event's
 * read_format: the layout of a sample's READ) into out's READ fields,
 * read with perf_read_entry and perf_read_lost; out's other fields are 0.
 * Returns 0, or -EBADMSG when len is not the size read_format gives. */
int perf_parse_read(const void *buf, size_t len, uint64_t read_format,
		    struct hp_perf_sample *out);

/* The time of any record: a sample's TIME field, or the time of the
 * sample_id trailer that sample_id_all appends to the other records.
 * Returns 0, or -EBADMSG / -EINVAL (no PERF_SAMPLE_TIME) with *t = 0. */
int perf_record_time(const void *rec, uint32_t size, uint64_t sample_type, uint64_t *t);

/* PERF_RECORD_COMM. exec: the comm changed because of an exec. */
struct hp_perf_comm {
	uint32_t pid, tid;
	const char *comm;              /* NUL-terminated inside the record */
	int exec;
};
int perf_parse_comm(const void *rec, uint32_t size, struct hp_perf_comm *out);

/* PERF_RECORD_FORK and PERF_RECORD_EXIT. */
struct hp_perf_task {
	uint32_t pid, ppid, tid, ptid;
	uint64_t time;
};
int perf_parse_task(const void *rec, uint32_t size, struct hp_perf_task *out);

/* PERF_RECORD_MMAP and PERF_RECORD_MMAP2 (prot is PROT_EXEC for MMAP,
 * which the kernel sends for executable mappings only). */
struct hp_perf_mmap {
	uint32_t pid, tid;
	uint64_t addr, len, pgoff;
	uint32_t prot, flags;
	uint32_t maj, min;             /* MMAP2: the file's device and inode; 0 for MMAP */
	uint64_t ino;
	const char *filename;          /* NUL-terminated inside the record */
};
int perf_parse_mmap(const void *rec, uint32_t size, struct hp_perf_mmap *out);

/* PERF_RECORD_SWITCH of a per-task event (context_switch = 1): the task
 * in the sample_id trailer went off a CPU (out) or came back on one;
 * preempt: it went out while still runnable (the kernel preempted it). */
struct hp_perf_switch {
	uint32_t pid, tid;
	uint64_t time;
	int out, preempt;
};
/* Needs TID and TIME in sample_type (sample_id_all). Returns 0, -EINVAL
 * without them, -EBADMSG when short. */
int perf_parse_switch(const void *rec, uint32_t size, uint64_t sample_type,
		      struct hp_perf_switch *out);

/* PERF_RECORD_LOST: lost records of event id. */
int perf_parse_lost(const void *rec, uint32_t size, uint64_t *id, uint64_t *lost);

#endif

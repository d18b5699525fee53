/*
 * agent_kring.c - the kernel part of a Python sample, in the target.
 *
 * Each thread's cpu-clock SIGTRAP event (agent_py.c) is opened with
 * PERF_SAMPLE_CALLCHAIN (kernel part only) and a small ring mapped here:
 * at each overflow the kernel writes the sample (its kernel call chain,
 * empty when the thread was in user mode) to the ring, then sends SIGTRAP
 * to the thread, delivered before it runs another user instruction. So the
 * records the handler finds in its thread's ring are the overflows that
 * led to this signal: the kernel chain of the very sample whose Python
 * frames the handler reads. No join by (tid, time) between two samplings
 * is needed (docs/python.md, "Kernel functions beneath Python lines").
 *
 * One signal can stand for several records: a thread that spends more
 * than a period in one system call overflows several times before it
 * returns to user mode, and gets one SIGTRAP. The handler writes one
 * PYSAMPLE per record, each with its own kernel chain (the Python frames
 * and user stack are the same: the thread ran no user code in between).
 *
 * Only the thread itself reads its ring, from its SIGTRAP handler
 * (SIGTRAP is blocked while the handler runs): no locking. The head is
 * read once at the handler's start, so an overflow during the handler
 * (the handler's own CPU time) is left for the next signal.
 */
#include "collector/preload/shim.h"

#include <linux/perf_event.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static size_t page_bytes(void)
{
	static size_t page;
	if (!page) {
		long p = sysconf(_SC_PAGESIZE);
		page = p > 0 ? (size_t)p : 4096;
	}
	return page;
}

size_t kring_bytes(unsigned data_pages)
{
	return (1 + data_pages) * page_bytes();
}

void *kring_map(int fd, unsigned data_pages)
{
	void *r = mmap(NULL, kring_bytes(data_pages), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	return r == MAP_FAILED ? NULL : r;
}

void kring_unmap(void *ring, unsigned data_pages)
{
	if (ring)
		munmap(ring, kring_bytes(data_pages));
}

uint64_t kring_head(void *ring)
{
	const struct perf_event_mmap_page *mp = ring;
	return ring ? __atomic_load_n(&mp->data_head, __ATOMIC_ACQUIRE) : 0;
}

/* Copy len bytes at logical offset off of the ring's data (it wraps). */
static void ring_copy(const struct perf_event_mmap_page *mp, uint64_t off, void *dst, size_t len)
{
	const unsigned char *data = (const unsigned char *)mp + mp->data_offset;
	uint64_t size = mp->data_size, at = off % size;
	size_t first = len <= size - at ? len : (size_t)(size - at);
	memcpy(dst, data + at, first);
	memcpy((unsigned char *)dst + first, data, len - first);
}

/* The chain of a PERF_RECORD_SAMPLE body (sample_type CALLCHAIN only):
 * the addresses after PERF_CONTEXT_KERNEL. */
static void take_chain(const uint64_t *w, size_t nw, uint16_t misc, struct kring_sample *ks)
{
	ks->kernel = (misc & PERF_RECORD_MISC_CPUMODE_MASK) == PERF_RECORD_MISC_KERNEL;
	ks->n = 0;
	if (!nw)
		return;
	uint64_t nr = w[0] < nw - 1 ? w[0] : nw - 1;   /* a cut record: its innermost part */
	int in_kernel = 0;
	for (uint64_t i = 1; i <= nr && ks->n < HP_AP_MAX_KERNEL_FRAMES; i++) {
		if (w[i] >= (uint64_t)PERF_CONTEXT_MAX) {
			in_kernel = w[i] == (uint64_t)PERF_CONTEXT_KERNEL;
			continue;
		}
		if (in_kernel)
			ks->ips[ks->n++] = w[i];
	}
}

uint64_t kring_overflows(void *ring, uint64_t head)
{
	struct perf_event_mmap_page *mp = ring;
	uint64_t n = 0;
	if (!ring)
		return 0;
	for (uint64_t tail = mp->data_tail; tail < head;) {
		struct perf_event_header h;
		uint64_t lost[2];                   /* id, lost */
		ring_copy(mp, tail, &h, sizeof(h));
		if (h.size < sizeof(h) || h.size > head - tail)
			break;                      /* unreadable: kring_next gives it back */
		if (h.type == PERF_RECORD_SAMPLE)
			n++;
		else if (h.type == PERF_RECORD_LOST && h.size >= sizeof(h) + sizeof(lost)) {
			ring_copy(mp, tail + sizeof(h), lost, sizeof(lost));
			n += lost[1];
		}
		tail += h.size;
	}
	return n;
}

int kring_next(void *ring, uint64_t head, struct kring_sample *ks)
{
	struct perf_event_mmap_page *mp = ring;
	if (!ring)
		return 0;
	uint64_t tail = mp->data_tail;
	while (tail < head) {
		struct perf_event_header h;
		uint64_t body[8 + HP_AP_MAX_KERNEL_FRAMES + 8];
		ring_copy(mp, tail, &h, sizeof(h));
		if (h.size < sizeof(h) || h.size > head - tail) {
			tail = head;                /* unreadable: give the ring back */
			break;
		}
		uint64_t at = tail + sizeof(h);
		size_t len = h.size - sizeof(h);
		tail += h.size;
		if (h.type != PERF_RECORD_SAMPLE)
			continue;                   /* LOST, THROTTLE, ... */
		if (len > sizeof(body))
			len = sizeof(body);         /* deeper than asked: the innermost part */
		ring_copy(mp, at, body, len);
		take_chain(body, len / sizeof(uint64_t), h.misc, ks);
		__atomic_store_n(&mp->data_tail, tail, __ATOMIC_RELEASE);
		return 1;
	}
	__atomic_store_n(&mp->data_tail, tail, __ATOMIC_RELEASE);
	return 0;
}

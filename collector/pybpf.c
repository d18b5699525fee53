/*
 * pybpf.c - loads the BPF Python frame reader (bpf/pyframes.bpf.c, its
 * object embedded at build time: bpf/pybpf_obj.c.in) with libbpf, attaches it to
 * sampling events, registers processes and matches its ring buffer's
 * records to perf samples (pybpf.h). Built without libbpf, pybpf_open
 * says so and the collector reads frames after the fact.
 */
#include "collector/pybpf.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collector/pybpfq.h"
#include "collector/pyruntime.h"
#include "common/clock.h"
#include "common/log.h"

#ifdef HP_HAVE_BPF
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/perf_event.h>
#include <sys/ioctl.h>

extern const unsigned char hp_pybpf_obj[];
extern const unsigned char hp_pybpf_obj_end[];

struct hp_pybpf {
	struct bpf_object *obj;
	struct ring_buffer *rb;
	int prog_fd[PYBPF_KINDS], procs_fd, lost_fd;
	struct pybpfq q;
	uint64_t last_expire;
};

static int quiet_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	char line[512];
	if (level == LIBBPF_DEBUG)
		return 0;
	vsnprintf(line, sizeof(line), fmt, ap);
	hp_debug(HP_DBG_RUN, 1, "libbpf: %.*s", (int)strcspn(line, "\n"), line);
	return 0;
}

/* hpprof in a PID namespace sees other tids than the program does. */
static int in_init_pid_ns(void)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	int init = 1;
	if (!f)
		return 1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, "NSpid:", 6))
			init = !strchr(line + 6 + strspn(line + 6, " \t"), '\t') &&
			       !strchr(line + 6 + strspn(line + 6, " \t"), ' ');
	fclose(f);
	return init;
}

static int on_record(void *ctx, void *data, size_t size)
{
	struct hp_pybpf *b = ctx;
	if (size < offsetof(struct pybpf_rec, frames))
		return 0;
	pybpfq_push(&b->q, data);
	return 0;
}

/* The ring holds RING_PER_CPU bytes per CPU (a record is 3 KiB: ~330 per
 * CPU, a third of a second of samples at 1 kHz on every CPU before the
 * collector drains it; more are counted lost). The maps' sizes are most of
 * the load's cost: 2-5 ms of CPU with these, 20 ms with an 8 MiB ring. */
static int size_ring(struct bpf_object *obj)
{
	enum { RING_PER_CPU = 1 << 20, RING_MAX = 16 << 20 };
	struct bpf_map *m = bpf_object__find_map_by_name(obj, "events");
	int ncpu = libbpf_num_possible_cpus();
	uint32_t size = RING_PER_CPU;
	while (ncpu > 0 && size < (uint32_t)ncpu * RING_PER_CPU && size < RING_MAX)
		size <<= 1;                        /* a power of two */
	return m ? bpf_map__set_max_entries(m, size) : -ENOENT;
}

static void why_load(int err, char *why, size_t whylen)
{
	if (err == -EPERM || err == -EACCES)
		snprintf(why, whylen, "BPF reader not permitted (needs root or CAP_BPF and"
			 " CAP_PERFMON)");
	else
		snprintf(why, whylen, "BPF reader not loaded (%s)", strerror(-err));
}

int pybpf_open(struct hp_pybpf **out, char *why, size_t whylen)
{
	LIBBPF_OPTS(bpf_object_open_opts, opts, .object_name = "hp_pyframes");
	struct hp_pybpf *b;
	struct bpf_program *prog;
	int err;
	*out = NULL;
	if (!in_init_pid_ns()) {
		snprintf(why, whylen, "BPF reader not used (hpprof runs in a PID namespace)");
		return -ENOTSUP;
	}
	if (!(b = calloc(1, sizeof(*b))))
		return -ENOMEM;
	libbpf_set_print(quiet_print);
	b->obj = bpf_object__open_mem(hp_pybpf_obj, (size_t)(hp_pybpf_obj_end - hp_pybpf_obj),
				      &opts);
	if (!b->obj) {
		err = -errno;
		goto fail;
	}
	if ((err = size_ring(b->obj)) || (err = bpf_object__load(b->obj)))
		goto fail;
	static const char *const names[PYBPF_KINDS] = { "hp_pyframes", "hp_pyframes_off" };
	for (int k = 0; k < PYBPF_KINDS; k++) {
		prog = bpf_object__find_program_by_name(b->obj, names[k]);
		b->prog_fd[k] = prog ? bpf_program__fd(prog) : -ENOENT;
	}
	b->procs_fd = bpf_object__find_map_fd_by_name(b->obj, "procs");
	b->lost_fd = bpf_object__find_map_fd_by_name(b->obj, "lost");
	int events = bpf_object__find_map_fd_by_name(b->obj, "events");
	if (b->prog_fd[PYBPF_CPU] < 0 || b->prog_fd[PYBPF_OFFCPU] < 0 || b->procs_fd < 0 || b->lost_fd < 0 || events < 0) {
		err = -ENOENT;
		goto fail;
	}
	if (!(b->rb = ring_buffer__new(events, on_record, b, NULL))) {
		err = -errno;
		goto fail;
	}
	*out = b;
	return 0;
fail:
	why_load(err, why, whylen);
	pybpf_free(b);
	return err;
}

void pybpf_free(struct hp_pybpf *b)
{
	if (!b)
		return;
	ring_buffer__free(b->rb);
	bpf_object__close(b->obj);
	pybpfq_release(&b->q);
	free(b);
}

int pybpf_attach(struct hp_pybpf *b, int perf_fd, unsigned kind)
{
	if (kind >= PYBPF_KINDS)
		return -EINVAL;
	return ioctl(perf_fd, PERF_EVENT_IOC_SET_BPF, b->prog_fd[kind]) < 0 ? -errno : 0;
}

int pybpf_register(struct hp_pybpf *b, uint32_t pid, const struct py_runtime *rt)
{
	const struct py_offsets *o = rt->off;
	struct pybpf_proc p = {
		.runtime = rt->runtime,
		.runtime_interp_head = (uint16_t)o->runtime_interp_head,
		.interp_next = (uint16_t)o->interp_next,
		.interp_threads_head = (uint16_t)o->interp_threads_head,
		.tstate_next = (uint16_t)o->tstate_next,
		.tstate_cframe = (uint16_t)o->tstate_cframe,
		.tstate_native_id = (uint16_t)o->tstate_native_id,
		.cframe_current_frame = (uint16_t)o->cframe_current_frame,
		.cframe_previous = (uint16_t)o->cframe_previous,
		.frame_code = (uint16_t)o->frame_code,
		.frame_previous = (uint16_t)o->frame_previous,
		.frame_prev_instr = (uint16_t)o->frame_prev_instr,
		.frame_is_entry = (uint16_t)o->frame_is_entry,
	};
	return bpf_map_update_elem(b->procs_fd, &pid, &p, BPF_ANY) ? -errno : 0;
}

void pybpf_unregister(struct hp_pybpf *b, uint32_t pid)
{
	bpf_map_delete_elem(b->procs_fd, &pid);
}

struct pybpf_rec *pybpf_take(struct hp_pybpf *b, uint32_t tid, uint64_t time, uint64_t ip,
			     unsigned kind)
{
	ring_buffer__consume(b->rb);
	if (time > b->last_expire + PYBPFQ_MAX_AGE_NS) {
		pybpfq_expire(&b->q, time);
		b->last_expire = time;
	}
	return pybpfq_take(&b->q, tid, time, ip, kind);
}

uint64_t pybpf_lost(struct hp_pybpf *b)
{
	uint64_t sum = 0, v[1024] = { 0 };   /* filled by the kernel (valgrind cannot tell) */
	uint32_t zero = 0;
	int ncpu = libbpf_num_possible_cpus();
	if (ncpu <= 0 || ncpu > 1024 || bpf_map_lookup_elem(b->lost_fd, &zero, v))
		return 0;
	for (int i = 0; i < ncpu; i++)
		sum += v[i];
	return sum;
}

uint64_t pybpf_unmatched(struct hp_pybpf *b)
{
	return b->q.dropped;
}

#else /* !HP_HAVE_BPF */

int pybpf_open(struct hp_pybpf **out, char *why, size_t whylen)
{
	*out = NULL;
	snprintf(why, whylen, "BPF reader not built (hpprof was built without libbpf or clang)");
	return -ENOTSUP;
}

void pybpf_free(struct hp_pybpf *b) { (void)b; }
int pybpf_attach(struct hp_pybpf *b, int perf_fd, unsigned kind)
{
	(void)b; (void)perf_fd; (void)kind;
	return -ENOTSUP;
}
int pybpf_register(struct hp_pybpf *b, uint32_t pid, const struct py_runtime *rt)
{
	(void)b; (void)pid; (void)rt;
	return -ENOTSUP;
}
void pybpf_unregister(struct hp_pybpf *b, uint32_t pid) { (void)b; (void)pid; }
struct pybpf_rec *pybpf_take(struct hp_pybpf *b, uint32_t tid, uint64_t time, uint64_t ip,
			     unsigned kind)
{
	(void)b; (void)tid; (void)time; (void)ip; (void)kind;
	return NULL;
}
uint64_t pybpf_lost(struct hp_pybpf *b) { (void)b; return 0; }
uint64_t pybpf_unmatched(struct hp_pybpf *b) { (void)b; return 0; }

#endif

/*
 * agent_py.c - the CPU sampling agent in a CPython 3.11 process: Python
 * frames read inside the target at the sample (docs/python.md says why
 * there, by measurement).
 *
 * At start the agent asks pysample_init whether this process is a CPython
 * it can read. When it is, every thread (the main thread at start, others
 * from the pthread_create hook, the forking thread again in a forked
 * child) gets a cpu-clock perf event of its own with sigtrap: at each
 * period of the thread's CPU time the kernel sends SIGTRAP to that thread
 * (si_code TRAP_PERF) before it runs another user instruction. These
 * events are exact at 1 kHz, where the CPU-time timers of agent.c are
 * capped at CONFIG_HZ; they need Linux >= 5.13 and perf_event_open, and
 * are removed at exec (remove_on_exec) and never inherited.
 *
 * With HPPROF_FAULT_PERIOD=N each thread also gets a page-fault event
 * with sigtrap: its SIGTRAP (si_perf_data SIG_FAULT) comes at every N-th
 * user-space page fault of the thread, before the faulting instruction is
 * retried, and the PYSAMPLE it writes is flagged HP_AP_RF_FAULT: page
 * faults per Python line (docs/python.md says why in the target). Both
 * events send SIGTRAP, and two that overflow in one entry to the kernel
 * (a cpu-clock period ending inside a page fault's handling) reach the
 * thread as one signal: the kernel keeps one pending SIGTRAP. So the
 * count of fault samples comes from the fault event's ring, where the
 * kernel writes a record at every overflow: each handler, whichever event
 * sent it, writes one fault PYSAMPLE per record it finds there (without
 * the ring: one per fault signal). Before, such merged signals lost 0.5%
 * of the fault samples (4 of ~770 in 96 MiB written, e2e_python_mem_faults;
 * more where faults take longer, as on a loaded machine).
 *
 * The SIGTRAP handler takes the native stack (agent_unwind) and the
 * thread's Python frames (pysample_take, a microsecond: the interrupted
 * thread cannot change its own chain), and writes one PYSAMPLE record
 * (common/allocproto.h). The CPU event also writes its samples, with their
 * kernel call chain, to a ring of the thread (agent_kring.c): the handler
 * appends the kernel part of each sample that led to the signal. The collector resolves the frames while the
 * process lives and merges both stacks (collector/pyfeed.c, pymerge.h).
 *
 * The stream header says what was found (py_state, py_version and the
 * _PyEval_EvalFrameDefault range the merge needs), before any PYSAMPLE.
 * A Python whose layout hpprof does not know is noted there
 * (HP_AP_PY_UNSUPPORTED) and sampled by agent.c's timers: native frames
 * only, never guessed ones.
 *
 * The handler's plain loads of frames and code objects run under
 * faultguard.c: a pointer that is not mapped (a sample in the few
 * instructions where CPython links or unlinks a frame) fails the sample
 * (HP_AP_RF_PYFAIL) instead of killing the target with SIGSEGV.
 *
 * A SIGTRAP that is not TRAP_PERF (a breakpoint of a debugger) goes to the
 * handler the program had; programs that install their own SIGTRAP
 * handler later replace ours (their samples are then lost).
 */
#include "collector/preload/shim.h"

#include <dlfcn.h>
#include <errno.h>
#include <linux/perf_event.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <ucontext.h>
#include <unistd.h>

#include "collector/faultguard.h"
#include "collector/pysample.h"

#ifndef TRAP_PERF
#define TRAP_PERF 6
#endif

enum { MAX_EVENTS = 4096 };   /* threads sampled at once */

static struct {
	struct pysample ps;
	uint64_t period_ns;
	int on;                   /* threads get SIGTRAP events */
	int usable;               /* frames can be read (CPython 3.11), events or not */
	int exclude_kernel;       /* the kernel refused counting kernel time */
	uint64_t fault_period;    /* a PYSAMPLE every this many page faults; 0 = off */
	struct sigaction old;     /* the program's SIGTRAP disposition before ours */
} py;

/* perf event fd + 1 of every sampled thread, 0 for a free slot, and the
 * event's id (PERF_EVENT_IOC_ID): a program that closed our fd (a daemon
 * closing every fd) may have reused its number, which we must not close. */
static int events[MAX_EVENTS];
static uint64_t event_ids[MAX_EVENTS];
/* The same for each thread's page-fault event (fault_period), and its
 * ring of overflow records (NULL when it could not be mapped). */
static int fault_events[MAX_EVENTS];
static uint64_t fault_ids[MAX_EVENTS];
static void *fault_rings[MAX_EVENTS];
/* The ring of each thread's CPU event (kernel call chains), NULL when it
 * could not be mapped (the kernel part of its samples is then unknown). */
static void *rings[MAX_EVENTS];

/* attr.sig_data (siginfo si_perf_data) of the two events */
enum { SIG_CPU = 1, SIG_FAULT = 2 };

static __thread struct pysample_thread py_thread __attribute__((tls_model("initial-exec")));
static __thread int py_slot __attribute__((tls_model("initial-exec")));   /* slot + 1 */
static __thread void *py_ring __attribute__((tls_model("initial-exec")));
static __thread void *py_fring __attribute__((tls_model("initial-exec")));
/* the thread's CPU clock at its last CPU-event signal, or at its event's opening (ns) */
static __thread uint64_t py_cpu_last __attribute__((tls_model("initial-exec")));

int agentpy_on(void)
{
	return __atomic_load_n(&py.on, __ATOMIC_ACQUIRE);
}

int agentpy_usable(void)
{
	return __atomic_load_n(&py.usable, __ATOMIC_ACQUIRE);
}

/* ---- code objects: copies for the collector ------------------------------ */

/* Code objects already sent, by address, with a digest of their identity
 * (the pycode_key pointers and the first line): a new object at a known
 * address is sent again. Lock-free; two threads may both send one. */
enum { SEEN_SLOTS = 16384, SEEN_PROBES = 32, STR_KEEP = 1024 };
static uint64_t seen_addr[SEEN_SLOTS], seen_key[SEEN_SLOTS];

static uint64_t ld64(uint64_t a)
{
	uint64_t v;
	memcpy(&v, (const void *)(uintptr_t)a, sizeof v);
	return v;
}

static uint32_t ld32(uint64_t a)
{
	uint32_t v;
	memcpy(&v, (const void *)(uintptr_t)a, sizeof v);
	return v;
}

/* 1 when code (with identity key) was sent already, or cannot be
 * remembered (the collector then reads it from the process). */
static int code_seen(uint64_t code, uint64_t key)
{
	uint64_t h = (code >> 4) * 0x9e3779b97f4a7c15ull;
	for (unsigned i = 0; i < SEEN_PROBES; i++) {
		unsigned s = (unsigned)((h >> 40) + i) % SEEN_SLOTS;
		uint64_t a = __atomic_load_n(&seen_addr[s], __ATOMIC_ACQUIRE), zero = 0;
		if (a == code) {
			/* a plain load first: the common case writes nothing (allocation
			 * hooks of several threads call this for every frame) */
			if (__atomic_load_n(&seen_key[s], __ATOMIC_ACQUIRE) == key ||
			    __atomic_exchange_n(&seen_key[s], key, __ATOMIC_ACQ_REL) == key)
				return 1;
			return 0;
		}
		if (!a && __atomic_compare_exchange_n(&seen_addr[s], &zero, code, 0,
						      __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
			__atomic_store_n(&seen_key[s], key, __ATOMIC_RELEASE);
			return 0;
		}
	}
	return 1;
}

/* A record for code could not be written: send it at its next sample. */
static void seen_key_forget(uint64_t code)
{
	uint64_t h = (code >> 4) * 0x9e3779b97f4a7c15ull;
	for (unsigned i = 0; i < SEEN_PROBES; i++) {
		unsigned s = (unsigned)((h >> 40) + i) % SEEN_SLOTS;
		if (__atomic_load_n(&seen_addr[s], __ATOMIC_ACQUIRE) == code) {
			__atomic_store_n(&seen_key[s], 0, __ATOMIC_RELEASE);
			return;
		}
	}
}

/* Bytes of the str object at s that pycode_string reads. */
static uint64_t str_bytes(const struct py_offsets *o, uint64_t s)
{
	uint32_t state = ld32(s + o->str_state);
	uint64_t len = ld64(s + o->str_length), kind = state >> o->str_kind_shift & 7;
	int ascii = state >> o->str_ascii_bit & 1;
	if (!(state >> o->str_compact_bit & 1) || (kind != 1 && kind != 2 && kind != 4))
		return o->str_ascii_data;
	return (ascii ? o->str_ascii_data : o->str_compact_data) +
	       (len > STR_KEEP ? STR_KEEP : len) * kind;
}

static unsigned char *put_range(unsigned char *p, uint64_t addr, uint64_t len)
{
	p = hp_ap_put(p, addr);
	p = hp_ap_put(p, len);
	memcpy(p, (const void *)(uintptr_t)addr, (size_t)len);
	return p + len;
}

/* Send a PYCODE record for the code object of f unless it was sent. */
static void send_code(struct shim_tls *t, const struct pyframe_raw *f)
{
	const struct py_offsets *o = py.ps.rt.off;
	uint64_t c = f->code;
	uint64_t fn = ld64(c + o->code_filename), nm = ld64(c + o->code_name);
	uint64_t qn = ld64(c + o->code_qualname), tb = ld64(c + o->code_linetable);
	if (!fn || !nm || !qn || !tb)
		return;
	uint64_t key = fn ^ (nm << 1) ^ (qn << 2) ^ (tb << 3) ^ ld32(c + o->code_firstlineno);
	if (code_seen(c, key))
		return;
	int64_t tlen = (int64_t)ld64(tb + o->bytes_size);
	uint64_t lens[4] = { o->code_size, str_bytes(o, qn), str_bytes(o, fn),
			     o->bytes_data + (uint64_t)(tlen > 0 ? tlen : 0) };
	uint64_t addrs[4] = { c, qn, fn, tb }, total = 64;
	for (int i = 0; i < 4; i++)
		total += lens[i] + 20;
	if (tlen < 0 || total > HP_AP_MAX_REC)
		return;                      /* too big: the collector reads it itself */
	unsigned char buf[HP_AP_MAX_REC];
	unsigned char *p = rec_begin(buf, t, HP_AF_NONE, 0, 0);
	p = hp_ap_put(p, 4);
	for (int i = 0; i < 4; i++)
		p = put_range(p, addrs[i], lens[i]);
	if (stream_write(buf, rec_end(buf, p), HP_AP_PYCODE, STREAM_NOWAIT) < 0)
		seen_key_forget(c);          /* try again at its next sample */
}

/* ---- the handler ------------------------------------------------------- */

/* Append the Python frames: nr_py, then (code delta, offset, flags). */
static unsigned char *put_frames(unsigned char *p, const struct pysample_frame *f, int n)
{
	uint64_t prev = 0;
	p = hp_ap_put(p, (uint64_t)n);
	for (int i = 0; i < n; i++) {
		p = hp_ap_put(p, hp_ap_zigzag((int64_t)(f[i].code - prev)));
		p = hp_ap_put(p, hp_ap_zigzag(f[i].offset));
		p = hp_ap_put(p, f[i].flags);
		prev = f[i].code;
	}
	return p;
}

/* Append the kernel part of a sample (HP_AP_RF_KCHAIN), as many frames
 * as fit in the record. */
static unsigned char *put_kernel(unsigned char *buf, unsigned char *p, const struct kring_sample *ks)
{
	int room = (int)((buf + HP_AP_MAX_REC - HP_AP_ALIGN - p) / 10) - 1;
	int n = ks->n < room ? ks->n : room > 0 ? room : 0;
	uint64_t prev = 0;
	p = hp_ap_put(p, (uint64_t)n);
	for (int i = 0; i < n; i++) {
		p = i ? hp_ap_put(p, hp_ap_zigzag((int64_t)(ks->ips[i] - prev))) : hp_ap_put(p, ks->ips[i]);
		prev = ks->ips[i];
	}
	return p;
}

/* Write the PYSAMPLE in buf (body up to p): once per sample record of the
 * thread's ring before head, each with its kernel part; once without a
 * kernel part when there is none (no ring, or its record was lost). The
 * first carries the overrun (its one byte at ov), the others none. */
static void write_samples(unsigned char *buf, unsigned char *p, unsigned char *ov, void *ring,
			  uint64_t head)
{
	struct kring_sample ks;
	int any = 0;
	while (kring_next(ring, head, &ks)) {
		any = 1;
		((struct hp_ap_rec *)buf)->flags |= HP_AP_RF_KCHAIN;
		unsigned char *q = put_kernel(buf, p, &ks);
		if (stream_write(buf, rec_end(buf, q), HP_AP_PYSAMPLE, STREAM_NOWAIT) < 0)
			stream_count_drop(1);
		*ov = 0;
	}
	if (any)
		return;
	if (stream_write(buf, rec_end(buf, p), HP_AP_PYSAMPLE, STREAM_NOWAIT) < 0)
		stream_count_drop(1);
}

/* ring: the thread's CPU event ring when its SIGTRAP is the cause, else
 * NULL (fault event, timers); head: its head at the handler's start.
 * overrun: 0-127 with a ring (one byte of the record). */
static void take_pysample(struct shim_tls *t, int overrun, const void *uc, unsigned rflags,
			  void *ring, uint64_t head)
{
	void *pcs[HP_AP_MAX_SAMPLE_FRAMES];
	struct pyframe_raw raw[HP_AP_MAX_PY_FRAMES];
	struct pysample_frame packed[HP_AP_MAX_PY_FRAMES];
	unsigned flags;
	int nentry;
	/* Python first: it is what the sample is for, and it is cheap */
	int npy = pysample_take(&py.ps, &py_thread, raw, HP_AP_MAX_PY_FRAMES, &nentry);
	int n = agent_unwind(t, uc, pcs, &flags, ring, head);
	if (n < 0) {
		stream_count_drop(1);
		return;
	}
	flags |= rflags;
	if (npy == -E2BIG) {
		flags |= HP_AP_RF_PYCUT;     /* deeper than we carry: its innermost frames */
		npy = HP_AP_MAX_PY_FRAMES;
	} else if (npy < 0) {
		flags |= HP_AP_RF_PYFAIL;
		npy = 0;
	}
	sigjmp_buf env;
	if (FAULTGUARD_TRY(env)) {
		for (int i = 0; i < npy; i++)
			send_code(t, &raw[i]);
		faultguard_end();
	} else {
		flags |= HP_AP_RF_PYFAIL;    /* a frame's code object was not mapped */
		npy = 0;
	}
	pysample_pack(py.ps.rt.off, raw, npy, packed);
	unsigned char buf[HP_AP_MAX_REC];
	unsigned char *p = rec_begin(buf, t, HP_AF_NONE, flags, (unsigned)n), *ov = p;
	p = hp_ap_put(p, overrun > 0 ? (uint64_t)overrun : 0);
	p = put_pcs(p, pcs, n);
	p = put_frames(p, packed, npy);
	write_samples(buf, p, ov, ring, head);
}

static uint64_t thread_cpu_ns(void)
{
	struct timespec ts;
	if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts))
		return 0;
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* The periods of the thread's CPU time since its last CPU-event signal
 * beyond the n overflows this one stands for (its ring's records; 1
 * without a ring): time the event's timer could not interrupt the thread
 * where it ran. A VM's host that took the CPU away without telling the
 * guest (the thread's clock runs on, the timer fires once after), or the
 * kernel when kernel time is not sampled. The collector counts them as
 * agent.c's timer overruns (collector/streamfeed.c, agent_unseen). At most
 * 127: one byte of the record. Signal-safe. */
static int cpu_overrun(uint64_t n)
{
	uint64_t now = thread_cpu_ns(), last = py_cpu_last;
	py_cpu_last = now;
	if (!last || now <= last || !py.period_ns)
		return 0;
	uint64_t periods = (now - last + py.period_ns / 2) / py.period_ns;
	if (n < 1)
		n = 1;
	return periods > n ? (int)(periods - n < 127 ? periods - n : 127) : 0;
}

/* A SIGTRAP that is not ours: the signal mask its handler would have had
 * (ours blocks more, agent_handler_mask). */
static void program_mask(const void *ucv)
{
	const ucontext_t *uc = ucv;
	sigset_t set;
	if (!uc || (py.old.sa_flags & SA_SIGINFO ? !py.old.sa_sigaction
		    : py.old.sa_handler == SIG_DFL || py.old.sa_handler == SIG_IGN))
		return;
	set = uc->uc_sigmask;
	sigorset(&set, &set, &py.old.sa_mask);
	if (!(py.old.sa_flags & SA_NODEFER))
		sigaddset(&set, SIGTRAP);
	pthread_sigmask(SIG_SETMASK, &set, NULL);
}

/* The fault event's overflow records before head, taken from its ring. */
static int fault_records(void *fring, uint64_t head)
{
	struct kring_sample ks;
	int n = 0;
	while (kring_next(fring, head, &ks))
		n++;
	return n;
}

static void on_sigtrap(int sig, siginfo_t *si, void *uc)
{
	int saved = errno;
	if (si && si->si_code == TRAP_PERF && uc) {
		/* si_perf_data (glibc's siginfo_t does not name it): the long
		 * after si_addr, as in the kernel's _sigfault._perf */
		unsigned long data;
		memcpy(&data, (const char *)&si->si_addr + sizeof(void *), sizeof(data));
		void *ring = data == SIG_FAULT ? NULL : __atomic_load_n(&py_ring, __ATOMIC_RELAXED);
		void *fring = __atomic_load_n(&py_fring, __ATOMIC_RELAXED);
		/* heads first: later records are the handler's own */
		uint64_t head = kring_head(ring), fhead = kring_head(fring);
		if (data != SIG_FAULT)
			take_pysample(&shim_tls, cpu_overrun(kring_overflows(ring, head)), uc, 0,
				      ring, head);
		/* a fault sample per overflow, also one whose signal merged
		 * with this one (the head of this file says when) */
		for (int n = fring ? fault_records(fring, fhead) : data == SIG_FAULT; n > 0; n--)
			take_pysample(&shim_tls, 0, uc, HP_AP_RF_FAULT, NULL, 0);
	} else if (program_mask(uc), py.old.sa_flags & SA_SIGINFO) {
		if (py.old.sa_sigaction)
			py.old.sa_sigaction(sig, si, uc);
	} else if (py.old.sa_handler != SIG_DFL && py.old.sa_handler != SIG_IGN) {
		py.old.sa_handler(sig);
	} else if (py.old.sa_handler == SIG_DFL) {
		/* a real trap with the default action: die of it as without us */
		signal(SIGTRAP, SIG_DFL);
		raise(SIGTRAP);
	}
	errno = saved;
}

void agentpy_sample(struct shim_tls *t, int overrun, const void *uc)
{
	take_pysample(t, overrun, uc, 0, NULL, 0);
}

/* ---- allocations: the Python frames of the allocating thread ------------- */

int agentpy_alloc_tail(struct shim_tls *t, void **out, int max)
{
	struct pyframe_raw raw[HP_AP_MAX_PY_FRAMES];
	struct pysample_frame packed[HP_AP_MAX_PY_FRAMES];
	int nentry;
	if (!agentpy_usable() || max < 3)
		return 0;
	int npy = pysample_take(&py.ps, &py_thread, raw, HP_AP_MAX_PY_FRAMES, &nentry);
	int cut = npy == -E2BIG;         /* deeper than we carry: its innermost frames */
	if (cut)
		npy = HP_AP_MAX_PY_FRAMES;
	if (npy <= 0)
		return 0;                    /* no Python running, or unreadable: native only */
	if (1 + 2 * npy > max) {
		npy = (max - 1) / 2;         /* no room for the outer frames */
		cut = 1;
	}
	sigjmp_buf env;
	if (!FAULTGUARD_TRY(env))
		return 0;                    /* a frame's code object was not mapped */
	for (int i = 0; i < npy; i++)
		send_code(t, &raw[i]);
	faultguard_end();
	pysample_pack(py.ps.rt.off, raw, npy, packed);
	out[0] = (void *)(uintptr_t)(cut ? HP_AP_PY_MARK_CUT : HP_AP_PY_MARK);
	for (int i = 0; i < npy; i++) {
		out[1 + 2 * i] = (void *)(uintptr_t)packed[i].code;
		out[2 + 2 * i] = (void *)(uintptr_t)((uint64_t)(uint32_t)packed[i].offset << 32 |
						     packed[i].flags);
	}
	return 1 + 2 * npy;
}

/* ---- per thread -------------------------------------------------------- */

/* A software event of the calling thread that sends it SIGTRAP (with
 * sig_data) every period events, gone at exec. */
static void sigtrap_attr(struct perf_event_attr *a, uint64_t config, uint64_t period,
			 uint64_t sig_data)
{
	memset(a, 0, sizeof(*a));
	a->size = sizeof(*a);
	a->type = PERF_TYPE_SOFTWARE;
	a->config = config;
	a->sample_period = period;
	a->sigtrap = 1;
	a->sig_data = sig_data;
	a->remove_on_exec = 1;
	a->exclude_hv = 1;
}

static int open_attr(struct perf_event_attr *a)
{
	return (int)syscall(SYS_perf_event_open, a, 0, -1, -1, PERF_FLAG_FD_CLOEXEC);
}

static int open_event(void)
{
	struct perf_event_attr a;
	sigtrap_attr(&a, PERF_COUNT_SW_CPU_CLOCK, py.period_ns, SIG_CPU);
	a.exclude_kernel = (unsigned)py.exclude_kernel;
	if (!a.exclude_kernel) {
		/* the kernel part of each sample, to the ring (agent_kring.c) */
		a.sample_type = PERF_SAMPLE_CALLCHAIN;
		a.exclude_callchain_user = 1;
		a.sample_max_stack = HP_AP_MAX_KERNEL_FRAMES;
	}
	int fd = open_attr(&a);
	if (fd < 0 && (errno == EACCES || errno == EPERM) && !a.exclude_kernel) {
		py.exclude_kernel = 1;           /* time in the kernel is not sampled then */
		sigtrap_attr(&a, PERF_COUNT_SW_CPU_CLOCK, py.period_ns, SIG_CPU);
		a.exclude_kernel = 1;
		fd = open_attr(&a);
	}
	return fd;
}

/* The calling thread's page-fault event: SIGTRAP every fault_period
 * faults (user-space faults, as perf's fault sampler counts them), and a
 * record (no fields) in its ring at each overflow; or -1. */
static int open_fault_event(void)
{
	struct perf_event_attr a;
	sigtrap_attr(&a, PERF_COUNT_SW_PAGE_FAULTS, py.fault_period, SIG_FAULT);
	a.exclude_kernel = 1;
	return open_attr(&a);
}

/* Put fd (with its id) in slot i of a table; 0, or -1 when taken. */
static int claim(int *tab, uint64_t *ids, int i, int fd)
{
	uint64_t id = 0;
	int expect = 0;
	ioctl(fd, PERF_EVENT_IOC_ID, &id);
	if (!__atomic_compare_exchange_n(&tab[i], &expect, fd + 1, 0, __ATOMIC_SEQ_CST,
					 __ATOMIC_RELAXED))
		return -1;
	__atomic_store_n(&ids[i], id, __ATOMIC_RELEASE);
	return 0;
}

static void thread_faults_start(int slot)
{
	if (!py.fault_period)
		return;
	int fd = open_fault_event();
	if (fd < 0)
		return;
	if (claim(fault_events, fault_ids, slot, fd) < 0) {
		close(fd);
		return;
	}
	fault_rings[slot] = kring_map(fd, KRING_FAULT_PAGES);
	__atomic_store_n(&py_fring, fault_rings[slot], __ATOMIC_RELAXED);
}

void agentpy_thread_start(void)
{
	if (!agentpy_on() || py_slot)
		return;
	py_thread.tid = 0;                   /* a new thread, or a forked child */
	py_thread.tstate = 0;
	int fd = open_event();
	if (fd < 0) {
		stream_count_drop(0);
		return;
	}
	py_cpu_last = thread_cpu_ns();       /* the event counts from here */
	uint64_t id = 0;
	ioctl(fd, PERF_EVENT_IOC_ID, &id);
	for (int i = 0; i < MAX_EVENTS; i++) {
		int expect = 0;
		if (__atomic_compare_exchange_n(&events[i], &expect, fd + 1, 0, __ATOMIC_SEQ_CST,
						__ATOMIC_RELAXED)) {
			__atomic_store_n(&event_ids[i], id, __ATOMIC_RELEASE);
			py_slot = i + 1;
			if (!py.exclude_kernel)
				rings[i] = kring_map(fd, KRING_DATA_PAGES);
			__atomic_store_n(&py_ring, rings[i], __ATOMIC_RELAXED);
			thread_faults_start(i);
			return;
		}
	}
	close(fd);                           /* table full: this thread is not sampled */
}

/* Close the fd of slot i (value v = fd + 1) if it is still our event. */
static void close_in(const uint64_t *ids, int i, int v)
{
	uint64_t id = 0, want = __atomic_load_n(&ids[i], __ATOMIC_ACQUIRE);
	if (ioctl(v - 1, PERF_EVENT_IOC_ID, &id) == 0 && id == want)
		close(v - 1);
}

/* Close the fault event of slot i, if any, and unmap its ring. */
static void close_faults(int i)
{
	int v = __atomic_exchange_n(&fault_events[i], 0, __ATOMIC_SEQ_CST);
	kring_unmap(fault_rings[i], KRING_FAULT_PAGES);
	fault_rings[i] = NULL;
	if (v)
		close_in(fault_ids, i, v);
}

/* Close both events of slot i (v: its CPU event's fd + 1). */
static void close_event(int i, int v)
{
	kring_unmap(rings[i], KRING_DATA_PAGES);
	rings[i] = NULL;
	close_in(event_ids, i, v);
	close_faults(i);
}

void agentpy_thread_stop(void)
{
	if (!py_slot)
		return;
	int i = py_slot - 1, v = __atomic_exchange_n(&events[i], 0, __ATOMIC_SEQ_CST);
	py_slot = 0;
	__atomic_store_n(&py_ring, NULL, __ATOMIC_RELAXED);
	__atomic_store_n(&py_fring, NULL, __ATOMIC_RELAXED);
	__atomic_signal_fence(__ATOMIC_SEQ_CST);   /* no handler uses the rings past here */
	if (v)
		close_event(i, v);
	else
		close_faults(i);
}

/* ---- pymalloc's arenas ----------------------------------------------------- */

/* CPython's PyObjectArenaAllocator: pymalloc takes its arenas (1 MiB,
 * mmap) from it, not from malloc, so the shim's hooks never see them. The
 * agent puts itself in front (PyObject_SetArenaAllocator, before the
 * interpreter starts) and records each arena as an allocation of the
 * Python line that made pymalloc need it. With PYTHONMALLOC=malloc there
 * are no arenas (every object is a malloc). */
struct arena_allocator {
	void *ctx;
	void *(*alloc)(void *ctx, size_t size);
	void (*free)(void *ctx, void *ptr, size_t size);
};

static struct arena_allocator arena_orig;

static void *arena_alloc(void *ctx, size_t n)
{
	(void)ctx;
	void *p = arena_orig.alloc(arena_orig.ctx, n);
	shim_note_alloc(HP_AF_PYARENA, p, n);
	return p;
}

static void arena_free(void *ctx, void *p, size_t n)
{
	(void)ctx;
	shim_note_free(HP_AF_PYARENA, p);
	arena_orig.free(arena_orig.ctx, p, n);
}

static void wrap_arenas(void)
{
	void (*get)(struct arena_allocator *) =
		(void (*)(struct arena_allocator *))dlsym(RTLD_DEFAULT, "PyObject_GetArenaAllocator");
	void (*set)(struct arena_allocator *) =
		(void (*)(struct arena_allocator *))dlsym(RTLD_DEFAULT, "PyObject_SetArenaAllocator");
	if (!get || !set)
		return;
	get(&arena_orig);
	if (!arena_orig.alloc || !arena_orig.free)
		return;
	struct arena_allocator mine = { NULL, arena_alloc, arena_free };
	set(&mine);
}

/* ---- start and fork ------------------------------------------------------ */

static void note_header(void)
{
	struct hp_ap_header *h = stream_header();
	if (!h)
		return;
	uint32_t state = py.on ? HP_AP_PY_FRAMES
			 : py.ps.rt.runtime || py.ps.rt.major ? HP_AP_PY_UNSUPPORTED : HP_AP_PY_NONE;
	if (state == HP_AP_PY_UNSUPPORTED && py.ps.rt.off)
		state = HP_AP_PY_NOEVENT;
	__atomic_store_n(&h->py_version, py.ps.rt.version_hex, __ATOMIC_RELAXED);
	__atomic_store_n(&h->py_eval_start, py.ps.rt.eval_start, __ATOMIC_RELAXED);
	__atomic_store_n(&h->py_eval_end, py.ps.rt.eval_end, __ATOMIC_RELAXED);
	__atomic_store_n(&h->py_state, state, __ATOMIC_RELEASE);
}

void agentpy_start(unsigned hz)
{
	const char *want = getenv(HP_AP_ENV_PYTHON);
	if (!hz || (want && !strcmp(want, "0")))
		return;
	int err = pysample_init(&py.ps);
	if (err == -ENOENT)
		return;                          /* not a CPython: the timers sample it */
	py.period_ns = 1000000000ull / hz;
	const char *fp = getenv(HP_AP_ENV_FAULTS);
	for (py.fault_period = 0; fp && *fp >= '0' && *fp <= '9'; fp++)
		py.fault_period = py.fault_period * 10 + (uint64_t)(*fp - '0');
	if (!err) {
		__atomic_store_n(&py.usable, 1, __ATOMIC_RELEASE);
		wrap_arenas();
	}
	if (!err) {
		/* probe: the kernel must have sigtrap events (Linux 5.13) and allow them */
		int fd = open_event();
		if (fd >= 0) {
			close(fd);
			struct sigaction sa;
			memset(&sa, 0, sizeof(sa));
			sa.sa_sigaction = on_sigtrap;
			sa.sa_flags = SA_SIGINFO | SA_RESTART;
			agent_handler_mask(&sa.sa_mask);
			/* the reads of frames and code objects fail rather than
			 * kill the target where a pointer is not mapped */
			if (faultguard_install() == 0 && sigaction(SIGTRAP, &sa, &py.old) == 0)
				__atomic_store_n(&py.on, 1, __ATOMIC_RELEASE);
		}
	}
	note_header();
}

void agentpy_fork_child(void)
{
	/* the parent's events are not ours: close their fds, keep theirs */
	for (int i = 0; i < MAX_EVENTS; i++) {
		int v = __atomic_exchange_n(&events[i], 0, __ATOMIC_RELAXED);
		if (v)
			close_event(i, v);
		else
			close_faults(i);
	}
	py_slot = 0;
	py_ring = NULL;
	py_fring = NULL;
	py_thread.tid = 0;
	py_thread.tstate = 0;
	memset(seen_addr, 0, sizeof(seen_addr));   /* the child's stream has none of them */
	memset(seen_key, 0, sizeof(seen_key));
	py.ps.pid = (uint32_t)getpid();
	py.ps.rt.pid = py.ps.pid;
	if (py.ps.rt.runtime || py.ps.rt.major)
		note_header();                   /* the child's new stream */
}

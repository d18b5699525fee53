/*
 * agent.c - the CPU sampling agent of libhpprof_alloc.so: hpprof's
 * sampler when perf_event_open is refused (seccomp, containers, lockdown)
 * or when `hpprof run --sampler preload` asks for it.
 *
 * Each thread gets a POSIX timer on its own CPU-time clock
 * (CLOCK_THREAD_CPUTIME_ID, SIGEV_THREAD_ID -> SIGPROF) with a period of
 * 1/HZ: the main thread when the library starts, every thread made with
 * pthread_create (interposed: the start routine is wrapped to arm the
 * timer first and delete it when the thread ends, returning or exiting),
 * and the forking thread again in a forked child. The SIGPROF handler
 * unwinds the interrupted thread with unw_backtrace, drops its own frames
 * and the signal trampoline so that pcs[0] is the interrupted instruction,
 * and appends a SAMPLE record (common/allocproto.h) to the process's
 * stream without waiting: a sample that finds the ring full is dropped
 * and counted.
 *
 * The handler is async-signal-safe: no malloc, stdio, locks or waits;
 * errno is saved and restored; libunwind is initialized, and each
 * thread's unwind cache created, outside the handler. A sample is skipped
 * (and counted) when it interrupts the library's own unw_backtrace call
 * (an allocation stack being taken), whose caches are not reentrant.
 *
 * The cost of unwinding in the handler (docs/python.md, "The agent's
 * unwinding cost"). libunwind blocks every signal around each of its
 * locks (the register-state cache, its memory pool, dl_iterate_phdr):
 * two sigprocmask system calls a time, eight or more for each frame it
 * has not cached (always the interrupted one), every frame when its fast
 * trace gives up (a PLT stub, the lazy-binding resolver). A system call
 * costs ~8 us in the VMs hpprof is tested on. The sampling handlers run
 * with those signals blocked already (sa_mask: agent_handler_mask), so
 * while the handler unwinds, the library's sigprocmask answers without a
 * system call. And a thread whose unwind outlasted its sampling period
 * gets a few samples with the interrupted instruction only
 * (HP_AP_RF_TRUNCATED, the Python frames still read; "Backing off"
 * below): a period shorter than one slow unwind can no longer starve the
 * program (pyenv's CPython at 4 kHz made no progress at all).
 *
 * The program's own use of SIGPROF wins: when a handler is already
 * installed at start the agent does not start; when the program later
 * sets SIGPROF's disposition (sigaction, signal and their variants,
 * interposed) the agent deletes every timer first and stands aside. Both
 * set HP_AP_F_ASIDE in the stream header, so the collector can say so.
 *
 * In a CPython 3.11 process (agent_py.c) each thread gets a cpu-clock
 * perf event with sigtrap instead of a timer, and its SIGTRAP handler
 * writes PYSAMPLE records: the same stack plus the thread's Python frames.
 * Its reads run under a SIGSEGV/SIGBUS guard (faultguard.h); a program that
 * later sets those signals' dispositions (through the same hooks) gets
 * them as its own, behind the guard.
 *
 * What it does not see: threads made without pthread_create (raw clone),
 * threads that block SIGPROF, kernel frames, and (CPU-time timers being
 * checked once per kernel tick) more than CONFIG_HZ samples per second
 * per thread; each SAMPLE carries the timer overrun so the collector
 * knows how much CPU time a sample stands for.
 */
#include "collector/preload/shim.h"

#include <dlfcn.h>
#include <errno.h>
#include <libunwind.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>

#include "collector/faultguard.h"

#define HOOK __attribute__((visibility("default")))

#ifndef sigev_notify_thread_id
#define sigev_notify_thread_id _sigev_un._tid
#endif

enum {
	MAX_TIMERS = 4096,        /* threads sampled at once */
	SKIP_SLACK = 8,           /* frames of the handler searched for the interrupted one */
	STACK_SLOTS = HP_AP_MAX_SAMPLE_FRAMES + SKIP_SLACK,
};

typedef int (*pthread_create_fn)(pthread_t *, const pthread_attr_t *, void *(*)(void *), void *);
typedef int (*sigaction_fn)(int, const struct sigaction *, struct sigaction *);
typedef sighandler_t (*signal_fn)(int, sighandler_t);
typedef int (*sigprocmask_fn)(int, const sigset_t *, sigset_t *);
typedef int (*mincore_fn)(void *, size_t, unsigned char *);

static struct {
	long period_ns;           /* timer period: 1 s / HZ */
	int running;              /* the handler is installed: arm timers for new threads */
	int aside;                /* the program took SIGPROF: no timers, no samples */
	pid_t pid;                /* the process the timers belong to (not a vfork child) */
	pthread_create_fn pthread_create;
	sigaction_fn sigaction;
} agent;

/* Kernel timer id + 1 of every live thread's timer, 0 for a free slot.
 * Whoever swaps a slot back to 0 deletes that timer: the thread at its
 * exit, or the whole table when the agent stands aside. */
static int timers[MAX_TIMERS];

/* Set while a sampling handler unwinds (its signals are blocked): the
 * sigprocmask hook answers libunwind without a system call. */
static __thread int handler_unwind __attribute__((tls_model("initial-exec")));

/* ---- real functions -------------------------------------------------------- */

static void *next_symbol(const char *name)
{
	return dlsym(RTLD_NEXT, name);
}

/* The real function behind a hook, looked up at its first call into
 * *slot (the hook's own static). */
static void *real_symbol(void **slot, const char *name)
{
	void *f = __atomic_load_n(slot, __ATOMIC_ACQUIRE);
	if (!f) {
		f = next_symbol(name);
		__atomic_store_n(slot, f, __ATOMIC_RELEASE);
	}
	return f;
}

static void resolve(void)
{
	if (!__atomic_load_n(&agent.sigaction, __ATOMIC_ACQUIRE)) {
		__atomic_store_n(&agent.pthread_create, (pthread_create_fn)next_symbol("pthread_create"),
				 __ATOMIC_RELEASE);
		__atomic_store_n(&agent.sigaction, (sigaction_fn)next_symbol("sigaction"),
				 __ATOMIC_RELEASE);
	}
}

/* ---- timers (raw system calls: the kernel's int timer ids) --------------- */

static int timer_new(uint32_t tid, int *id)
{
	struct sigevent sev;
	memset(&sev, 0, sizeof(sev));
	sev.sigev_notify = SIGEV_THREAD_ID;
	sev.sigev_signo = SIGPROF;
	sev.sigev_notify_thread_id = (pid_t)tid;
	return (int)syscall(SYS_timer_create, CLOCK_THREAD_CPUTIME_ID, &sev, id);
}

static void timer_arm(int id)
{
	struct itimerspec its;
	its.it_interval.tv_sec = agent.period_ns / 1000000000L;
	its.it_interval.tv_nsec = agent.period_ns % 1000000000L;
	its.it_value = its.it_interval;
	syscall(SYS_timer_settime, id, 0, &its, NULL);
}

/* Put id in a free slot; returns slot + 1, or 0 when the table is full. */
static int table_put(int id)
{
	for (int i = 0; i < MAX_TIMERS; i++) {
		int expect = 0;
		if (!__atomic_load_n(&timers[i], __ATOMIC_RELAXED) &&
		    __atomic_compare_exchange_n(&timers[i], &expect, id + 1, 0, __ATOMIC_SEQ_CST,
						__ATOMIC_RELAXED))
			return i + 1;
	}
	return 0;
}

/* Empty a slot and delete its timer, unless someone else already did. */
static void table_drop(int slot)
{
	int v = __atomic_exchange_n(&timers[slot], 0, __ATOMIC_SEQ_CST);
	if (v)
		syscall(SYS_timer_delete, v - 1);
}

/* ---- per thread ------------------------------------------------------------ */

/* Take one stack outside any signal handler: libunwind initializes itself
 * and this thread's unwind cache here, so the handler never allocates.
 * Whatever libunwind allocates meanwhile is not tracked (guard). */
static void warm_unwinder(struct shim_tls *t)
{
	void *pcs[4];
	int guard = t->guard;
	t->guard = 1;
	__atomic_store_n(&t->unwinding, 1, __ATOMIC_RELAXED);
	unw_backtrace(pcs, 4);
	__atomic_store_n(&t->unwinding, 0, __ATOMIC_RELAXED);
	t->guard = guard;
}

/* Arm a CPU-time timer for the calling thread. */
static void thread_start_sampling(void)
{
	struct shim_tls *t = &shim_tls;
	int id;
	if (!__atomic_load_n(&agent.running, __ATOMIC_ACQUIRE) || t->timer_slot)
		return;
	warm_unwinder(t);
	if (agentpy_on()) {                  /* CPython: a SIGTRAP perf event instead */
		agentpy_thread_start();
		return;
	}
	if (timer_new(shim_tid(t), &id) < 0)
		return;
	if (!(t->timer_slot = table_put(id))) {
		syscall(SYS_timer_delete, id);      /* untracked, it could not stand aside */
		return;
	}
	if (__atomic_load_n(&agent.aside, __ATOMIC_SEQ_CST)) {
		table_drop(t->timer_slot - 1);       /* stood aside meanwhile */
		t->timer_slot = 0;
		return;
	}
	timer_arm(id);
}

static void thread_stop_sampling(void *unused)
{
	struct shim_tls *t = &shim_tls;
	(void)unused;
	agentpy_thread_stop();
	if (t->timer_slot)
		table_drop(t->timer_slot - 1);
	t->timer_slot = 0;
}

/* ---- the SIGPROF handler ------------------------------------------------------ */

static uintptr_t context_pc(const ucontext_t *uc)
{
#if defined(__x86_64__)
	return (uintptr_t)uc->uc_mcontext.gregs[REG_RIP];
#elif defined(__aarch64__)
	return (uintptr_t)uc->uc_mcontext.pc;
#else
	(void)uc;
	return 0;
#endif
}

/* Index of the interrupted frame in a stack taken inside the handler:
 * after unw_backtrace's, the handler's and the trampoline's frames, the
 * frame whose pc is the interrupted instruction. -1 when not found. */
static int interrupted_frame(void *const *pcs, int n, uintptr_t pc)
{
	for (int i = 1; i < n && i <= SKIP_SLACK; i++)
		if ((uintptr_t)pcs[i] == pc)
			return i;
	return -1;
}

/* Drop the library's frames among the callers (pcs[1..]): the thread
 * start wrapper, and a hook that called into libc. Returns the count. */
static int drop_own_callers(void **pcs, int n)
{
	int k = 1;
	for (int i = 1; i < n; i++)
		if (!shim_contains(pcs[i]))
			pcs[k++] = pcs[i];
	return n ? k : 0;
}

void agent_handler_mask(sigset_t *set)
{
	sigfillset(set);
	/* synchronous signals stay deliverable: the fault guard's SIGSEGV and
	 * SIGBUS (a blocked fault kills the process), SIGILL, SIGFPE; and
	 * SIGTRAP, the Python sampler's own signal */
	sigdelset(set, SIGSEGV);
	sigdelset(set, SIGBUS);
	sigdelset(set, SIGILL);
	sigdelset(set, SIGFPE);
	sigdelset(set, SIGTRAP);
}

/*
 * Backing off (per thread). A handler whose unwind outlasts the sampling
 * period finds its next signal already due: the program would run no
 * instruction between two handlers. Seen in CPU time, not by a clock
 * (preemption by other processes, frequent on a loaded machine, must not
 * count): the SIGTRAP event's ring holds a new sample record when the
 * event overflowed again during the unwind. Then the next unwind_skip
 * samples (4, doubling while it repeats, at most 64) keep the interrupted
 * instruction only; the first full unwind that does not overrun resets it.
 * SIGPROF timers are not watched: they fire at most once a kernel tick
 * (1-4 ms, longer than the slowest unwinds measured) and their overrun
 * counts the periods shorter than a tick (a higher -F), not the handler.
 */
enum { BACKOFF_FIRST = 4, BACKOFF_MAX = 64 };
static __thread int unwind_skip __attribute__((tls_model("initial-exec")));
static __thread int unwind_backoff __attribute__((tls_model("initial-exec")));

static void overran(void)
{
	int b = unwind_backoff ? unwind_backoff : BACKOFF_FIRST;
	unwind_skip = b;
	unwind_backoff = b * 2 < BACKOFF_MAX ? b * 2 : BACKOFF_MAX;
}

int agent_unwind(struct shim_tls *t, const void *ucv, void **out, unsigned *flags, void *ring,
		 uint64_t head)
{
	const ucontext_t *uc = ucv;
	void *pcs[STACK_SLOTS];
	*flags = 0;
	if (__atomic_load_n(&t->unwinding, __ATOMIC_RELAXED) || !stream_header())
		return -1;
	uintptr_t pc = context_pc(uc);
	if (unwind_skip > 0) {
		unwind_skip--;               /* backing off: the interrupted instruction only */
		out[0] = (void *)pc;
		*flags |= HP_AP_RF_TRUNCATED;
		return pc ? 1 : 0;
	}
	__atomic_store_n(&t->unwinding, 1, __ATOMIC_RELAXED);
	__atomic_store_n(&handler_unwind, 1, __ATOMIC_RELAXED);
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	int n = unw_backtrace(pcs, STACK_SLOTS);
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	__atomic_store_n(&handler_unwind, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&t->unwinding, 0, __ATOMIC_RELAXED);
	if (ring && kring_head(ring) != head)
		overran();                   /* the event overflowed again meanwhile */
	else
		unwind_backoff = 0;
	if (n == STACK_SLOTS)
		*flags |= HP_AP_RF_TRUNCATED;
	int first = interrupted_frame(pcs, n, pc);
	if (first < 0) {
		/* not unwound through the trampoline: keep the one certain frame */
		pcs[0] = (void *)pc;
		first = 0;
		n = pc ? 1 : 0;
		*flags |= HP_AP_RF_TRUNCATED;
	}
	n = drop_own_callers(pcs + first, n - first);
	if (n > HP_AP_MAX_SAMPLE_FRAMES) {
		n = HP_AP_MAX_SAMPLE_FRAMES;
		*flags |= HP_AP_RF_TRUNCATED;
	}
	memcpy(out, pcs + first, (size_t)n * sizeof(*out));
	return n;
}

static void take_sample(struct shim_tls *t, int overrun, const ucontext_t *uc)
{
	void *pcs[HP_AP_MAX_SAMPLE_FRAMES];
	unsigned flags;
	int n = agent_unwind(t, uc, pcs, &flags, NULL, 0);
	if (n < 0) {
		stream_count_drop(1);
		return;
	}
	unsigned char buf[HP_AP_MAX_REC];
	unsigned char *p = rec_begin(buf, t, HP_AF_NONE, flags, (unsigned)n);
	p = hp_ap_put(p, overrun > 0 ? (uint64_t)overrun : 0);
	p = put_pcs(p, pcs, n);
	if (stream_write(buf, rec_end(buf, p), HP_AP_SAMPLE, STREAM_NOWAIT) < 0)
		stream_count_drop(1);
}

static void on_sigprof(int sig, siginfo_t *si, void *uc)
{
	int saved = errno;
	(void)sig;
	if (si && si->si_code == SI_TIMER && uc && !__atomic_load_n(&agent.aside, __ATOMIC_RELAXED)) {
		if (agentpy_usable())        /* CPython without SIGTRAP events: frames anyway */
			agentpy_sample(&shim_tls, si->si_overrun, uc);
		else
			take_sample(&shim_tls, si->si_overrun, uc);
	}
	errno = saved;
}

/* ---- start, fork, standing aside --------------------------------------------- */

static int is_handler(const struct sigaction *sa)
{
	if (sa->sa_flags & SA_SIGINFO)
		return sa->sa_sigaction != NULL;
	return sa->sa_handler != SIG_DFL && sa->sa_handler != SIG_IGN;
}

void agent_start(unsigned hz)
{
	struct sigaction sa, old;
	resolve();
	if (!hz || !agent.sigaction)
		return;
	agent.period_ns = hz >= 1000000000u ? 1 : 1000000000L / (long)hz;
	if (agent.sigaction(SIGPROF, NULL, &old) == 0 && is_handler(&old)) {
		/* the program (or another preloaded library) samples itself */
		__atomic_store_n(&agent.aside, 1, __ATOMIC_SEQ_CST);
		stream_set_flags(HP_AP_F_ASIDE);
		return;
	}
	warm_unwinder(&shim_tls);
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_sigprof;
	sa.sa_flags = SA_SIGINFO | SA_RESTART;
	agent_handler_mask(&sa.sa_mask);
	if (agent.sigaction(SIGPROF, &sa, NULL) < 0)
		return;
	agent.pid = getpid();
	agentpy_start(hz);
	__atomic_store_n(&agent.running, 1, __ATOMIC_RELEASE);
	thread_start_sampling();
}

void agent_fork_child(void)
{
	/* The parent's timers do not exist here (and their ids may be
	 * handed out again): forget them without deleting anything. */
	for (int i = 0; i < MAX_TIMERS; i++)
		__atomic_store_n(&timers[i], 0, __ATOMIC_RELAXED);
	shim_tls.timer_slot = 0;
	agentpy_fork_child();
	agent.pid = getpid();
	if (!__atomic_load_n(&agent.aside, __ATOMIC_ACQUIRE))
		thread_start_sampling();
	else
		stream_set_flags(HP_AP_F_ASIDE);
}

/* The program sets SIGPROF's disposition: stop every timer first, so that
 * none of our signals reaches its handler (or kills it with SIG_DFL). A
 * signal of ours already pending for this thread is taken by our own
 * handler, which ignores it once aside is set: SIGPROF stays blocked here
 * until the timers are gone. (Kernels since 6.13 also drop the pending
 * signals of deleted timers, so other threads get none either.) A vfork
 * child resetting its signals before exec shares our memory but not our
 * timers: it must leave both alone. */
static void stand_aside(void)
{
	sigset_t prof, old;
	if (!__atomic_load_n(&agent.running, __ATOMIC_ACQUIRE) || getpid() != agent.pid ||
	    __atomic_exchange_n(&agent.aside, 1, __ATOMIC_SEQ_CST))
		return;
	sigemptyset(&prof);
	sigaddset(&prof, SIGPROF);
	pthread_sigmask(SIG_BLOCK, &prof, &old);
	for (int i = 0; i < MAX_TIMERS; i++)
		if (__atomic_load_n(&timers[i], __ATOMIC_SEQ_CST))
			table_drop(i);
	stream_set_flags(HP_AP_F_ASIDE);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
}

/* ---- hooks -------------------------------------------------------------------- */

struct thread_start {
	void *(*fn)(void *);
	void *arg;
};

static void *thread_main(void *p)
{
	struct thread_start ts = *(struct thread_start *)p;
	void *ret;
	shim_real_free(p);
	thread_start_sampling();
	pthread_cleanup_push(thread_stop_sampling, NULL);
	ret = ts.fn(ts.arg);
	pthread_cleanup_pop(1);
	return ret;
}

HOOK int pthread_create(pthread_t *th, const pthread_attr_t *attr, void *(*fn)(void *), void *arg)
{
	resolve();
	if (!agent.pthread_create)
		return EAGAIN;
	if (!__atomic_load_n(&agent.running, __ATOMIC_ACQUIRE) ||
	    __atomic_load_n(&agent.aside, __ATOMIC_RELAXED))
		return agent.pthread_create(th, attr, fn, arg);
	struct thread_start *ts = shim_real_malloc(sizeof(*ts));
	if (!ts)
		return agent.pthread_create(th, attr, fn, arg);   /* unsampled, not failed */
	ts->fn = fn;
	ts->arg = arg;
	int rc = agent.pthread_create(th, attr, thread_main, ts);
	if (rc)
		shim_real_free(ts);
	return rc;
}

/* libunwind blocks every signal around each of its locks. Inside a
 * sampling handler's unwind they are blocked already (the handler's
 * sa_mask), so the call changes nothing and is answered here; the saved
 * mask it returns is only given back to this hook by the same unwind.
 * Everywhere else the real function. */
HOOK int sigprocmask(int how, const sigset_t *restrict set, sigset_t *restrict old)
{
	static void *real;
	if (__atomic_load_n(&handler_unwind, __ATOMIC_RELAXED)) {
		if (old)
			sigfillset(old);
		return 0;
	}
	sigprocmask_fn f = (sigprocmask_fn)real_symbol(&real, "sigprocmask");
	if (!f)
		return pthread_sigmask(how, set, old) ? (errno = EINVAL, -1) : 0;
	return f(how, set, old);
}

/* libunwind checks each page it reads while stepping (built with
 * CONSERVATIVE_CHECKS): mincore, then a one-byte write from the address
 * to a pipe of its own, which fails (EFAULT) where nothing is mapped. The
 * write alone decides, so inside a sampling handler's unwind mincore
 * says "resident" without a system call (~8 us in these VMs). */
HOOK int mincore(void *addr, size_t len, unsigned char *vec)
{
	static void *real;
	if (__atomic_load_n(&handler_unwind, __ATOMIC_RELAXED)) {
		size_t page = getauxval(AT_PAGESZ), n = page ? (len + page - 1) / page : 1;
		for (size_t i = 0; i < n; i++)
			vec[i] = 1;
		return 0;
	}
	mincore_fn f = (mincore_fn)real_symbol(&real, "mincore");
	if (!f)
		return (int)syscall(SYS_mincore, addr, len, vec);
	return f(addr, len, vec);
}

HOOK int sigaction(int sig, const struct sigaction *restrict act, struct sigaction *restrict old)
{
	resolve();
	if (!agent.sigaction) {
		errno = ENOSYS;
		return -1;
	}
	if (sig == SIGPROF && act)
		stand_aside();
	if (faultguard_sigaction(sig, act, old))
		return 0;                        /* kept behind the Python reader's guard */
	return agent.sigaction(sig, act, old);
}

/* signal()'s disposition for a signal the fault guard keeps (SIGSEGV,
 * SIGBUS while the Python reader runs): recorded as the program's, with
 * signal()'s BSD semantics (SA_RESTART). 1 when taken, *prev the old one. */
static int guarded_signal(int sig, sighandler_t handler, sighandler_t *prev)
{
	struct sigaction sa, old;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = handler;
	sa.sa_flags = SA_RESTART;
	if (!faultguard_sigaction(sig, &sa, &old))
		return 0;
	*prev = old.sa_flags & SA_SIGINFO ? (sighandler_t)(void (*)(void))old.sa_sigaction
					  : old.sa_handler;
	return 1;
}

/* signal() and its variants set a disposition without going through the
 * sigaction symbol; each forwards to the next definition of its name. */
#define SIGNAL_HOOK(name)							\
	HOOK sighandler_t name(int sig, sighandler_t handler)			\
	{									\
		static signal_fn real_fn;					\
		signal_fn f = __atomic_load_n(&real_fn, __ATOMIC_ACQUIRE);	\
		if (!f) {							\
			f = (signal_fn)next_symbol(#name);			\
			__atomic_store_n(&real_fn, f, __ATOMIC_RELEASE);	\
		}								\
		if (!f) {							\
			errno = ENOSYS;						\
			return SIG_ERR;						\
		}								\
		if (sig == SIGPROF)						\
			stand_aside();						\
		sighandler_t prev;						\
		if (guarded_signal(sig, handler, &prev))			\
			return prev;						\
		return f(sig, handler);						\
	}

sighandler_t bsd_signal(int sig, sighandler_t handler);   /* glibc no longer declares it */

SIGNAL_HOOK(signal)
SIGNAL_HOOK(__sysv_signal)
SIGNAL_HOOK(sysv_signal)
SIGNAL_HOOK(bsd_signal)
SIGNAL_HOOK(sigset)

/*
 * alloc_shim.c - libhpprof_alloc.so, the LD_PRELOAD allocation tracker,
 * and the library's configuration and start-up.
 *
 * Interposes the malloc family (malloc, calloc, realloc, reallocarray,
 * free, posix_memalign, aligned_alloc, memalign, valloc, pvalloc;
 * malloc_usable_size passes through), forwards every call to the next
 * definition (dlsym RTLD_NEXT) and appends one compact record per event
 * to this process's stream (stream.c; format in common/allocproto.h).
 * Allocations carry a unw_backtrace() stack with the shim's own frames
 * skipped, and the frames of C++'s operator new (new, new[], nothrow,
 * aligned) that lead it, as heaptrack leaves them out: the site of `new T`
 * is the line that said it, not libstdc++'s call to malloc (opnew_find;
 * an operator new in a library loaded later by dlopen is kept), as the id
 * of a stack written before when there is one (stacktab.c); frees carry none. Pointers are deltas from the thread's
 * previous one, times come from TIME records (stream_tick). It does not aggregate, symbolize or order anything: the
 * collector's reader (collector/allocstream.c) does. The CPU sampling
 * agent (agent.c) shares the stream and is started from here.
 *
 * Rules of the hot path: no malloc, no stdio, no locks. A thread-local
 * guard passes calls made while recording (by libunwind, dlsym, libc)
 * straight to the real allocator. When the ring is full a writer naps
 * until the reader makes room, for at most the reader's heartbeat timeout;
 * it never waits while it holds an unpublished record or an allocator
 * lock. Calls made while dlsym resolves the real functions are served
 * from a static bump buffer whose blocks free() ignores. After fork() the
 * child drops the parent's mapping and opens its own stream (pthread_atfork
 * child handler); nothing is held across fork. exit() in one thread while
 * others allocate is fine: the destructor only appends an EXIT record and
 * leaves the stream mapped.
 *
 * Environment (allocproto.h): HPPROF_ALLOC_DIR (inert when unset),
 * HPPROF_ALLOC_TRACK=0 to leave allocations alone (hooks pass calls on:
 * the CPU agent alone), HPPROF_SAMPLE_HZ (starts the CPU agent),
 * HPPROF_ALLOC_SAMPLE=BYTES for Poisson sampling by bytes (tcmalloc's
 * scheme: exponential gaps of mean BYTES per thread; a sampled block of n
 * bytes has weight n / (1 - exp(-n/BYTES)), an unbiased estimate),
 * HPPROF_ALLOC_BUFSIZE (MiB of ring), HPPROF_ALLOC_SEED.
 *
 * Limits: statically linked programs, and calls into an allocator that a
 * program reaches without the PLT (e.g. a static copy of malloc), cannot
 * be seen. A raw clone()/vfork child that allocates writes into its
 * parent's stream. Timestamps are CLOCK_MONOTONIC (vDSO, ~20 ns each).
 */
#include "collector/preload/shim.h"

#include <dlfcn.h>
#include <errno.h>
#define UNW_LOCAL_ONLY               /* unw_* are the local unwinder's (_UL*) */
#include <libunwind.h>
#include <limits.h>
#include <link.h>
#include <malloc.h>
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <fcntl.h>
#include <sys/syscall.h>
#include <unistd.h>

#define HOOK __attribute__((visibility("default")))

enum {
	SKIP_SLACK = 8,                       /* leading frames searched for shim frames */
	BOOT_SIZE = 64 << 10,                 /* bootstrap heap for dlsym's own calls */
	SET_BITS = 17,                        /* sampled-block table: 1 MiB of slots */
	SET_PROBES = 64,                      /* longest probe sequence in it */
	SET_EMPTY = 0, SET_TOMB = 1,          /* slot values that are not addresses */
};

/* ---- the real allocator ------------------------------------------------ */

static struct {
	void *(*malloc)(size_t);
	void *(*calloc)(size_t, size_t);
	void *(*realloc)(void *, size_t);
	void *(*reallocarray)(void *, size_t, size_t);
	void (*free)(void *);
	int (*posix_memalign)(void **, size_t, size_t);
	void *(*aligned_alloc)(size_t, size_t);
	void *(*memalign)(size_t, size_t);
	void *(*valloc)(size_t);
	void *(*pvalloc)(size_t);
	size_t (*malloc_usable_size)(void *);
} real;

static int real_ok;      /* real.* resolved */
static int resolving;    /* inside dlsym: serve from the bootstrap buffer */

/* ---- bootstrap heap ------------------------------------------------------ */

static _Alignas(64) unsigned char boot_buf[BOOT_SIZE];
static size_t boot_used;

/* A block from the bootstrap buffer; its size sits in the 16 bytes before
 * it. Zeroed (static storage, never reused), so calloc can use it too. */
static void *boot_alloc(size_t n, size_t align)
{
	if (align < 16)
		align = 16;
	size_t old = __atomic_load_n(&boot_used, __ATOMIC_RELAXED), start, end;
	do {
		start = (old + 16 + align - 1) & ~(align - 1);
		end = start + n;
		if (end > BOOT_SIZE || end < start)
			return NULL;
	} while (!__atomic_compare_exchange_n(&boot_used, &old, end, 0,
					      __ATOMIC_RELAXED, __ATOMIC_RELAXED));
	*(size_t *)(boot_buf + start - 16) = n;
	return boot_buf + start;
}

static int is_boot(const void *p)
{
	return (const unsigned char *)p >= boot_buf && (const unsigned char *)p < boot_buf + BOOT_SIZE;
}

static size_t boot_size(const void *p)
{
	return *(const size_t *)((const unsigned char *)p - 16);
}

/* ---- per-thread state and configuration ----------------------------------- */

__thread struct shim_tls shim_tls __attribute__((tls_model("initial-exec")));

static struct {
	int enabled;              /* HPPROF_ALLOC_DIR was set: a stream is written */
	int track;                /* allocation events are recorded (HPPROF_ALLOC_TRACK != 0) */
	unsigned sample_hz;       /* CPU agent rate, 0 = off */
	uint64_t sample;          /* mean bytes between allocation samples, 0 = exact */
	uint64_t ring_size;       /* bytes of ring, a power of two */
	uint64_t seed;            /* 0 = seed from time and tid */
	char dir[PATH_MAX - 64];
	uintptr_t text_lo, text_hi;  /* this object's mapped range: frames to skip */
	uintptr_t opnew_lo[8], opnew_hi[8];  /* operator new & co: leading frames to skip */
	int nopnew;
	uint64_t *sampled;        /* sampling: table of live sampled blocks */
} cfg;

static int init_state;        /* 0 none, 1 running, 2 done */
static uint32_t thread_ordinal;   /* sampling seeds */
static uint32_t thread_count;     /* thread numbers of compact records */

static uint64_t parse_uint(const char *s)
{
	uint64_t v = 0;
	while (s && *s >= '0' && *s <= '9')
		v = v * 10 + (uint64_t)(*s++ - '0');
	return v;
}

int shim_contains(const void *pc)
{
	return (uintptr_t)pc >= cfg.text_lo && (uintptr_t)pc < cfg.text_hi;
}

/* A return address inside one of the operator new found at start-up. */
static int in_opnew(const void *pc)
{
	for (int i = 0; i < cfg.nopnew; i++)
		if ((uintptr_t)pc > cfg.opnew_lo[i] && (uintptr_t)pc <= cfg.opnew_hi[i])
			return 1;
	return 0;
}

void *shim_real_malloc(size_t n)
{
	return real.malloc ? real.malloc(n) : NULL;
}

void shim_real_free(void *p)
{
	if (p && !is_boot(p) && real.free)
		real.free(p);
}

/* ---- sampling -------------------------------------------------------------- */

static uint64_t rng_next(struct shim_tls *t)
{
	uint64_t x = t->rng;
	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	t->rng = x;
	return x * 0x2545f4914f6cdd1dull;
}

/* Bytes to the next sample point: exponential with mean cfg.sample, >= 1. */
static int64_t sample_gap(struct shim_tls *t)
{
	double u = (double)((rng_next(t) >> 11) + 1) * 0x1.0p-53;   /* (0, 1] */
	double gap = -log(u) * (double)cfg.sample;
	return gap < 1.0 ? 1 : gap > 0x1p62 ? (int64_t)1 << 62 : (int64_t)gap;
}

static void sample_seed(struct shim_tls *t)
{
	uint64_t s = cfg.seed ? cfg.seed + __atomic_fetch_add(&thread_ordinal, 1, __ATOMIC_RELAXED)
			      : shim_now_ns() ^ ((uint64_t)shim_tid(t) << 32);
	s += 0x9e3779b97f4a7c15ull;      /* splitmix64 finalizer: any seed works */
	s = (s ^ (s >> 30)) * 0xbf58476d1ce4e5b9ull;
	s = (s ^ (s >> 27)) * 0x94d049bb133111ebull;
	t->rng = (s ^ (s >> 31)) | 1;
	t->bytes_left = sample_gap(t);
}

/* Whether an n-byte allocation is sampled; *weight gets its estimate. */
static int sample_hit(struct shim_tls *t, size_t n, uint64_t *weight)
{
	if (unlikely(!t->rng))
		sample_seed(t);
	t->bytes_left -= (int64_t)n;
	if (likely(t->bytes_left > 0))
		return 0;
	t->bytes_left = sample_gap(t);
	double p = -expm1(-(double)n / (double)cfg.sample);
	*weight = (uint64_t)((double)n / p + 0.5);
	return 1;
}

/* The set of sampled blocks still live, so that frees of unsampled blocks
 * (nearly all of them) need not be recorded: a lock-free open-addressing
 * table of addresses. Slots go EMPTY -> address -> TOMB -> address ...,
 * never back to EMPTY, so a lookup may stop at the first EMPTY slot. An
 * address is inserted only after the allocator handed it out and removed
 * before it is given back, so it is never in the table twice. */
static size_t set_slot(uint64_t key)
{
	return (size_t)((key >> 4) * 0x9e3779b97f4a7c15ull >> (64 - SET_BITS));
}

static int sampled_insert(const void *ptr)
{
	uint64_t key = (uint64_t)(uintptr_t)ptr;
	size_t mask = ((size_t)1 << SET_BITS) - 1;
	for (size_t i = set_slot(key), n = 0; n < SET_PROBES; n++, i = (i + 1) & mask) {
		uint64_t v = __atomic_load_n(&cfg.sampled[i], __ATOMIC_RELAXED);
		if (v <= SET_TOMB && __atomic_compare_exchange_n(&cfg.sampled[i], &v, key, 0,
								 __ATOMIC_RELAXED, __ATOMIC_RELAXED))
			return 1;
	}
	return 0;
}

/* Remove ptr; returns 1 when it was a sampled block. */
static int sampled_remove(const void *ptr)
{
	uint64_t key = (uint64_t)(uintptr_t)ptr;
	size_t mask = ((size_t)1 << SET_BITS) - 1;
	for (size_t i = set_slot(key), n = 0; n < SET_PROBES; n++, i = (i + 1) & mask) {
		uint64_t v = __atomic_load_n(&cfg.sampled[i], __ATOMIC_RELAXED);
		if (v == key) {
			__atomic_store_n(&cfg.sampled[i], SET_TOMB, __ATOMIC_RELAXED);
			return 1;
		}
		if (v == SET_EMPTY)
			return 0;
	}
	return 0;
}

/* ---- events ------------------------------------------------------------------ */

/* Stack of the current call: drops everything up to the last shim frame
 * among the first SKIP_SLACK (unw_backtrace's own frame, the hook), so
 * pcs[*first] is the return address into malloc's caller. Returns count.
 * The SIGPROF handler does not unwind while this thread is in here. */
static int capture_stack(struct shim_tls *t, void **pcs, int max, int *first)
{
	__atomic_store_n(&t->unwinding, 1, __ATOMIC_RELAXED);
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	int n = unw_backtrace(pcs, max);
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	__atomic_store_n(&t->unwinding, 0, __ATOMIC_RELAXED);
	int skip = 0;
	for (int i = 0; i < n && i < SKIP_SLACK; i++)
		if (shim_contains(pcs[i]))
			skip = i + 1;
	while (skip < n - 1 && in_opnew(pcs[skip]))
		skip++;
	*first = skip;
	return n - skip > HP_AP_MAX_FRAMES ? skip + HP_AP_MAX_FRAMES : n;
}

/* This thread's number in compact records: given on its first event,
 * announced with a THREAD record (tid). */
static uint32_t thread_number(struct shim_tls *t)
{
	if (likely(t->thread))
		return t->thread;
	t->thread = __atomic_add_fetch(&thread_count, 1, __ATOMIC_RELAXED);
	t->last_ptr = 0;
	unsigned char buf[32];
	unsigned char *p = hp_ap_put(hp_ap_put(buf + 4, t->thread), shim_tid(t));
	uint32_t len = rec_end(buf, p);
	stream_put(buf, len, HP_AP_CHEAD(len, HP_AP_THREAD, 0, 0), 0);
	return t->thread;
}

/* ptr as the thread's next delta. */
static unsigned char *put_ptr(unsigned char *p, const struct shim_tls *t, const void *ptr)
{
	return hp_ap_put(p, hp_ap_zigzag((int64_t)((uint64_t)(uintptr_t)ptr - t->last_ptr)));
}

static void note_alloc(struct shim_tls *t, unsigned func, const void *ptr, size_t size)
{
	uint64_t weight = 0;
	if (cfg.sample) {
		if (!sample_hit(t, size, &weight) || !sampled_insert(ptr))
			return;         /* not sampled, or the table is full */
	}
	int saved = errno;
	void *pcs[HP_AP_MAX_ALLOC_WORDS + SKIP_SLACK];
	int first, n = capture_stack(t, pcs, HP_AP_MAX_FRAMES + SKIP_SLACK, &first);
	n += agentpy_alloc_tail(t, pcs + n, HP_AP_MAX_ALLOC_WORDS + first - n);  /* Python frames */
	unsigned char buf[HP_AP_MAX_REC];
	unsigned flags = cfg.sample ? HP_AP_RF_WEIGHT : 0;
	if (stream_tick() < 0)
		stream_count_drop(0);
	unsigned char *p = hp_ap_put(buf + 4, thread_number(t));
	uint32_t id = stacktab_id(pcs + first, n - first);
	p = put_ptr(hp_ap_put(p, id), t, ptr);
	p = hp_ap_put(p, size);
	if (cfg.sample)
		p = hp_ap_put(p, weight);
	if (!id)
		p = put_pcs(hp_ap_put(p, (uint64_t)(n - first)), pcs + first, n - first);
	uint32_t len = rec_end(buf, p);
	if (stream_put(buf, len, HP_AP_CHEAD(len, HP_AP_ALLOC, func, flags), 0) < 0)
		stream_count_drop(0);
	else
		t->last_ptr = (uint64_t)(uintptr_t)ptr;
	errno = saved;
}

/* Reserve and fill a FREE record for ptr without publishing it; returns
 * the slot for free_commit, or NULL when nothing is to be recorded. */
static unsigned char *free_begin(struct shim_tls *t, unsigned func, const void *ptr)
{
	if (cfg.sample && !sampled_remove(ptr))
		return NULL;
	int saved = errno;
	unsigned char buf[48];
	if (stream_tick() < 0)
		stream_count_drop(0);
	unsigned char *p = put_ptr(hp_ap_put(buf + 4, thread_number(t)), t, ptr);
	uint32_t len = rec_end(buf, p);
	unsigned char *rec = stream_reserve(len, 0);
	if (rec) {
		for (uint32_t i = 4; i < len; i += 4)      /* a few words: no memcpy call */
			__builtin_memcpy(rec + i, buf + i, 4);
		t->last_ptr = (uint64_t)(uintptr_t)ptr;
		/* func kept for free_commit in the reserved head */
		__atomic_store_n((uint32_t *)rec, HP_AP_HEAD(len, 0, HP_AP_TAG_RESERVED) |
				 (uint32_t)func << 16, __ATOMIC_RELAXED);
	} else {
		stream_count_drop(0);
	}
	errno = saved;
	return rec;
}

/* Publish a slot from free_begin: as FREE when ptr was released, as NOFREE
 * when it was not (a failed realloc; then it is a sampled block again). */
static void free_commit(unsigned char *rec, const void *ptr, int released)
{
	if (!rec)
		return;
	uint32_t head = __atomic_load_n((uint32_t *)rec, __ATOMIC_RELAXED);
	uint32_t len = HP_AP_HEAD_LEN(head);
	if (!released && cfg.sample)
		sampled_insert(ptr);
	stream_commit(rec, HP_AP_CHEAD(len, released ? HP_AP_FREE : HP_AP_NOFREE,
				       HP_AP_HEAD_FUNC(head), 0));
}

/* VmHWM of this process image from /proc/self/status, in bytes (0 when
 * unknown): its own peak, never its children's (rusage would add them, and
 * the image before exec), read with raw calls (no stdio, no malloc). */
static uint64_t own_vm_hwm(void)
{
	char buf[4096];
	long fd = syscall(SYS_openat, AT_FDCWD, "/proc/self/status", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	long n = syscall(SYS_read, (int)fd, buf, sizeof(buf) - 1);
	syscall(SYS_close, (int)fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	const char *p = strstr(buf, "\nVmHWM:");
	uint64_t kb = 0;
	if (!p)
		return 0;
	for (p += 7; *p == ' ' || *p == '\t'; p++)
		;
	for (; *p >= '0' && *p <= '9'; p++)
		kb = kb * 10 + (uint64_t)(*p - '0');
	return kb * 1024;
}

static void note_exit(unsigned wflags)
{
	struct shim_tls *t = &shim_tls;
	struct hp_ap_header *h = stream_header();
	if (!h)
		return;
	__atomic_store_n(&h->vm_hwm, own_vm_hwm(), __ATOMIC_RELAXED);
	__atomic_store_n(&h->table_bytes, stacktab_bytes(), __ATOMIC_RELAXED);
	stream_set_flags(HP_AP_F_EXITED);
	if (t->guard)
		return;
	t->guard = 1;
	unsigned char buf[32];
	unsigned char *p = rec_begin(buf, t, HP_AF_NONE, 0, 0);
	if (stream_write(buf, rec_end(buf, p), HP_AP_EXIT, wflags) < 0)
		stream_count_drop(0);
	t->guard = 0;
}

/* ---- initialization -------------------------------------------------------- */

#define RESOLVE(name) (real.name = (__typeof__(real.name))dlsym(RTLD_NEXT, #name))

static void resolve_real(void)
{
	__atomic_store_n(&resolving, 1, __ATOMIC_RELAXED);
	RESOLVE(malloc);
	RESOLVE(calloc);
	RESOLVE(realloc);
	RESOLVE(reallocarray);
	RESOLVE(free);
	RESOLVE(posix_memalign);
	RESOLVE(aligned_alloc);
	RESOLVE(memalign);
	RESOLVE(valloc);
	RESOLVE(pvalloc);
	RESOLVE(malloc_usable_size);
	__atomic_store_n(&resolving, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&real_ok, 1, __ATOMIC_RELEASE);
}

/* The global operator new of the process (libstdc++'s, or the program's
 * own replacement: the one its calls reach), by their symbols' extents. */
static void opnew_find(void)
{
	static const char *const names[] = {
		"_Znwm", "_Znam", "_ZnwmRKSt9nothrow_t", "_ZnamRKSt9nothrow_t",
		"_ZnwmSt11align_val_t", "_ZnamSt11align_val_t",
		"_ZnwmSt11align_val_tRKSt9nothrow_t", "_ZnamSt11align_val_tRKSt9nothrow_t",
	};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		void *a = dlsym(RTLD_DEFAULT, names[i]);
		Dl_info info;
		const ElfW(Sym) *sym = NULL;
		if (!a || !dladdr1(a, &info, (void **)&sym, RTLD_DL_SYMENT) || !sym ||
		    !sym->st_size || !info.dli_saddr)
			continue;
		cfg.opnew_lo[cfg.nopnew] = (uintptr_t)info.dli_saddr;
		cfg.opnew_hi[cfg.nopnew++] = (uintptr_t)info.dli_saddr + sym->st_size;
	}
}

static int find_self(struct dl_phdr_info *info, size_t size, void *data)
{
	uintptr_t me = (uintptr_t)data;
	uintptr_t lo = UINTPTR_MAX, hi = 0;
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		if (ph->p_type != PT_LOAD)
			continue;
		uintptr_t a = info->dlpi_addr + ph->p_vaddr;
		lo = a < lo ? a : lo;
		hi = a + ph->p_memsz > hi ? a + ph->p_memsz : hi;
	}
	if (me < lo || me >= hi)
		return 0;
	cfg.text_lo = lo;
	cfg.text_hi = hi;
	return 1;
}

static void open_stream(void)
{
	stream_open(cfg.dir, cfg.ring_size, cfg.track ? cfg.sample : 0, cfg.sample_hz);
}

static void on_fork_child(void)
{
	stream_forget();
	stacktab_fork_child();
	shim_tls.tid = 0;
	shim_tls.rng = 0;
	shim_tls.thread = 0;
	shim_tls.last_ptr = 0;
	thread_count = 0;
	open_stream();
	if (cfg.sample_hz)
		agent_fork_child();
}

static void read_config(void)
{
	const char *dir = getenv(HP_AP_ENV_DIR);
	size_t len = dir ? strlen(dir) : 0;
	if (!len || len >= sizeof(cfg.dir))
		return;
	memcpy(cfg.dir, dir, len + 1);
	const char *track = getenv(HP_AP_ENV_TRACK);
	cfg.track = !track || strcmp(track, "0") != 0;
	cfg.sample_hz = (unsigned)parse_uint(getenv(HP_AP_ENV_HZ));
	cfg.sample = cfg.track ? parse_uint(getenv(HP_AP_ENV_SAMPLE)) : 0;
	cfg.seed = parse_uint(getenv(HP_AP_ENV_SEED));
	uint64_t ring = parse_uint(getenv(HP_AP_ENV_BUFSIZE)) << 20;
	if (!ring)
		ring = HP_AP_DEFAULT_RING;
	cfg.ring_size = HP_AP_MIN_RING;
	while (cfg.ring_size <= ring / 2)
		cfg.ring_size *= 2;
	if (cfg.sample) {
		void *m = mmap(NULL, sizeof(uint64_t) << SET_BITS, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (m == MAP_FAILED)
			return;
		cfg.sampled = m;
	}
	cfg.enabled = 1;
}

/* Runs once, from the first hook or the constructor, whichever is first. */
static void shim_init(void)
{
	int expect = 0;
	if (!__atomic_compare_exchange_n(&init_state, &expect, 1, 0, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
		return;
	struct shim_tls *t = &shim_tls;
	int saved = errno, guard = t->guard;
	t->guard = 1;
	if (!real_ok)
		resolve_real();
	dl_iterate_phdr(find_self, (void *)(uintptr_t)&shim_init);
	read_config();
	if (cfg.enabled) {
		if (cfg.track) {
			opnew_find();
			stacktab_init();
			/* libunwind's cache of unwind info: per thread (no lock shared
			 * by the threads), and large enough for a program's hot code */
			unw_set_caching_policy(unw_local_addr_space, UNW_CACHE_PER_THREAD);
			unw_set_cache_size(unw_local_addr_space, 1024, 0);
		}
		pthread_atfork(NULL, NULL, on_fork_child);
		open_stream();
	}
	/* with 0 it only looks up what it interposes */
	agent_start(stream_header() ? cfg.sample_hz : 0);
	t->guard = guard;
	errno = saved;
	__atomic_store_n(&init_state, 2, __ATOMIC_RELEASE);
}

__attribute__((constructor)) static void shim_ctor(void)
{
	shim_init();
}

__attribute__((destructor)) static void shim_dtor(void)
{
	note_exit(0);
}

/* _exit and _Exit skip the destructors: dash ends every shell that way,
 * and many programs their forked children. The process exits all the
 * same (the reader counted it as killed until wave 25). A vfork or raw
 * clone child, which shares its parent's stream, leaves it alone; the
 * record is not waited for (a signal handler may call _exit). */
HOOK void _exit(int status)
{
	struct hp_ap_header *h = stream_header();
	if (h && h->pid == (uint32_t)syscall(SYS_getpid))
		note_exit(STREAM_NOWAIT);
	for (;;)
		syscall(SYS_exit_group, status);
}

HOOK void _Exit(int status) __attribute__((alias("_exit")));

/* Entry of every hook: 1 when the call may be recorded, 0 when it must
 * only be forwarded (real functions are resolved either way, unless the
 * call comes from inside dlsym: see is_resolving). */
static inline int hook_enter(struct shim_tls *t)
{
	if (unlikely(__atomic_load_n(&init_state, __ATOMIC_ACQUIRE) != 2)) {
		if (!__atomic_load_n(&real_ok, __ATOMIC_ACQUIRE) && !__atomic_load_n(&resolving, __ATOMIC_RELAXED))
			shim_init();
		if (!__atomic_load_n(&real_ok, __ATOMIC_ACQUIRE) || __atomic_load_n(&init_state, __ATOMIC_ACQUIRE) != 2)
			return 0;
	}
	if (t->guard || !cfg.track || !stream_header())
		return 0;
	t->guard = 1;
	return 1;
}

static inline int is_resolving(void)
{
	return unlikely(!__atomic_load_n(&real_ok, __ATOMIC_ACQUIRE));
}

/* ---- allocators the library wraps (CPython's arenas: agent_py.c) ---------- */

void shim_note_alloc(unsigned func, const void *p, size_t n)
{
	struct shim_tls *t = &shim_tls;
	if (!p || !hook_enter(t))
		return;
	note_alloc(t, func, p, n);
	t->guard = 0;
}

void shim_note_free(unsigned func, const void *p)
{
	struct shim_tls *t = &shim_tls;
	if (!p || !hook_enter(t))
		return;
	free_commit(free_begin(t, func, p), p, 1);
	t->guard = 0;
}

/* ---- the hooks ------------------------------------------------------------ */

HOOK void *malloc(size_t n)
{
	struct shim_tls *t = &shim_tls;
	if (!hook_enter(t))
		return is_resolving() ? boot_alloc(n, 16) : real.malloc(n);
	void *p = real.malloc(n);
	if (p)
		note_alloc(t, HP_AF_MALLOC, p, n);
	t->guard = 0;
	return p;
}

HOOK void *calloc(size_t nmemb, size_t size)
{
	struct shim_tls *t = &shim_tls;
	size_t n;
	if (!hook_enter(t))
		return is_resolving() ? (__builtin_mul_overflow(nmemb, size, &n) ? NULL : boot_alloc(n, 16))
				      : real.calloc(nmemb, size);
	void *p = real.calloc(nmemb, size);
	if (p && !__builtin_mul_overflow(nmemb, size, &n))
		note_alloc(t, HP_AF_CALLOC, p, n);
	t->guard = 0;
	return p;
}

HOOK void free(void *p)
{
	if (!p || unlikely(is_boot(p)))
		return;
	struct shim_tls *t = &shim_tls;
	if (!hook_enter(t)) {
		if (!is_resolving())
			real.free(p);
		return;
	}
	free_commit(free_begin(t, HP_AF_FREE, p), p, 1);
	real.free(p);
	t->guard = 0;
}

/* realloc of a bootstrap block: move it to the real heap. */
static void *boot_realloc(void *p, size_t n)
{
	size_t old = boot_size(p);
	void *q = malloc(n);
	if (q)
		memcpy(q, p, old < n ? old : n);
	return q;
}

/* realloc and reallocarray (n = nmemb * size, already checked): FREE(p)
 * is reserved before the call and published after it, as PAD when the
 * block survived; ALLOC(q) follows. */
static void *realloc_tracked(void *p, size_t n, unsigned func, size_t nmemb, size_t size)
{
	struct shim_tls *t = &shim_tls;
	int tracked = hook_enter(t);
	if (unlikely(is_resolving()))
		return p ? NULL : boot_alloc(n, 16);
	unsigned char *slot = tracked && p ? free_begin(t, func, p) : NULL;
	void *q = func == HP_AF_REALLOC ? real.realloc(p, n) : real.reallocarray(p, nmemb, size);
	if (!tracked)
		return q;
	free_commit(slot, p, q != NULL || n == 0);
	if (q)
		note_alloc(t, func, q, n);
	t->guard = 0;
	return q;
}

HOOK void *realloc(void *p, size_t n)
{
	if (unlikely(p && is_boot(p)))
		return boot_realloc(p, n);
	return realloc_tracked(p, n, HP_AF_REALLOC, n, 1);
}

HOOK void *reallocarray(void *p, size_t nmemb, size_t size)
{
	size_t n;
	if (__builtin_mul_overflow(nmemb, size, &n)) {
		errno = ENOMEM;
		return NULL;
	}
	if (unlikely(p && is_boot(p)))
		return boot_realloc(p, n);
	return realloc_tracked(p, n, HP_AF_REALLOCARRAY, nmemb, size);
}

HOOK int posix_memalign(void **out, size_t align, size_t n)
{
	struct shim_tls *t = &shim_tls;
	if (!hook_enter(t)) {
		if (!is_resolving())
			return real.posix_memalign(out, align, n);
		return (*out = boot_alloc(n, align)) ? 0 : ENOMEM;
	}
	int rc = real.posix_memalign(out, align, n);
	if (rc == 0)
		note_alloc(t, HP_AF_POSIX_MEMALIGN, *out, n);
	t->guard = 0;
	return rc;
}

/* The aligned family that returns the block: one body for four hooks. */
#define ALIGNED_HOOK(name, func, params, args, align_expr, size_expr)		\
	HOOK void *name params							\
	{									\
		struct shim_tls *t = &shim_tls;					\
		if (!hook_enter(t))						\
			return is_resolving() ? boot_alloc(size_expr, align_expr)	\
					      : real.name ? real.name args : NULL;	\
		if (unlikely(!real.name)) {					\
			t->guard = 0;						\
			errno = ENOMEM;						\
			return NULL;						\
		}								\
		void *p = real.name args;					\
		if (p)								\
			note_alloc(t, func, p, size_expr);			\
		t->guard = 0;							\
		return p;							\
	}

ALIGNED_HOOK(aligned_alloc, HP_AF_ALIGNED_ALLOC, (size_t align, size_t n), (align, n), align, n)
ALIGNED_HOOK(memalign, HP_AF_MEMALIGN, (size_t align, size_t n), (align, n), align, n)
ALIGNED_HOOK(valloc, HP_AF_VALLOC, (size_t n), (n), 4096, n)
ALIGNED_HOOK(pvalloc, HP_AF_PVALLOC, (size_t n), (n), 4096, n)

HOOK size_t malloc_usable_size(void *p)
{
	if (!p)
		return 0;
	if (is_boot(p))
		return boot_size(p);
	if (is_resolving())
		return 0;
	return real.malloc_usable_size(p);
}

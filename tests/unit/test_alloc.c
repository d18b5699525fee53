/*
 * test_alloc.c - unit test of allocation tracking: libhpprof_alloc.so in
 * real processes, read back with collector/allocstream.
 *
 * Runs tests/fixtures/alloc programs with the environment from
 * allocstream_setup(), polling while they run, and checks the events
 * against the known pattern (alloc_fixture.h): counts and bytes per call,
 * leaks found by matching frees to allocations, causal order (no address
 * handed out twice without a free between), the worker thread's tid, the
 * fork child's own stream, the first PC of leaked blocks inside
 * fixture_leak (its extent read with libelf), exec generations, and the
 * sampling estimate within 10% of the true total.
 *
 * `test_alloc NAME...` runs only the named tests (test_threads...).
 * `test_alloc --bench [ITERS]` instead prints the cost per malloc+free pair
 * without the shim, with it (exact and sampled) and under heaptrack.
 */
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <dirent.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "collector/allocstream.h"
#include "common/hmap.h"
#include "fixtures/alloc/alloc_fixture.h"
#include "hp_test.h"

/* ---- collecting events ------------------------------------------------------ */

struct ev {                   /* the part of an hp_alloc_event the checks use */
	uint8_t kind, func;
	uint32_t pid, gen, tid, ppid, end_flags;
	uint64_t ptr, size, weight, pc0;
};

struct evlog {
	struct ev *v;
	size_t nr, cap;
};

/* Appends e to the log. The first call reserves room for 4M events (about
 * what alloc_bulk makes; pages are touched only as they fill): growing by
 * doubling from a small start copied hundreds of MB at once inside the
 * reader's callback, which under ASan on a loaded machine stalled it for
 * seconds while the fixture's writers waited for room. */
static int collect(void *ctx, const struct hp_alloc_event *e)
{
	struct evlog *log = ctx;
	if (log->nr == log->cap) {
		size_t cap = log->cap ? 2 * log->cap : (size_t)1 << 22;
		struct ev *v = realloc(log->v, cap * sizeof(*v));
		if (!v)
			return -ENOMEM;
		log->v = v;
		log->cap = cap;
	}
	log->v[log->nr++] = (struct ev){
		.kind = e->kind, .func = e->func, .pid = e->pid, .gen = e->gen, .tid = e->tid,
		.ppid = e->ppid, .end_flags = e->end_flags, .ptr = e->ptr, .size = e->size,
		.weight = e->weight, .pc0 = e->nr_pcs ? e->pcs[0] : 0,
	};
	return 0;
}

/* ---- running a fixture ------------------------------------------------------- */

struct fx_out {               /* what a fixture printed */
	uint64_t text_lo, text_hi, leak_fn, total, count;
	long thread_tid, child;
	double ns_per_pair, cpu_ns_per_pair;
};

static void parse_line(struct fx_out *o, const char *line)
{
	const char *eq = strchr(line, '=');
	if (!eq)
		return;
	size_t k = (size_t)(eq - line);
	const char *v = eq + 1;
#define KEY(name) (k == strlen(name) && !strncmp(line, name, k))
	if (KEY("text_lo"))
		o->text_lo = strtoull(v, NULL, 0);
	else if (KEY("text_hi"))
		o->text_hi = strtoull(v, NULL, 0);
	else if (KEY("leak_fn"))
		o->leak_fn = strtoull(v, NULL, 0);
	else if (KEY("total"))
		o->total = strtoull(v, NULL, 0);
	else if (KEY("count"))
		o->count = strtoull(v, NULL, 0);
	else if (KEY("thread_tid"))
		o->thread_tid = strtol(v, NULL, 0);
	else if (KEY("child"))
		o->child = strtol(v, NULL, 0);
	else if (KEY("ns_per_pair"))
		o->ns_per_pair = strtod(v, NULL);
	else if (KEY("cpu_ns_per_pair"))
		o->cpu_ns_per_pair = strtod(v, NULL);
#undef KEY
}

static void parse_output(struct fx_out *o, char *buf)
{
	for (char *save, *l = strtok_r(buf, "\n", &save); l; l = strtok_r(NULL, "\n", &save))
		parse_line(o, l);
}

/* A stalled test (CTest stops it at 120 s: once in a quiet CI run in
 * test_threads, cause unknown) says where the fixture's threads were
 * before it dies: each thread's state, wait channel, system call and, as
 * root, kernel stack, from /proc; no bound is checked on a test's time. */
static volatile pid_t child_pid;

static void dump_file(const char *path)
{
	char buf[2048];
	int fd = open(path, O_RDONLY);
	ssize_t n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;
	if (fd >= 0)
		close(fd);
	if (n > 0 && write(1, buf, (size_t)n) < 0)
		return;
	if (write(1, "\n", 1) < 0)
		return;
}

static void on_stall(int sig)
{
	char path[512];
	(void)sig;
	printf("# STALL: 100 s in this test; the fixture (pid %d), thread by thread:\n",
	       (int)child_pid);
	fflush(stdout);
	snprintf(path, sizeof(path), "/proc/%d/task", (int)child_pid);
	DIR *d = opendir(path);
	for (struct dirent *e; d && (e = readdir(d));) {
		if (e->d_name[0] == '.')
			continue;
		const char *files[] = { "stat", "wchan", "syscall", "stack" };
		for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
			snprintf(path, sizeof(path), "/proc/%d/task/%s/%s", (int)child_pid, e->d_name,
				 files[i]);
			printf("# %s:\n", path);
			fflush(stdout);
			dump_file(path);
		}
	}
	if (d)
		closedir(d);
	fflush(stdout);
	_exit(1);
}

static pid_t spawn(char *const argv[], char *const *env, int *out_fd)
{
	int p[2];
	if (pipe(p) < 0)
		return -1;
	pid_t pid = fork();
	if (pid == 0) {
		dup2(p[1], 1);
		close(p[0]);
		close(p[1]);
		for (char *const *e = env; e && *e; e++)
			putenv(*e);
		execvp(argv[0], argv);
		_exit(127);
	}
	close(p[1]);
	*out_fd = p[0];
	return pid;
}

/* Run argv with env, polling s (when not NULL) until its output ends.
 * Returns the exit status, the pid in *pid and the output parsed into o. */
static int run(char *const argv[], char *const *env, struct hp_allocstream *s,
	       struct evlog *log, struct fx_out *o, pid_t *pid_out)
{
	int fd, status = -1;
	char buf[1 << 16];
	size_t len = 0;
	pid_t pid = spawn(argv, env, &fd);
	if (pid < 0)
		return -1;
	child_pid = pid;
	for (;;) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		if (poll(&pfd, 1, 10) > 0) {
			ssize_t n = read(fd, buf + len, sizeof(buf) - 1 - len);
			if (n <= 0)
				break;
			len += (size_t)n;
		}
		if (s && allocstream_poll(s, log ? collect : NULL, log) < 0)
			CHECK(!"allocstream_poll failed");
	}
	close(fd);
	buf[len] = '\0';
	waitpid(pid, &status, 0);
	memset(o, 0, sizeof(*o));
	parse_output(o, buf);
	if (pid_out)
		*pid_out = pid;
	return status;
}

static const char *fixture(const char *name)
{
	static char path[4096];
	snprintf(path, sizeof(path), "%s/%s", ALLOC_FIXTURE_DIR, name);
	return path;
}

/* Extent of a function symbol in an ELF file (its st_size), 0 if not found. */
static uint64_t symbol_size(const char *file, const char *name)
{
	uint64_t size = 0;
	int fd = open(file, O_RDONLY);
	elf_version(EV_CURRENT);
	Elf *e = fd >= 0 ? elf_begin(fd, ELF_C_READ, NULL) : NULL;
	for (Elf_Scn *scn = NULL; e && !size && (scn = elf_nextscn(e, scn));) {
		GElf_Shdr sh;
		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_SYMTAB)
			continue;
		Elf_Data *d = elf_getdata(scn, NULL);
		for (size_t i = 0; d && i < sh.sh_size / sh.sh_entsize; i++) {
			GElf_Sym sym;
			const char *n = gelf_getsym(d, (int)i, &sym) ? elf_strptr(e, sh.sh_link, sym.st_name) : NULL;
			if (n && !strcmp(n, name))
				size = sym.st_size;
		}
	}
	if (e)
		elf_end(e);
	if (fd >= 0)
		close(fd);
	return size;
}

/* ---- replaying a stream -------------------------------------------------------- */

/* One process's events replayed in order: allocations matched to frees. */
struct replay {
	uint64_t n[HP_AF_COUNT], bytes[HP_AF_COUNT];  /* fixture's own allocations by call */
	uint64_t weight;                              /* their summed weights */
	uint64_t matched_frees[HP_AF_COUNT];          /* frees of them, by the freeing call */
	uint64_t double_allocs;                       /* an address handed out while live */
	uint64_t leaked_n, leaked_bytes;              /* fixture's blocks never freed */
	uint64_t leaked_in_fn;                        /* ...whose first PC is in [fn_lo, fn_hi) */
	uint64_t by_tid;                              /* fixture's allocations by tid `tid` */
	int begun, ended;
	uint32_t ppid, end_flags;
};

struct blk {
	uint64_t size, pc0;
	int mine, live;
};

static void replay(const struct evlog *log, uint32_t pid, uint32_t gen, const struct fx_out *o,
		   uint64_t fn_lo, uint64_t fn_hi, uint32_t tid, struct replay *r)
{
	struct hp_hmap live;
	struct blk *blks = calloc(log->nr + 1, sizeof(*blks));
	size_t nb = 0;
	hmap_init(&live);
	memset(r, 0, sizeof(*r));
	for (size_t i = 0; i < log->nr; i++) {
		const struct ev *e = &log->v[i];
		uint64_t idx;
		if (e->pid != pid || e->gen != gen)
			continue;
		if (e->kind == HP_ALLOC_BEGIN) {
			r->begun++;
			r->ppid = e->ppid;
		} else if (e->kind == HP_ALLOC_END) {
			r->ended++;
			r->end_flags = e->end_flags;
		} else if (e->kind == HP_ALLOC_ALLOC) {
			if (hmap_get(&live, e->ptr, &idx) && blks[idx].live)
				r->double_allocs++;
			struct blk *b = &blks[++nb];
			*b = (struct blk){ .size = e->size, .pc0 = e->pc0, .live = 1,
					   .mine = e->pc0 >= o->text_lo && e->pc0 < o->text_hi };
			hmap_put(&live, e->ptr, nb);
			if (b->mine) {
				r->n[e->func]++;
				r->bytes[e->func] += e->size;
				r->weight += e->weight;
				r->by_tid += e->tid == tid;
			}
		} else if (e->kind == HP_ALLOC_FREE && hmap_get(&live, e->ptr, &idx) && blks[idx].live) {
			blks[idx].live = 0;
			r->matched_frees[e->func] += blks[idx].mine;
		}
	}
	for (size_t i = 1; i <= nb; i++) {
		if (!blks[i].live || !blks[i].mine)
			continue;
		r->leaked_n++;
		r->leaked_bytes += blks[i].size;
		r->leaked_in_fn += blks[i].pc0 >= fn_lo && blks[i].pc0 < fn_hi;
	}
	hmap_release(&live);
	free(blks);
}

static uint64_t sum(const uint64_t *v, int n)
{
	uint64_t s = 0;
	for (int i = 0; i < n; i++)
		s += v[i];
	return s;
}

/* ---- the tests ------------------------------------------------------------------- */

static struct hp_allocstream *setup(const struct hp_allocstream_opts *extra)
{
	struct hp_allocstream_opts o = extra ? *extra : (struct hp_allocstream_opts){ 0 };
	struct hp_allocstream *s = NULL;
	o.shim_path = ALLOC_SHIM;
	int err = allocstream_setup(&s, &o);
	CHECK_EQ_INT(err, 0);
	return s;
}

/* What the writers waited for room: a slow or stuck run shows where its
 * time went (no bound is checked: the machine's load decides it). */
static void note_waits(const char *test, const struct hp_allocstream_stats *st)
{
	printf("# %s: writers waited for room %llu times, %.1f ms in all; %llu events, %llu dropped\n",
	       test, (unsigned long long)st->writer_waits, st->writer_wait_ns / 1e6,
	       (unsigned long long)(st->allocs + st->frees), (unsigned long long)st->dropped);
}

static void check_pattern_parent(const struct evlog *log, pid_t pid, const struct fx_out *o)
{
	uint64_t leak_size = symbol_size(fixture("alloc_pattern"), "fixture_leak");
	struct replay r;
	CHECK(leak_size > 0 && o->leak_fn && o->text_lo < o->text_hi);
	CHECK(o->thread_tid > 0 && o->thread_tid != pid);
	replay(log, (uint32_t)pid, 0, o, o->leak_fn, o->leak_fn + leak_size, (uint32_t)o->thread_tid, &r);

	CHECK_EQ_INT(r.begun, 1);
	CHECK_EQ_INT(r.ended, 1);
	CHECK_EQ_INT(r.end_flags, HP_ALLOC_END_EXITED);
	CHECK_EQ_INT(r.double_allocs, 0);
	CHECK_EQ_INT(r.n[HP_AF_MALLOC], FX_LEAK_N + FX_TEMP_N + FX_THREAD_N);
	CHECK_EQ_INT(r.bytes[HP_AF_MALLOC],
		     FX_LEAK_N * FX_LEAK_SIZE + FX_TEMP_N * FX_TEMP_SIZE + FX_THREAD_N * FX_THREAD_SIZE);
	CHECK_EQ_INT(r.n[HP_AF_CALLOC], 1);
	CHECK_EQ_INT(r.bytes[HP_AF_CALLOC], FX_CALLOC_N * FX_CALLOC_SIZE);
	CHECK_EQ_INT(r.n[HP_AF_REALLOC], FX_REALLOC_STEPS + 1);
	CHECK_EQ_INT(r.bytes[HP_AF_REALLOC],
		     FX_REALLOC_UNIT * (FX_REALLOC_STEPS + 1) * (FX_REALLOC_STEPS + 2) / 2);
	CHECK_EQ_INT(r.n[HP_AF_REALLOCARRAY], 1);
	CHECK_EQ_INT(r.bytes[HP_AF_REALLOCARRAY], FX_RA_N * FX_RA_SIZE);
	CHECK_EQ_INT(r.bytes[HP_AF_POSIX_MEMALIGN], FX_PM_SIZE);
	CHECK_EQ_INT(r.bytes[HP_AF_ALIGNED_ALLOC], FX_AA_SIZE);
	CHECK_EQ_INT(r.bytes[HP_AF_MEMALIGN], FX_MA_SIZE);
	CHECK_EQ_INT(r.bytes[HP_AF_VALLOC], FX_VA_SIZE);
	CHECK_EQ_INT(r.bytes[HP_AF_PVALLOC], FX_PV_SIZE);
	CHECK_EQ_INT(r.weight, sum(r.bytes, HP_AF_COUNT));

	uint64_t allocs = sum(r.n, HP_AF_COUNT);
	CHECK_EQ_INT(allocs, FX_LEAK_N + FX_TEMP_N + FX_THREAD_N + FX_REALLOC_STEPS + 1 + 7);
	CHECK_EQ_INT(r.matched_frees[HP_AF_REALLOC], FX_REALLOC_STEPS);
	CHECK_EQ_INT(r.matched_frees[HP_AF_FREE], allocs - FX_LEAK_N - FX_REALLOC_STEPS);
	CHECK_EQ_INT(r.leaked_n, FX_LEAK_N);
	CHECK_EQ_INT(r.leaked_bytes, FX_LEAK_N * FX_LEAK_SIZE);
	CHECK_EQ_INT(r.leaked_in_fn, FX_LEAK_N);
	CHECK_EQ_INT(r.by_tid, FX_THREAD_N);
}

static void check_pattern_child(const struct evlog *log, pid_t parent, const struct fx_out *o)
{
	struct replay r;
	CHECK(o->child > 0);
	replay(log, (uint32_t)o->child, 0, o, 0, 0, 0, &r);
	CHECK_EQ_INT(r.begun, 1);
	CHECK_EQ_INT(r.ended, 1);
	CHECK_EQ_INT(r.ppid, parent);
	CHECK_EQ_INT(r.end_flags, HP_ALLOC_END_EXITED);
	CHECK_EQ_INT(sum(r.n, HP_AF_COUNT), FX_CHILD_N);
	CHECK_EQ_INT(r.bytes[HP_AF_MALLOC], FX_CHILD_N * FX_CHILD_SIZE);
	CHECK_EQ_INT(r.leaked_bytes, FX_CHILD_N * FX_CHILD_SIZE);
	CHECK_EQ_INT(r.double_allocs, 0);
}

static void test_pattern(void)
{
	struct hp_allocstream *s = setup(NULL);
	struct hp_allocstream_stats st;
	struct evlog log = { 0 };
	struct fx_out o;
	pid_t pid;
	if (!s)
		return;
	char *argv[] = { (char *)fixture("alloc_pattern"), NULL };
	char dir[4096];
	snprintf(dir, sizeof(dir), "%s", allocstream_dir(s));
	CHECK_EQ_INT(run(argv, allocstream_env(s), s, &log, &o, &pid), 0);
	CHECK_EQ_INT(allocstream_finish(s, collect, &log, &st), 0);
	note_waits("test_pattern", &st);
	CHECK_EQ_INT(st.streams, 2);
	CHECK_EQ_INT(st.incomplete, 0);
	CHECK_EQ_INT(st.dropped, 0);
	CHECK_EQ_INT(st.lost_bytes, 0);
	CHECK(access(dir, F_OK) < 0 && errno == ENOENT);
	check_pattern_parent(&log, pid, &o);
	check_pattern_child(&log, pid, &o);
	allocstream_free(s);
	free(log.v);
}

/* Sampling: the summed weights estimate the bytes allocated. */
static void test_sampling(void)
{
	struct hp_allocstream_opts opts = { .sample_bytes = 65536, .seed = 42 };
	struct hp_allocstream *s = setup(&opts);
	struct evlog log = { 0 };
	struct fx_out o;
	struct replay r;
	pid_t pid;
	if (!s)
		return;
	char *argv[] = { (char *)fixture("alloc_bulk"), NULL };
	CHECK_EQ_INT(run(argv, allocstream_env(s), s, &log, &o, &pid), 0);
	CHECK_EQ_INT(allocstream_finish(s, collect, &log, NULL), 0);
	replay(&log, (uint32_t)pid, 0, &o, 0, 0, 0, &r);
	uint64_t samples = sum(r.n, HP_AF_COUNT), expect = o.total / opts.sample_bytes;
	double err = ((double)r.weight - (double)o.total) / (double)o.total;
	printf("sampling: %llu of %llu allocations, %llu bytes estimated as %llu (%+.2f%%)\n",
	       (unsigned long long)samples, (unsigned long long)o.count,
	       (unsigned long long)o.total, (unsigned long long)r.weight, 100 * err);
	CHECK(o.total >= FX_BULK_TOTAL);
	CHECK(samples > expect / 2 && samples < expect * 2);
	CHECK(err > -0.10 && err < 0.10);
	CHECK_EQ_INT(r.leaked_n, 0);          /* frees of sampled blocks are all seen */
	CHECK_EQ_INT(r.double_allocs, 0);
	allocstream_free(s);
	free(log.v);
}

/* A 4 MiB ring wraps many times: every allocation still arrives, in order. */
static void test_small_ring(void)
{
	struct hp_allocstream_opts opts = { .buf_mib = 4 };
	struct hp_allocstream *s = setup(&opts);
	struct hp_allocstream_stats st;
	struct evlog log = { 0 };
	struct fx_out o;
	struct replay r;
	pid_t pid;
	if (!s)
		return;
	char *argv[] = { (char *)fixture("alloc_bulk"), NULL };
	CHECK_EQ_INT(run(argv, allocstream_env(s), s, &log, &o, &pid), 0);
	CHECK_EQ_INT(allocstream_finish(s, collect, &log, &st), 0);
	note_waits("test_small_ring", &st);
	replay(&log, (uint32_t)pid, 0, &o, 0, 0, 0, &r);
	CHECK_EQ_INT(st.dropped, 0);
	CHECK_EQ_INT(st.lost_bytes, 0);
	CHECK_EQ_INT(r.n[HP_AF_MALLOC], o.count);
	CHECK_EQ_INT(r.bytes[HP_AF_MALLOC], o.total);
	CHECK_EQ_INT(r.matched_frees[HP_AF_FREE], o.count);
	CHECK_EQ_INT(r.double_allocs, 0);
	allocstream_free(s);
	free(log.v);
}

/* Threads free each other's blocks through a small ring: causal order holds
 * across threads (no address is seen handed out twice without a free). */
static void test_threads(void)
{
	struct hp_allocstream_opts opts = { .buf_mib = 4 };
	struct hp_allocstream *s = setup(&opts);
	struct hp_allocstream_stats st;
	struct evlog log = { 0 };
	struct fx_out o;
	struct replay r;
	pid_t pid;
	if (!s)
		return;
	char *argv[] = { (char *)fixture("alloc_threads"), NULL };
	CHECK_EQ_INT(run(argv, allocstream_env(s), s, &log, &o, &pid), 0);
	CHECK_EQ_INT(allocstream_finish(s, collect, &log, &st), 0);
	note_waits("test_threads", &st);
	replay(&log, (uint32_t)pid, 0, &o, 0, 0, 0, &r);
	CHECK_EQ_INT(st.dropped, 0);
	CHECK_EQ_INT(r.n[HP_AF_MALLOC], o.count);
	CHECK_EQ_INT(r.bytes[HP_AF_MALLOC], o.total);
	CHECK_EQ_INT(r.matched_frees[HP_AF_FREE], o.count);
	CHECK_EQ_INT(r.leaked_n, 0);
	CHECK_EQ_INT(r.double_allocs, 0);
	allocstream_free(s);
	free(log.v);
}

/* Nobody polls: once the ring is full the writers wait for the reader's
 * heartbeat timeout, then drop and count; the target is not blocked. */
static void test_no_reader(void)
{
	struct hp_allocstream_opts opts = { .buf_mib = 4 };
	struct hp_allocstream *s = setup(&opts);
	struct hp_allocstream_stats st;
	struct evlog log = { 0 };
	struct fx_out o;
	struct replay r;
	pid_t pid;
	if (!s)
		return;
	char *argv[] = { (char *)fixture("alloc_bulk"), NULL };
	CHECK_EQ_INT(run(argv, allocstream_env(s), NULL, NULL, &o, &pid), 0);
	CHECK_EQ_INT(allocstream_finish(s, collect, &log, &st), 0);
	note_waits("test_no_reader", &st);
	replay(&log, (uint32_t)pid, 0, &o, 0, 0, 0, &r);
	CHECK(st.dropped > 0);
	CHECK_EQ_INT(st.lost_bytes, 0);
	CHECK(st.allocs + st.frees + st.dropped >= 2 * o.count);
	CHECK(r.end_flags & HP_ALLOC_END_FULL);
	CHECK(r.end_flags & HP_ALLOC_END_EXITED);
	allocstream_free(s);
	free(log.v);
}

/* A stream file as a writer makes it (header published, ring backed
 * whole), mapped: the caller writes its records. NULL on failure. */
static struct hp_ap_header *fake_stream(const char *path, uint64_t ring_size)
{
	int fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return NULL;
	void *m = ftruncate(fd, (off_t)(HP_AP_DATA_OFF + ring_size)) < 0 ? MAP_FAILED :
		  mmap(NULL, HP_AP_DATA_OFF + ring_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	if (m == MAP_FAILED)
		return NULL;
	struct hp_ap_header *h = m;
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	h->version = HP_AP_VERSION;
	h->data_off = HP_AP_DATA_OFF;
	h->pid = (uint32_t)getpid();
	h->ppid = (uint32_t)getppid();
	h->clock_id = CLOCK_MONOTONIC;
	h->ring_size = ring_size;
	h->t_start_ns = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
	h->max_frames = HP_AP_MAX_FRAMES;
	h->backed = ring_size;
	__atomic_store_n(&h->magic, HP_AP_MAGIC, __ATOMIC_RELEASE);
	return h;
}

/* A reader (setup) and this process's stream in its directory, made by
 * hand: its writer is alive. *ring: the stream's first record. NULL when
 * no reader could be set up. */
static struct hp_allocstream *own_stream(struct hp_ap_header **h, uint32_t **ring)
{
	struct hp_allocstream *s = setup(NULL);
	char path[4200];
	*h = NULL;
	*ring = NULL;
	if (!s)
		return NULL;
	snprintf(path, sizeof(path), "%s/%d.0.ring", allocstream_dir(s), (int)getpid());
	*h = fake_stream(path, HP_AP_MIN_RING);
	CHECK(*h != NULL);
	if (*h)
		*ring = (uint32_t *)((unsigned char *)*h + HP_AP_DATA_OFF);
	return s;
}

/* Finish s (its statistics into *st), then let go of h and s. */
static void own_stream_end(struct hp_allocstream *s, struct hp_ap_header *h,
			   struct hp_allocstream_stats *st)
{
	CHECK_EQ_INT(allocstream_finish(s, NULL, NULL, st), 0);
	if (h)
		munmap(h, HP_AP_DATA_OFF + HP_AP_MIN_RING);
	allocstream_free(s);
}

/* The reader stops a stream whose writer lives (here a committed record
 * of length 0: damage): it tells the writers to drop (HP_AP_F_DETACHED).
 * Else a writer that found the ring full waited for ever, the reader's
 * heartbeat fresh but no room ever released. */
static void test_stopped_stream(void)
{
	struct hp_allocstream_stats st;
	struct hp_ap_header *h;
	uint32_t *head;
	struct hp_allocstream *s = own_stream(&h, &head);
	if (!s)
		return;
	if (h) {
		__atomic_store_n(head, HP_AP_HEAD(0, HP_AP_ALLOC, HP_AP_TAG_COMMIT), __ATOMIC_RELEASE);
		__atomic_store_n(&h->cursor, 8, __ATOMIC_RELEASE);
		CHECK(allocstream_poll(s, NULL, NULL) >= 0);
		CHECK(__atomic_load_n(&h->flags, __ATOMIC_ACQUIRE) & HP_AP_F_DETACHED);
	}
	own_stream_end(s, h, &st);
	CHECK_EQ_INT(st.streams, 1);
	CHECK_EQ_INT(st.lost_bytes, 8);
}

/* A live writer's record reserved and never published (a thread that
 * left a hook between the two): the reader waits at it, but stops its
 * heartbeat once held there for HP_AP_READER_TIMEOUT_NS, so that the
 * other writers drop rather than wait for room for ever; it beats again
 * once the record is published. */
static void test_held_stream(void)
{
	struct hp_allocstream_stats st;
	struct hp_ap_header *h;
	uint32_t *rec;
	struct hp_allocstream *s = own_stream(&h, &rec);
	if (!s)
		return;
	if (h) {
		__atomic_store_n(&rec[2], HP_AP_HEAD(8, HP_AP_PAD, HP_AP_TAG_COMMIT),
				 __ATOMIC_RELEASE);
		__atomic_store_n(&rec[0], HP_AP_HEAD(8, 0, HP_AP_TAG_RESERVED), __ATOMIC_RELEASE);
		__atomic_store_n(&h->cursor, 16, __ATOMIC_RELEASE);
		CHECK(allocstream_poll(s, NULL, NULL) >= 0);          /* held at 0 from here */
		uint64_t beat = __atomic_load_n(&h->reader_ns, __ATOMIC_ACQUIRE);
		CHECK(beat > 0 && __atomic_load_n(&h->released, __ATOMIC_ACQUIRE) == 0);
		struct timespec nap = { 0, 10000000 };
		nanosleep(&nap, NULL);
		CHECK(allocstream_poll(s, NULL, NULL) >= 0);          /* held 10 ms: alive */
		beat = __atomic_load_n(&h->reader_ns, __ATOMIC_ACQUIRE);
		nap = (struct timespec){ HP_AP_READER_TIMEOUT_NS / 1000000000u,
					 HP_AP_READER_TIMEOUT_NS % 1000000000u };
		nanosleep(&nap, NULL);
		CHECK(allocstream_poll(s, NULL, NULL) >= 0);          /* held too long: no beat */
		CHECK(__atomic_load_n(&h->reader_ns, __ATOMIC_ACQUIRE) == beat);
		CHECK(!(__atomic_load_n(&h->flags, __ATOMIC_ACQUIRE) & HP_AP_F_DETACHED));
		__atomic_store_n(&rec[0], HP_AP_HEAD(8, HP_AP_PAD, HP_AP_TAG_COMMIT),
				 __ATOMIC_RELEASE);                      /* published at last */
		CHECK(allocstream_poll(s, NULL, NULL) >= 0);
		CHECK(__atomic_load_n(&h->reader_ns, __ATOMIC_ACQUIRE) > beat);
		CHECK(__atomic_load_n(&h->released, __ATOMIC_ACQUIRE) == 16);
	}
	own_stream_end(s, h, &st);
	CHECK_EQ_INT(st.lost_bytes, 0);
}

/* exec replaces the image: the same pid gets a second stream (gen 1). */
static void test_exec(void)
{
	struct hp_allocstream *s = setup(NULL);
	struct evlog log = { 0 };
	struct fx_out o;
	struct replay r0, r1;
	pid_t pid;
	if (!s)
		return;
	char bulk[4096], cmd[8400];
	snprintf(bulk, sizeof(bulk), "%s", fixture("alloc_bulk"));
	snprintf(cmd, sizeof(cmd), "%s; exec %s", bulk, fixture("alloc_pattern"));
	char *argv[] = { "/bin/sh", "-c", cmd, NULL };
	CHECK_EQ_INT(run(argv, allocstream_env(s), s, &log, &o, &pid), 0);
	CHECK_EQ_INT(allocstream_finish(s, collect, &log, NULL), 0);
	replay(&log, (uint32_t)pid, 0, &o, 0, 0, 0, &r0);
	replay(&log, (uint32_t)pid, 1, &o, 0, 0, 0, &r1);
	CHECK_EQ_INT(r0.begun, 1);
	CHECK(r0.end_flags & HP_ALLOC_END_EXECED);
	CHECK_EQ_INT(r1.begun, 1);
	CHECK_EQ_INT(r1.end_flags, HP_ALLOC_END_EXITED);
	CHECK_EQ_INT(r1.leaked_bytes, FX_LEAK_N * FX_LEAK_SIZE);
	allocstream_free(s);
	free(log.v);
}

/* Without HPPROF_ALLOC_DIR the shim only forwards. */
static void test_inert(void)
{
	char preload[4200];
	struct fx_out o;
	snprintf(preload, sizeof(preload), "LD_PRELOAD=%s", ALLOC_SHIM);
	char *env[] = { preload, NULL };
	char *argv[] = { (char *)fixture("alloc_pattern"), NULL };
	unsetenv(HP_AP_ENV_DIR);
	CHECK_EQ_INT(run(argv, env, NULL, NULL, &o, NULL), 0);
	CHECK(o.child > 0);
}

/* ---- benchmark ---------------------------------------------------------------------- */

/* One run of alloc_bench: wall and CPU ns per pair in t[0], t[1]. */
static void bench_one(char *const argv[], const struct hp_allocstream_opts *opts,
		      struct hp_allocstream_stats *st, double *t)
{
	struct hp_allocstream *s = opts ? setup(opts) : NULL;
	struct fx_out o;
	memset(st, 0, sizeof(*st));
	if (run(argv, s ? allocstream_env(s) : NULL, s, NULL, &o, NULL) != 0)
		o.ns_per_pair = o.cpu_ns_per_pair = -1;
	if (s) {
		allocstream_finish(s, NULL, NULL, st);
		allocstream_free(s);
	}
	t[0] = o.ns_per_pair;
	t[1] = o.cpu_ns_per_pair;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

enum { BENCH_RUNS = 5, BENCH_CONFIGS = 4 };

/* Each configuration BENCH_RUNS times, interleaved; prints min and median. */
static int bench(const char *iters)
{
	char *plain[] = { (char *)fixture("alloc_bench"), (char *)iters, NULL };
	char *ht[] = { "heaptrack", "-o", "/tmp/hpprof-bench-heaptrack", (char *)fixture("alloc_bench"),
		       (char *)iters, NULL };
	struct hp_allocstream_opts exact = { 0 }, sampled = { .sample_bytes = 512 * 1024 };
	const char *label[BENCH_CONFIGS] = { "no shim", "shim, exact", "shim, sampled 512 KiB", "heaptrack" };
	char *const *argv[BENCH_CONFIGS] = { plain, plain, plain, ht };
	const struct hp_allocstream_opts *opts[BENCH_CONFIGS] = { NULL, &exact, &sampled, NULL };
	struct hp_allocstream_stats st[BENCH_CONFIGS];
	double wall[BENCH_CONFIGS][BENCH_RUNS], cpu[BENCH_CONFIGS][BENCH_RUNS];
	for (int r = 0; r < BENCH_RUNS; r++)
		for (int c = 0; c < BENCH_CONFIGS; c++) {
			double t[2];
			bench_one(argv[c], opts[c], &st[c], t);
			wall[c][r] = t[0];
			cpu[c][r] = t[1];
		}
	printf("alloc_bench %s pairs, %d runs each, ns per malloc+free pair (min / median):\n",
	       iters, BENCH_RUNS);
	for (int c = 0; c < BENCH_CONFIGS; c++) {
		qsort(wall[c], BENCH_RUNS, sizeof(double), cmp_double);
		qsort(cpu[c], BENCH_RUNS, sizeof(double), cmp_double);
		printf("  %-24s wall %7.1f / %7.1f   cpu %7.1f / %7.1f", label[c], wall[c][0],
		       wall[c][BENCH_RUNS / 2], cpu[c][0], cpu[c][BENCH_RUNS / 2]);
		if (opts[c])
			printf("  (%llu allocs, %llu frees recorded)", (unsigned long long)st[c].allocs,
			       (unsigned long long)st[c].frees);
		printf("\n");
	}
	return 0;
}

/* Whether name is among the n names in v. */
static int selected(const char *name, int n, char **v)
{
	for (int i = 0; i < n; i++)
		if (!strcmp(name, v[i]))
			return 1;
	return 0;
}

int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "--bench"))
		return bench(argc > 2 ? argv[2] : "2000000");
	static const struct {
		const char *name;
		void (*fn)(void);
	} tests[] = {
		{ "test_inert", test_inert }, { "test_pattern", test_pattern },
		{ "test_sampling", test_sampling }, { "test_small_ring", test_small_ring },
		{ "test_threads", test_threads }, { "test_no_reader", test_no_reader },
		{ "test_exec", test_exec }, { "test_stopped_stream", test_stopped_stream },
		{ "test_held_stream", test_held_stream },
	};
	/* each test's start and wall time: a run stopped by CTest's timeout
	 * shows which test it was in; `test_alloc NAME...` runs only those */
	for (size_t i = 0; i < sizeof(tests) / sizeof(tests[0]); i++) {
		struct timespec t0, t1;
		if (argc > 1 && !selected(tests[i].name, argc - 1, argv + 1))
			continue;
		printf("# %s ...\n", tests[i].name);
		fflush(stdout);
		clock_gettime(CLOCK_MONOTONIC, &t0);
		signal(SIGALRM, on_stall);
		alarm(100);          /* before CTest's 120 s */
		tests[i].fn();
		alarm(0);
		clock_gettime(CLOCK_MONOTONIC, &t1);
		printf("# %s: %.2f s\n", tests[i].name,
		       (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9);
		fflush(stdout);
	}
	return hp_test_result();
}

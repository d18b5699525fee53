/*
 * test_unwind.c - in-process "remote" unwinding (collector/unwind.c).
 *
 * A chain of noipa functions, built -O2 without frame pointers, captures its
 * registers (in perf order) and a copy of its stack, as a perf sample would.
 * The copy is then unwound through the remote API and compared with glibc's
 * backtrace() (libgcc's unwinder; looked up in libc itself, because
 * libunwind.so, linked in, exports a backtrace() of its own) taken at the
 * same point: same return addresses, reaching main
 * and _start, complete. A second capture inside qsort's comparator checks
 * frames of a shared library (libc) between two frames of the executable.
 * Function names come from dladdr (the test is linked -rdynamic).
 */
#include <dlfcn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hp_test.h"
#include "collector/unwind.h"
#include "common/log.h"

#define STACK_COPY 16384
#define MAX_FRAMES 64

/* One fake perf sample, and glibc's view of the same moment. */
struct snap {
	uint64_t regs[HP_UNWIND_NREGS];
	uint8_t stack[STACK_COPY];
	uint64_t stack_size;
	void *bt[MAX_FRAMES];
	int nbt;
};

static struct snap snap_chain, snap_qsort;
static int (*glibc_backtrace)(void **, int);
static uintptr_t stack_top;       /* end of the main thread's stack mapping */
static volatile int capture_in_cmp;

/* The registers the unwinder may need, in perf order. rip is the address
 * after the lea: an instruction of the capturing function, at which rsp and
 * the callee-saved registers hold exactly the values stored. */
#define CAPTURE_REGS(r) __asm__ volatile(                   \
	"movq %%rbx, 8(%0)\n\t"                             \
	"movq %%rbp, 48(%0)\n\t"                            \
	"movq %%rsp, 56(%0)\n\t"                            \
	"leaq 0(%%rip), %%rax\n\t"                          \
	"movq %%rax, 64(%0)\n\t"                            \
	"movq %%r12, 128(%0)\n\t"                           \
	"movq %%r13, 136(%0)\n\t"                           \
	"movq %%r14, 144(%0)\n\t"                           \
	"movq %%r15, 152(%0)\n\t"                           \
	: : "r"(r) : "rax", "memory")

/* Copy the stack above the captured SP, as perf's stack dump does. */
__attribute__((noipa, no_sanitize("address")))
static void copy_stack(struct snap *s)
{
	uintptr_t sp = s->regs[HP_REG_SP];
	uint64_t n = stack_top - sp < STACK_COPY ? stack_top - sp : STACK_COPY;

	for (uint64_t i = 0; i < n; i++)
		s->stack[i] = ((volatile const uint8_t *)sp)[i];
	s->stack_size = n;
}

__attribute__((noipa)) void take_snap(struct snap *s);
__attribute__((noipa)) void take_snap(struct snap *s)
{
	memset(s->regs, 0, sizeof(s->regs));
	CAPTURE_REGS(s->regs);
	copy_stack(s);
	s->nbt = glibc_backtrace(s->bt, MAX_FRAMES);
}

/* The chain: main -> chain_a -> chain_b -> chain_c -> take_snap. Work after
 * each call keeps the compiler from turning it into a tail jump. */
__attribute__((noipa)) int chain_c(int x);
__attribute__((noipa)) int chain_c(int x)
{
	take_snap(&snap_chain);
	return x * 7 + 1;
}

__attribute__((noipa)) int chain_b(int x);
__attribute__((noipa)) int chain_b(int x)
{
	return chain_c(x + 1) * 5 + x;
}

__attribute__((noipa)) int chain_a(int x);
__attribute__((noipa)) int chain_a(int x)
{
	return chain_b(x + 2) * 3 + x;
}

/* The qsort path: main -> sort_ints -> qsort (libc) -> cmp_ints -> take_snap. */
__attribute__((noipa)) int cmp_ints(const void *a, const void *b);
__attribute__((noipa)) int cmp_ints(const void *a, const void *b)
{
	if (capture_in_cmp) {
		capture_in_cmp = 0;
		take_snap(&snap_qsort);
	}
	return *(const int *)a - *(const int *)b;
}

__attribute__((noipa)) int sort_ints(int n);
__attribute__((noipa)) int sort_ints(int n)
{
	int v[64];

	for (int i = 0; i < n; i++)
		v[i] = (i * 37) % n;
	capture_in_cmp = 1;
	qsort(v, (size_t)n, sizeof(int), cmp_ints);
	return v[0] + v[n - 1];
}

/* ---- checking ------------------------------------------------------- */

static const char *sym_of(uint64_t pc, const char **file)
{
	Dl_info di;

	if (!dladdr((void *)(uintptr_t)pc, &di)) {
		*file = "?";
		return "?";
	}
	*file = di.dli_fname ? di.dli_fname : "?";
	return di.dli_sname ? di.dli_sname : "?";
}

static int is_sym(uint64_t pc, const char *name)
{
	const char *file;

	return !strcmp(sym_of(pc, &file), name);
}

static void print_stack(const char *what, const uint64_t *pcs, int n)
{
	fprintf(stderr, "%s:\n", what);
	for (int i = 0; i < n; i++) {
		const char *file, *sym = sym_of(pcs[i], &file);
		fprintf(stderr, "  #%d %#lx %s (%s)\n", i, (unsigned long)pcs[i], sym, file);
	}
}

static uintptr_t find_stack_top(void)
{
	uintptr_t here = (uintptr_t)__builtin_frame_address(0), start, end, top = 0;
	char line[512];
	FILE *f = fopen("/proc/self/maps", "r");

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%lx-%lx", &start, &end) == 2 && here >= start && here < end)
			top = end;
	fclose(f);
	return top;
}

/* Unwind s; returns the frame count, pcs filled. */
static int unwind_snap(struct hp_unwinder *u, const struct snap *s, uint64_t *pcs,
		       enum hp_stack_end *end)
{
	return unwind_sample(u, (uint32_t)getpid(), s->regs, s->stack, s->stack_size, pcs,
			     MAX_FRAMES, end);
}

/* Our frames 1.. must equal backtrace()'s from the return into take_snap's
 * caller on (backtrace()'s first frames are itself, or a sanitizer's
 * interceptor, and take_snap after the call). */
static void check_matches_backtrace(const struct snap *s, const uint64_t *pcs, int n)
{
	int k = 1;

	while (k < s->nbt && k < 4 && (uintptr_t)s->bt[k] != pcs[1])
		k++;
	CHECK(k < s->nbt && (uintptr_t)s->bt[k] == pcs[1]);
	CHECK_EQ_INT(n - 1, s->nbt - k);
	for (int i = 1; i < n && k - 1 + i < s->nbt; i++)
		CHECK_EQ_INT(pcs[i], (uintptr_t)s->bt[k - 1 + i]);
}

static void test_chain(struct hp_unwinder *u)
{
	static const char *const want[] = { "take_snap", "chain_c", "chain_b", "chain_a", "main" };
	uint64_t pcs[MAX_FRAMES];
	enum hp_stack_end end;
	int n;

	n = unwind_snap(u, &snap_chain, pcs, &end);
	print_stack("chain", pcs, n);
	CHECK(n >= 7);
	for (int i = 0; i < 5 && i < n; i++)
		CHECK(is_sym(pcs[i], want[i]));
	CHECK_EQ_INT(end, HP_STACK_END_OUTERMOST);
	CHECK(is_sym(pcs[n - 1], "_start"));
	check_matches_backtrace(&snap_chain, pcs, n);
}

static void test_qsort(struct hp_unwinder *u)
{
	uint64_t pcs[MAX_FRAMES];
	enum hp_stack_end end;
	int n, i;
	const char *file;

	n = unwind_snap(u, &snap_qsort, pcs, &end);
	print_stack("qsort", pcs, n);
	CHECK(n >= 6);
	CHECK(is_sym(pcs[0], "take_snap"));
	CHECK(is_sym(pcs[1], "cmp_ints"));
	/* then frames of a shared library (libc, or a sanitizer's qsort
	 * interceptor), then sort_ints and main */
	for (i = 2; i < n && strstr((sym_of(pcs[i], &file), file), ".so"); i++)
		;
	CHECK(i > 2);
	CHECK(i < n && is_sym(pcs[i], "sort_ints"));
	CHECK(i + 1 < n && is_sym(pcs[i + 1], "main"));
	CHECK_EQ_INT(end, HP_STACK_END_OUTERMOST);
	check_matches_backtrace(&snap_qsort, pcs, n);
}

/* A truncated stack copy must stop the unwind, cut by the copy. */
static void test_truncated(struct hp_unwinder *u)
{
	struct snap *s = &snap_chain;
	uint64_t pcs[MAX_FRAMES], saved = s->stack_size;
	enum hp_stack_end end;
	int n;

	s->stack_size = 16;     /* holds take_snap's return address only */
	n = unwind_snap(u, s, pcs, &end);
	s->stack_size = saved;
	CHECK(n >= 1 && n <= 2);
	CHECK_EQ_INT(end, HP_STACK_END_CUT);

	/* max frames reached: too deep */
	n = unwind_sample(u, (uint32_t)getpid(), s->regs, s->stack, s->stack_size, pcs, 3,
			  &end);
	CHECK_EQ_INT(n, 3);
	CHECK_EQ_INT(end, HP_STACK_END_DEEP);
}

/* Step rules are learned once per CFI row of a function, not once per
 * PC: another PC of the same row (one byte on, between the capture's
 * movs) unwinds the same way without running the FDE's CFI program again
 * (a hot loop is sampled at hundreds of PCs that share a few rows). */
static void test_rows_shared(struct hp_unwinder *u)
{
	struct snap *s = &snap_chain;
	uint64_t pcs[MAX_FRAMES], again[MAX_FRAMES], ip = s->regs[HP_REG_IP];
	enum hp_stack_end end, end2;
	int n = unwind_snap(u, s, pcs, &end), n2;
	uint64_t reads = unwinder_cfi_reads(u);

	s->regs[HP_REG_IP] = ip + 1;
	n2 = unwind_snap(u, s, again, &end2);
	s->regs[HP_REG_IP] = ip;
	CHECK_EQ_INT(unwinder_cfi_reads(u), reads);
	CHECK_EQ_INT(n2, n);
	CHECK_EQ_INT(end2, end);
	for (int i = 1; i < n && i < n2; i++)
		CHECK_EQ_INT(again[i], pcs[i]);
}

int main(void)
{
	struct hp_module_cache *mc;
	struct hp_procmaps *pm;
	struct hp_unwinder *u;
	void *warm[4], *libc;

	if (getenv("HP_DEBUG"))
		hp_log_parse_debug(getenv("HP_DEBUG"));   /* e.g. HP_DEBUG=unwind:3 */
	libc = dlopen("libc.so.6", RTLD_NOW | RTLD_NOLOAD);
	if (!libc || !(glibc_backtrace = (int (*)(void **, int))dlsym(libc, "backtrace")))
		SKIP("cannot find glibc's backtrace()");
	glibc_backtrace(warm, 4);     /* loads libgcc_s before the captures */
	stack_top = find_stack_top();
	if (!stack_top)
		SKIP("cannot find the stack in /proc/self/maps");
	CHECK(chain_a(1) > 0);
	CHECK(sort_ints(40) >= 0);

	CHECK(modcache_new(&mc) == 0);
	CHECK(procmaps_new(mc, &pm) == 0);
	CHECK(unwinder_new(pm, &u) == 0);
	CHECK(procmaps_load_proc(pm, (uint32_t)getpid()) == 0);

	test_chain(u);
	test_qsort(u);
	test_truncated(u);
	test_chain(u);                 /* again, from libunwind's caches */
	test_rows_shared(u);

	unwinder_forget(u, (uint32_t)getpid());
	test_qsort(u);                 /* a fresh address space */

	unwinder_free(u);
	procmaps_free(pm);
	modcache_free(mc);
	return hp_test_result();
}

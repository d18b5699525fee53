/*
 * test_faultguard.c - collector/faultguard.c and pysample_take under it.
 *
 * Truths by construction, in forked children so that a death is observed:
 *  - pysample_take in a signal handler, on a thread state whose current
 *    frame is an unmapped page (what a sample sees in the instructions
 *    where CPython links or unlinks a frame), returns -EFAULT and the
 *    process lives on; without the guard the same read kills it (SIGSEGV),
 *    which shows the test reaches the fault;
 *  - a fault outside a guarded section still kills with SIGSEGV (the
 *    default action kept), or runs the handler the program set after the
 *    guard (faultguard_sigaction), once with SA_RESETHAND;
 *  - a SIGSEGV sent with kill() to a program that ignores it is ignored.
 * Never sanitized (the code runs in targets; ASan has its own SIGSEGV).
 */
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "collector/faultguard.h"
#include "collector/pysample.h"
#include "hp_test.h"

static uint64_t unmapped_page(void)
{
	void *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	munmap(p, 4096);
	return (uint64_t)(uintptr_t)p;
}

/* A runtime, thread state and cframe laid out by the 3.11 offsets, whose
 * current frame is an unmapped page. */
static struct {
	uint8_t runtime[4096], tstate[4096], cframe[256];
	struct pysample ps;
	struct pysample_thread th;
	int result;
} fake;

static void put64(uint8_t *base, size_t off, uint64_t v)
{
	memcpy(base + off, &v, sizeof v);
}

static void build_fake(void)
{
	const struct py_offsets *o = pyoffsets_for(3, 11);
	memset(&fake, 0, sizeof(fake));
	fake.ps.rt.off = o;
	fake.ps.rt.runtime = (uint64_t)(uintptr_t)fake.runtime;
	fake.ps.pid = (uint32_t)getpid();
	put64(fake.runtime, o->runtime_interp_head, 1);          /* "initialized" */
	uint32_t tid = (uint32_t)syscall(SYS_gettid);
	put64(fake.tstate, o->tstate_native_id, tid);
	put64(fake.tstate, o->tstate_cframe, (uint64_t)(uintptr_t)fake.cframe);
	put64(fake.cframe, o->cframe_current_frame, unmapped_page());
	fake.th.tid = tid;
	fake.th.tstate = (uint64_t)(uintptr_t)fake.tstate;
}

static void on_usr1(int sig)
{
	struct pyframe_raw raw[16];
	int nentry;
	(void)sig;
	fake.result = pysample_take(&fake.ps, &fake.th, raw, 16, &nentry);
}

/* Runs fn in a child; returns its wait status. */
static int in_child(void (*fn)(void))
{
	pid_t pid = fork();
	if (pid == 0) {
		fn();
		_exit(0);
	}
	int status = 0;
	waitpid(pid, &status, 0);
	return status;
}

static void take_in_handler(void)
{
	build_fake();
	signal(SIGUSR1, on_usr1);
	raise(SIGUSR1);
	_exit(fake.result == -EFAULT ? 10 : 11);
}

static void guarded_take(void)
{
	if (faultguard_install())
		_exit(12);
	take_in_handler();
}

static void unguarded_fault(void)
{
	if (faultguard_install())
		_exit(12);
	*(volatile int *)(uintptr_t)unmapped_page() = 1;
}

static void on_segv_exit(int sig)
{
	(void)sig;
	_exit(42);
}

static void program_handler(void)
{
	if (faultguard_install())
		_exit(12);
	struct sigaction sa, old;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_segv_exit;
	if (faultguard_sigaction(SIGSEGV, &sa, &old) != 1 || old.sa_handler != SIG_DFL)
		_exit(13);
	/* a guarded fault still returns to its section, not to the program */
	build_fake();
	signal(SIGUSR1, on_usr1);
	raise(SIGUSR1);
	if (fake.result != -EFAULT)
		_exit(14);
	*(volatile int *)(uintptr_t)unmapped_page() = 1;
}

static volatile int handled;

static void on_segv_count(int sig)
{
	(void)sig;
	handled++;
}

static void resethand_once(void)
{
	if (faultguard_install())
		_exit(12);
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_segv_count;
	sa.sa_flags = SA_RESETHAND;
	faultguard_sigaction(SIGSEGV, &sa, NULL);
	kill(getpid(), SIGSEGV);             /* handled once, then the default */
	if (handled != 1)
		_exit(15);
	kill(getpid(), SIGSEGV);
	_exit(16);
}

static void ignored_kill(void)
{
	if (faultguard_install())
		_exit(12);
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_IGN;
	faultguard_sigaction(SIGSEGV, &sa, NULL);
	kill(getpid(), SIGSEGV);
	_exit(17);
}

int main(void)
{
	int st = in_child(take_in_handler);
	CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGSEGV);   /* the read does fault */
	st = in_child(guarded_take);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 10);      /* -EFAULT, and alive */
	st = in_child(unguarded_fault);
	CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGSEGV);
	st = in_child(program_handler);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 42);
	st = in_child(resethand_once);
	CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGSEGV);
	st = in_child(ignored_kill);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 17);
	CHECK(!faultguard_installed());                      /* only the children installed it */
	return hp_test_result();
}

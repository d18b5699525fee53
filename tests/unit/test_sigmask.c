/*
 * test_sigmask.c - collector/sigmask.c: the executable's sigprocmask.
 * Outside a quiet bracket it is the real one (the mask changes, errors are
 * -1 with errno); inside it changes nothing and makes no system call; and
 * libunwind's own locks (a shared libunwind here, the archive in hpprof)
 * come to it. Whether a call reached the kernel is read from the thread's
 * mask (the bracket must leave it alone) and sigmask_quiet_calls().
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>

#include <libunwind.h>

#include "collector/sigmask.h"
#include "hp_test.h"

static int blocked(int sig)
{
	sigset_t cur;
	pthread_sigmask(SIG_SETMASK, NULL, &cur);
	return sigismember(&cur, sig);
}

static void test_real_outside(void)
{
	sigset_t one, old;
	sigemptyset(&one);
	sigaddset(&one, SIGUSR1);
	unsigned long before = sigmask_quiet_calls();
	CHECK_EQ_INT(sigprocmask(SIG_BLOCK, &one, &old), 0);
	CHECK(blocked(SIGUSR1));
	CHECK(!sigismember(&old, SIGUSR1));
	CHECK_EQ_INT(sigprocmask(SIG_SETMASK, &old, NULL), 0);
	CHECK(!blocked(SIGUSR1));
	errno = 0;
	CHECK_EQ_INT(sigprocmask(12345, &one, NULL), -1);   /* pthread_sigmask's error as errno */
	CHECK_EQ_INT(errno, EINVAL);
	CHECK_EQ_INT(sigmask_quiet_calls(), before);
}

static void test_quiet_inside(void)
{
	sigset_t full, old;
	sigfillset(&full);
	memset(&old, 0, sizeof(old));
	unsigned long before = sigmask_quiet_calls();
	int outer = sigmask_quiet_begin();
	int inner = sigmask_quiet_begin();          /* nests */
	CHECK_EQ_INT(sigprocmask(SIG_SETMASK, &full, &old), 0);
	CHECK(!blocked(SIGUSR2));                   /* nothing changed */
	CHECK(sigismember(&old, SIGUSR2));          /* a full set to give back */
	sigmask_quiet_end(inner);
	CHECK_EQ_INT(sigprocmask(SIG_SETMASK, &old, NULL), 0);   /* still quiet */
	CHECK(!blocked(SIGUSR2));
	CHECK_EQ_INT(sigmask_quiet_calls(), before + 2);
	errno = 0;
	CHECK_EQ_INT(sigprocmask(12345, &full, NULL), -1);
	CHECK_EQ_INT(errno, EINVAL);
	sigmask_quiet_end(outer);
	test_real_outside();                        /* real again */
}

/* libunwind masks signals around its locks: in a bracket each of those
 * calls is answered here. An address space with a global cache takes the
 * cache's lock when flushed. */
static void test_libunwind_calls_come_here(void)
{
	unw_accessors_t acc = { 0 };
	unsigned long before = sigmask_quiet_calls();
	int quiet = sigmask_quiet_begin();
	unw_addr_space_t as = unw_create_addr_space(&acc, 0);
	CHECK(as != NULL);
	if (as) {
		unw_set_caching_policy(as, UNW_CACHE_GLOBAL);
		unw_flush_cache(as, 0, 0);
		unw_destroy_addr_space(as);
	}
	sigmask_quiet_end(quiet);
	CHECK(sigmask_quiet_calls() > before);
}

int main(void)
{
	test_real_outside();
	test_quiet_inside();
	test_libunwind_calls_come_here();
	return hp_test_result();
}

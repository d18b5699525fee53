/*
 * faultguard.c - SIGSEGV/SIGBUS while reading in a signal handler become an
 * error of the read; every other fault keeps the program's disposition
 * (faultguard.h says why and how to use it).
 *
 * In the target process only: linked into the preload agent and the tests'
 * in-Python libraries, never into hpprof itself.
 */
#include "collector/faultguard.h"

#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <string.h>

typedef int (*sigaction_fn)(int, const struct sigaction *, struct sigaction *);

__thread sigjmp_buf *faultguard_env __attribute__((tls_model("initial-exec")));

static struct {
	int installed;
	sigaction_fn real;             /* the C library's sigaction, past any hook */
	struct sigaction program[2];   /* the program's dispositions: SIGSEGV, SIGBUS */
} g;

static int slot(int sig)
{
	return sig == SIGSEGV ? 0 : sig == SIGBUS ? 1 : -1;
}

/* The default action of a fault: reset to it, then die of the fault when
 * the handler returns (the instruction runs again) or, for a signal that
 * was sent rather than raised by a fault, of its redelivery. */
static void die_of(int sig, const siginfo_t *si)
{
	struct sigaction dfl;
	memset(&dfl, 0, sizeof(dfl));
	dfl.sa_handler = SIG_DFL;
	g.real(sig, &dfl, NULL);
	if (si && si->si_code <= 0)
		raise(sig);
}

static void on_fault(int sig, siginfo_t *si, void *uc)
{
	sigjmp_buf *env = faultguard_env;
	if (env) {
		faultguard_env = NULL;
		siglongjmp(*env, 1);
	}
	int i = slot(sig);
	struct sigaction p = g.program[i];
	if (p.sa_flags & SA_RESETHAND)
		memset(&g.program[i], 0, sizeof(g.program[i]));   /* SIG_DFL from now on */
	if (p.sa_flags & SA_SIGINFO) {
		if (p.sa_sigaction) {
			p.sa_sigaction(sig, si, uc);
			return;
		}
	} else if (p.sa_handler == SIG_IGN && si && si->si_code <= 0) {
		return;                            /* a sent signal the program ignores */
	} else if (p.sa_handler != SIG_DFL && p.sa_handler != SIG_IGN) {
		p.sa_handler(sig);
		return;
	}
	die_of(sig, si);                           /* a fault cannot be ignored */
}

int faultguard_install(void)
{
	if (g.installed)
		return 0;
	g.real = (sigaction_fn)dlsym(RTLD_NEXT, "sigaction");
	if (!g.real)
		g.real = sigaction;
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_fault;
	sa.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_RESTART;
	sigemptyset(&sa.sa_mask);
	if (g.real(SIGSEGV, NULL, &g.program[0]) || g.real(SIGBUS, NULL, &g.program[1]))
		return -errno;
	if (g.real(SIGSEGV, &sa, NULL))
		return -errno;
	if (g.real(SIGBUS, &sa, NULL)) {
		int err = -errno;
		g.real(SIGSEGV, &g.program[0], NULL);
		return err;
	}
	__atomic_store_n(&g.installed, 1, __ATOMIC_RELEASE);
	return 0;
}

void faultguard_arm(sigjmp_buf *env)
{
	faultguard_env = env;
}

void faultguard_unblock(void)
{
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGSEGV);
	sigaddset(&set, SIGBUS);
	pthread_sigmask(SIG_UNBLOCK, &set, NULL);
}

int faultguard_installed(void)
{
	return __atomic_load_n(&g.installed, __ATOMIC_ACQUIRE);
}

int faultguard_sigaction(int sig, const struct sigaction *act, struct sigaction *old)
{
	int i = slot(sig);
	if (i < 0 || !faultguard_installed())
		return 0;
	struct sigaction prev = g.program[i];
	if (act)
		g.program[i] = *act;
	if (old)
		*old = prev;
	return 1;
}

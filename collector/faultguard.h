/*
 * faultguard.h - reads in a signal handler that may touch unmapped memory,
 * turned into an error instead of a crash of the target.
 *
 * The in-target Python reader (pysample.c, preload/agent_py.c) follows
 * pointers of the interrupted thread with plain loads: a microsecond, where
 * process_vm_readv costs ~1.7 us per pointer here. The chain is the
 * thread's own and stable while its handler runs, except in a few
 * instructions of CPython's evaluation loop: at entry, tstate->cframe
 * points at a cframe whose current_frame is not set yet (stack garbage),
 * and a popped frame's data-stack chunk is unmapped before current_frame
 * moves off it. A sample landing there made the reader load a garbage
 * pointer and the target die of SIGSEGV (seen with a 3.11.7 build:
 * generators resumed at 20 kHz, 2 of 5 runs).
 *
 * The guard: a SIGSEGV/SIGBUS handler installed once (faultguard_install);
 * a guarded section arms the calling thread with a sigjmp_buf of a live
 * frame, and a fault while armed jumps back there (FAULTGUARD_TRY is then
 * false a second time). A fault outside a guarded section goes to the
 * program's own disposition, as if the guard were not there: its handler
 * is called, or the default action kills the process with the fault's
 * signal. The agent's sigaction/signal hooks give the program's later
 * dispositions for these signals to faultguard_sigaction, so a program
 * (Python's faulthandler) that sets one keeps the guard in front of it.
 *
 * Costs nothing outside a fault: sigsetjmp without the signal mask (no
 * system call) and two thread-local stores. After a fault the jump leaves
 * SIGSEGV/SIGBUS blocked (the fault handler's mask); the failure path
 * unblocks them (faultguard_unblock), so a section may also run outside a
 * signal handler (the allocation hooks).
 */
#ifndef HP_FAULTGUARD_H
#define HP_FAULTGUARD_H

#include <setjmp.h>
#include <signal.h>

/* The calling thread's armed section, NULL when none. */
extern __thread sigjmp_buf *faultguard_env __attribute__((tls_model("initial-exec")));

/*
 * Installs the SIGSEGV and SIGBUS handlers (once; later calls return 0),
 * keeping the dispositions found as the program's. Not async-signal-safe.
 * Returns 0 or a negative errno.
 */
int faultguard_install(void);

/* 1 when installed. */
int faultguard_installed(void);

/*
 * Run reads guarded:
 *   sigjmp_buf env;
 *   if (FAULTGUARD_TRY(env)) { ...reads...; faultguard_end(); } else { ...it faulted... }
 * env must live in the frame that runs the reads.
 */
#define FAULTGUARD_TRY(env) \
	(sigsetjmp(env, 0) == 0 ? (faultguard_arm(&(env)), 1) : (faultguard_unblock(), 0))

/* Arms the calling thread with env (FAULTGUARD_TRY does). */
void faultguard_arm(sigjmp_buf *env);

/* Unblocks SIGSEGV and SIGBUS in the calling thread. Async-signal-safe. */
void faultguard_unblock(void);

static inline void faultguard_end(void)
{
	faultguard_env = NULL;
}

/*
 * For the agent's sigaction hook: when installed and sig is SIGSEGV or
 * SIGBUS, records act (if not NULL) as the program's disposition, returns
 * the previous one in *old (if not NULL) and returns 1; else returns 0
 * (the caller forwards the call).
 */
int faultguard_sigaction(int sig, const struct sigaction *act, struct sigaction *old);

#endif

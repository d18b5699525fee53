/*
 * sigmask.h - hpprof's own libunwind calls without sigprocmask system calls.
 *
 * Debian's libunwind blocks every signal around each of its locks (its
 * register-state cache, its memory pool, the FDE search): two
 * rt_sigprocmask system calls a time, ~1 us each in a paravirtualized
 * guest. The hpprof executable defines sigprocmask (sigmask.c), which its
 * copy of libunwind binds to: inside a sigmask_quiet_begin() /
 * sigmask_quiet_end() bracket it answers without a system call and
 * changes nothing; everywhere else it is the C library's.
 */
#ifndef HP_SIGMASK_H
#define HP_SIGMASK_H

/* Enter a stretch of libunwind calls on this thread (nests). Returns the
 * value to hand back to sigmask_quiet_end(). */
int sigmask_quiet_begin(void);
void sigmask_quiet_end(int saved);

/* Calls of sigprocmask answered without a system call on this thread (for
 * --debug=unwind:1 and tests). */
unsigned long sigmask_quiet_calls(void);

#endif

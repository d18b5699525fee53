/*
 * offcpu_attach.c - the waits of threads found asleep when an attach
 * starts (offcpu_attach.h).
 *
 * A thread asleep when the attach enables its events has no switch-out to
 * come, so no switch-out sample: its stack is read as perf trace or gdb
 * would read a blocked thread's, from what the kernel exposes of it.
 * /proc/PID/task/TID/syscall gives the system call it is blocked in, its
 * arguments, and its user SP and PC (the same permission as ptrace or
 * process_vm_readv); the user stack is copied from SP with
 * process_vm_readv and unwound with the session's unwinder from those two
 * registers only (unwind_blocked): a frame whose CFA is based on another
 * register (RBP not saved by an inner frame, say) ends the stack there,
 * HP_STACK_END_STOPPED, which the census counts as incomplete unless an
 * entry function was reached. The system call's number gives the wait's
 * class (below: the classes analyzer/offcpu_class.c gives the kernel's
 * entry points of the same calls). Its kernel frames, where the
 * switch-outs' kernel callchains are recorded, come from
 * /proc/PID/task/TID/stack (root only: names and offsets, no addresses),
 * their addresses from the per-boot kernel symbol table for all the
 * threads of the targets before the events are enabled
 * (offcpu_attach_prepare, kstack.h): mapped from its cache (~3 ms), or,
 * at the first attach of a boot, built from /proc/kallsyms and written to
 * the cache (70-175 ms here, more than the rings hold of a busy CPU's
 * samples; the analyzer then maps it instead of reading kallsyms again);
 * they go beneath the user stack, as a switch-out's callchain does. An
 * attached Python thread's Python frames are merged in as a switch-out's
 * read after the fact are (pyremote_locate_blocked).
 *
 * Takes the session (its unwinder, maps, store) and the threads found
 * asleep; produces one offcpu_attach_wait each. Not in the ring drain: once per
 * attached process, before the loop (the symbol table: once, before the
 * events).
 */
#include "collector/offcpu_attach.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include "collector/kstack.h"
#include "collector/offcpu.h"
#include "collector/pyremote.h"
#include "collector/session_internal.h"
#include "collector/unwind.h"
#include "common/clock.h"
#include "common/kallsyms.h"
#include "common/log.h"

/* The class of a wait in a system call, as analyzer/offcpu_class.c classes
 * the kernel's entry point of that call (__x64_sys_futex -> lock); a call
 * not listed is left to the stack (HP_WAIT_BLOCKED). */
static const struct {
	long nr;
	int cls;
} syscall_class[] = {
	{ SYS_futex, HP_WAIT_LOCK },
#ifdef SYS_futex_waitv
	{ SYS_futex_waitv, HP_WAIT_LOCK },
#endif
	{ SYS_nanosleep, HP_WAIT_SLEEP }, { SYS_clock_nanosleep, HP_WAIT_SLEEP },
	{ SYS_read, HP_WAIT_IO }, { SYS_write, HP_WAIT_IO }, { SYS_readv, HP_WAIT_IO },
	{ SYS_writev, HP_WAIT_IO }, { SYS_pread64, HP_WAIT_IO }, { SYS_pwrite64, HP_WAIT_IO },
	{ SYS_preadv, HP_WAIT_IO }, { SYS_pwritev, HP_WAIT_IO }, { SYS_poll, HP_WAIT_IO },
	{ SYS_ppoll, HP_WAIT_IO }, { SYS_select, HP_WAIT_IO }, { SYS_pselect6, HP_WAIT_IO },
	{ SYS_epoll_wait, HP_WAIT_IO }, { SYS_epoll_pwait, HP_WAIT_IO },
	{ SYS_accept, HP_WAIT_IO }, { SYS_accept4, HP_WAIT_IO }, { SYS_connect, HP_WAIT_IO },
	{ SYS_recvfrom, HP_WAIT_IO }, { SYS_recvmsg, HP_WAIT_IO }, { SYS_recvmmsg, HP_WAIT_IO },
	{ SYS_sendto, HP_WAIT_IO }, { SYS_sendmsg, HP_WAIT_IO }, { SYS_sendmmsg, HP_WAIT_IO },
	{ SYS_fsync, HP_WAIT_IO }, { SYS_fdatasync, HP_WAIT_IO },
	{ SYS_wait4, HP_WAIT_OTHER }, { SYS_waitid, HP_WAIT_OTHER },
};

int offcpu_syscall_class(long nr)
{
	for (size_t i = 0; i < sizeof(syscall_class) / sizeof(syscall_class[0]); i++)
		if (syscall_class[i].nr == nr)
			return syscall_class[i].cls;
	return HP_WAIT_BLOCKED;
}

int offcpu_parse_syscall(const char *text, long *nr, uint64_t *sp, uint64_t *pc)
{
	uint64_t v[9];
	int n;
	if (sscanf(text, "%ld%n", nr, &n) != 1)
		return -EAGAIN;               /* "running" */
	text += n;
	int k = 0;
	while (k < 9 && sscanf(text, " %" SCNx64 "%n", &v[k], &n) == 1) {
		text += n;
		k++;
	}
	if (!(*nr >= 0 && k == 8) && !(*nr == -1 && k == 2))
		return -EINVAL;
	*sp = v[k - 2];                       /* NR args... SP PC, or -1 SP PC */
	*pc = v[k - 1];
	return 0;
}

/* Copy up to size bytes of pid's memory from sp into buf: the bytes read
 * (a short copy ends at the first page that cannot be read: the stack's
 * top). */
static uint64_t copy_stack(uint32_t pid, uint64_t sp, uint8_t *buf, uint64_t size)
{
	struct iovec local = { buf, size }, remote = { (void *)(uintptr_t)sp, size };
	ssize_t n = process_vm_readv((pid_t)pid, &local, 1, &remote, 1, 0);
	return n > 0 ? (uint64_t)n : 0;
}

/* The text of /proc/TID/task/TID/stack into buf ("" when it cannot be
 * read: not root, or the thread is gone). Returns 0 or -errno of the
 * open. */
static int read_kstack(uint32_t tid, char *buf, size_t len)
{
	char path[64];
	ssize_t n, got = 0;
	snprintf(path, sizeof(path), "/proc/%" PRIu32 "/task/%" PRIu32 "/stack", tid, tid);
	int fd = open(path, O_RDONLY | O_CLOEXEC), err = fd < 0 ? -errno : 0;
	while (fd >= 0 && (size_t)got < len - 1 &&
	       (n = read(fd, buf + got, len - 1 - (size_t)got)) > 0)
		got += n;
	if (fd >= 0)
		close(fd);
	buf[got] = 0;
	return err;
}

#define KSTACK_TEXT 4096              /* a stack file: ~60 bytes a frame */

void offcpu_attach_prepare(struct hp_session *s, const uint32_t *tids, size_t n)
{
	char *text;
	int frames = 0, known = 0, denied = 0;
	if (!s->kernel_chain || kstack_new(&s->kstack) || !(text = malloc(KSTACK_TEXT)))
		return;
	for (size_t i = 0; i < n; i++) {
		int err = read_kstack(tids[i], text, KSTACK_TEXT);
		int r = kstack_want(s->kstack, text);
		frames += r > 0 ? r : 0;
		denied += err == -EACCES || err == -EPERM;
	}
	free(text);
	if (denied)     /* the switch-outs have theirs: say why these waits do not */
		hp_info("the kernel frames of waits found asleep at the attach are not recorded:"
			" /proc/PID/task/TID/stack is readable by root only");
	uint64_t t = hp_now_ns();
	struct hp_ksymtab table = { 0 };
	/* the first attach of a boot builds the per-boot table and writes it
	 * (wave 20): the next ones, and the analyzer, map it */
	int built = 0, have = frames && !ksymtab_running(&table, &built);
	if (frames)
		known = kstack_resolve(s->kstack, have ? &table : NULL, KALLSYMS_FILE);
	ksymtab_release(&table);
	hp_debug(HP_DBG_RUN, 1, "kernel frames of the targets' threads: %d, %d functions found"
		 " (symbol cache: %s, kallsyms read: %s; %.1f ms, before the events)", frames,
		 known, !have ? "no" : built ? "written" : "yes",
		 built || kstack_kallsyms_reads(s->kstack) ? "yes" : "no",
		 (double)(hp_now_ns() - t) / 1e6);
	if (known <= 0) {
		kstack_free(s->kstack);
		s->kstack = NULL;
	}
}

/* The kernel frames of thread tid into out, as a switch-out's callchain
 * (session_locate_kernel): its stack file now, named from the functions
 * found before the events (none when it shows one not met then). */
static uint32_t kernel_frames(struct hp_session *s, uint32_t tid, struct hp_location *out)
{
	char text[KSTACK_TEXT];
	uint64_t ips[MAX_KERNEL_FRAMES];
	if (!s->kstack || !s->kernel_chain)
		return 0;
	read_kstack(tid, text, sizeof(text));
	uint32_t n = kstack_addrs(s->kstack, text, ips, MAX_KERNEL_FRAMES);
	if (!n && text[0])
		hp_debug(HP_DBG_RUN, 1, "thread %" PRIu32 ": kernel frames not met before the"
			 " events, not recorded", tid);
	if (n)
		ips[0]--;    /* a return address too, not the sampled instruction of a callchain */
	return session_locate_kernel(s, ips, n, out);
}

/* The user frames of thread tid blocked with user SP sp and PC pc into
 * smp after its skip kernel frames, with its Python frames merged in
 * when the session reads them. */
static void blocked_stack(struct hp_session *s, uint32_t pid, uint32_t tid, uint64_t sp,
			  uint64_t pc, uint8_t *stack, uint64_t size, uint32_t skip,
			  struct hp_sample *smp)
{
	enum hp_stack_end end = HP_STACK_END_STOPPED;
	uint64_t got = copy_stack(pid, sp, stack, size);
	uint32_t max = HP_MAX_FRAMES - skip;
	int n = unwind_blocked(s->uw, pid, sp, pc, stack, got, s->pcs, (int)max, &end);
	if (end == HP_STACK_END_CUT && got < size)
		end = HP_STACK_END_STOPPED;   /* at the stack's top, not the copy's end */
	if (s->o->pyremote && got) {
		n = (int)pyremote_locate_blocked(s->o->pyremote, s, pid, tid, sp, pc, stack, got,
						 s->pcs, (uint32_t)n, &end, smp->frames + skip, max);
	} else {
		n = (int)session_locate(s, pid, s->pcs, (uint32_t)n, 0, smp->frames + skip);
	}
	smp->nr_frames = skip + (uint32_t)n;
	smp->unwind = end;
}

/* Open the wait of thread tid of pid, asleep at t_rel; 1 when opened. */
static int asleep(struct hp_session *s, uint32_t pid, uint32_t tid, uint64_t t_rel,
		  uint8_t *stack, uint64_t size)
{
	struct hp_sample *smp = &s->sample;   /* unused before the loop */
	char what[48], text[256];
	uint64_t sp, pc;
	long nr = -1;
	int cls = HP_WAIT_BLOCKED;
	memset(smp, 0, offsetof(struct hp_sample, frames));
	smp->t_ns = t_rel;
	smp->pid = pid;
	smp->tid = tid;
	smp->unwind = HP_STACK_END_UNKNOWN;
	snprintf(what, sizeof(what), "task/%" PRIu32 "/syscall", tid);
	session_read_proc(pid, what, text, sizeof(text));
	if (!offcpu_parse_syscall(text, &nr, &sp, &pc)) {
		cls = nr >= 0 ? offcpu_syscall_class(nr) : HP_WAIT_BLOCKED;
		uint32_t skip = kernel_frames(s, tid, smp->frames);
		if (stack && s->uw)
			blocked_stack(s, pid, tid, sp, pc, stack, size, skip, smp);
		else
			smp->nr_frames = skip;
	}
	hp_debug(HP_DBG_RUN, 1, "thread %" PRIu32 " asleep at the attach: syscall %ld, %" PRIu32
		 " frames, end %d", tid, nr, smp->nr_frames, smp->unwind);
	return offcpu_attach_wait(s->oc, smp, cls);
}

int offcpu_attach_asleep(struct hp_session *s, uint32_t pid, const uint32_t *tids, size_t n,
			 uint64_t t_rel)
{
	uint64_t size = s->stack_size ? s->stack_size : HP_STACK_SIZE_DEFAULT;
	uint8_t *stack = malloc(size);         /* none: the waits without stacks */
	int opened = 0, r = 0;
	for (size_t i = 0; i < n && r >= 0; i++)
		if ((r = asleep(s, pid, tids[i], t_rel, stack, size)) > 0)
			opened++;
	free(stack);
	return r < 0 ? r : opened;
}

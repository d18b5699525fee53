/*
 * offcpu_attach.h - the waits of threads found asleep when an attach
 * starts, with the stacks they are blocked in (offcpu_attach.c).
 */
#ifndef HP_OFFCPU_ATTACH_H
#define HP_OFFCPU_ATTACH_H

#include <stddef.h>
#include <stdint.h>

struct hp_session;

/* The n threads tids of pid found asleep (S or D in their stat) at t_rel,
 * just after their events were enabled: the wait of each is opened then
 * (offcpu_attach_wait) with the user stack it is blocked in (its Python
 * frames merged in when the session reads them), its kernel frames when
 * offcpu_attach_prepare met their functions, and the class of its system
 * call, when /proc/PID/task/TID/syscall and its memory can
 * be read; else without a stack, for the analyzer to class from nothing
 * ("other"). Returns how many were opened, or -ENOMEM. */
int offcpu_attach_asleep(struct hp_session *s, uint32_t pid, const uint32_t *tids, size_t n,
			 uint64_t t_rel);

/* Before the events of an attach are enabled: the kernel functions in
 * the stacks of the targets' n threads tids (/proc/TID/task/TID/stack),
 * found in /proc/kallsyms, kept in s->kstack for the kernel frames of the
 * waits found asleep (offcpu_attach_asleep), so that kallsyms is not read
 * while the rings fill. Nothing when the switch-outs' kernel frames are
 * not recorded either (s->kernel_chain: the note of
 * res->kernel_frames_why), when no stack file can be read (not root:
 * said once on stderr), or kallsyms cannot. */
void offcpu_attach_prepare(struct hp_session *s, const uint32_t *tids, size_t n);

/* The wait class (enum hp_wait_class) of a thread blocked in system call
 * nr (x86-64 numbers): HP_WAIT_BLOCKED when the call names none. */
int offcpu_syscall_class(long nr);

/* Parse the text of /proc/PID/task/TID/syscall: "NR ARG1..ARG6 SP PC" (in
 * a system call) or "-1 SP PC" (blocked outside one: *nr = -1). Returns 0,
 * -EAGAIN ("running": not blocked) or -EINVAL. */
int offcpu_parse_syscall(const char *text, long *nr, uint64_t *sp, uint64_t *pc);

#endif

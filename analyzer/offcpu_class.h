/*
 * offcpu_class.h - why a thread was off the CPU, read from the stack it
 * left with (wait classes: common/record.h, enum hp_wait_class).
 *
 * The collector marks preempted intervals (the switch record says so); a
 * blocked one is classified here from its frames, innermost first: kernel
 * functions when the stack has them (futex_wait -> lock, do_nanosleep ->
 * sleep, vfs_read / do_sys_poll / sock_* -> I/O, handle_mm_fault -> page
 * fault), else the C library's wrappers (pthread_mutex_lock, nanosleep,
 * read, poll...). What names nothing known is "other".
 */
#ifndef HP_OFFCPU_CLASS_H
#define HP_OFFCPU_CLASS_H

#include <stdint.h>

#include "common/record.h"

struct hp_stacks;
struct hp_sframe;

/* The class of a blocked interval with these frames (outermost first, as
 * the stack model expands them). Never HP_WAIT_BLOCKED or _PREEMPTED. */
int offcpu_classify(const struct hp_stacks *m, const struct hp_sframe *frames, uint32_t n);

/* "lock", "I/O", "sleep", "page fault", "preempted", "other". */
const char *offcpu_class_name(int cls);

#endif

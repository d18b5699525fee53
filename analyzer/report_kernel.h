/*
 * report_kernel.h - the kernel in a profile: the one-line note when kernel
 * time or kernel functions were not recorded (and what would allow them),
 * the one when it removed a process's events at a privileged exec, and
 * `hpprof report --kernel`: the kernel functions and the user lines
 * that entered them.
 *
 * Kernel frames are innermost, under the user frame that entered the
 * kernel (stacks.h, kind HP_FRAME_KERNEL); a kernel-mode sample counts as
 * self for its kernel function and for that user frame's line (profile.h).
 */
#ifndef HP_REPORT_KERNEL_H
#define HP_REPORT_KERNEL_H

#include <stddef.h>
#include <stdio.h>

struct hp_profile;

/* The note for run_info's kernel_samples and kernel_frames values (either
 * may be NULL: not recorded), e.g. "kernel time not sampled: not
 * permitted: kernel.perf_event_paranoid is 2; run as root or `sysctl
 * kernel.perf_event_paranoid=1`". Returns buf, or NULL when there is
 * nothing to say (kernel functions were recorded, or the run predates
 * these facts). */
const char *report_kernel_note(const char *kernel_samples, const char *kernel_frames, char *buf,
			       size_t len);

/* The same for a loaded profile's run_info. */
const char *report_kernel_note_of(const struct hp_profile *p, char *buf, size_t len);

/* run_info's privileged_execs as a note, e.g. "1 process raised its
 * privileges at its exec and was not sampled after it (the kernel stops
 * perf events there): chage (pid 7059, /usr/bin/chage: set-group-ID,
 * group shadow)". Returns buf, or NULL when none did. */
const char *report_privileged_note_of(const struct hp_profile *p, char *buf, size_t len);

/* `report --kernel` as text: the share of samples in the kernel, the
 * kernel functions by self (with their total and the user line that
 * entered each most often), and the user lines that entered the kernel
 * (with the kernel functions beneath each). limit: rows per table, 0 =
 * all. It follows the report's header, which carries the kernel note.
 * Returns 0, -ENOMEM, or -EIO when out failed. */
int report_kernel_print(FILE *out, const struct hp_profile *p, unsigned limit);

#endif

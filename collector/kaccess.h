/*
 * kaccess.h - what this process may see of the kernel: whether perf may
 * sample kernel mode (kernel.perf_event_paranoid, root), whether
 * /proc/kallsyms shows addresses (kernel.kptr_restrict), and, when not,
 * the setting that would allow it, in words a user can act on.
 *
 * Reads /proc/sys/kernel/{perf_event_paranoid,kptr_restrict} and the first
 * lines of /proc/kallsyms. Knows nothing about events, rings or storage.
 */
#ifndef HP_KACCESS_H
#define HP_KACCESS_H

#include <stddef.h>

/* kernel.perf_event_paranoid (2, the kernel's default, when unreadable). */
int kaccess_paranoid(void);

/* kernel.perf_event_mlock_kb: the KiB of perf rings a user may lock for
 * each online CPU without CAP_IPC_LOCK (516, the kernel's default, when
 * unreadable). */
int kaccess_mlock_kb(void);

/* 1 when perf events may count and sample kernel mode here: with
 * CAP_PERFMON or CAP_SYS_ADMIN (root's, or given to the binary with
 * setcap), or perf_event_paranoid <= 1 (the kernel's rule). */
int kaccess_kernel_allowed(void);

/* 1 when capability cap is in this process's effective set
 * (/proc/self/status CapEff, read once). The numbers of the ones hpprof
 * asks about: the C library's headers need not name CAP_PERFMON (5.8). */
#define CAP_NUM_IPC_LOCK 14
#define CAP_NUM_SYS_ADMIN 21
#define CAP_NUM_PERFMON 38
int kaccess_has_cap(int cap);

/* 1 when /proc/kallsyms shows real addresses to this process (it shows
 * zeros when kptr_restrict hides them). */
int kaccess_kallsyms_visible(void);

/* Why kernel-mode samples are not permitted and what would permit them,
 * e.g. "not permitted: kernel.perf_event_paranoid is 2; run as root or
 * `sysctl kernel.perf_event_paranoid=1`". Returns buf. */
const char *kaccess_why_no_samples(char *buf, size_t len);

/* Why kernel functions cannot be named (kallsyms hides addresses) and what
 * would allow it, e.g. "/proc/kallsyms hides kernel addresses
 * (kernel.kptr_restrict is 1); run as root or `sysctl
 * kernel.kptr_restrict=0`". Returns buf. */
const char *kaccess_why_no_symbols(char *buf, size_t len);

#endif

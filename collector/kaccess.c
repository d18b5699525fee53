/*
 * kaccess.c - may this process sample the kernel and read its symbols
 * (kaccess.h)? The kernel's rules, as perf applies them:
 *
 *   kernel-mode samples (exclude_kernel = 0): CAP_PERFMON/CAP_SYS_ADMIN
 *     (root, or a binary given them with setcap) or
 *     kernel.perf_event_paranoid <= 1;
 *   kallsyms addresses: kptr_restrict 0 shows them when paranoid <= 1 or
 *     with CAP_SYSLOG, 1 only with CAP_SYSLOG (root), 2 never.
 *
 * Rather than recompute the second rule, /proc/kallsyms is read: it shows
 * zero addresses to whoever may not see them.
 */
#include "collector/kaccess.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

static int read_sysctl(const char *path, int dflt)
{
	FILE *f = fopen(path, "re");
	int v;
	if (!f)
		return dflt;
	if (fscanf(f, "%d", &v) != 1)
		v = dflt;
	fclose(f);
	return v;
}

int kaccess_paranoid(void)
{
	return read_sysctl("/proc/sys/kernel/perf_event_paranoid", 2);
}

int kaccess_mlock_kb(void)
{
	return read_sysctl("/proc/sys/kernel/perf_event_mlock_kb", 516);
}

static int kptr_restrict(void)
{
	return read_sysctl("/proc/sys/kernel/kptr_restrict", 1);
}

/* The effective set, read once: hpprof never changes its capabilities, and
 * each read of /proc/self/status costs ~40 us of the run's start here. */
static unsigned long long cap_eff(void)
{
	static unsigned long long eff;
	static int loaded;
	char line[256];
	int found = 0;
	if (__atomic_load_n(&loaded, __ATOMIC_ACQUIRE))
		return __atomic_load_n(&eff, __ATOMIC_RELAXED);
	FILE *f = fopen("/proc/self/status", "re");
	unsigned long long v = 0;
	if (f) {
		while (!found && fgets(line, sizeof(line), f))
			found = sscanf(line, "CapEff: %llx", &v) == 1;
		fclose(f);
	}
	__atomic_store_n(&eff, v, __ATOMIC_RELAXED);   /* the same from any thread */
	__atomic_store_n(&loaded, 1, __ATOMIC_RELEASE);
	return v;
}

int kaccess_has_cap(int cap)
{
	return cap >= 0 && cap < 64 && (cap_eff() >> cap & 1);
}

/* Until wave 23 this asked for euid 0, so a binary given CAP_PERFMON got
 * kernel samples (the kernel allowed them) but no kernel counters and no
 * off-CPU time. */
int kaccess_kernel_allowed(void)
{
	return kaccess_has_cap(CAP_NUM_PERFMON) || kaccess_has_cap(CAP_NUM_SYS_ADMIN) ||
	       kaccess_paranoid() <= 1;
}

int kaccess_kallsyms_visible(void)
{
	FILE *f = fopen("/proc/kallsyms", "re");
	char line[256];
	int visible = 0;
	if (!f)
		return 0;
	/* The first few symbols are enough: hidden addresses are all zero. */
	for (int i = 0; i < 16 && !visible && fgets(line, sizeof(line), f); i++) {
		unsigned long long addr;
		if (sscanf(line, "%llx", &addr) == 1 && addr)
			visible = 1;
	}
	fclose(f);
	return visible;
}

const char *kaccess_why_no_samples(char *buf, size_t len)
{
	if (geteuid() == 0)
		snprintf(buf, len, "not permitted even as root (seccomp, container or lockdown "
			 "policy?)");
	else
		snprintf(buf, len, "not permitted: kernel.perf_event_paranoid is %d; run as root "
			 "or `sysctl kernel.perf_event_paranoid=1`", kaccess_paranoid());
	return buf;
}

const char *kaccess_why_no_symbols(char *buf, size_t len)
{
	int k = kptr_restrict();
	if (access("/proc/kallsyms", R_OK))
		snprintf(buf, len, "/proc/kallsyms cannot be read");
	else if (k >= 2)
		snprintf(buf, len, "/proc/kallsyms hides kernel addresses even from root "
			 "(kernel.kptr_restrict is %d); `sysctl kernel.kptr_restrict=1` and run "
			 "as root, or `sysctl kernel.kptr_restrict=0`", k);
	else if (k == 1 || geteuid() == 0)
		snprintf(buf, len, "/proc/kallsyms hides kernel addresses "
			 "(kernel.kptr_restrict is %d); run as root or "
			 "`sysctl kernel.kptr_restrict=0`", k);
	else
		snprintf(buf, len, "/proc/kallsyms hides kernel addresses "
			 "(kernel.kptr_restrict is 0 but kernel.perf_event_paranoid is %d); run "
			 "as root or `sysctl kernel.perf_event_paranoid=1`", kaccess_paranoid());
	return buf;
}

/*
 * offcpu_class.c - wait classes of off-CPU stacks (offcpu_class.h).
 *
 * Tables of name prefixes, kernel first: a kernel frame is the most
 * precise witness (a read() on a pipe and on a socket both end in
 * pipe_read / sock_read_iter), the C library's entry points the fallback
 * when kernel frames were not recorded. Both lists are data; a name that
 * matches several classes takes the innermost frame's.
 */
#include "analyzer/offcpu_class.h"

#include <string.h>

#include "analyzer/stacks.h"

struct rule {
	const char *prefix;
	int cls;
};

static const struct rule kernel_rules[] = {
	{ "futex", HP_WAIT_LOCK }, { "__futex", HP_WAIT_LOCK }, { "do_futex", HP_WAIT_LOCK },
	{ "__x64_sys_futex", HP_WAIT_LOCK }, { "rwsem_down", HP_WAIT_LOCK },
	{ "do_nanosleep", HP_WAIT_SLEEP }, { "hrtimer_nanosleep", HP_WAIT_SLEEP },
	{ "common_nsleep", HP_WAIT_SLEEP }, { "__x64_sys_clock_nanosleep", HP_WAIT_SLEEP },
	{ "__x64_sys_nanosleep", HP_WAIT_SLEEP },
	{ "handle_mm_fault", HP_WAIT_FAULT }, { "do_user_addr_fault", HP_WAIT_FAULT },
	{ "exc_page_fault", HP_WAIT_FAULT }, { "filemap_fault", HP_WAIT_FAULT },
	{ "vfs_read", HP_WAIT_IO }, { "vfs_write", HP_WAIT_IO }, { "ksys_read", HP_WAIT_IO },
	{ "ksys_write", HP_WAIT_IO }, { "pipe_read", HP_WAIT_IO }, { "pipe_write", HP_WAIT_IO },
	{ "do_sys_poll", HP_WAIT_IO }, { "do_select", HP_WAIT_IO }, { "core_sys_select", HP_WAIT_IO },
	{ "ep_poll", HP_WAIT_IO }, { "do_epoll_wait", HP_WAIT_IO }, { "sock_", HP_WAIT_IO },
	{ "tcp_", HP_WAIT_IO }, { "unix_stream", HP_WAIT_IO }, { "inet_", HP_WAIT_IO },
	{ "io_schedule", HP_WAIT_IO }, { "__x64_sys_fsync", HP_WAIT_IO },
	{ "__x64_sys_read", HP_WAIT_IO }, { "__x64_sys_write", HP_WAIT_IO },
	{ "__x64_sys_pread", HP_WAIT_IO }, { "__x64_sys_pwrite", HP_WAIT_IO },
	{ "__x64_sys_poll", HP_WAIT_IO }, { "__x64_sys_ppoll", HP_WAIT_IO },
	{ "__x64_sys_select", HP_WAIT_IO }, { "__x64_sys_epoll", HP_WAIT_IO },
	{ "__x64_sys_accept", HP_WAIT_IO }, { "__x64_sys_connect", HP_WAIT_IO },
	{ "__x64_sys_recv", HP_WAIT_IO }, { "__x64_sys_send", HP_WAIT_IO },
	{ "__x64_sys_wait4", HP_WAIT_OTHER },
};

/* The C library's entry points, after leading underscores and "GI_"
 * (__GI___libc_read -> libc_read -> read); only frames in the C library
 * are matched, so a program's own read_config() is no I/O. */
static const struct rule user_rules[] = {
	{ "pthread_mutex", HP_WAIT_LOCK }, { "pthread_cond", HP_WAIT_LOCK },
	{ "pthread_rwlock", HP_WAIT_LOCK }, { "pthread_barrier", HP_WAIT_LOCK },
	{ "pthread_join", HP_WAIT_LOCK }, { "pthread_clockjoin", HP_WAIT_LOCK },
	{ "pthread_timedjoin", HP_WAIT_LOCK }, { "new_sem", HP_WAIT_LOCK }, { "sem_", HP_WAIT_LOCK },
	{ "lll_lock", HP_WAIT_LOCK }, { "futex", HP_WAIT_LOCK },
	{ "nanosleep", HP_WAIT_SLEEP }, { "clock_nanosleep", HP_WAIT_SLEEP },
	{ "usleep", HP_WAIT_SLEEP }, { "sleep", HP_WAIT_SLEEP },
	{ "read", HP_WAIT_IO }, { "write", HP_WAIT_IO }, { "pread", HP_WAIT_IO },
	{ "pwrite", HP_WAIT_IO }, { "poll", HP_WAIT_IO }, { "ppoll", HP_WAIT_IO },
	{ "select", HP_WAIT_IO }, { "pselect", HP_WAIT_IO }, { "epoll_", HP_WAIT_IO },
	{ "recv", HP_WAIT_IO }, { "send", HP_WAIT_IO }, { "accept", HP_WAIT_IO },
	{ "connect", HP_WAIT_IO }, { "fsync", HP_WAIT_IO }, { "fdatasync", HP_WAIT_IO },
	{ "open", HP_WAIT_IO }, { "close", HP_WAIT_IO }, { "fread", HP_WAIT_IO },
	{ "fwrite", HP_WAIT_IO }, { "fgets", HP_WAIT_IO }, { "getline", HP_WAIT_IO },
	{ "fflush", HP_WAIT_IO }, { "waitpid", HP_WAIT_OTHER }, { "wait4", HP_WAIT_OTHER },
	{ "waitid", HP_WAIT_OTHER },
};

#define N(a) (sizeof(a) / sizeof((a)[0]))

static int match(const struct rule *rules, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (!strncmp(name, rules[i].prefix, strlen(rules[i].prefix)))
			return rules[i].cls;
	return -1;
}

/* __GI___libc_read -> read */
static const char *libc_base(const char *name)
{
	for (;;) {
		while (*name == '_')
			name++;
		if (!strncmp(name, "GI_", 3))
			name += 3;
		else if (!strncmp(name, "libc_", 5))
			name += 5;
		else
			return name;
	}
}

static int in_libc(const struct hp_stacks *m, uint32_t module)
{
	const char *path = stacks_module(m, module);
	const char *base = path ? strrchr(path, '/') : NULL;
	base = base ? base + 1 : path;
	return base && (!strncmp(base, "libc.", 5) || !strncmp(base, "libc-", 5) ||
			!strncmp(base, "libpthread", 10));
}

int offcpu_classify(const struct hp_stacks *m, const struct hp_sframe *frames, uint32_t n)
{
	for (int pass = 0; pass < 2; pass++) {
		for (uint32_t k = n; k-- > 0;) {
			int kernel = frames[k].kind == HP_FRAME_KERNEL;
			if (kernel != (pass == 0))
				continue;
			const struct hp_sfunc *f = stacks_func(m, frames[k].func);
			int cls = -1;
			if (f && kernel)
				cls = match(kernel_rules, N(kernel_rules), f->name);
			else if (f && in_libc(m, frames[k].module))
				cls = match(user_rules, N(user_rules), libc_base(f->name));
			if (cls >= 0)
				return cls;
		}
	}
	return HP_WAIT_OTHER;
}

const char *offcpu_class_name(int cls)
{
	static const char *const names[HP_WAIT_NCLASSES] = {
		"blocked", "lock", "I/O", "sleep", "page fault", "preempted", "other",
	};
	return cls >= 0 && cls < HP_WAIT_NCLASSES ? names[cls] : "?";
}

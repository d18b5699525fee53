/*
 * test_offcpu_attach.c - the waits found asleep at an attach
 * (collector/offcpu_attach.h): the text of /proc/PID/task/TID/syscall
 * parsed, the class of a wait from its system call, and, on this process
 * itself, a thread blocked in read() read back as the kernel shows it.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "collector/offcpu_attach.h"
#include "common/record.h"
#include "hp_test.h"

static void test_parse(void)
{
	long nr = 0;
	uint64_t sp = 0, pc = 0;
	/* a thread in clock_nanosleep, as 6.x kernels print it */
	CHECK_EQ_INT(offcpu_parse_syscall("230 0x0 0x0 0x7ffd8c04fe80 0x7ffd8c04fec0 0x0 0x0 "
					  "0x7ffd8c04fe68 0x7f313fc62503\n", &nr, &sp, &pc), 0);
	CHECK_EQ_INT(nr, 230);
	CHECK(sp == 0x7ffd8c04fe68ull && pc == 0x7f313fc62503ull);
	/* blocked outside a system call (a page fault): SP and PC only */
	CHECK_EQ_INT(offcpu_parse_syscall("-1 0x7ffe773de227 0x7f495cf992ec\n", &nr, &sp, &pc), 0);
	CHECK_EQ_INT(nr, -1);
	CHECK(sp == 0x7ffe773de227ull && pc == 0x7f495cf992ecull);
	CHECK_EQ_INT(offcpu_parse_syscall("running\n", &nr, &sp, &pc), -EAGAIN);
	CHECK_EQ_INT(offcpu_parse_syscall("", &nr, &sp, &pc), -EAGAIN);
	CHECK_EQ_INT(offcpu_parse_syscall("202 0x1 0x2\n", &nr, &sp, &pc), -EINVAL);
}

static void test_class(void)
{
	CHECK_EQ_INT(offcpu_syscall_class(SYS_futex), HP_WAIT_LOCK);
	CHECK_EQ_INT(offcpu_syscall_class(SYS_read), HP_WAIT_IO);
	CHECK_EQ_INT(offcpu_syscall_class(SYS_epoll_wait), HP_WAIT_IO);
	CHECK_EQ_INT(offcpu_syscall_class(SYS_clock_nanosleep), HP_WAIT_SLEEP);
	CHECK_EQ_INT(offcpu_syscall_class(SYS_wait4), HP_WAIT_OTHER);
	CHECK_EQ_INT(offcpu_syscall_class(SYS_getpid), HP_WAIT_BLOCKED);   /* the stack tells */
	CHECK_EQ_INT(offcpu_syscall_class(-1), HP_WAIT_BLOCKED);
}

static int fds[2];

static void *reader(void *arg)
{
	char c;
	*(pid_t *)arg = (pid_t)syscall(SYS_gettid);
	return read(fds[0], &c, 1) == 1 ? NULL : arg;
}

/* The kernel's own text for a thread of ours blocked in read(): parsed to
 * read's number and an SP inside this process's stacks. */
static void test_live(void)
{
	pthread_t th;
	pid_t tid = 0;
	char path[64], text[256] = "";
	long nr = -2;
	uint64_t sp = 0, pc = 0;
	int ok = 0;
	if (pipe(fds) || pthread_create(&th, NULL, reader, &tid)) {
		CHECK(0);
		return;
	}
	for (int i = 0; i < 20000 && !ok; i++) {      /* until it blocks: not a time */
		usleep(1000);
		snprintf(path, sizeof(path), "/proc/self/task/%d/syscall", (int)tid);
		FILE *f = tid ? fopen(path, "r") : NULL;
		if (f) {
			ok = fgets(text, sizeof(text), f) && !offcpu_parse_syscall(text, &nr, &sp, &pc) &&
			     nr == SYS_read;
			fclose(f);
		}
	}
	CHECK(ok);
	CHECK(sp != 0 && pc != 0);
	CHECK_EQ_INT(write(fds[1], "x", 1), 1);
	pthread_join(th, NULL);
}

int main(void)
{
	test_parse();
	test_class();
	test_live();
	return hp_test_result();
}

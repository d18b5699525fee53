/*
 * test_kstack.c - kernel frames of a blocked thread from the text of
 * /proc/PID/task/TID/stack and a kallsyms file (collector/kstack.h), on
 * hand-made files: addresses = the function's + the offset, less one; of
 * two local functions of one name, the one of the stack's size; a
 * module's function; a stack with an unknown function gives none; zero
 * addresses (kptr_restrict) are refused.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "collector/kstack.h"
#include "hp_test.h"

static const char *write_file(char *path, const char *text)
{
	int fd = mkstemp(path);
	FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
	CHECK(f != NULL);
	if (f) {
		fputs(text, f);
		fclose(f);
	}
	return path;
}

/* Two static "wait_event" functions: the second is 0x40 long, as the
 * stack says (the first is 0x20). */
static const char kallsyms[] =
	"ffffffff81000000 T _stext\n"
	"ffffffff81001000 T entry_SYSCALL_64_after_hwframe\n"
	"ffffffff81001100 t wait_event\n"
	"ffffffff81001120 T do_syscall_64\n"
	"ffffffff81001200 d some_data\n"
	"ffffffff81001300 t wait_event\n"
	"ffffffff81001340 T futex_wait\n"
	"ffffffff81001400 T unrelated\n"
	"ffffffffc0001000 t ext4_read\t[ext4]\n";

static const char stack[] =
	"[<0>] wait_event+0x3a/0x40\n"
	"[<0>] futex_wait+0x9a/0xc0\n"
	"[<0>] ext4_read+0x10/0x80 [ext4]\n"
	"[<0>] do_syscall_64+0x71/0xe0\n"
	"[<0>] entry_SYSCALL_64_after_hwframe+0x76/0x100\n";

static void test_resolve(void)
{
	char path[] = "/tmp/test_kstack_XXXXXX";
	struct hp_kstack *k;
	uint64_t ips[8];
	CHECK_EQ_INT(kstack_new(&k), 0);
	CHECK_EQ_INT(kstack_want(k, stack), 5);
	CHECK_EQ_INT(kstack_want(k, "[<0>] futex_wait+0x10/0xc0\n"), 1);   /* known already */
	CHECK_EQ_INT(kstack_resolve(k, write_file(path, kallsyms)), 5);
	CHECK_EQ_INT((int)kstack_addrs(k, stack, ips, 8), 5);
	CHECK(ips[0] == 0xffffffff81001300ull + 0x3a);       /* the second wait_event */
	CHECK(ips[1] == 0xffffffff81001340ull + 0x9a);
	CHECK(ips[2] == 0xffffffffc0001000ull + 0x10);
	CHECK(ips[3] == 0xffffffff81001120ull + 0x71);
	CHECK(ips[4] == 0xffffffff81001000ull + 0x76);
	CHECK_EQ_INT((int)kstack_addrs(k, stack, ips, 2), 2);    /* at most max */
	/* a function not looked for: no partial stack */
	CHECK_EQ_INT((int)kstack_addrs(k, "[<0>] unrelated+0x4/0x10\n[<0>] futex_wait+0x9a/0xc0\n",
				       ips, 8), 0);
	/* nothing new wanted: kallsyms is not read again (the file is gone) */
	unlink(path);
	CHECK_EQ_INT(kstack_resolve(k, path), 5);
	CHECK_EQ_INT(kstack_want(k, "[<0>] unrelated+0x4/0x10\n"), 1);
	CHECK_EQ_INT(kstack_resolve(k, path), -ENOENT);
	kstack_free(k);
}

static void test_refused(void)
{
	char path[] = "/tmp/test_kstack_XXXXXX";
	struct hp_kstack *k;
	CHECK_EQ_INT(kstack_new(&k), 0);
	CHECK_EQ_INT(kstack_want(k, "not a stack line\n"), -EINVAL);
	CHECK_EQ_INT(kstack_want(k, ""), 0);
	CHECK_EQ_INT(kstack_want(k, "[<0>] futex_wait+0x9a/0xc0\n"), 1);
	/* kptr_restrict: every address zero */
	CHECK_EQ_INT(kstack_resolve(k, write_file(path, "0000000000000000 T _stext\n"
						  "0000000000000000 T futex_wait\n")), -EPERM);
	unlink(path);
	kstack_free(k);
}

int main(void)
{
	test_resolve();
	test_refused();
	return hp_test_result();
}

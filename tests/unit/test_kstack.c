/*
 * test_kstack.c - kernel frames of a blocked thread from the text of
 * /proc/PID/task/TID/stack and a kallsyms file (collector/kstack.h), on
 * hand-made files: addresses = the function's + the offset, less one; of
 * two local functions of one name, the one of the stack's size; a
 * module's function; a stack with an unknown function gives none; zero
 * addresses (kptr_restrict) are refused. From the per-boot table (built
 * here as the analyzer builds it: aliases kept, the preferred last):
 * the same addresses, without reading kallsyms (counted by kstack), and
 * kallsyms read for a function the table lacks. On the running kernel
 * (root only: stack files): a child asleep in pause(), whose stack names
 * an alias the analyzer does not name addresses by (__do_sys_pause), gets
 * from the table the analyzer saved (analyzer/ksyms.h) the addresses
 * /proc/kallsyms gives, without reading kallsyms.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "analyzer/ksyms.h"
#include "collector/kstack.h"
#include "common/kallsyms.h"
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
	CHECK_EQ_INT(kstack_resolve(k, NULL, write_file(path, kallsyms)), 5);
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
	CHECK_EQ_INT(kstack_resolve(k, NULL, path), 5);
	CHECK_EQ_INT(kstack_want(k, "[<0>] unrelated+0x4/0x10\n"), 1);
	CHECK_EQ_INT(kstack_resolve(k, NULL, path), -ENOENT);
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
	CHECK_EQ_INT(kstack_resolve(k, NULL, write_file(path, "0000000000000000 T _stext\n"
						  "0000000000000000 T futex_wait\n")), -EPERM);
	unlink(path);
	kstack_free(k);
}

/* kallsyms' functions as the per-boot table holds them (common/ksymtab.h):
 * text only, by address, the alias that names an address last (the
 * kernel lists __do_sys_pause first, the analyzer prefers the global). */
static const struct { uint64_t addr; const char *name; int32_t module; } table_syms[] = {
	{ 0xffffffff81000000ull, "_stext", -1 },
	{ 0xffffffff81001000ull, "entry_SYSCALL_64_after_hwframe", -1 },
	{ 0xffffffff81001100ull, "wait_event", -1 },
	{ 0xffffffff81001120ull, "do_syscall_64", -1 },
	{ 0xffffffff81001300ull, "wait_event", -1 },
	{ 0xffffffff81001340ull, "futex_wait", -1 },
	{ 0xffffffff81001400ull, "__do_sys_pause", -1 },
	{ 0xffffffff81001400ull, "__x64_sys_pause", -1 },
	{ 0xffffffff81001440ull, "unrelated", -1 },
	{ 0xffffffffc0001000ull, "ext4_read", 0 },
};

struct table {
	struct hp_ksymtab t;
	struct hp_ksym syms[16];
	struct hp_kmod mods[1];
	char names[512];
};

/* The table of table_syms into tb, and their kallsyms text into file. */
static void make_table(struct table *tb, char *file)
{
	size_t at = 1, n = sizeof(table_syms) / sizeof(table_syms[0]);
	int fd = mkstemp(file);
	FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
	CHECK(f != NULL);
	for (size_t i = 0; f && i < n; i++)
		fprintf(f, "%016llx t %s%s\n", (unsigned long long)table_syms[i].addr,
			table_syms[i].name, table_syms[i].module < 0 ? "" : "\t[ext4]");
	if (f)
		fclose(f);
	memset(tb, 0, sizeof(*tb));
	tb->mods[0] = (struct hp_kmod){ 0xffffffffc0000000ull, 0x2000, (uint32_t)at, 0 };
	at += (size_t)sprintf(tb->names + at, "ext4") + 1;
	for (size_t i = 0; i < n; i++) {
		tb->syms[i] = (struct hp_ksym){ table_syms[i].addr, (uint32_t)at,
						table_syms[i].module };
		at += (size_t)sprintf(tb->names + at, "%s", table_syms[i].name) + 1;
	}
	tb->t = (struct hp_ksymtab){ .syms = tb->syms, .nsyms = n, .mods = tb->mods, .nmods = 1,
				     .names = tb->names, .names_len = at };
}

static const char pause_stack[] =
	"[<0>] __do_sys_pause+0x2a/0x40\n"
	"[<0>] do_syscall_64+0x71/0x1e0\n"
	"[<0>] entry_SYSCALL_64_after_hwframe+0x76/0x100\n";

/* Resolved from the table, then (when it must) from text: the addresses
 * of stack into ips; the number of kallsyms reads into *reads. */
static int resolve(const struct hp_ksymtab *t, const char *file, const char *text,
		   uint64_t *ips, int *reads)
{
	struct hp_kstack *k;
	int n = 0;
	CHECK_EQ_INT(kstack_new(&k), 0);
	CHECK(kstack_want(k, text) > 0);
	if (kstack_resolve(k, t, file) > 0)
		n = (int)kstack_addrs(k, text, ips, 32);
	*reads = kstack_kallsyms_reads(k);
	kstack_free(k);
	return n;
}

static const char table_stack[] =
	"[<0>] wait_event+0x3a/0x40\n"
	"[<0>] futex_wait+0x9a/0xc0\n"
	"[<0>] ext4_read+0x10/0x80 [ext4]\n"
	"[<0>] do_syscall_64+0x71/0x1e0\n"
	"[<0>] entry_SYSCALL_64_after_hwframe+0x76/0x100\n";

static void test_table(void)
{
	char path[] = "/tmp/test_kstack_XXXXXX", text[] = "/tmp/test_kstack_XXXXXX";
	struct table tb;
	uint64_t warm[32], cold[32];
	int reads;
	make_table(&tb, text);
	/* the table gives every function exactly: kallsyms is not read (the
	 * file does not exist), the addresses are those read from its text */
	CHECK_EQ_INT(resolve(&tb.t, "/nonexistent/kallsyms", table_stack, warm, &reads), 5);
	CHECK_EQ_INT(reads, 0);
	CHECK_EQ_INT(resolve(NULL, text, table_stack, cold, &reads), 5);
	CHECK_EQ_INT(reads, 1);
	CHECK(!memcmp(warm, cold, 5 * sizeof(*warm)));
	CHECK(warm[0] == 0xffffffff81001300ull + 0x3a);       /* the second wait_event */
	unlink(text);
	/* kallsyms has data between two functions (some_data): the table's
	 * extent of do_syscall_64 is not the stack's, so kallsyms is read and
	 * gives what it alone would */
	write_file(path, kallsyms);
	CHECK_EQ_INT(resolve(&tb.t, path, stack, warm, &reads), 5);
	CHECK_EQ_INT(reads, 1);
	CHECK_EQ_INT(resolve(NULL, path, stack, cold, &reads), 5);
	CHECK(!memcmp(warm, cold, 5 * sizeof(*warm)));
	unlink(path);
	/* the kernel's name of an aliased address, which the analyzer does not use */
	CHECK_EQ_INT(resolve(&tb.t, "/nonexistent/kallsyms", pause_stack, warm, &reads), 3);
	CHECK_EQ_INT(reads, 0);
	CHECK(warm[0] == 0xffffffff81001400ull + 0x2a);
	/* a function the table lacks (a BPF program loaded since): kallsyms
	 * is read for it, and gives what it alone would */
	const char *late = "[<0>] late_fn+0x8/0x20\n[<0>] do_syscall_64+0x71/0x1e0\n";
	strcpy(path, "/tmp/test_kstack_XXXXXX");
	write_file(path, "ffffffff81001120 T do_syscall_64\n"
			 "ffffffff81001200 T late_fn\n"
			 "ffffffff81001220 T after\n"
			 "ffffffff81001300 T wait_event\n");
	CHECK_EQ_INT(resolve(&tb.t, path, late, warm, &reads), 2);
	CHECK_EQ_INT(reads, 1);
	CHECK(warm[0] == 0xffffffff81001208ull && warm[1] == 0xffffffff81001191ull);
	CHECK_EQ_INT(resolve(&tb.t, "/nonexistent/kallsyms", late, warm, &reads), 0);
	unlink(path);
}

/* The stack file of pid into buf once it shows a frame; 0 when it cannot
 * be read (not root). */
static int asleep_stack(pid_t pid, char *buf, size_t len)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/stack", (int)pid);
	for (int tries = 0; tries < 500; tries++, usleep(10000)) {
		FILE *f = fopen(path, "r");
		size_t n = f ? fread(buf, 1, len - 1, f) : 0;
		if (f)
			fclose(f);
		buf[n] = '\0';
		if (!f)
			return 0;
		if (strstr(buf, "pause"))
			return 1;
	}
	return buf[0] != '\0';
}

static void test_running_kernel(void)
{
	char dir[] = "/tmp/test_kallsyms_XXXXXX", text[4096], file[256], boot[64];
	struct hp_ksymtab table = { 0 };
	struct hp_ksyms *k;
	uint64_t warm[32], cold[32];
	int reads, n;
	pid_t child = fork();
	if (child == 0) {
		pause();
		_exit(0);
	}
	if (child < 0 || !asleep_stack(child, text, sizeof(text)) || !mkdtemp(dir)) {
		printf("note: no stack file to read here (root only): running-kernel check"
		       " skipped\n");
		if (child > 0)
			kill(child, SIGKILL);
		waitpid(child, NULL, 0);
		return;
	}
	setenv("XDG_CACHE_HOME", dir, 1);      /* the analyzer saves the table there */
	CHECK_EQ_INT(ksyms_new(&k), 0);
	CHECK_EQ_INT(ksyms_preload(k), 0);
	ksyms_free(k);
	CHECK_EQ_INT(ksymtab_cache_open(&table), 0);
	n = resolve(&table, "/nonexistent/kallsyms", text, warm, &reads);
	CHECK(n > 0);
	CHECK_EQ_INT(reads, 0);
	CHECK_EQ_INT(resolve(NULL, KALLSYMS_FILE, text, cold, &reads), n);
	CHECK(n > 0 && !memcmp(warm, cold, (size_t)n * sizeof(*warm)));
	if (reads != 1 || n <= 0 || memcmp(warm, cold, (size_t)n * sizeof(*warm)))
		printf("stack of the child:\n%s", text);
	ksymtab_unmap(&table);
	kill(child, SIGKILL);
	waitpid(child, NULL, 0);
	snprintf(file, sizeof(file), "%s/hpprof/kallsyms-%s", dir,
		 ksymtab_boot_id(boot, sizeof(boot)));
	unlink(file);
	snprintf(file, sizeof(file), "%s/hpprof", dir);
	rmdir(file);
	rmdir(dir);
}

int main(void)
{
	test_resolve();
	test_refused();
	test_table();
	test_running_kernel();
	return hp_test_result();
}

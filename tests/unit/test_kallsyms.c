/*
 * test_kallsyms.c - the one parser of /proc/kallsyms lines
 * (common/kallsyms.h) and its two users on the same lines: the analyzer's
 * table (analyzer/ksyms.h) names each address that the collector's
 * kernel stacks (collector/kstack.h) give for a frame, with the frame's
 * own function and module. Truth by construction: the lines and stacks
 * are the test's own, with the kernel's tricky names (compiler suffixes,
 * modules, BPF programs, aliases at one address). On the running kernel
 * (root only: stack files): a child asleep in pause(), whose stack names
 * an alias the analyzer does not name addresses by (__do_sys_pause), gets
 * from the per-boot table the analyzer saved the addresses /proc/kallsyms
 * gives, without reading kallsyms.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "analyzer/ksyms.h"
#include "collector/kstack.h"
#include "common/kallsyms.h"
#include "common/ksymtab.h"
#include "hp_test.h"

/* Parse a copy of text; the name and module into name/module ("-" for none). */
static int parse(const char *text, char *name, char *module, uint64_t *addr)
{
	char line[256];
	struct hp_kallsyms_line l;
	snprintf(line, sizeof(line), "%s", text);
	int r = kallsyms_parse(line, &l);
	if (r == -2)
		return r;
	snprintf(name, 128, "%s", l.name);
	snprintf(module, 64, "%s", l.module ? l.module : "-");
	*addr = l.addr;
	return r;
}

static void test_lines(void)
{
	char name[128], mod[64];
	uint64_t addr;
	CHECK_EQ_INT(parse("ffffffff81000000 T _stext\n", name, mod, &addr), 0);
	CHECK(!strcmp(name, "_stext") && !strcmp(mod, "-") && addr == 0xffffffff81000000ull);
	CHECK_EQ_INT(parse("ffffffff81200110 t class_destructor.isra.0\n", name, mod, &addr), 2);
	CHECK(!strcmp(name, "class_destructor.isra.0"));
	CHECK_EQ_INT(parse("ffffffff8120020d t wait_for_initramfs.cold", name, mod, &addr), 2);
	CHECK(!strcmp(name, "wait_for_initramfs.cold"));          /* no newline: the last line */
	CHECK_EQ_INT(parse("ffffffffc0001000 t ext4_read.constprop.0\t[ext4]\n", name, mod, &addr),
		     2);
	CHECK(!strcmp(name, "ext4_read.constprop.0") && !strcmp(mod, "ext4"));
	CHECK_EQ_INT(parse("ffffffffc0201000 t bpf_prog_6deef7357e7b4530_sd_fw\t[bpf]\n", name, mod,
			   &addr), 2);
	CHECK(!strcmp(name, "bpf_prog_6deef7357e7b4530_sd_fw") && !strcmp(mod, "bpf"));
	CHECK_EQ_INT(parse("ffffffffc0002000 W weak_fn\t[__builtin__ftrace]\n", name, mod, &addr), 1);
	CHECK(!strcmp(mod, "__builtin__ftrace"));
	CHECK_EQ_INT(parse("ffffffffc0003000 w local_weak\n", name, mod, &addr), 3);
	/* the name ends at the tab, as the kernel prints it, not at a space */
	CHECK_EQ_INT(parse("ffffffff81000400 T odd name\t[mod]\n", name, mod, &addr), 0);
	CHECK(!strcmp(name, "odd name") && !strcmp(mod, "mod"));
	CHECK_EQ_INT(parse("0000000000000000 T hidden\n", name, mod, &addr), 0);   /* kptr_restrict */
	CHECK(addr == 0);
	CHECK_EQ_INT(parse("ffffffff82400000 D __start_rodata\n", name, mod, &addr), -1);
	CHECK(!strcmp(name, "__start_rodata"));
	CHECK_EQ_INT(parse("", name, mod, &addr), -2);
	CHECK_EQ_INT(parse("\n", name, mod, &addr), -2);
	CHECK_EQ_INT(parse("ffffffff81000000\n", name, mod, &addr), -2);
	CHECK_EQ_INT(parse("ffffffff81000000 T\n", name, mod, &addr), -2);
	CHECK_EQ_INT(parse("ffffffff81000000 T \n", name, mod, &addr), -2);
	CHECK_EQ_INT(parse("ffffffff81000000 T \t[ext4]\n", name, mod, &addr), -2);
	CHECK_EQ_INT(parse("ffffffff81000000 TT name\n", name, mod, &addr), -2);
	CHECK_EQ_INT(parse("xyz T name\n", name, mod, &addr), -2);
}

static const char kallsyms[] =
	"ffffffff81000000 T _stext\n"
	"ffffffff81001000 t __do_sys_pause\n"              /* the kernel's name of the address */
	"ffffffff81001000 T __x64_sys_pause\n"             /* the table's (a global wins) */
	"ffffffff81001040 t do_nanosleep.isra.0\n"
	"ffffffff81001100 t do_nanosleep.cold\n"
	"ffffffff81001180 T odd name\n"
	"ffffffff81001200 T entry_SYSCALL_64_after_hwframe\n"
	"ffffffff81001300 T _etext\n"
	"ffffffffc0001000 t ext4_read.constprop.0\t[ext4]\n"
	"ffffffffc0002000 t bpf_prog_6deef7357e7b4530_sd_fw\t[bpf]\n";

static const char stack[] =
	"[<0>] bpf_prog_6deef7357e7b4530_sd_fw+0x10/0x80 [bpf]\n"
	"[<0>] ext4_read.constprop.0+0x20/0x100 [ext4]\n"
	"[<0>] do_nanosleep.cold+0x8/0x80\n"
	"[<0>] do_nanosleep.isra.0+0x30/0xc0\n"
	"[<0>] __x64_sys_pause+0x12/0x40\n"
	"[<0>] entry_SYSCALL_64_after_hwframe+0x76/0x100\n";

static const char *const want[][2] = {
	{ "bpf_prog_6deef7357e7b4530_sd_fw", "bpf" },
	{ "ext4_read.constprop.0", "ext4" },
	{ "do_nanosleep.cold", NULL },
	{ "do_nanosleep.isra.0", NULL },
	{ "__x64_sys_pause", NULL },
	{ "entry_SYSCALL_64_after_hwframe", NULL },
};

/* The addresses kstack gives for each frame are named by ksyms with the
 * frame's function and module: both read the lines alike. */
static void test_both_users(void)
{
	char path[] = "/tmp/test_kallsyms_XXXXXX", buf[128];
	int fd = mkstemp(path);
	FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
	struct hp_kstack *ks;
	struct hp_ksyms *k;
	uint64_t ips[8], off;
	const char *mod, *name;
	CHECK(f != NULL);
	if (!f)
		return;
	fputs(kallsyms, f);
	fclose(f);
	CHECK_EQ_INT(ksyms_load(path, NULL, &k), 0);
	CHECK_EQ_INT(kstack_new(&ks), 0);
	CHECK_EQ_INT(kstack_want(ks, stack), 6);
	CHECK_EQ_INT(kstack_resolve(ks, NULL, path), 6);
	CHECK_EQ_INT((int)kstack_addrs(ks, stack, ips, 8), 6);
	for (int i = 0; i < 6; i++) {
		name = ksyms_lookup(k, ips[i], &mod, &off);
		CHECK(name && !strcmp(name, want[i][0]));
		CHECK(want[i][1] ? mod && !strcmp(mod, want[i][1]) : !mod);
		if (!name || strcmp(name, want[i][0]))
			printf("frame %d: %s named %s\n", i, want[i][0], name ? name : "(none)");
	}
	/* a name with a space is whole in the table */
	CHECK(!strcmp(ksyms_name(k, 0xffffffff81001190ull, buf, sizeof(buf)), "odd name"));
	kstack_free(ks);
	ksyms_free(k);
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

/* The addresses of text from table (or kallsyms alone, table NULL); the
 * number of kallsyms reads into *reads. */
static int resolve(const struct hp_ksymtab *table, const char *file, const char *text,
		   uint64_t *ips, int *reads)
{
	struct hp_kstack *ks;
	int n = 0;
	CHECK_EQ_INT(kstack_new(&ks), 0);
	CHECK(kstack_want(ks, text) > 0);
	if (kstack_resolve(ks, table, file) > 0)
		n = (int)kstack_addrs(ks, text, ips, 32);
	*reads = kstack_kallsyms_reads(ks);
	kstack_free(ks);
	return n;
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
	test_lines();
	test_both_users();
	test_running_kernel();
	return hp_test_result();
}

/*
 * test_kallsyms.c - the one parser of /proc/kallsyms lines
 * (common/kallsyms.h) and its two users on the same lines: the analyzer's
 * table (analyzer/ksyms.h) names each address that the collector's
 * kernel stacks (collector/kstack.h) give for a frame, with the frame's
 * own function and module. Truth by construction: the lines and stacks
 * are the test's own, with the kernel's tricky names (compiler suffixes,
 * modules, BPF programs, aliases at one address).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "analyzer/ksyms.h"
#include "collector/kstack.h"
#include "common/kallsyms.h"
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

int main(void)
{
	test_lines();
	test_both_users();
	return hp_test_result();
}

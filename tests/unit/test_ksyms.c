/*
 * test_ksyms.c - analyzer/ksyms.c on kallsyms/modules files written here
 * (truth by construction: the symbols and extents are the test's own), and
 * on the running kernel: the address of a function read from
 * /proc/kallsyms names that function, read from /proc or from the
 * per-boot cache (which is replaced when it does not match or is corrupt).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "analyzer/ksyms.h"
#include "common/ksymtab.h"
#include "hp_test.h"

static char dir[] = "/tmp/test_ksyms.XXXXXX";
static char kallsyms[64], modules[64];

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	if (!f) {
		perror(path);
		exit(1);
	}
	fputs(text, f);
	fclose(f);
}

static void write_bytes(const char *path, const void *p, size_t n)
{
	FILE *f = fopen(path, "w");
	if (!f || fwrite(p, 1, n, f) != n) {
		perror(path);
		exit(1);
	}
	fclose(f);
}

static const char syms[] =
	"ffffffff81000000 T _text\n"
	"ffffffff81000000 T _stext\n"
	"ffffffff81000000 t __pi__text\n"
	"ffffffff81000100 T clear_page_erms\n"
	"ffffffff81000100 t __clear_page_erms_alias\n"
	"ffffffff81000180 D some_data\n"                /* data: not a function */
	"ffffffff81000200 W weak_fn\n"
	"ffffffff81000300 T exc_page_fault\n"
	"ffffffff81000400 T _etext\n"
	"ffffffffc0001000 t ext4_read\t[ext4]\n"
	"ffffffffc0001100 t ext4_write\t[ext4]\n"
	"ffffffffc0002000 t ftrace_trampoline\t[__builtin__ftrace]\n";

static const char mods[] =
	"ext4 6144 1 - Live 0xffffffffc0000000\n";   /* ends at 0xffffffffc0001800 */

static void test_lookup(void)
{
	struct hp_ksyms *k;
	const char *mod, *name;
	uint64_t off;
	char buf[128];
	CHECK_EQ_INT(ksyms_load(kallsyms, modules, &k), 0);
	if (!k)
		return;
	CHECK_EQ_INT(ksyms_count(k), 11);   /* every function, aliases too; data left out */
	name = ksyms_lookup(k, 0xffffffff81000000ull, &mod, &off);
	CHECK(name && !strcmp(name, "_stext"));         /* global, fewest underscores, longest */
	name = ksyms_lookup(k, 0xffffffff81000142ull, &mod, &off);
	CHECK(name && !strcmp(name, "clear_page_erms") && !mod && off == 0x42);
	name = ksyms_lookup(k, 0xffffffff81000180ull, &mod, &off);
	CHECK(name && !strcmp(name, "clear_page_erms"));  /* data symbols do not end functions */
	name = ksyms_lookup(k, 0xffffffff81000210ull, &mod, &off);
	CHECK(name && !strcmp(name, "weak_fn"));
	name = ksyms_lookup(k, 0xffffffff810002ffull, &mod, &off);
	CHECK(name && !strcmp(name, "weak_fn") && off == 0xff);
	name = ksyms_lookup(k, 0xffffffffc0001180ull, &mod, &off);
	CHECK(name && !strcmp(name, "ext4_write") && mod && !strcmp(mod, "ext4") && off == 0x80);
	/* a module's last function ends with the module */
	name = ksyms_lookup(k, 0xffffffffc00017ffull, &mod, &off);
	CHECK(name && !strcmp(name, "ext4_write"));
	name = ksyms_lookup(k, 0xffffffffc0001800ull, &mod, &off);
	CHECK(!name && !mod);
	name = ksyms_lookup(k, 0xffffffffc0000800ull, &mod, &off);   /* before its first symbol */
	CHECK(!name && mod && !strcmp(mod, "ext4") && off == 0x800);
	CHECK(!strcmp(ksyms_name(k, 0xffffffffc0000800ull, buf, sizeof(buf)), "[ext4]+0x800"));
	name = ksyms_lookup(k, 0xffffffffc0002010ull, &mod, &off);   /* a module without extent */
	CHECK(name && !strcmp(name, "ftrace_trampoline") && !strcmp(mod, "__builtin__ftrace"));
	name = ksyms_lookup(k, 0xffffffff80000000ull, &mod, &off);   /* below every symbol */
	CHECK(!name && !mod);
	CHECK(!strcmp(ksyms_name(k, 0xffffffff80000000ull, buf, sizeof(buf)),
		      "[kernel.kallsyms]+0xffffffff80000000"));
	CHECK(!strcmp(ksyms_name(k, 0xffffffff81000301ull, buf, sizeof(buf)), "exc_page_fault"));

	/* another boot's addresses are not named with this boot's table */
	ksyms_check_boot(k, "00000000-0000-0000-0000-000000000000");
	CHECK(!strcmp(ksyms_name(k, 0xffffffff81000301ull, buf, sizeof(buf)),
		      "[kernel.kallsyms]+0xffffffff81000301"));
	ksyms_free(k);
}

static void test_hidden(void)
{
	struct hp_ksyms *k = NULL;
	char hidden[64];
	snprintf(hidden, sizeof(hidden), "%s/hidden", dir);
	write_file(hidden, "0000000000000000 T _text\n0000000000000000 T clear_page_erms\n");
	CHECK_EQ_INT(ksyms_load(hidden, NULL, &k), -EPERM);
	CHECK(!k);
	CHECK(ksyms_load("/nonexistent/kallsyms", NULL, &k) == -ENOENT);
}

/* The running kernel: a function's own address names it (where this
 * process may see the addresses). */
static void test_running_kernel(void)
{
	FILE *f = fopen("/proc/kallsyms", "r");
	char line[512], want[256] = "";
	unsigned long long addr = 0;
	struct hp_ksyms *k;
	char buf[256], boot[64];
	if (!f)
		return;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%llx T %255s", &addr, want) == 2 && !strcmp(want, "schedule"))
			break;
	fclose(f);
	if (!addr || strcmp(want, "schedule")) {
		printf("note: /proc/kallsyms hides addresses here: running-kernel check skipped\n");
		return;
	}
	/* the per-boot cache goes to a directory of the test's */
	char cache[128], file[256];
	struct stat st;
	snprintf(cache, sizeof(cache), "%s/cache", dir);
	setenv("XDG_CACHE_HOME", cache, 1);
	snprintf(file, sizeof(file), "%s/hpprof/kallsyms-%s", cache,
		 ksymtab_boot_id(boot, sizeof(boot)));
	CHECK(boot[0]);
	char *valid = NULL;
	long valid_len = 0;
	for (int round = 0; round < 6; round++) {
		/* 0: from /proc, written to the cache; 1: from the cache; then a
		 * cache that is ignored and replaced: 2 of another key, 3 not one,
		 * 4 cut short, 5 with its names not terminated */
		if (round == 1) {
			FILE *vf = fopen(file, "r");
			CHECK(vf && !fseek(vf, 0, SEEK_END) && (valid_len = ftell(vf)) > 4096);
			if (vf && valid_len > 0 && (valid = malloc((size_t)valid_len))) {
				rewind(vf);
				CHECK(fread(valid, 1, (size_t)valid_len, vf) == (size_t)valid_len);
			}
			if (vf)
				fclose(vf);
		}
		if (round == 2 && valid) {
			valid[20] ^= 1;                       /* inside the key */
			write_bytes(file, valid, (size_t)valid_len);
			valid[20] ^= 1;
		}
		if (round == 3)
			write_file(file, "\x01garbage\n");
		if (round == 4 && valid)
			write_bytes(file, valid, (size_t)valid_len / 2);
		if (round == 5 && valid) {
			valid[valid_len - 1] = 'x';
			write_bytes(file, valid, (size_t)valid_len);
		}
		struct stat bad;
		int had = stat(file, &bad) == 0;
		CHECK_EQ_INT(ksyms_new(&k), 0);
		ksyms_check_boot(k, boot);                      /* this boot: trusted */
		CHECK(!strcmp(ksyms_name(k, addr + 1, buf, sizeof(buf)), "schedule"));
		CHECK(ksyms_count(k) > 1000);
		ksyms_free(k);
		CHECK(stat(file, &st) == 0 && (st.st_mode & 0777) == 0600);
		if (round < 2)
			continue;
		/* Replaced by a good one: a new file (written aside and renamed
		 * over the bad one), which the next load takes as it is. Not "as
		 * large as round 0's": the kernel's table changes between rounds
		 * when BPF programs are loaded or unloaded (hpprof's own Python
		 * walker, in tests beside this one: 3 "[bpf]" lines), which the
		 * cache's key leaves out by design (common/ksymtab.c); that size
		 * check failed 1 run in ~80 beside the e2e tier (wave 9). */
		CHECK(had && st.st_ino != bad.st_ino);
		struct stat again;
		CHECK_EQ_INT(ksyms_new(&k), 0);
		ksyms_check_boot(k, boot);
		CHECK(!strcmp(ksyms_name(k, addr + 1, buf, sizeof(buf)), "schedule"));
		CHECK(ksyms_count(k) > 1000);
		ksyms_free(k);
		CHECK(stat(file, &again) == 0 && again.st_ino == st.st_ino &&
		      again.st_mtim.tv_nsec == st.st_mtim.tv_nsec && again.st_size == st.st_size);
		if (st.st_size != valid_len)
			printf("note: round %d: the rebuilt cache has %lld bytes, round 0's %ld"
			       " (the kernel's table changed: BPF programs?)\n", round,
			       (long long)st.st_size, valid_len);
	}
	free(valid);
	/* another boot's cache files are removed when this boot's is written */
	snprintf(buf, sizeof(buf), "%s/hpprof/kallsyms-old-boot", cache);
	write_file(buf, "old\n");
	unlink(file);
	CHECK_EQ_INT(ksyms_new(&k), 0);
	CHECK_EQ_INT(ksyms_preload(k), 0);
	ksyms_free(k);
	CHECK(access(buf, F_OK) != 0);
	unlink(file);
	snprintf(buf, sizeof(buf), "%s/hpprof", cache);
	rmdir(buf);
	rmdir(cache);
}

int main(void)
{
	if (!mkdtemp(dir))
		return 1;
	snprintf(kallsyms, sizeof(kallsyms), "%s/kallsyms", dir);
	snprintf(modules, sizeof(modules), "%s/modules", dir);
	write_file(kallsyms, syms);
	write_file(modules, mods);
	test_lookup();
	test_hidden();
	test_running_kernel();
	unlink(kallsyms);
	unlink(modules);
	snprintf(kallsyms, sizeof(kallsyms), "%s/hidden", dir);
	unlink(kallsyms);
	rmdir(dir);
	return hp_test_result();
}

/*
 * test_procmap.c - process mappings and modules (collector/procmap.c, module.c).
 *
 * Overlap replacement and splitting, fork/exec/exit, the load bias of this
 * PIE test and of libc against dladdr, a synthetic ELF laid out as lld does
 * (a read-only segment before the executable one, sharing its first page),
 * the vDSO, and files that are not ELF.
 */
#include <dlfcn.h>
#include <elf.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <unistd.h>

#include "hp_test.h"
#include "collector/procmap.h"

#define NO_PID 0x7ffffff0u         /* a pid without /proc entry */
#define NO_PID2 0x7ffffff1u

int main(void);

static char tmpdir[] = "/tmp/hp-test-procmap-XXXXXX";

static void test_overlap(struct hp_procmaps *pm)
{
	const struct hp_map *m;
	uint64_t gen;

	CHECK(procmaps_add(pm, NO_PID, 0x10000, 0x40000, 0, NULL) == 0);
	gen = procmaps_generation(pm, NO_PID);
	CHECK(procmaps_add(pm, NO_PID, 0x20000, 0x10000, 0x5000, "/nonexistent/lib.so") == 0);
	CHECK(procmaps_generation(pm, NO_PID) != gen);

	m = procmaps_find(pm, NO_PID, 0x18000);          /* left part of the split */
	CHECK(m && m->start == 0x10000 && m->end == 0x20000 && !m->mod);
	m = procmaps_find(pm, NO_PID, 0x25000);          /* the new mapping */
	CHECK(m && m->start == 0x20000 && m->end == 0x30000 && m->mod);
	CHECK(m && m->mod && !m->mod->valid && !strcmp(m->mod->path, "/nonexistent/lib.so"));
	CHECK(m && m->bias == 0x20000 - 0x5000);         /* unreadable: offset == vaddr */
	m = procmaps_find(pm, NO_PID, 0x38000);          /* right part, pgoff moved */
	CHECK(m && m->start == 0x30000 && m->end == 0x50000 && m->pgoff == 0x20000);
	CHECK(procmaps_find(pm, NO_PID, 0x50000) == NULL);
	CHECK(procmaps_find(pm, NO_PID, 0xffff) == NULL);

	/* the same mapping again changes nothing */
	gen = procmaps_generation(pm, NO_PID);
	CHECK(procmaps_add(pm, NO_PID, 0x20000, 0x10000, 0x5000, "/nonexistent/lib.so") == 0);
	CHECK_EQ_INT(procmaps_generation(pm, NO_PID), gen);

	/* one mapping over all three */
	CHECK(procmaps_add(pm, NO_PID, 0x8000, 0x58000, 0, NULL) == 0);
	m = procmaps_find(pm, NO_PID, 0x25000);
	CHECK(m && m->start == 0x8000 && m->end == 0x60000 && !m->mod);
	CHECK(procmaps_find(pm, NO_PID, 0x60000) == NULL);
	CHECK(procmaps_add(pm, NO_PID, 0x1000, 0, 0, NULL) == -EINVAL);
}

static void test_fork_exec_exit(struct hp_procmaps *pm)
{
	const struct hp_map *m;

	CHECK(procmaps_add(pm, NO_PID, 0x70000, 0x1000, 0, "/nonexistent/lib.so") == 0);
	CHECK(procmaps_fork(pm, NO_PID, NO_PID) == 0);   /* a thread: nothing */
	CHECK(procmaps_fork(pm, NO_PID, NO_PID2) == 0);
	m = procmaps_find(pm, NO_PID2, 0x70800);
	CHECK(m && m->start == 0x70000 && m->mod);
	m = procmaps_find(pm, NO_PID2, 0x9000);
	CHECK(m && m->start == 0x8000);

	procmaps_exec(pm, NO_PID2);
	CHECK(procmaps_find(pm, NO_PID2, 0x70800) == NULL);
	CHECK(procmaps_find(pm, NO_PID, 0x70800) != NULL);   /* the parent keeps its maps */

	procmaps_exit(pm, NO_PID);
	CHECK(procmaps_find(pm, NO_PID, 0x70800) == NULL);
	CHECK_EQ_INT(procmaps_generation(pm, NO_PID2) != 0, 1);
	procmaps_exit(pm, NO_PID2);
	CHECK_EQ_INT(procmaps_generation(pm, NO_PID2), 0);
	procmaps_exit(pm, NO_PID2);                       /* twice is harmless */
}

/* The bias of the mapping holding fn must match the dynamic linker's. */
static void check_bias(struct hp_procmaps *pm, const void *fn, const char *what)
{
	const struct hp_map *m = procmaps_find(pm, (uint32_t)getpid(), (uintptr_t)fn);
	uint8_t buf[16];
	Dl_info di;

	CHECK(dladdr(fn, &di) != 0);
	CHECK(m && m->mod && m->mod->valid);
	if (!m || !m->mod)
		return;
	printf("%s: '%s' bias %#lx, build id %s\n", what, m->mod->path,
	       (unsigned long)m->bias, m->mod->build_id);
	CHECK_EQ_INT(m->bias, (uintptr_t)di.dli_fbase - m->mod->min_vaddr);
	CHECK(strlen(m->mod->build_id) == 40);
	CHECK(m->mod->eh_frame_hdr_vaddr != 0);
	/* the file's code at fn's vaddr is the code running at fn */
	CHECK(module_read(m->mod, (uintptr_t)fn - m->bias, buf, sizeof(buf)) == 0);
	CHECK(memcmp(buf, fn, sizeof(buf)) == 0);
	CHECK(procmaps_find_image(pm, (uint32_t)getpid(), (uintptr_t)fn) == m);
}

static void test_self(struct hp_procmaps *pm)
{
	uint64_t table, count;
	const struct hp_map *m;

	CHECK(procmaps_load_proc(pm, (uint32_t)getpid()) == 0);
	check_bias(pm, (const void *)main, "executable");
	check_bias(pm, (const void *)qsort, "libc");
	m = procmaps_find(pm, (uint32_t)getpid(), (uintptr_t)main);
	CHECK(m && module_eh_table(m->mod, &table, &count) == 0 && count > 10);
	CHECK(procmaps_find(pm, (uint32_t)getpid(), 16) == NULL);
}

/* Write an ELF file with an lld-style layout: R at offset 0 / vaddr 0,
 * then RX at offset 0x700 / vaddr 0x1700, both in file page 0. */
static int write_lld_elf(const char *path)
{
	uint8_t img[0x800];
	Elf64_Ehdr *eh = (Elf64_Ehdr *)img;
	Elf64_Phdr *ph = (Elf64_Phdr *)(img + sizeof(*eh));
	FILE *f;

	memset(img, 0, sizeof(img));
	memcpy(eh->e_ident, ELFMAG, SELFMAG);
	eh->e_ident[EI_CLASS] = ELFCLASS64;
	eh->e_ident[EI_DATA] = ELFDATA2LSB;
	eh->e_ident[EI_VERSION] = EV_CURRENT;
	eh->e_type = ET_DYN;
	eh->e_machine = EM_X86_64;
	eh->e_phoff = sizeof(*eh);
	eh->e_phentsize = sizeof(*ph);
	eh->e_phnum = 2;
	ph[0] = (Elf64_Phdr){ .p_type = PT_LOAD, .p_flags = PF_R, .p_offset = 0, .p_vaddr = 0,
			      .p_filesz = 0x700, .p_memsz = 0x700, .p_align = 0x1000 };
	ph[1] = (Elf64_Phdr){ .p_type = PT_LOAD, .p_flags = PF_R | PF_X, .p_offset = 0x700,
			      .p_vaddr = 0x1700, .p_filesz = 0x100, .p_memsz = 0x180,
			      .p_align = 0x1000 };
	memcpy(img + 0x100, "RODATA", 6);
	memcpy(img + 0x700, "\x55\x48\x89\xe5", 4);
	if (!(f = fopen(path, "wb")))
		return -1;
	fwrite(img, 1, sizeof(img), f);
	return fclose(f);
}

static void test_lld_layout(struct hp_module_cache *mc, struct hp_procmaps *pm)
{
	char path[128];
	struct hp_module *mod;
	const struct hp_map *m;
	uint64_t vaddr;
	uint8_t buf[8];

	snprintf(path, sizeof(path), "%s/lld.so", tmpdir);
	CHECK(write_lld_elf(path) == 0);
	mod = modcache_get(mc, path);
	CHECK(mod->valid);
	CHECK_EQ_INT(mod->min_vaddr, 0);
	CHECK_EQ_INT(mod->max_vaddr, 0x1880);
	CHECK_EQ_INT(mod->eh_frame_hdr_vaddr, 0);
	CHECK(!strcmp(mod->build_id, ""));
	/* page 0 holds both segments: the executable mapping means RX */
	CHECK(module_offset_to_vaddr(mod, 0, &vaddr) == 0 && vaddr == 0x1000);
	CHECK(module_offset_to_vaddr(mod, 0x1000, &vaddr) == -ENOENT);
	CHECK(module_read(mod, 0x1700, buf, 4) == 0 && !memcmp(buf, "\x55\x48\x89\xe5", 4));
	CHECK(module_read(mod, 0x100, buf, 6) == 0 && !memcmp(buf, "RODATA", 6));
	CHECK(module_read(mod, 0x17fc, buf, 8) == 0 && !memcmp(buf + 4, "\0\0\0\0", 4)); /* bss */
	CHECK(module_read(mod, 0x1880, buf, 1) == -EFAULT);
	CHECK(module_read(mod, 0x900, buf, 1) == -EFAULT);  /* between segments */

	CHECK(procmaps_add(pm, NO_PID, 0x7f0000001000, 0x1000, 0, path) == 0);
	m = procmaps_find(pm, NO_PID, 0x7f0000001700);
	CHECK(m && m->mod == mod && m->bias == 0x7f0000000000);
	/* .rodata lies below the executable mapping, in no tracked mapping */
	CHECK(procmaps_find(pm, NO_PID, 0x7f0000000100) == NULL);
	CHECK(procmaps_find_image(pm, NO_PID, 0x7f0000000100) == m);
	CHECK(procmaps_find_image(pm, NO_PID, 0x7f0000002000) == NULL);
	procmaps_exit(pm, NO_PID);
	unlink(path);
}

static void test_special_files(struct hp_module_cache *mc)
{
	struct hp_module *mod, *vdso;
	uint64_t table, count;
	char path[128];
	FILE *f;

	vdso = modcache_get(mc, "[vdso]");
	if (getauxval(AT_SYSINFO_EHDR)) {         /* valgrind hides the vDSO */
		CHECK(vdso->valid);
		CHECK(module_eh_table(vdso, &table, &count) == 0 && count > 0);
	}
	CHECK(modcache_get(mc, "[vdso]") == vdso);

	snprintf(path, sizeof(path), "%s/text", tmpdir);
	f = fopen(path, "w");
	CHECK(f != NULL);
	if (f) {
		fputs("this is not an ELF file, but it is long enough to look at\n", f);
		fclose(f);
	}
	mod = modcache_get(mc, path);                     /* warns once */
	CHECK(!mod->valid);
	CHECK(modcache_get(mc, path) == mod);
	CHECK(module_read(mod, 0, path, 1) == -EFAULT);
	CHECK(module_offset_to_vaddr(mod, 0, &table) == -ENOENT);
	CHECK(module_eh_table(mod, &table, &count) == -ENOENT);
	unlink(path);
	CHECK(!modcache_get(mc, tmpdir)->valid);          /* a directory */
}

int main(void)
{
	struct hp_module_cache *mc;
	struct hp_procmaps *pm;

	if (!mkdtemp(tmpdir))
		SKIP("cannot create a temporary directory");
	CHECK(modcache_new(&mc) == 0);
	CHECK(procmaps_new(mc, &pm) == 0);

	test_overlap(pm);
	test_fork_exec_exit(pm);
	test_self(pm);
	test_lld_layout(mc, pm);
	test_special_files(mc);

	procmaps_free(pm);
	modcache_free(mc);
	rmdir(tmpdir);
	return hp_test_result();
}

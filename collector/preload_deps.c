/*
 * preload_deps.c - the libraries the preload library brings into a target
 * (preload_deps.h): its DT_NEEDED entries, and theirs, found the way the
 * dynamic loader would in the usual system directories, minus the C
 * runtime every program has anyway.
 *
 * The analyzer uses the list (run_info preload_libraries) to tell hpprof's
 * own work from the program's: a page fault in liblzma's initializer, run
 * by the loader because libunwind needs it, is not the user's.
 *
 * Reads ELF64 program headers and the dynamic section with <elf.h> (no
 * section headers), like module.c. No allocation beyond a few paths.
 */
#include "collector/preload_deps.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_LIBS 32

static const char *const lib_dirs[] = {
	"/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/lib/aarch64-linux-gnu",
	"/usr/lib/aarch64-linux-gnu", "/lib64", "/usr/lib64", "/lib", "/usr/lib",
	"/usr/local/lib",
};

/* Every program has these: not the preload library's doing. */
static int runtime_lib(const char *name)
{
	static const char *const prefixes[] = { "libc.so", "libm.so", "ld-linux", "libdl.so",
						"libpthread.so", "librt.so", "ld64.so" };
	for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++)
		if (!strncmp(name, prefixes[i], strlen(prefixes[i])))
			return 1;
	return 0;
}

/* File offset of virtual address va in the mapped ELF, or 0. */
static uint64_t va_to_off(const Elf64_Ehdr *eh, const unsigned char *base, uint64_t va)
{
	const Elf64_Phdr *ph = (const Elf64_Phdr *)(base + eh->e_phoff);
	for (int i = 0; i < eh->e_phnum; i++)
		if (ph[i].p_type == PT_LOAD && va >= ph[i].p_vaddr &&
		    va < ph[i].p_vaddr + ph[i].p_filesz)
			return va - ph[i].p_vaddr + ph[i].p_offset;
	return 0;
}

/* Call add(name) for each DT_NEEDED of the file at path. */
static void each_needed(const char *path, void (*add)(void *ctx, const char *name), void *ctx)
{
	struct stat sb;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	if (fstat(fd, &sb) < 0 || (size_t)sb.st_size < sizeof(Elf64_Ehdr)) {
		close(fd);
		return;
	}
	size_t size = (size_t)sb.st_size;
	const unsigned char *base = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (base == MAP_FAILED)
		return;
	const Elf64_Ehdr *eh = (const Elf64_Ehdr *)base;
	if (memcmp(eh->e_ident, ELFMAG, SELFMAG) || eh->e_ident[EI_CLASS] != ELFCLASS64 ||
	    eh->e_phoff + (uint64_t)eh->e_phnum * sizeof(Elf64_Phdr) > size)
		goto out;
	const Elf64_Phdr *ph = (const Elf64_Phdr *)(base + eh->e_phoff);
	for (int i = 0; i < eh->e_phnum; i++) {
		if (ph[i].p_type != PT_DYNAMIC || ph[i].p_offset + ph[i].p_filesz > size)
			continue;
		const Elf64_Dyn *d = (const Elf64_Dyn *)(base + ph[i].p_offset);
		size_t n = ph[i].p_filesz / sizeof(*d);
		uint64_t strtab = 0;
		for (size_t k = 0; k < n && d[k].d_tag != DT_NULL; k++)
			if (d[k].d_tag == DT_STRTAB)
				strtab = va_to_off(eh, base, d[k].d_un.d_ptr);
		for (size_t k = 0; strtab && k < n && d[k].d_tag != DT_NULL; k++)
			if (d[k].d_tag == DT_NEEDED && strtab + d[k].d_un.d_val < size &&
			    memchr(base + strtab + d[k].d_un.d_val, 0, size - strtab - d[k].d_un.d_val))
				add(ctx, (const char *)base + strtab + d[k].d_un.d_val);
	}
out:
	munmap((void *)base, size);
}

struct closure {
	char names[MAX_LIBS][64];
	unsigned n;
};

static void add_name(void *ctx, const char *name)
{
	struct closure *c = ctx;
	if (strlen(name) >= sizeof(c->names[0]) || strchr(name, '/') || runtime_lib(name))
		return;
	for (unsigned i = 0; i < c->n; i++)
		if (!strcmp(c->names[i], name))
			return;
	if (c->n < MAX_LIBS)
		snprintf(c->names[c->n++], sizeof(c->names[0]), "%s", name);
}

int preload_deps(const char *shim, char *out, size_t len)
{
	struct closure c = { .n = 0 };
	char path[4096];
	size_t used = 0;
	if (!len)
		return -EINVAL;
	out[0] = '\0';
	each_needed(shim, add_name, &c);
	for (unsigned i = 0; i < c.n; i++)         /* c.n grows as it goes: breadth first */
		for (size_t d = 0; d < sizeof(lib_dirs) / sizeof(lib_dirs[0]); d++) {
			snprintf(path, sizeof(path), "%s/%s", lib_dirs[d], c.names[i]);
			if (access(path, R_OK) == 0) {
				each_needed(path, add_name, &c);
				break;
			}
		}
	for (unsigned i = 0; i < c.n; i++) {
		int k = snprintf(out + used, len - used, "%s%s", i ? "," : "", c.names[i]);
		if (k < 0 || (size_t)k >= len - used)
			return -ENAMETOOLONG;
		used += (size_t)k;
	}
	return 0;
}

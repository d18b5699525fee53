/*
 * test_symbolize_util.h - helpers shared by the symbolization tests: symbol
 * values straight from an ELF file (libelf, independent of libdwfl), source
 * lines marked by comments, build ids, timing. Static, header-only.
 */
#ifndef TEST_SYMBOLIZE_UTIL_H
#define TEST_SYMBOLIZE_UTIL_H

#include <dlfcn.h>
#include <link.h>
#include <fcntl.h>
#include <gelf.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

struct tsym {
	uint64_t value, size;
};

/* Look name up in .symtab, then .dynsym, of the ELF in fd. */
static inline int tsym_lookup_elf(Elf *elf, const char *name, struct tsym *out)
{
	for (int pass = 0; pass < 2; pass++) {
		Elf_Scn *scn = NULL;
		GElf_Word want = pass ? SHT_DYNSYM : SHT_SYMTAB;
		while ((scn = elf_nextscn(elf, scn))) {
			GElf_Shdr sh;
			if (!gelf_getshdr(scn, &sh) || sh.sh_type != want || !sh.sh_entsize)
				continue;
			Elf_Data *data = elf_getdata(scn, NULL);
			for (size_t i = 0; data && i < sh.sh_size / sh.sh_entsize; i++) {
				GElf_Sym sym;
				const char *n;
				if (!gelf_getsym(data, (int)i, &sym) || sym.st_shndx == SHN_UNDEF)
					continue;
				n = elf_strptr(elf, sh.sh_link, sym.st_name);
				if (n && !strcmp(n, name)) {
					out->value = sym.st_value;
					out->size = sym.st_size;
					return 0;
				}
			}
		}
	}
	return -1;
}

static inline int tsym_lookup(const char *path, const char *name, struct tsym *out)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), rc = -1;
	if (fd < 0)
		return -1;
	elf_version(EV_CURRENT);
	Elf *elf = elf_begin(fd, ELF_C_READ, NULL);
	if (elf)
		rc = tsym_lookup_elf(elf, name, out);
	elf_end(elf);
	close(fd);
	return rc;
}

/* Every defined, sized function symbol of path's symbol table of type
 * sh_type (SHT_DYNSYM, SHT_SYMTAB): calls cb(value, size) for each;
 * returns how many. */
static inline size_t tsym_each_func(const char *path, unsigned sh_type,
				    void (*cb)(void *, uint64_t, uint64_t), void *ctx)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	size_t n = 0;
	if (fd < 0)
		return 0;
	elf_version(EV_CURRENT);
	Elf *elf = elf_begin(fd, ELF_C_READ, NULL);
	Elf_Scn *scn = NULL;
	while (elf && (scn = elf_nextscn(elf, scn))) {
		GElf_Shdr sh;
		if (!gelf_getshdr(scn, &sh) || sh.sh_type != sh_type || !sh.sh_entsize)
			continue;
		Elf_Data *data = elf_getdata(scn, NULL);
		for (size_t i = 0; data && i < sh.sh_size / sh.sh_entsize; i++) {
			GElf_Sym sym;
			if (!gelf_getsym(data, (int)i, &sym) || sym.st_shndx == SHN_UNDEF ||
			    GELF_ST_TYPE(sym.st_info) != STT_FUNC || !sym.st_size)
				continue;
			cb(ctx, sym.st_value, sym.st_size);
			n++;
		}
	}
	elf_end(elf);
	close(fd);
	return n;
}

/* The same of the dynamic symbol table. */
static inline size_t tsym_each_dynfunc(const char *path, void (*cb)(void *, uint64_t, uint64_t),
				       void *ctx)
{
	return tsym_each_func(path, SHT_DYNSYM, cb, ctx);
}

/* The ELF type (ET_EXEC, ET_DYN) of path, or -1. */
static inline int tsym_elf_type(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), type = -1;
	GElf_Ehdr eh;
	if (fd < 0)
		return -1;
	elf_version(EV_CURRENT);
	Elf *elf = elf_begin(fd, ELF_C_READ, NULL);
	if (elf && gelf_getehdr(elf, &eh))
		type = eh.e_type;
	elf_end(elf);
	close(fd);
	return type;
}

/* The GNU build id of path as hex in hex[0..size); returns 0 or -1. */
static inline int tsym_build_id(const char *path, char *hex, size_t size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), rc = -1;
	if (fd < 0)
		return -1;
	elf_version(EV_CURRENT);
	Elf *elf = elf_begin(fd, ELF_C_READ, NULL);
	Elf_Scn *scn = NULL;
	while (elf && rc && (scn = elf_nextscn(elf, scn))) {
		GElf_Shdr sh;
		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_NOTE)
			continue;
		Elf_Data *data = elf_getdata(scn, NULL);
		GElf_Nhdr nh;
		size_t off = 0, name_off, desc_off;
		while (data && rc && (off = gelf_getnote(data, off, &nh, &name_off, &desc_off))) {
			if (nh.n_type != NT_GNU_BUILD_ID || 2 * nh.n_descsz + 1 > size)
				continue;
			const unsigned char *id = (const unsigned char *)data->d_buf + desc_off;
			for (size_t i = 0; i < nh.n_descsz; i++)
				snprintf(hex + 2 * i, 3, "%02x", id[i]);
			rc = 0;
		}
	}
	elf_end(elf);
	close(fd);
	return rc;
}

/* 1 when the separate debug file for path's build id is installed. */
static inline int tsym_has_debug_file(const char *path)
{
	char hex[129], dbg[256];
	if (tsym_build_id(path, hex, sizeof(hex)) || strlen(hex) < 3)
		return 0;
	snprintf(dbg, sizeof(dbg), "/usr/lib/debug/.build-id/%.2s/%s.debug", hex, hex + 2);
	return access(dbg, R_OK) == 0;
}

/* 1-based line of the first line of src containing marker, or 0. */
static inline unsigned tsym_marker_line(const char *src, const char *marker)
{
	FILE *f = fopen(src, "r");
	char buf[512];
	unsigned line = 0, found = 0;
	if (!f)
		return 0;
	while (!found && fgets(buf, sizeof(buf), f)) {
		line++;
		if (strstr(buf, marker))
			found = line;
	}
	fclose(f);
	return found;
}

static inline const char *tsym_basename(const char *path)
{
	const char *slash = path ? strrchr(path, '/') : NULL;
	return slash ? slash + 1 : path;
}

/* Path of the already loaded library soname ("libc.so.6"), as the dynamic
 * linker opened it; NULL when it is not loaded. (dladdr on a libc function
 * would find ASan's interceptor instead.) */
static inline const char *tsym_loaded_lib(const char *soname)
{
	struct link_map *map = NULL;
	void *h = dlopen(soname, RTLD_LAZY | RTLD_NOLOAD);
	const char *path = NULL;
	if (h && dlinfo(h, RTLD_DI_LINKMAP, &map) == 0 && map && map->l_name[0] == '/')
		path = map->l_name;
	if (h)
		dlclose(h);     /* still loaded: the process links it */
	return path;
}

/* Microseconds of this process's CPU time: steadier than wall time on a
 * shared machine, and what the symbolizer itself costs. */
static inline double tsym_cpu_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

#endif

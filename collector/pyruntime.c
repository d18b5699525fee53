/*
 * pyruntime.c - find a CPython runtime in a process: which mapped file
 * exports _PyRuntime, at which load bias, and which version it is.
 *
 * Reads /proc/PID/maps and the ELF files it names (through
 * /proc/PID/map_files when allowed, so deleted files and files of another
 * mount namespace work), with libelf: the dynamic symbol table for
 * _PyRuntime, PyCode_Type, _PyEval_EvalFrameDefault and Py_Version, the
 * program headers for the bias and for reading Py_Version's value from
 * the file. Produces struct py_runtime; reads no process memory.
 */
#include "collector/pyruntime.h"

#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* What one ELF file says about Python. */
struct pyfile {
	uint64_t runtime, code_type, eval, eval_size, version_vaddr;  /* link-time addresses */
	uint32_t version_hex;
	int has_runtime, has_version;
};

/* One candidate mapping from /proc/PID/maps. */
struct candidate {
	uint64_t start, end, off;
	char path[PATH_MAX];
};

/* "python3.11", "libpython3.7m.so.1.0" -> 3, 11. Returns 1 when the
 * basename starts with python or libpython and carries a version. */
static int version_from_name(const char *path, unsigned *major, unsigned *minor)
{
	const char *base = strrchr(path, '/');
	base = base ? base + 1 : path;
	if (!strncmp(base, "lib", 3))
		base += 3;
	if (strncmp(base, "python", 6))
		return 0;
	return sscanf(base + 6, "%u.%u", major, minor) == 2;
}

int pyruntime_may_hold(const char *path)
{
	const char *base = strrchr(path, '/');
	base = base ? base + 1 : path;
	return !strncmp(base, "python", 6) || !strncmp(base, "libpython", 9);
}

/* Value of the 8-byte datum at link-time address vaddr, read from the
 * file through the PT_LOAD segment that holds it. */
static int read_file_vaddr(Elf *elf, int fd, uint64_t vaddr, uint64_t *val)
{
	size_t n;
	if (elf_getphdrnum(elf, &n))
		return -EINVAL;
	for (size_t i = 0; i < n; i++) {
		GElf_Phdr ph;
		if (!gelf_getphdr(elf, (int)i, &ph) || ph.p_type != PT_LOAD)
			continue;
		if (vaddr < ph.p_vaddr || vaddr + 8 > ph.p_vaddr + ph.p_filesz)
			continue;
		off_t off = (off_t)(ph.p_offset + (vaddr - ph.p_vaddr));
		return pread(fd, val, 8, off) == 8 ? 0 : -EIO;
	}
	return -ENOENT;
}

/* Defined symbols of interest from .dynsym (and .symtab when present). */
static void scan_symbols(Elf *elf, struct pyfile *pf)
{
	Elf_Scn *scn = NULL;
	while ((scn = elf_nextscn(elf, scn))) {
		GElf_Shdr sh;
		if (!gelf_getshdr(scn, &sh) || (sh.sh_type != SHT_DYNSYM && sh.sh_type != SHT_SYMTAB))
			continue;
		Elf_Data *d = elf_getdata(scn, NULL);
		size_t count = sh.sh_entsize ? sh.sh_size / sh.sh_entsize : 0;
		for (size_t i = 0; d && i < count; i++) {
			GElf_Sym s;
			if (!gelf_getsym(d, (int)i, &s) || s.st_shndx == SHN_UNDEF || !s.st_value)
				continue;
			const char *name = elf_strptr(elf, sh.sh_link, s.st_name);
			if (!name || (name[0] != '_' && name[0] != 'P'))
				continue;
			if (!strcmp(name, "_PyRuntime")) {
				pf->runtime = s.st_value;
				pf->has_runtime = 1;
			} else if (!strcmp(name, "PyCode_Type")) {
				pf->code_type = s.st_value;
			} else if (!strcmp(name, "_PyEval_EvalFrameDefault")) {
				pf->eval = s.st_value;
				pf->eval_size = s.st_size;
			} else if (!strcmp(name, "Py_Version")) {
				pf->version_vaddr = s.st_value;
				pf->has_version = 1;
			}
		}
	}
}

/* Load bias of the file mapped at start from file offset off: the PT_LOAD
 * whose page-aligned offset is off gives its page-aligned vaddr. */
static int bias_of(Elf *elf, uint64_t start, uint64_t off, uint64_t *bias)
{
	size_t n;
	if (elf_getphdrnum(elf, &n))
		return -EINVAL;
	for (size_t i = 0; i < n; i++) {
		GElf_Phdr ph;
		if (!gelf_getphdr(elf, (int)i, &ph) || ph.p_type != PT_LOAD)
			continue;
		if ((ph.p_offset & ~0xfffull) == off) {
			*bias = start - (ph.p_vaddr & ~0xfffull);
			return 0;
		}
	}
	return -ENOENT;
}

/* Opens the candidate's file: /proc/PID/map_files first, else its path. */
static int open_candidate(uint32_t pid, const struct candidate *c)
{
	char link[96];
	snprintf(link, sizeof link, "/proc/%u/map_files/%llx-%llx", pid,
		 (unsigned long long)c->start, (unsigned long long)c->end);
	int fd = open(link, O_RDONLY | O_CLOEXEC);
	return fd >= 0 ? fd : open(c->path, O_RDONLY | O_CLOEXEC);
}

/* Fills rt from the candidate file. Returns 0 when it exports _PyRuntime
 * or Py_Version, -ENOENT when it is not a Python runtime. */
static int scan_candidate(uint32_t pid, const struct candidate *c, struct py_runtime *rt)
{
	struct pyfile pf = { 0 };
	uint64_t bias = 0;
	int fd = open_candidate(pid, c), err = -ENOENT;
	if (fd < 0)
		return -errno;
	Elf *elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	if (!elf)
		goto close_fd;
	scan_symbols(elf, &pf);
	if (!pf.has_runtime && !pf.has_version)
		goto end_elf;
	if ((err = bias_of(elf, c->start, c->off, &bias)))
		goto end_elf;
	uint64_t v;
	if (pf.has_version && read_file_vaddr(elf, fd, pf.version_vaddr, &v) == 0)
		pf.version_hex = (uint32_t)v;
	rt->pid = pid;
	snprintf(rt->module, sizeof rt->module, "%s", c->path);
	rt->runtime = pf.has_runtime ? pf.runtime + bias : 0;
	rt->code_type = pf.code_type ? pf.code_type + bias : 0;
	rt->eval_start = pf.eval ? pf.eval + bias : 0;
	rt->eval_end = pf.eval ? rt->eval_start + pf.eval_size : 0;
	rt->version_hex = pf.version_hex;
	if (pf.version_hex) {
		rt->major = pf.version_hex >> 24 & 0xff;
		rt->minor = pf.version_hex >> 16 & 0xff;
		rt->micro = pf.version_hex >> 8 & 0xff;
	} else if (!version_from_name(c->path, &rt->major, &rt->minor)) {
		rt->major = rt->minor = 0;
	}
	rt->off = NULL;
	if (rt->runtime && rt->eval_start && rt->code_type)
		rt->off = pyoffsets_for(rt->major, rt->minor);
	err = 0;
end_elf:
	elf_end(elf);
close_fd:
	close(fd);
	return err;
}

/* Parses one /proc/PID/maps line into c; 1 for a Python-named file. */
static int parse_maps_line(const char *line, struct candidate *c)
{
	unsigned long long start, end, off;
	int pos = 0;
	if (sscanf(line, "%llx-%llx %*s %llx %*s %*s %n", &start, &end, &off, &pos) < 3 || !pos)
		return 0;
	const char *path = line + pos;
	if (path[0] != '/')
		return 0;
	snprintf(c->path, sizeof c->path, "%s", path);
	c->path[strcspn(c->path, "\n")] = '\0';
	char *del = strstr(c->path, " (deleted)");
	if (del)
		*del = '\0';
	c->start = start, c->end = end, c->off = off;
	return pyruntime_may_hold(c->path);
}

int pyruntime_find(uint32_t pid, struct py_runtime *rt)
{
	char mapsname[64], line[PATH_MAX + 128], last[PATH_MAX] = "";
	struct candidate c;
	struct py_runtime named = { 0 };
	int found = 0, err;

	elf_version(EV_CURRENT);
	memset(rt, 0, sizeof(*rt));
	snprintf(mapsname, sizeof mapsname, "/proc/%u/maps", pid);
	FILE *f = fopen(mapsname, "re");
	if (!f)
		return errno == ENOENT ? -ESRCH : -errno;
	while (fgets(line, sizeof line, f)) {
		if (!parse_maps_line(line, &c) || !strcmp(c.path, last))
			continue;                 /* each file once: its first mapping */
		snprintf(last, sizeof last, "%s", c.path);
		struct py_runtime r = { 0 };
		if ((err = scan_candidate(pid, &c, &r)))
			continue;
		if (r.runtime) {
			*rt = r;
			found = 1;
			break;
		}
		if (!named.major)
			named = r;
	}
	fclose(f);
	if (found)
		return 0;
	if (named.major) {                /* a Python without _PyRuntime (2.x, 3.6) */
		*rt = named;
		return 0;
	}
	/* Nothing exports a version: still say which Python it is by name. */
	f = fopen(mapsname, "re");
	while (f && fgets(line, sizeof line, f)) {
		if (parse_maps_line(line, &c) && version_from_name(c.path, &rt->major, &rt->minor)) {
			rt->pid = pid;
			snprintf(rt->module, sizeof rt->module, "%s", c.path);
			fclose(f);
			return 0;
		}
	}
	if (f)
		fclose(f);
	return -ENOENT;
}

const char *pyruntime_note(const struct py_runtime *rt, char *buf, size_t len)
{
	if (rt->off) {
		snprintf(buf, len, "%s", "");
	} else if (rt->major) {
		snprintf(buf, len, "Python frames: not supported for %u.%u (hpprof reads %s),"
			 " native frames only", rt->major, rt->minor, pyoffsets_supported());
	} else {
		snprintf(buf, len, "Python frames: not supported for this Python (version not"
			 " found in '%s'), native frames only", rt->module);
	}
	return buf;
}

/*
 * symbolize.c - module path + ELF vaddr -> inline chain of frames (libdwfl).
 *
 * Takes (module path, vaddr) pairs - from callers directly or from the
 * store's locations - and produces hp_frame chains, innermost first: the
 * inlined callees (DWARF DW_TAG_inlined_subroutine scopes), then the real
 * function. It does not unwind, read /proc of the target or aggregate.
 *
 * One offline Dwfl holds every module, reported once per path with
 * dwfl_report_elf(base 0, add_p_vaddr) so that dwfl addresses equal ELF
 * vaddrs (the bias is still read back and applied). Separate debug info is
 * found by build id under /usr/lib/debug (dwfl_standard_find_debuginfo).
 * Function names come from a sorted per-module symbol table (symtab.h),
 * lines from the line table, inline chains from DWARF code scopes indexed
 * per function (inlines.h). Results are cached per (module, vaddr); every
 * string handed out is interned in the symbolizer's arena.
 *
 * Fallback name when no symbol covers an address, or the module cannot be
 * read: "BASENAME+0xVADDR" - the basename of the module path and the
 * address exactly as given (the ELF vaddr, what addr2line and objdump take;
 * for shared objects and PIEs linked at 0 also the offset into the image).
 * Bracketed pseudo-modules other than "[vdso]" ("[kernel]") are never
 * opened: "[kernel]" for address 0, else "[kernel]+0xADDR".
 */
#include "analyzer/symbolize.h"

#include <dwarf.h>
#include <elfutils/libdw.h>
#include <elfutils/libdwfl.h>
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "analyzer/arena.h"
#include "analyzer/inlines.h"
#include "analyzer/symtab.h"
#include "common/error.h"
#include "common/grow.h"
#include "common/hmap.h"
#include "common/log.h"
#include "common/store.h"

#define VDSO_PATH       "[vdso]"
#define UNKNOWN_NAME    "[unknown]"   /* module id 0 in the store */
#define PATH_BUF        (2 * PATH_MAX)
#define MAX_SCOPES      64            /* nested code scopes kept per address */

/* --- modules and cached results --- */

struct sym_module {
	char *path;                 /* as given: the cache key */
	const char *base;           /* basename, inside path */
	Dwfl_Module *dm;            /* NULL when the file could not be read */
	Dwarf_Addr bias;            /* dwfl address = vaddr + bias (0 in practice) */
	struct hp_symtab *symtab;   /* built on first use; NULL when no symbols */
	int symtab_tried;
	int pseudo;                 /* "[kernel]" and the like: no file to read */
};

/* A frame as resolved here: hp_frame plus where its function is declared. */
struct sym_frame {
	const char *function;       /* interned */
	const char *file;           /* interned, NULL when unknown */
	const char *decl_file;      /* interned, NULL when unknown */
	uint32_t line;
};

/* One resolved (module, vaddr): frames[first .. first + n). */
struct sym_result {
	uint32_t mod;
	uint64_t vaddr;
	uint32_t first, n;
};

struct hp_symbolizer {
	Dwfl *dwfl;
	struct hp_inlines *inlines; /* code scopes per function, for inline chains */
	char *debuginfo_path;       /* NULL: libdwfl's default (.debug, /usr/lib/debug) */
	Dwfl_Callbacks callbacks;   /* must outlive dwfl */

	struct sym_module *mods;
	size_t nmods, capmods;
	struct hp_hmap mod_by_path; /* fnv(path) -> index + 1 */

	struct sym_result *results;
	size_t nresults, capresults;
	struct sym_frame *frames;
	size_t nframes, capframes;
	struct hp_hmap cache;       /* key2(mod + 1, vaddr) -> results index */

	struct hp_arena arena;      /* every string handed out */
	struct hp_hmap strings;     /* fnv(string) -> interned char * */
};


static uint64_t fnv1a(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ull;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 0x100000001b3ull;
	return h ? h : 1;
}

/* The symbolizer's copy of str, shared by equal strings; NULL on ENOMEM.
 * On a (rare) hash collision the copy is simply not shared. */
static const char *intern(struct hp_symbolizer *s, const char *str)
{
	uint64_t key = fnv1a(str), val;
	if (hmap_get(&s->strings, key, &val)) {
		const char *old = (const char *)(uintptr_t)val;
		if (!strcmp(old, str))
			return old;
	}
	char *copy = arena_strdup(&s->arena, str);
	if (!copy)
		return NULL;
	if (!hmap_get(&s->strings, key, &val) &&
	    hmap_put(&s->strings, key, (uint64_t)(uintptr_t)copy))
		return NULL;
	return copy;
}

static const char *intern_printf(struct hp_symbolizer *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static const char *intern_printf(struct hp_symbolizer *s, const char *fmt, ...)
{
	char buf[PATH_BUF];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	return intern(s, buf);
}

/* --- paths --- */

/* Lexically remove ".", empty and "dir/.." components, in place. */
static void normalize_path(char *p)
{
	int abs = p[0] == '/';
	char *out = p, *in = p;
	size_t depth = 0;                       /* components that ".." may pop */
	while (*in) {
		while (*in == '/')
			in++;
		char *comp = in;
		while (*in && *in != '/')
			in++;
		size_t len = (size_t)(in - comp);
		if (!len || (len == 1 && comp[0] == '.'))
			continue;
		if (len == 2 && comp[0] == '.' && comp[1] == '.') {
			if (depth) {
				while (out > p && out[-1] != '/')
					out--;
				if (out > p)
					out--;          /* the separator before it */
				depth--;
				continue;
			}
			if (abs)
				continue;       /* "/.." is "/" */
		} else {
			depth++;
		}
		if (out > p || abs)
			*out++ = '/';
		memmove(out, comp, len);
		out += len;
	}
	if (out == p)
		*out++ = abs ? '/' : '.';
	*out = '\0';
}

/* name joined to the compilation directory dir, normalized and interned.
 * Only an absolute dir is joined: libdw has already prefixed names from
 * directory entry 0 with dir, so a relative dir (a build with
 * -fdebug-prefix-map=...=., like Debian's libc) would be applied twice;
 * such names stay relative to the build root ("malloc/malloc.c"). */
static const char *make_path(struct hp_symbolizer *s, const char *dir, const char *name)
{
	char buf[PATH_BUF];
	if (name[0] != '/' && dir && dir[0] == '/')
		snprintf(buf, sizeof(buf), "%s/%s", dir, name);
	else
		snprintf(buf, sizeof(buf), "%s", name);
	normalize_path(buf);
	return intern(s, buf);
}

static const char *cu_comp_dir(Dwarf_Die *die)
{
	Dwarf_Die cu;
	Dwarf_Attribute attr;
	if (!dwarf_diecu(die, &cu, NULL, NULL))
		return NULL;
	return dwarf_formstring(dwarf_attr(&cu, DW_AT_comp_dir, &attr));
}

/* --- the vDSO --- */

/* Size of this process's [vdso] mapping, or 0. */
static size_t vdso_size(void)
{
	FILE *f = fopen("/proc/self/maps", "re");
	char line[512];
	size_t size = 0;
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		unsigned long lo, hi;
		if (strstr(line, "[vdso]") && sscanf(line, "%lx-%lx", &lo, &hi) == 2) {
			size = hi - lo;
			break;
		}
	}
	fclose(f);
	return size;
}

/* A memfd holding a copy of our own vDSO (the kernel maps the same image
 * into every process), or a negative error. */
static int vdso_memfd(void)
{
	const void *image = (const void *)getauxval(AT_SYSINFO_EHDR);
	size_t size = vdso_size();
	if (!image || !size)
		return -ENOENT;
	int fd = memfd_create("hpprof-vdso", MFD_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (write(fd, image, size) != (ssize_t)size) {
		int err = errno ? -errno : -EIO;
		close(fd);
		return err;
	}
	return fd;
}

/* --- modules --- */

/* A module path comes from a database (untrusted, issue 15): only a
 * regular file is opened as ELF - a FIFO would block, a device stream
 * forever. Returns the descriptor or a negative error. */
static int open_module_file(const char *path)
{
	struct stat sb;
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &sb) < 0 || !S_ISREG(sb.st_mode)) {
		close(fd);
		return -HP_ENOTREG;
	}
	return fd;
}

static Dwfl_Module *report_module(struct hp_symbolizer *s, const char *path)
{
	int fd = !strcmp(path, VDSO_PATH) ? vdso_memfd() : open_module_file(path);
	if (fd < 0) {
		hp_debug(HP_DBG_SYMS, 1, "cannot read module '%s': %s", path, hp_strerror(fd));
		return NULL;
	}
	dwfl_report_begin_add(s->dwfl);
	/* ET_DYN placed at its own p_vaddr (base 0 + p_vaddr), ET_EXEC where it
	 * was linked: dwfl addresses are ELF vaddrs. fd is consumed on success. */
	Dwfl_Module *dm = dwfl_report_elf(s->dwfl, path, path, fd, 0, true);
	if (!dm) {
		hp_debug(HP_DBG_SYMS, 1, "cannot read module '%s': %s", path, dwfl_errmsg(-1));
		if (fd >= 0)
			close(fd);
	}
	if (dwfl_report_end(s->dwfl, NULL, NULL) != 0)
		hp_debug(HP_DBG_SYMS, 1, "dwfl_report_end failed for '%s': %s", path,
			 dwfl_errmsg(-1));
	return dm;
}

static int add_module(struct hp_symbolizer *s, const char *path, uint32_t *index)
{
	int err = hp_grow((void **)&s->mods, &s->capmods, s->nmods + 1, sizeof(*s->mods));
	if (err)
		return err;
	struct sym_module *m = &s->mods[s->nmods];
	memset(m, 0, sizeof(*m));
	m->path = strdup(path);
	if (!m->path)
		return -ENOMEM;
	const char *slash = strrchr(m->path, '/');
	m->base = slash && slash[1] ? slash + 1 : m->path;
	m->pseudo = path[0] == '[' && strcmp(path, VDSO_PATH);
	m->dm = m->pseudo ? NULL : report_module(s, path);
	if (m->dm) {
		GElf_Addr bias = 0;
		if (dwfl_module_getelf(m->dm, &bias))
			m->bias = bias;
	}
	*index = (uint32_t)s->nmods++;
	return 0;
}

/* Index of the module for path, reporting it on first use. */
static int module_index(struct hp_symbolizer *s, const char *path, uint32_t *index)
{
	uint64_t key = fnv1a(path), val;
	if (hmap_get(&s->mod_by_path, key, &val) && !strcmp(s->mods[val - 1].path, path)) {
		*index = (uint32_t)(val - 1);
		return 0;
	}
	for (size_t i = 0; i < s->nmods; i++) {     /* hash collision: rare */
		if (!strcmp(s->mods[i].path, path)) {
			*index = (uint32_t)i;
			return 0;
		}
	}
	int err = add_module(s, path, index);
	if (err)
		return err;
	if (!hmap_get(&s->mod_by_path, key, &val))
		err = hmap_put(&s->mod_by_path, key, *index + 1);
	return err;
}

/* 1 when section shndx of elf holds code. */
static int is_code_section(Elf *elf, GElf_Word shndx)
{
	GElf_Shdr sh;
	Elf_Scn *scn = elf ? elf_getscn(elf, shndx) : NULL;
	return scn && gelf_getshdr(scn, &sh) && (sh.sh_flags & SHF_EXECINSTR);
}

/* Functions, and the code labels of assembly (NOTYPE in a code section,
 * like ld.so's _start): perf shows those too. */
static int is_code_symbol(const GElf_Sym *sym, GElf_Word shndx, Elf *elf)
{
	int type = GELF_ST_TYPE(sym->st_info);
	if (shndx == SHN_UNDEF || shndx == SHN_ABS || shndx == (GElf_Word)-1)
		return 0;
	if (type == STT_FUNC || type == STT_GNU_IFUNC)
		return 1;
	return type == STT_NOTYPE && is_code_section(elf, shndx);
}

static struct hp_symtab *build_symtab(Dwfl_Module *dm)
{
	struct hp_symtab *t;
	int n = dwfl_module_getsymtab(dm);
	if (n <= 0 || symtab_new(&t))
		return NULL;
	for (int i = 1; i < n; i++) {
		GElf_Sym sym;
		GElf_Addr addr;
		GElf_Word shndx;
		Elf *elf;
		const char *name = dwfl_module_getsym_info(dm, i, &sym, &addr, &shndx, &elf, NULL);
		if (!name || !name[0] || !is_code_symbol(&sym, shndx, elf))
			continue;
		if (symtab_add(t, name, addr, sym.st_size, GELF_ST_BIND(sym.st_info))) {
			symtab_free(t);
			return NULL;
		}
	}
	symtab_finish(t);
	return t;
}

/* Symbol name for dwfl address addr in m, or NULL. */
static const char *module_symbol(struct sym_module *m, Dwarf_Addr addr)
{
	if (!m->symtab_tried) {
		m->symtab_tried = 1;
		m->symtab = build_symtab(m->dm);
		hp_debug(HP_DBG_SYMS, 2, "'%s': %zu function symbols", m->path,
			 m->symtab ? symtab_count(m->symtab) : 0);
	}
	return m->symtab ? symtab_lookup(m->symtab, addr, NULL) : NULL;
}

/* --- resolving one address --- */

static int push_frame(struct hp_symbolizer *s, const char *function, const char *file,
		      uint32_t line, const char *decl_file)
{
	int err = hp_grow((void **)&s->frames, &s->capframes, s->nframes + 1,
			     sizeof(*s->frames));
	if (err)
		return err;
	const char *fn = intern(s, function);
	if (!fn)
		return -ENOMEM;
	s->frames[s->nframes++] = (struct sym_frame){
		.function = fn, .file = file, .line = line, .decl_file = decl_file,
	};
	return 0;
}

/* Name of a subprogram or inlined instance: the linkage name when there is
 * one (C++: mangled, like the symbol table), else DW_AT_name. */
static const char *die_function_name(Dwarf_Die *die)
{
	Dwarf_Attribute attr;
	const char *name = dwarf_formstring(dwarf_attr_integrate(die, DW_AT_linkage_name, &attr));
	if (!name)
		name = dwarf_formstring(dwarf_attr_integrate(die, DW_AT_MIPS_linkage_name, &attr));
	return name ? name : dwarf_diename(die);
}

static const char *die_decl_file(struct hp_symbolizer *s, Dwarf_Die *die)
{
	const char *file = dwarf_decl_file(die);
	return file ? make_path(s, cu_comp_dir(die), file) : NULL;
}

/* The call site of inlined instance die: where the next frame out is. */
static void inline_call_site(struct hp_symbolizer *s, Dwarf_Die *die, const char **file,
			     uint32_t *line)
{
	Dwarf_Attribute attr;
	Dwarf_Word idx, ln;
	Dwarf_Die cu;
	Dwarf_Files *files;
	*file = NULL;
	*line = 0;
	if (dwarf_formudata(dwarf_attr(die, DW_AT_call_line, &attr), &ln) == 0)
		*line = (uint32_t)ln;
	if (dwarf_formudata(dwarf_attr(die, DW_AT_call_file, &attr), &idx) != 0 ||
	    !dwarf_diecu(die, &cu, NULL, NULL) || dwarf_getsrcfiles(&cu, &files, NULL) != 0)
		return;
	const char *name = dwarf_filesrc(files, idx, NULL, NULL);
	if (name)
		*file = make_path(s, cu_comp_dir(die), name);
}

/* Push one frame per inlined_subroutine scope containing addr, innermost
 * first, then the enclosing subprogram when it has a name (symname first,
 * else its DWARF name); *real says whether that last frame was pushed.
 * *file and *line come in as the line-table row for addr and go out as
 * the position in the next frame out (the outermost call site). */
static int push_inline_chain(struct hp_symbolizer *s, struct sym_module *m, Dwarf_Addr addr,
			     const char *symname, const char **file, uint32_t *line, int *real)
{
	Dwarf_Addr dwbias = 0;
	Dwarf_Die path[MAX_SCOPES];
	int n = 0, err = 0;
	*real = 0;
	Dwarf_Die *cudie = dwfl_module_addrdie(m->dm, addr, &dwbias);
	if (!cudie)
		return 0;
	n = inlines_lookup(s->inlines, (uint32_t)(m - s->mods), cudie, addr - dwbias, path,
			   MAX_SCOPES);
	if (n < 0)
		return n;
	for (int i = n - 1; i >= 0 && !err; i--) {
		Dwarf_Die *die = &path[i];
		int tag = dwarf_tag(die);
		const char *name = symname;
		if (tag == DW_TAG_inlined_subroutine) {
			name = die_function_name(die);
			err = push_frame(s, name ? name : "[inlined]", *file, *line,
					 die_decl_file(s, die));
			inline_call_site(s, die, file, line);
		} else if (tag == DW_TAG_subprogram || tag == DW_TAG_entry_point) {
			if (!name)
				name = die_function_name(die);
			if (name) {
				err = push_frame(s, name, *file, *line, die_decl_file(s, die));
				*real = 1;
			}
			break;
		}
	}
	return err;
}

/* File and line of the line-table row for addr; NULL/0 when none. */
static void line_at(struct hp_symbolizer *s, Dwfl_Module *dm, Dwarf_Addr addr,
		    const char **file, uint32_t *line)
{
	int lineno = 0;
	*file = NULL;
	*line = 0;
	Dwfl_Line *l = dwfl_module_getsrc(dm, addr);
	if (!l)
		return;
	const char *name = dwfl_lineinfo(l, NULL, &lineno, NULL, NULL, NULL);
	if (!name)
		return;
	*file = make_path(s, dwfl_line_comp_dir(l), name);
	*line = lineno > 0 ? (uint32_t)lineno : 0;
}

/* "BASENAME+0xVADDR"; a pseudo-module's address 0 (the collector's one
 * location for all kernel frames) is just its name, "[kernel]". */
static const char *fallback_name(struct hp_symbolizer *s, const struct sym_module *m,
				 uint64_t vaddr)
{
	if (m->pseudo && !vaddr)
		return intern(s, m->path);
	return intern_printf(s, "%s+0x%" PRIx64, m->base, vaddr);
}

/* Append the frames of (module mi, vaddr) to s->frames. */
static int resolve_frames(struct hp_symbolizer *s, uint32_t mi, uint64_t vaddr)
{
	struct sym_module *m = &s->mods[mi];
	const char *file = NULL, *name = NULL;
	uint32_t line = 0;
	int real = 0, err;
	if (m->dm) {
		Dwarf_Addr addr = vaddr + m->bias;
		name = module_symbol(m, addr);
		line_at(s, m->dm, addr, &file, &line);
		err = push_inline_chain(s, m, addr, name, &file, &line, &real);
		if (err || real)
			return err;
	}
	if (!name && !(name = fallback_name(s, m, vaddr)))
		return -ENOMEM;
	return push_frame(s, name, file, line, NULL);
}

/* The cached result for (module mi, vaddr), resolving it on first use. */
static int resolve(struct hp_symbolizer *s, uint32_t mi, uint64_t vaddr,
		   const struct sym_result **out)
{
	uint64_t key = hmap_key2(mi + 1, vaddr), idx;
	if (hmap_get(&s->cache, key, &idx) && s->results[idx].mod == mi &&
	    s->results[idx].vaddr == vaddr) {
		*out = &s->results[idx];
		return 0;
	}
	int err = hp_grow((void **)&s->results, &s->capresults, s->nresults + 1,
			     sizeof(*s->results));
	if (err)
		return err;
	size_t first = s->nframes;
	if ((err = resolve_frames(s, mi, vaddr))) {
		s->nframes = first;
		return err;
	}
	idx = s->nresults++;
	s->results[idx] = (struct sym_result){
		.mod = mi, .vaddr = vaddr, .first = (uint32_t)first,
		.n = (uint32_t)(s->nframes - first),
	};
	/* A slot taken by a colliding key keeps its entry; this one goes uncached. */
	uint64_t taken;
	if (!hmap_get(&s->cache, key, &taken) && (err = hmap_put(&s->cache, key, idx)))
		return err;
	*out = &s->results[idx];
	return 0;
}

/* --- public API --- */

int symbolizer_preload(struct hp_symbolizer *s, const char *path)
{
	uint32_t mi;
	Dwarf_Addr bias;
	int err = module_index(s, path, &mi);
	if (err)
		return err;
	struct sym_module *m = &s->mods[mi];
	if (!m->dm)
		return 0;
	/* Opening the DWARF decompresses the .debug sections (most of the
	 * cost for Debian's libc6-dbg); the symbol table is sorted here too. */
	dwfl_module_getdwarf(m->dm, &bias);
	if (!m->symtab_tried) {
		m->symtab_tried = 1;
		m->symtab = build_symtab(m->dm);
	}
	return 0;
}

int symbolizer_new(struct hp_symbolizer **out)
{
	struct hp_symbolizer *s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->callbacks = (Dwfl_Callbacks){
		.find_elf = dwfl_build_id_find_elf,
		.find_debuginfo = dwfl_standard_find_debuginfo,
		.section_address = dwfl_offline_section_address,
		.debuginfo_path = &s->debuginfo_path,
	};
	hmap_init(&s->mod_by_path);
	hmap_init(&s->cache);
	hmap_init(&s->strings);
	int err = inlines_new(&s->inlines);
	if (err)
		goto err_free;
	s->dwfl = dwfl_begin(&s->callbacks);
	if (!s->dwfl) {
		hp_err("cannot start libdwfl: %s", dwfl_errmsg(-1));
		err = -HP_ENOSYMS;
		goto err_inlines;
	}
	*out = s;
	return 0;

err_inlines:
	inlines_free(s->inlines);
err_free:
	free(s);
	return err;
}

void symbolizer_free(struct hp_symbolizer *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->nmods; i++) {
		symtab_free(s->mods[i].symtab);
		free(s->mods[i].path);
	}
	inlines_free(s->inlines);
	dwfl_end(s->dwfl);
	free(s->mods);
	free(s->results);
	free(s->frames);
	hmap_release(&s->mod_by_path);
	hmap_release(&s->cache);
	hmap_release(&s->strings);
	arena_release(&s->arena);
	free(s);
}

/* Copy a cached result out as hp_frames (at most max). */
static int copy_frames(const struct hp_symbolizer *s, const struct sym_result *r,
		       struct hp_frame *frames, int max)
{
	int n = (int)r->n < max ? (int)r->n : max;
	for (int i = 0; i < n; i++) {
		const struct sym_frame *f = &s->frames[r->first + i];
		frames[i] = (struct hp_frame){ .function = f->function, .file = f->file,
					       .line = f->line };
	}
	return n;
}

int symbolize_addr(struct hp_symbolizer *s, const char *path, uint64_t vaddr,
		   struct hp_frame *frames, int max)
{
	const struct sym_result *r;
	uint32_t mi;
	if (max < 1)
		return -EINVAL;
	int err = module_index(s, path, &mi);
	if (!err)
		err = resolve(s, mi, vaddr, &r);
	if (err) {
		hp_debug(HP_DBG_SYMS, 1, "cannot symbolize '%s'+0x%" PRIx64 ": %s", path, vaddr,
			 hp_strerror(err));
		frames[0] = (struct hp_frame){ .function = UNKNOWN_NAME };
		return 1;
	}
	return copy_frames(s, r, frames, max);
}

/* --- symbolize_store: locations of a store to location_frames --- */

struct store_job {
	struct hp_symbolizer *s;
	struct hp_hmap module_of;   /* store module id + 1 -> symbolizer module index + 1 */
	struct hp_hmap done;        /* location id + 1 -> 1, for locations with frames */
	struct hp_location_row *locs;
	size_t nlocs, caplocs;
};

/* 1 unless both build ids are known and differ. */
static int build_id_matches(Dwfl_Module *dm, const char *hex)
{
	const unsigned char *bits;
	GElf_Addr where;
	int len = dwfl_module_build_id(dm, &bits, &where);
	if (!hex || !hex[0] || len <= 0)
		return 1;
	if (strlen(hex) != 2 * (size_t)len)
		return 0;
	for (int i = 0; i < len; i++) {
		char byte[3];
		snprintf(byte, sizeof(byte), "%02x", bits[i]);
		if (strncasecmp(byte, hex + 2 * i, 2))
			return 0;
	}
	return 1;
}

static int collect_module(void *ctx, const struct hp_module_row *row)
{
	struct store_job *job = ctx;
	struct sym_module *m;
	uint32_t mi;
	int err = module_index(job->s, row->path, &mi);
	if (err)
		return err;
	m = &job->s->mods[mi];
	if (m->dm && !build_id_matches(m->dm, row->build_id)) {
		/* Rebuilt since the run: its symbols would be wrong ones. */
		hp_warn("module '%s' changed since the profile was recorded (build id differs); "
			"its addresses stay unresolved", row->path);
		m->dm = NULL;
	}
	return hmap_put(&job->module_of, (uint64_t)row->id + 1, mi + 1);
}

static int collect_done(void *ctx, const struct hp_frame_row *row)
{
	struct store_job *job = ctx;
	return hmap_put(&job->done, (uint64_t)row->location_id + 1, 1);
}

static int collect_location(void *ctx, const struct hp_location_row *row)
{
	struct store_job *job = ctx;
	uint64_t unused;
	if (hmap_get(&job->done, (uint64_t)row->id + 1, &unused))
		return 0;
	int err = hp_grow((void **)&job->locs, &job->caplocs, job->nlocs + 1,
			     sizeof(*job->locs));
	if (!err)
		job->locs[job->nlocs++] = *row;
	return err;
}

/* One location_frames row, interning its file and function. The function's
 * file is where it is declared when DWARF says so, else this frame's file. */
static int write_frame(struct hp_store *st, uint32_t location_id, uint32_t depth,
		       uint32_t module_id, const struct sym_frame *f)
{
	uint32_t file_id = 0, decl_id = 0, function_id;
	int err = 0;
	if (f->file)
		err = store_intern_file(st, f->file, &file_id);
	if (!err && f->decl_file)
		err = store_intern_file(st, f->decl_file, &decl_id);
	if (!err)
		err = store_intern_function(st, f->function, module_id,
					    decl_id ? decl_id : file_id, &function_id);
	if (!err)
		err = store_add_location_frame(st, location_id, depth, function_id, file_id,
					       f->line);
	return err;
}

/* Module id 0 (no mapping covered the address) becomes one "[unknown]"
 * function of module 0. */
static int write_location(struct hp_store *st, struct store_job *job,
			  const struct hp_location_row *loc)
{
	struct hp_symbolizer *s = job->s;
	const struct sym_result *r;
	uint64_t mi;
	if (!loc->module_id || !hmap_get(&job->module_of, (uint64_t)loc->module_id + 1, &mi)) {
		struct sym_frame unknown = { .function = UNKNOWN_NAME };
		return write_frame(st, loc->id, 0, 0, &unknown);
	}
	int err = resolve(s, (uint32_t)(mi - 1), loc->addr, &r);
	for (uint32_t d = 0; !err && d < r->n; d++)
		err = write_frame(st, loc->id, d, loc->module_id, &s->frames[r->first + d]);
	return err;
}

int symbolize_store(struct hp_store *st, struct hp_symbolizer *s)
{
	struct store_job job = { .s = s };
	int err;
	hmap_init(&job.module_of);
	hmap_init(&job.done);
	/* Collect first, write after: no iterator is open while rows are added. */
	if ((err = store_each_module(st, collect_module, &job)) ||
	    (err = store_each_location_frame(st, collect_done, &job)) ||
	    (err = store_each_location(st, collect_location, &job)))
		goto out_release;
	for (size_t i = 0; i < job.nlocs && !err; i++)
		err = write_location(st, &job, &job.locs[i]);
	if (!err)
		err = store_flush(st);
	hp_debug(HP_DBG_SYMS, 1, "symbolized %zu locations in %zu modules", job.nlocs,
		 s->nmods);
out_release:
	free(job.locs);
	hmap_release(&job.done);
	hmap_release(&job.module_of);
	if (err)
		hp_err("cannot symbolize the profile: %s", hp_strerror(err));
	return err;
}

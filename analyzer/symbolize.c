/*
 * symbolize.c - module path + ELF vaddr -> inline chain of frames (libdwfl):
 * the symbolizer's public side (symbolize.h).
 *
 * Takes (module path, vaddr) pairs - from callers directly or from the
 * store's locations - and produces hp_frame chains, innermost first: the
 * inlined callees, then the real function. It does not unwind, read /proc
 * of the target or aggregate. Here: the modules, the strings, the names as
 * shown (demangled, demangle.h) and the store job; resolving is
 * symresolve.c, the ranges that answer lookups symfill.c, the on-disk
 * cache symcache.c (symbolize_internal.h has the map).
 *
 * One offline Dwfl holds every module, reported once per path with
 * dwfl_report_elf(base 0, add_p_vaddr) so that dwfl addresses equal ELF
 * vaddrs (the bias is still read back and applied). Separate debug info is
 * found by build id or .gnu_debuglink under /usr/lib/debug
 * (dwfl_standard_find_debuginfo), through a decompressed copy kept in the
 * cache directory when there is one (debugcopy.h). Every string handed
 * out is interned in the symbolizer's arena.
 *
 * Modules that cannot be read and bracketed pseudo-modules other than
 * "[vdso]" ("[kernel]", never opened) are answered per exact address:
 * "BASENAME+0xVADDR", "[kernel]" for address 0, else "[kernel]+0xADDR".
 * Kernel frames ("[kernel.kallsyms]", absolute addresses) are named by
 * ksyms.h.
 */
#include "analyzer/symbolize.h"

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
#include "analyzer/buildid.h"
#include "analyzer/debugcopy.h"
#include "analyzer/demangle.h"
#include "analyzer/dwname.h"
#include "analyzer/fde.h"
#include "analyzer/inlines.h"
#include "analyzer/ksyms.h"
#include "analyzer/symbolize_internal.h"
#include "analyzer/symtab.h"
#include "common/error.h"
#include "common/grow.h"
#include "common/heldfile.h"
#include "common/hmap.h"
#include "common/log.h"
#include "common/store.h"

#define VDSO_PATH       "[vdso]"
#define UNKNOWN_NAME    "[unknown]"   /* module id 0 in the store */
#define PATH_BUF        (2 * PATH_MAX)

/* The symbolizer's copy of str, shared by equal strings; NULL on ENOMEM.
 * On a (rare) hash collision the copy is simply not shared. */
const char *symbolize_intern(struct hp_symbolizer *s, const char *str)
{
	uint64_t key = hmap_str_key(str), val;
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

const char *symbolize_intern_printf(struct hp_symbolizer *s, const char *fmt, ...)
{
	char buf[PATH_BUF];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	return symbolize_intern(s, buf);
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
const char *symbolize_make_path(struct hp_symbolizer *s, const char *dir, const char *name)
{
	char buf[PATH_BUF];
	if (name[0] != '/' && dir && dir[0] == '/')
		snprintf(buf, sizeof(buf), "%s/%s", dir, name);
	else
		snprintf(buf, sizeof(buf), "%s", name);
	normalize_path(buf);
	return symbolize_intern(s, buf);
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

/* libdwfl's find_debuginfo: the decompressed copy in the cache when there
 * is one; else the standard search (build id, .gnu_debuglink under
 * /usr/lib/debug, then debuginfod when DEBUGINFOD_URLS is set), making the
 * copy when what it found is compressed. The module's userdata is the
 * symbolizer (set in report_module). */
static int find_debuginfo(Dwfl_Module *mod, void **userdata, const char *modname,
			  Dwarf_Addr base, const char *file_name, const char *debuglink_file,
			  GElf_Word debuglink_crc, char **debuginfo_file_name)
{
	struct hp_symbolizer *s = *userdata;
	char id[SYM_BUILD_ID_HEX], *copy = NULL;
	const unsigned char *bits;
	GElf_Addr where;
	int len = dwfl_module_build_id(mod, &bits, &where), fd;
	int cached = s && s->cache_dir && len > 0 && 2 * len < SYM_BUILD_ID_HEX;
	id[0] = '\0';
	for (int i = 0; len > 0 && 2 * i + 2 < SYM_BUILD_ID_HEX && i < len; i++)
		snprintf(id + 2 * i, 3, "%02x", bits[i]);
	if (cached && (fd = debugcopy_open(s->cache_dir, id, &copy)) >= 0) {
		*debuginfo_file_name = copy;
		return fd;
	}
	/* Nothing local to find: only debuginfod could answer, and libdw
	 * loads its client (curl, TLS: ~5 ms) to ask even when no server is
	 * configured. */
	const char *urls = getenv("DEBUGINFOD_URLS");
	if ((!urls || !urls[0]) && !debugcopy_any_candidate(file_name ? file_name : modname,
							    len > 0 ? id : NULL,
							    debuglink_file))
		return -1;
	fd = dwfl_standard_find_debuginfo(mod, userdata, modname, base, file_name,
					  debuglink_file, debuglink_crc, debuginfo_file_name);
	if (fd < 0 || !cached || !*debuginfo_file_name)
		return fd;
	int cfd = debugcopy_make(s->cache_dir, id, *debuginfo_file_name, &copy);
	if (cfd >= 0) {
		close(fd);
		free(*debuginfo_file_name);
		*debuginfo_file_name = copy;
		fd = cfd;
	}
	return fd;
}

/* A module path comes from a database (untrusted, issue 15): only a
 * regular file is opened as ELF - a FIFO would block, a device stream
 * forever. Returns the descriptor or a negative error. */
static int open_module_file(const char *path)
{
	struct stat sb;
	int fd = heldfile_open(path);     /* gone from its name, held by the run */
	if (fd == -ENOENT)
		fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd == -1)
		return -errno;
	if (fd < 0)
		return fd;
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
	void **userdata = NULL;
	if (dm && dwfl_module_info(dm, &userdata, NULL, NULL, NULL, NULL, NULL, NULL) &&
	    userdata)
		*userdata = s;
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
		buildid_hex(m->dm, m->build_id, sizeof(m->build_id));
	}
	*index = (uint32_t)s->nmods++;
	if (m->dm && s->cache_dir)
		symcache_load(s, *index);
	return 0;
}

/* Index of the module for path, reporting it on first use. */
static int module_index(struct hp_symbolizer *s, const char *path, uint32_t *index)
{
	uint64_t key = hmap_str_key(path), val;
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

/* --- resolving --- */

/* The frames of (module mi, vaddr) in *first and *n: from the module's
 * segments when it can be read, else per exact address. */
static int resolve(struct hp_symbolizer *s, uint32_t mi, uint64_t vaddr, uint32_t *first,
		   uint32_t *n)
{
	if (s->mods[mi].dm)
		return symfill_lookup(s, mi, vaddr, first, n);
	uint64_t key = hmap_key2(mi + 1, vaddr), idx;
	if (hmap_get(&s->cache, key, &idx) && s->results[idx].mod == mi &&
	    s->results[idx].vaddr == vaddr)
		goto found;
	int err = hp_grow((void **)&s->results, &s->capresults, s->nresults + 1,
			     sizeof(*s->results));
	if (err)
		return err;
	size_t start = s->nframes;
	if ((err = symresolve_frames(s, mi, vaddr))) {
		s->nframes = start;
		return err;
	}
	idx = s->nresults++;
	s->results[idx] = (struct sym_result){
		.mod = mi, .vaddr = vaddr, .first = (uint32_t)start,
		.n = (uint32_t)(s->nframes - start),
	};
	/* A slot taken by a colliding key keeps its entry; this one goes uncached. */
	uint64_t taken;
	if (!hmap_get(&s->cache, key, &taken) && (err = hmap_put(&s->cache, key, idx)))
		return err;
found:
	*first = s->results[idx].first;
	*n = s->results[idx].n;
	return 0;
}

/* The name shown for frame f: demangled unless raw names were asked for
 * or hpprof made the name up; NULL on ENOMEM. Memoized per raw name. */
static const char *shown_name(struct hp_symbolizer *s, const struct sym_frame *f)
{
	uint64_t key = (uint64_t)(uintptr_t)f->function, val;
	if (s->raw_names || f->made_up || !demangle_is_mangled(f->function))
		return f->function;
	if (hmap_get(&s->shown, key, &val))
		return (const char *)(uintptr_t)val;
	char *dem = demangle_name(f->function);
	const char *name = dem ? symbolize_intern(s, dem) : f->function;
	free(dem);
	if (!name || hmap_put(&s->shown, key, (uint64_t)(uintptr_t)name))
		return NULL;
	return name;
}

/* --- public API --- */

int symbolizer_preload(struct hp_symbolizer *s, const char *path)
{
	uint32_t mi;
	Dwarf_Addr bias;
	if (!strcmp(path, KSYMS_MODULE))
		return ksyms_preload(s->ksyms) == -ENOMEM ? -ENOMEM : 0;
	int err = module_index(s, path, &mi);
	if (err)
		return err;
	struct sym_module *m = &s->mods[mi];
	/* With a cache entry, lookups will mostly hit it: the debug info is
	 * read later, and only if an address misses. */
	if (!m->dm || m->cache)
		return 0;
	/* Opening the DWARF decompresses the .debug sections (most of the
	 * cost for Debian's libc6-dbg); the symbol table is sorted here too. */
	dwfl_module_getdwarf(m->dm, &bias);
	symresolve_symtab(m);
	return 0;
}

int symbolizer_prefetch(struct hp_symbolizer *s, const char *path, uint64_t vaddr)
{
	uint32_t mi, first, n;
	/* Kernel frames only from a table that reads: the warning of one that
	 * does not is the end's to give, in its place in the output. Other
	 * pseudo-modules ("[python] FILE": frames the collector wrote) wait. */
	if (path[0] == '[' && strcmp(path, VDSO_PATH) &&
	    (strcmp(path, KSYMS_MODULE) || !ksyms_count(s->ksyms)))
		return 0;
	int err = module_index(s, path, &mi);
	if (err)
		return err;
	if ((err = resolve(s, mi, vaddr, &first, &n)))
		return err;
	for (uint32_t d = 0; d < n; d++)          /* the names shown, memoized */
		if (!shown_name(s, &s->frames[first + d]))
			return -ENOMEM;
	return 1;
}

int symbolizer_new(struct hp_symbolizer **out)
{
	struct hp_symbolizer *s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->callbacks = (Dwfl_Callbacks){
		.find_elf = dwfl_build_id_find_elf,
		.find_debuginfo = find_debuginfo,
		.section_address = dwfl_offline_section_address,
		.debuginfo_path = &s->debuginfo_path,
	};
	hmap_init(&s->mod_by_path);
	hmap_init(&s->cache);
	hmap_init(&s->strings);
	hmap_init(&s->shown);
	int err = inlines_new(&s->inlines);
	if (err || (err = ksyms_new(&s->ksyms)))
		goto err_free;
	s->dwfl = dwfl_begin(&s->callbacks);
	if (!s->dwfl) {
		hp_err("cannot start libdwfl: %s", dwfl_errmsg(-1));
		err = -HP_ENOSYMS;
		goto err_free;
	}
	*out = s;
	return 0;

err_free:
	inlines_free(s->inlines);
	ksyms_free(s->ksyms);
	free(s);
	return err;
}

void symbolizer_set_raw_names(struct hp_symbolizer *s, int raw)
{
	s->raw_names = raw;
}

int symbolizer_set_cache(struct hp_symbolizer *s, const char *dir)
{
	char *copy = NULL;
	if (dir && !(copy = strdup(dir)))
		return -ENOMEM;
	free(s->cache_dir);
	s->cache_dir = copy;
	return 0;
}

long symbolizer_cache_misses(const struct hp_symbolizer *s)
{
	long n = 0;
	if (!s->cache_dir)
		return -1;
	for (size_t i = 0; i < s->nmods; i++)
		n += s->mods[i].misses;
	return n;
}

/* One debug line: the misses per module (--debug=syms:1). */
static void log_misses(const struct hp_symbolizer *s)
{
	char buf[1024];
	size_t len = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < s->nmods && len + 1 < sizeof(buf); i++)
		if (s->mods[i].misses)
			len += (size_t)snprintf(buf + len, sizeof(buf) - len, " %s %u;",
						s->mods[i].base, s->mods[i].misses);
	hp_debug(HP_DBG_SYMS, 1, "symbol cache: %ld misses%s", symbolizer_cache_misses(s), buf);
}

int symbolizer_save_cache(struct hp_symbolizer *s)
{
	return s->cache_dir ? symcache_save(s) : 0;
}

void symbolizer_free(struct hp_symbolizer *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->nmods; i++) {
		symtab_free(s->mods[i].symtab);
		fdes_free(s->mods[i].fdes);
		fdes_free(s->mods[i].dfdes);
		symsegs_release(&s->mods[i].segs);
		symcache_release(&s->mods[i]);
		symunits_release(&s->mods[i]);
		free(s->mods[i].path);
	}
	inlines_free(s->inlines);
	ksyms_free(s->ksyms);
	dwfl_end(s->dwfl);
	free(s->mods);
	free(s->results);
	free(s->frames);
	free(s->cache_dir);
	hmap_release(&s->mod_by_path);
	hmap_release(&s->cache);
	hmap_release(&s->strings);
	hmap_release(&s->shown);
	dwname_free(s);
	arena_release(&s->arena);
	free(s);
}

/* Copy frames[first, first + n) out as hp_frames (at most max). */
static int copy_frames(struct hp_symbolizer *s, uint32_t first, uint32_t n,
		       struct hp_frame *frames, int max)
{
	int k = (int)n < max ? (int)n : max;
	for (int i = 0; i < k; i++) {
		const struct sym_frame *f = &s->frames[first + i];
		const char *name = shown_name(s, f);
		frames[i] = (struct hp_frame){ .function = name ? name : f->function,
					       .raw_function = f->made_up ? NULL : f->function,
					       .file = f->file, .line = f->line };
	}
	return k;
}

int symbolize_addr(struct hp_symbolizer *s, const char *path, uint64_t vaddr,
		   struct hp_frame *frames, int max)
{
	uint32_t mi, first, n;
	if (max < 1)
		return -EINVAL;
	int err = module_index(s, path, &mi);
	if (!err)
		err = resolve(s, mi, vaddr, &first, &n);
	if (err) {
		hp_debug(HP_DBG_SYMS, 1, "cannot symbolize '%s'+0x%" PRIx64 ": %s", path, vaddr,
			 hp_strerror(err));
		frames[0] = (struct hp_frame){ .function = UNKNOWN_NAME };
		return 1;
	}
	return copy_frames(s, first, n, frames, max);
}

/* --- symbolize_store_rows: locations of a store to location_frames --- */

struct store_job {
	struct hp_symbolizer *s;
	struct hp_hmap module_of;   /* store module id + 1 -> symbolizer module index + 1 */
	struct hp_hmap done;        /* location id + 1 -> 1, for locations with frames */
	struct hp_location_row *locs;
	size_t nlocs, caplocs;
};

static int collect_module(void *ctx, const struct hp_module_row *row)
{
	struct store_job *job = ctx;
	struct sym_module *m;
	uint32_t mi;
	int err = module_index(job->s, row->path, &mi);
	if (err)
		return err;
	m = &job->s->mods[mi];
	if (m->dm && !buildid_matches(m->dm, row->build_id)) {
		/* Rebuilt since the run: its symbols would be wrong ones. */
		hp_warn("module '%s' changed since the profile was recorded (build id differs); "
			"its addresses stay unresolved", row->path);
		m->dm = NULL;
		m->cache_dirty = 0;
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
 * file is where it is declared when DWARF says so, else this frame's file;
 * its name is the one shown, its raw name the binary's own (none when
 * hpprof made the name up). */
static int write_frame(struct hp_store *st, struct hp_symbolizer *s, uint32_t location_id,
		       uint32_t depth, uint32_t module_id, const struct sym_frame *f)
{
	uint32_t file_id = 0, decl_id = 0, function_id;
	const char *name = s ? shown_name(s, f) : f->function;
	int err = name ? 0 : -ENOMEM;
	if (!err && f->file)
		err = store_intern_file(st, f->file, &file_id);
	if (!err && f->decl_file)
		err = store_intern_file(st, f->decl_file, &decl_id);
	if (!err)
		err = store_intern_function_raw(st, name, f->made_up ? NULL : f->function,
						module_id, decl_id ? decl_id : file_id,
						&function_id);
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
	uint32_t first, n;
	uint64_t mi;
	if (!loc->module_id || !hmap_get(&job->module_of, (uint64_t)loc->module_id + 1, &mi)) {
		struct sym_frame unknown = { .function = UNKNOWN_NAME, .made_up = 1 };
		return write_frame(st, NULL, loc->id, 0, 0, &unknown);
	}
	int err = resolve(s, (uint32_t)(mi - 1), loc->addr, &first, &n);
	for (uint32_t d = 0; !err && d < n; d++)
		err = write_frame(st, s, loc->id, d, loc->module_id, &s->frames[first + d]);
	return err;
}

int symbolize_store_rows(struct hp_store *st, struct hp_symbolizer *s)
{
	struct store_job job = { .s = s };
	int err;
	hmap_init(&job.module_of);
	hmap_init(&job.done);
	char *boot = NULL;              /* kernel addresses are only valid in their boot */
	ksyms_check_boot(s->ksyms, store_get_meta(st, "boot_id", &boot) ? NULL : boot);
	free(boot);
	/* Collect first, write after: no iterator is open while rows are added. */
	if ((err = store_each_module(st, collect_module, &job)) ||
	    (err = store_each_location_frame(st, collect_done, &job)) ||
	    (err = store_each_location(st, collect_location, &job)))
		goto out_release;
	for (size_t i = 0; i < job.nlocs && !err; i++)
		err = write_location(st, &job, &job.locs[i]);
	hp_debug(HP_DBG_SYMS, 1, "symbolized %zu locations in %zu modules", job.nlocs,
		 s->nmods);
	if (!err && s->cache_dir) {
		log_misses(s);
		int cerr = symcache_save(s);
		if (cerr)
			hp_debug(HP_DBG_SYMS, 1, "cannot update the symbol cache in '%s': %s",
				 s->cache_dir, hp_strerror(cerr));
	}
out_release:
	free(job.locs);
	hmap_release(&job.done);
	hmap_release(&job.module_of);
	if (err)
		hp_err("cannot symbolize the profile: %s", hp_strerror(err));
	return err;
}

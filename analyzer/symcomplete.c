/*
 * symcomplete.c - all of a small module's code resolved into segments
 * once its debug information is open (symbolize_internal.h).
 *
 * A warm run misses the symbol cache when a sample lands where no earlier
 * run resolved anything: page faults of the start-up land anywhere in
 * ld.so and libc, and a program's rarely sampled functions show up one run
 * at a time. Each miss opens the module's DWARF, symbol table and address
 * ranges again (~8 ms for ld.so, ~18 ms for libc, 25-30 ms of a julia run
 * with several: docs/performance.md, "Fixed cost", wave 10), while the
 * neighbourhood it resolves is cheap. So when a run has paid for opening a
 * module anyway (it resolved something: cache_dirty), a module whose code
 * is small is resolved whole, within a time budget, and its cache entry
 * then answers every address of it: later runs no longer miss there.
 * A module without DWARF is resolved whole up to a much larger size: each
 * of its functions is one range (a symbol or an FDE, no lines, no inline
 * scopes), ~2 us each - Debian's python3.11 (2.6 MB of code, only
 * .dynsym) in ~20 ms once, an entry of ~530 KB; its warm runs missed
 * 20-60 times each, in whichever functions of the start-up they sampled.
 *
 * A large module with DWARF (libc, libm) is not resolved whole (libc:
 * ~2 MB of code, seconds); its warm runs miss in whichever functions of
 * the start-up and exit paths a run happened to sample, a few of a set
 * that every run executes. So when such a module's entry is saved, the
 * functions of that set are resolved too (complete_startup): the module's
 * IFUNC resolvers (run by the loader's relocations), its _init and _fini,
 * and for libc a table of its start-up, exit, stdio, malloc, locale and
 * system-call functions (those seen missing in warm runs of julia,
 * python3.11, xz and /bin/true: docs/performance.md, "Wave 15: misses"),
 * within a budget of its own; what a budget leaves is done at a later
 * save.
 *
 * It adds segments only through symfill_lookup, so every answer is the one
 * a lookup of that address would give. Code that no symbol and no FDE
 * names (padding between functions) is skipped: each of its addresses
 * would be a segment of its own, and nothing executes there.
 */
#include <elfutils/libdwfl.h>
#include <errno.h>
#include <gelf.h>
#include <stdlib.h>
#include <string.h>

#include "analyzer/fde.h"
#include "analyzer/symbolize_internal.h"
#include "analyzer/symtab.h"
#include "common/clock.h"
#include "common/grow.h"
#include "common/log.h"

#define COMPLETE_MAX_CODE (256u << 10)       /* executable bytes of a module completed */
#define COMPLETE_MAX_PLAIN (16u << 20)       /* ... of a module without DWARF (cheap) */
#define COMPLETE_BUDGET_NS 300000000ull      /* per module and run, at most */
#define STARTUP_BUDGET_NS  100000000ull      /* complete_startup, per module and run */
#define MAX_CODE_RANGES 8

/* The executable PT_LOAD ranges of m (ELF vaddrs) and their total size. */
static size_t code_ranges(struct sym_module *m, uint64_t lo[], uint64_t hi[], uint64_t *total)
{
	GElf_Addr bias = 0;
	Elf *elf = dwfl_module_getelf(m->dm, &bias);
	size_t nph = 0, n = 0;
	*total = 0;
	if (!elf || elf_getphdrnum(elf, &nph) != 0)
		return 0;
	for (size_t i = 0; i < nph && n < MAX_CODE_RANGES; i++) {
		GElf_Phdr ph;
		if (!gelf_getphdr(elf, (int)i, &ph) || ph.p_type != PT_LOAD || !(ph.p_flags & PF_X) ||
		    !ph.p_memsz)
			continue;
		lo[n] = ph.p_vaddr;
		hi[n] = ph.p_vaddr + ph.p_memsz;
		*total += ph.p_memsz;
		n++;
	}
	return n;
}

/* Where the walk goes on from vaddr a when no symbol and no FDE names it:
 * the end of the symbol table's nameless region there, or the next FDE
 * in it (a stripped module's functions are FDEs in one nameless region). */
static uint64_t skip_unnamed(struct sym_module *m, const struct hp_symtab *t, uint64_t a)
{
	Dwarf_Addr d = a + m->bias, fs, fe;
	uint64_t rlo, rhi;
	if (symtab_lookup(t, d, NULL) || symresolve_fde(m, d, 1, &fs, &fe))
		return a;
	symtab_region(t, d, &rlo, &rhi);
	Dwarf_Addr next = fdes_next(m->fdes ? m->fdes : m->dfdes, d);
	if (next < rhi)
		rhi = next;
	return rhi > d ? rhi - m->bias : a + 1;
}

/* Segments for every named address of [lo, hi) of module mi. */
static int complete_range(struct hp_symbolizer *s, uint32_t mi, uint64_t lo, uint64_t hi,
			  uint64_t deadline)
{
	struct sym_module *m = &s->mods[mi];
	const struct hp_symtab *t = symresolve_symtab(m);
	uint32_t first, n;
	for (uint64_t a = lo; a < hi;) {
		const struct sym_seg *g = symsegs_find(&m->segs, a);
		if (g || (g = symcache_take(s, mi, a))) {
			a = g->hi;
			continue;
		}
		uint64_t next = skip_unnamed(m, t, a);
		if (next != a) {
			a = next;
			continue;
		}
		if (hp_now_ns() > deadline)
			return -ETIMEDOUT;
		int err = symfill_lookup(s, mi, a, &first, &n);
		if (err)
			return err;
		if (!(g = symsegs_find(&m->segs, a)))
			return -EIO;
		a = g->hi;
	}
	return 0;
}

/* --- the start-up set of a large module --- */

/* libc's functions that every run (or most) executes at start-up and
 * exit, as "normalized" names: without a "__GI_" prefix, leading
 * underscores and a clone's suffix (".part.0", ".constprop.0"). Aliases
 * collapse to one name in the symbol table (symtab.c keeps the global one
 * with the fewest underscores: write, not __libc_write or
 * __GI___libc_write), so both spellings are listed: glibc 2.36's and the
 * internal one. Sorted (strcmp). */
static const char *const libc_startup[] = {
	"IO_cleanup", "IO_default_uflow", "IO_default_xsputn", "IO_do_write",
	"IO_doallocbuf", "IO_fflush", "IO_file_close_it", "IO_file_doallocate",
	"IO_file_fopen", "IO_file_open", "IO_file_overflow", "IO_file_stat",
	"IO_file_sync", "IO_file_underflow", "IO_file_write", "IO_file_xsgetn",
	"IO_file_xsputn", "IO_flush_all", "IO_flush_all_lockp", "IO_getline_info",
	"IO_new_do_write", "IO_new_fclose", "IO_new_file_close_it",
	"IO_new_file_fopen", "IO_new_file_init_internal", "IO_new_file_overflow",
	"IO_new_file_sync", "IO_new_file_underflow", "IO_new_file_write",
	"IO_new_file_xsputn", "IO_new_fopen", "IO_no_init", "IO_unsave_markers", "brk",
	"clock_gettime", "close", "close_nocancel", "closedir", "ctype_init",
	"cxa_atexit", "cxa_finalize", "dcigettext", "default_morecore",
	"dl_catch_error", "dl_catch_exception", "dl_mcount_wrapper_check",
	"dlerror_run", "exit", "fclose", "fcntl", "fcntl64_nocancel_adjusted",
	"fgets_unlocked", "fopen", "fopen_internal", "fread_unlocked", "free",
	"fstat64", "fstatat", "fstatat64", "gconv_compare_alias", "gconv_load_cache",
	"gconv_read_conf", "getdents64", "getegid", "getenv", "geteuid", "getgid",
	"getopt_long", "getpid", "getrandom", "getrlimit", "getrlimit64", "getrusage",
	"getuid", "glibc_morecore", "init_misc", "int_free", "int_malloc",
	"int_realloc", "isatty", "libc_calloc", "libc_early_init", "libc_free",
	"libc_init_first", "libc_malloc", "libc_read", "libc_realloc",
	"libc_start_call_main", "libc_start_main", "libc_write", "lll_elision_init",
	"llseek", "lseek64", "malloc", "malloc_consolidate", "mbsrtowcs_l", "mbstowcs",
	"mmap", "mmap64", "mprotect", "msort_with_tmp", "munmap", "munmap_chunk",
	"new_do_write", "new_exitfn", "nl_expand_alias", "nl_find_domain",
	"nl_find_locale", "nl_intern_locale_data", "nl_langinfo_l", "nl_load_domain",
	"nl_load_locale", "nl_load_locale_from_archive", "nl_make_l10nflist",
	"nl_normalize_codeset", "open64_nocancel", "open_nocancel", "opendir", "pipe",
	"printf", "pthread_early_init", "pthread_once_slow", "pthread_tunables_init",
	"ptmalloc_init", "qsort", "qsort_r", "read", "read_alias_file",
	"read_nocancel", "readdir", "readdir64", "readlink", "realloc",
	"run_exit_handlers", "sbrk", "setlocale", "sigaction", "snprintf",
	"snprintf_chk", "stat", "strtol", "syscall", "sysconf", "sysmalloc",
	"sysmalloc_mmap", "tcache_init", "tcache_key_initialize", "tcgetattr",
	"tz_convert", "tzfile_read", "tzset_internal", "unlink_chunk",
	"vfprintf_internal", "vsnprintf_chk", "vsnprintf_internal", "wcsrtombs",
	"wcstombs", "write", "write_nocancel",
};

static const char *normalized(const char *name)
{
	if (!strncmp(name, "__GI_", 5))
		name += 5;
	while (*name == '_')
		name++;
	return name;
}

static int in_libc_startup(const char *name)
{
	size_t lo = 0, hi = sizeof(libc_startup) / sizeof(libc_startup[0]);
	name = normalized(name);
	/* GCC's clones compare as their function: tcache_init.part.0 */
	size_t len = strcspn(name, ".");
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strncmp(name, libc_startup[mid], len);
		if (!c && libc_startup[mid][len])
			c = -1;         /* name is a prefix of the entry: before it */
		if (!c)
			return 1;
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return 0;
}

/* Addresses (dwfl) of m's start-up set into *v; returns their number or
 * -ENOMEM. */
static int startup_addrs(struct sym_module *m, const struct hp_symtab *t, uint64_t **v)
{
	size_t n = 0, cap = 0;
	int libc = !strncmp(m->base, "libc.so.", 8);
	*v = NULL;
	for (size_t i = 0; i < symtab_count(t); i++) {
		const char *name;
		uint64_t start, end;
		int sized;
		symtab_entry(t, i, &name, &start, &end, &sized);
		if (strcmp(name, "_init") && strcmp(name, "_fini") && !(libc && in_libc_startup(name)))
			continue;
		if (hp_grow((void **)v, &cap, n + 1, sizeof(**v)))
			return -ENOMEM;
		(*v)[n++] = start;
	}
	/* IFUNC resolvers: the loader runs them at every start. */
	GElf_Addr bias = 0;
	Elf *elf = dwfl_module_getelf(m->dm, &bias);
	Elf_Scn *scn = NULL;
	while (elf && (scn = elf_nextscn(elf, scn))) {
		GElf_Shdr sh;
		Elf_Data *d;
		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_DYNSYM || !sh.sh_entsize ||
		    !(d = elf_getdata(scn, NULL)))
			continue;
		for (size_t i = 0; i < sh.sh_size / sh.sh_entsize; i++) {
			GElf_Sym sym;
			if (!gelf_getsym(d, (int)i, &sym) || GELF_ST_TYPE(sym.st_info) != STT_GNU_IFUNC ||
			    !sym.st_value)
				continue;
			if (hp_grow((void **)v, &cap, n + 1, sizeof(**v)))
				return -ENOMEM;
			(*v)[n++] = sym.st_value + bias;
		}
	}
	return (int)n;
}

/* The functions of m's start-up set that neither this run nor its entry
 * holds, resolved whole, within STARTUP_BUDGET_NS. */
static int complete_startup(struct hp_symbolizer *s, uint32_t mi)
{
	struct sym_module *m = &s->mods[mi];
	const struct hp_symtab *t = symresolve_symtab(m);
	uint64_t *v, t0 = hp_now_ns(), before = symsegs_count(&m->segs);
	int n = startup_addrs(m, t, &v), err = n < 0 ? n : 0, done = 0;
	for (int i = 0; i < n && !err; i++) {
		uint64_t lo, hi, a = v[i] - m->bias;
		if (symsegs_find(&m->segs, a) || symcache_holds(m, a))
			continue;
		symtab_region(t, v[i], &lo, &hi);
		if (lo > v[i] || hi <= v[i] || hi - lo > COMPLETE_MAX_CODE)
			lo = v[i], hi = v[i] + 1;
		err = complete_range(s, mi, lo - m->bias, hi - m->bias,
				     t0 + (s->complete_budget_ns ? s->complete_budget_ns
							     : STARTUP_BUDGET_NS));
		done++;
	}
	free(v);
	if (done)
		hp_debug(HP_DBG_SYMS, 1, "'%s': %d of %d start-up functions resolved, %zu new "
			 "ranges in %.1f ms%s", m->path, done, n,
			 symsegs_count(&m->segs) - (size_t)before, (double)(hp_now_ns() - t0) / 1e6,
			 err == -ETIMEDOUT ? " (budget spent)" : "");
	return err == -ETIMEDOUT || err == -EIO ? 0 : err;
}

int symcomplete_module(struct hp_symbolizer *s, uint32_t mi)
{
	struct sym_module *m = &s->mods[mi];
	uint64_t lo[MAX_CODE_RANGES], hi[MAX_CODE_RANGES], total;
	if (!m->dm || m->pseudo || !symresolve_symtab(m))
		return 0;
	size_t n = code_ranges(m, lo, hi, &total);
	Dwarf_Addr dwbias;
	if (n && total > COMPLETE_MAX_CODE && total <= COMPLETE_MAX_PLAIN &&
	    dwfl_module_getdwarf(m->dm, &dwbias)) {
		s->completing = 1;
		int err = complete_startup(s, mi);
		s->completing = 0;
		return err;
	}
	if (!n || total > COMPLETE_MAX_PLAIN)
		return 0;
	uint64_t t0 = hp_now_ns(), before = symsegs_count(&m->segs);
	int err = 0;
	s->completing = 1;
	m->units.whole = 1;             /* every unit: the module's own Dwarf */
	for (size_t i = 0; i < n && !err; i++)
		err = complete_range(s, mi, lo[i], hi[i],
				     t0 + (s->complete_budget_ns ? s->complete_budget_ns
							  : COMPLETE_BUDGET_NS));
	s->completing = 0;
	hp_debug(HP_DBG_SYMS, 1, "'%s': completed %llu bytes of code, %zu new ranges in %.1f ms%s",
		 m->path, (unsigned long long)total, symsegs_count(&m->segs) - (size_t)before,
		 (double)(hp_now_ns() - t0) / 1e6, err == -ETIMEDOUT ? " (budget spent)" : "");
	return err == -ETIMEDOUT || err == -EIO ? 0 : err;
}

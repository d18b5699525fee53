/*
 * symresolve.c - one (module, vaddr) to its chain of frames (libdwfl).
 *
 * Takes a module of the symbolizer and an ELF vaddr; appends sym_frames
 * to the symbolizer, innermost first: the inlined callees (DWARF
 * DW_TAG_inlined_subroutine scopes), then the real function. It does not
 * cache: symfill.c decides which addresses to resolve and keeps the
 * answers.
 *
 * The real function's name comes from the module's sorted symbol table
 * (symtab.h): .symtab (from a separate debug file when there is one, or
 * the .gnu_debugdata MiniDebugInfo that libdwfl reads on its own) or
 * .dynsym, plus one sized entry per PLT stub ("printf@plt", plt.h). A
 * sizeless symbol ends at the end of its section or .eh_frame FDE. Where
 * no symbol covers an address, the DWARF subprogram names it; where
 * neither does, the .eh_frame FDE containing it does: "BASENAME+0xSTART",
 * the FDE's first address, so that stripped code groups by function
 * (fde.h). Without an FDE either: "BASENAME+0xVADDR", the address as
 * given. Lines come from the line table, inline chains from DWARF code
 * scopes indexed per function (inlines.h).
 */
#include <dwarf.h>
#include <elfutils/libdw.h>
#include <elfutils/libdwfl.h>
#include <errno.h>
#include <gelf.h>
#include <inttypes.h>
#include <string.h>

#include "analyzer/dwname.h"
#include "analyzer/fde.h"
#include "analyzer/inlines.h"
#include "analyzer/ksyms.h"
#include "analyzer/plt.h"
#include "analyzer/symbolize_internal.h"
#include "analyzer/symtab.h"
#include "common/grow.h"
#include "common/log.h"

#define MAX_SCOPES      64            /* nested code scopes kept per address */

/* --- the symbol table --- */

/* Section shndx of elf, when it holds code. */
static int code_section(Elf *elf, GElf_Word shndx, GElf_Shdr *sh)
{
	Elf_Scn *scn = elf ? elf_getscn(elf, shndx) : NULL;
	return scn && gelf_getshdr(scn, sh) && (sh->sh_flags & SHF_EXECINSTR);
}

/* Functions, and the code labels of assembly (NOTYPE in a code section,
 * like ld.so's _start): perf shows those too. *sh is the symbol's section
 * (when it could be read). */
static int is_code_symbol(const GElf_Sym *sym, GElf_Word shndx, Elf *elf, GElf_Shdr *sh)
{
	int type = GELF_ST_TYPE(sym->st_info);
	int code = 0;
	memset(sh, 0, sizeof(*sh));
	if (shndx == SHN_UNDEF || shndx == SHN_ABS || shndx == (GElf_Word)-1)
		return 0;
	code = code_section(elf, shndx, sh);
	if (type == STT_FUNC || type == STT_GNU_IFUNC)
		return 1;
	return type == STT_NOTYPE && code;
}

/* Where a sizeless symbol at addr (dwfl address) must end at the latest:
 * the end of its section, or of the .eh_frame FDE it starts, if sooner.
 * 0 when neither is known. */
static uint64_t sizeless_limit(struct sym_module *m, GElf_Addr addr, const GElf_Shdr *sh,
			       GElf_Addr section_bias)
{
	Dwarf_Addr fs, fe;
	uint64_t limit = 0;
	if (sh->sh_size && addr >= sh->sh_addr + section_bias)
		limit = sh->sh_addr + section_bias + sh->sh_size;
	if (symresolve_fde(m, addr, 0, &fs, &fe) && fe > addr && (!limit || fe < limit))
		limit = fe;
	return limit;
}

static int add_plt_entry(void *ctx, const char *name, uint64_t start, uint64_t size)
{
	return symtab_add_owned(ctx, name, start, size, STB_GLOBAL);
}

static struct hp_symtab *build_symtab(struct sym_module *m)
{
	Dwfl_Module *dm = m->dm;
	struct hp_symtab *t;
	GElf_Addr bias = 0;
	int n = dwfl_module_getsymtab(dm);
	Elf *main_elf = dwfl_module_getelf(dm, &bias);
	if ((n <= 0 && !main_elf) || symtab_new(&t))
		return NULL;
	for (int i = 1; i < n; i++) {
		GElf_Sym sym;
		GElf_Addr addr;
		GElf_Word shndx;
		GElf_Shdr sh;
		Elf *elf;
		Dwarf_Addr sym_bias = 0;
		const char *name = dwfl_module_getsym_info(dm, i, &sym, &addr, &shndx, &elf,
							   &sym_bias);
		if (!name || !name[0] || !is_code_symbol(&sym, shndx, elf, &sh))
			continue;
		uint64_t limit = sym.st_size ? 0 : sizeless_limit(m, addr, &sh, sym_bias);
		if (symtab_add_bounded(t, name, addr, sym.st_size, GELF_ST_BIND(sym.st_info),
				       limit))
			goto fail;
	}
	if (plt_each(main_elf, bias, add_plt_entry, t))
		goto fail;
	symtab_finish(t);
	if (!symtab_count(t)) {
		symtab_free(t);
		return NULL;
	}
	return t;
fail:
	symtab_free(t);
	return NULL;
}

int symresolve_fde(struct sym_module *m, Dwarf_Addr addr, int debug_frame, Dwarf_Addr *start,
		   Dwarf_Addr *end)
{
	if (!m->dm)
		return 0;
	if (!m->fdes_tried) {
		m->fdes_tried = 1;
		fdes_load(m->dm, 0, &m->fdes);
	}
	if (m->fdes)
		return fdes_find(m->fdes, addr, start, end);
	if (!debug_frame)
		return 0;
	if (!m->dfdes_tried) {
		m->dfdes_tried = 1;
		fdes_load(m->dm, 1, &m->dfdes);
	}
	return fdes_find(m->dfdes, addr, start, end);
}

struct hp_symtab *symresolve_symtab(struct sym_module *m)
{
	if (!m->symtab_tried && m->dm) {
		int cached = 0;
		m->symtab_tried = 1;
		m->symtab = symcache_symtab(m, &cached);
		if (!cached)
			m->symtab = build_symtab(m);
		m->symtab_cached = cached;
		hp_debug(HP_DBG_SYMS, 2, "'%s': %zu function symbols%s", m->path,
			 m->symtab ? symtab_count(m->symtab) : 0, cached ? " (cached)" : "");
	}
	return m->symtab;
}

/* Symbol name for dwfl address addr in m, or NULL. */
static const char *module_symbol(struct sym_module *m, Dwarf_Addr addr)
{
	struct hp_symtab *t = symresolve_symtab(m);
	return t ? symtab_lookup(t, addr, NULL) : NULL;
}

/* --- frames --- */

static int push_frame(struct hp_symbolizer *s, const char *function, const char *file,
		      uint32_t line, const char *decl_file, int made_up)
{
	int err = hp_grow((void **)&s->frames, &s->capframes, s->nframes + 1,
			     sizeof(*s->frames));
	if (err)
		return err;
	const char *fn = symbolize_intern(s, function);
	if (!fn)
		return -ENOMEM;
	s->frames[s->nframes++] = (struct sym_frame){
		.function = fn, .file = file, .line = line, .decl_file = decl_file,
		.made_up = (uint32_t)made_up,
	};
	return 0;
}

static const char *cu_comp_dir(Dwarf_Die *die)
{
	Dwarf_Die cu;
	Dwarf_Attribute attr;
	if (!dwarf_diecu(die, &cu, NULL, NULL))
		return NULL;
	return dwarf_formstring(dwarf_attr(&cu, DW_AT_comp_dir, &attr));
}

/* Name of a subprogram or inlined instance: the linkage name when there is
 * one (C++: mangled, like the symbol table), else DW_AT_name qualified by
 * its scopes (dwname.h: "std::__unguarded_partition<...>", not the bare
 * name). NULL without a name; on ENOMEM *enomem is set. */
static const char *die_function_name(struct hp_symbolizer *s, Dwarf_Die *die, int *enomem)
{
	Dwarf_Attribute attr;
	const char *name = dwarf_formstring(dwarf_attr_integrate(die, DW_AT_linkage_name, &attr));
	*enomem = 0;
	if (!name)
		name = dwarf_formstring(dwarf_attr_integrate(die, DW_AT_MIPS_linkage_name, &attr));
	return name ? name : dwname_qualified(s, die, enomem);
}

static const char *die_decl_file(struct hp_symbolizer *s, Dwarf_Die *die)
{
	const char *file = dwarf_decl_file(die);
	return file ? symbolize_make_path(s, cu_comp_dir(die), file) : NULL;
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
		*file = symbolize_make_path(s, cu_comp_dir(die), name);
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
	Dwarf_Die path[MAX_SCOPES], mem;
	int n = 0, err = 0;
	*real = 0;
	uint32_t key;
	Dwarf_Die *cudie = symunits_cudie(m, (uint32_t)(m - s->mods), addr, &mem, &dwbias, &key);
	if (!cudie)
		return 0;
	n = inlines_lookup(s->inlines, key, cudie, addr - dwbias, path, MAX_SCOPES);
	if (n < 0)
		return n;
	for (int i = n - 1; i >= 0 && !err; i--) {
		Dwarf_Die *die = &path[i];
		int tag = dwarf_tag(die);
		const char *name = symname;
		int enomem = 0;
		if (tag == DW_TAG_inlined_subroutine) {
			name = die_function_name(s, die, &enomem);
			err = enomem ? -ENOMEM : push_frame(s, name ? name : "[inlined]", *file,
							    *line, die_decl_file(s, die), !name);
			inline_call_site(s, die, file, line);
		} else if (tag == DW_TAG_subprogram || tag == DW_TAG_entry_point) {
			if (!name)
				name = die_function_name(s, die, &enomem);
			if (enomem)
				return -ENOMEM;
			if (name) {
				err = push_frame(s, name, *file, *line, die_decl_file(s, die), 0);
				*real = 1;
			}
			break;
		}
	}
	return err;
}

/* File and line of the line-table row for addr; NULL/0 when none. */
static void line_at(struct hp_symbolizer *s, struct sym_module *m, Dwarf_Addr addr,
		    const char **file, uint32_t *line)
{
	int lineno = 0;
	const char *name, *dir;
	*file = NULL;
	*line = 0;
	if (!symunits_line(m, addr, &name, &dir, &lineno))
		return;
	*file = symbolize_make_path(s, dir, name);
	*line = lineno > 0 ? (uint32_t)lineno : 0;
}

/* The made-up name of unnamed code: "BASENAME+0xSTART" of the FDE that
 * contains vaddr, else "BASENAME+0xVADDR"; a pseudo-module's address 0
 * (the collector's one location for all kernel frames) is just its name,
 * "[kernel]". */
static const char *fallback_name(struct hp_symbolizer *s, struct sym_module *m,
				 uint64_t vaddr)
{
	Dwarf_Addr start, end;
	if (m->pseudo && !vaddr)
		return symbolize_intern(s, m->path);
	if (symresolve_fde(m, vaddr + m->bias, 1, &start, &end))
		vaddr = start - m->bias;
	return symbolize_intern_printf(s, "%s+0x%" PRIx64, m->base, vaddr);
}

int symresolve_frames(struct hp_symbolizer *s, uint32_t mi, uint64_t vaddr)
{
	struct sym_module *m = &s->mods[mi];
	const char *file = NULL, *name = NULL;
	uint32_t line = 0;
	int real = 0, err;
	if (m->dm) {
		Dwarf_Addr addr = vaddr + m->bias;
		name = module_symbol(m, addr);
		line_at(s, m, addr, &file, &line);
		err = push_inline_chain(s, m, addr, name, &file, &line, &real);
		if (err || real)
			return err;
	}
	char kbuf[256];
	if (m->pseudo && !strcmp(m->path, KSYMS_MODULE))
		name = symbolize_intern(s, ksyms_name(s->ksyms, vaddr, kbuf, sizeof(kbuf)));
	if (name)
		return push_frame(s, name, file, line, NULL, 0);
	if (!(name = fallback_name(s, m, vaddr)))
		return -ENOMEM;
	return push_frame(s, name, file, line, NULL, 1);
}

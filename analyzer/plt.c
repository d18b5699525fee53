/*
 * plt.c - PLT stub names from relocations (plt.h).
 *
 * Takes a module's main ELF file (libelf) and produces (name, start, size)
 * per stub; symbolize.c adds them to the module's symbol table as sized
 * functions. Two passes over the section headers: the relocations of GOT
 * slots (.rela.plt, .rela.dyn) into a table sorted by slot address, then
 * every entry of .plt, .plt.sec and .plt.got, whose "jmp *disp(%rip)" gives
 * the slot it jumps through. An entry that jumps through no named slot
 * (the lazy-binding header .plt[0], IBT's lazy entries) is "[plt]": time
 * spent binding a symbol on its first call, never the symbol before .plt
 * (`_init`, which a nearest-symbol lookup would give it).
 */
#include "analyzer/plt.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/grow.h"

#ifndef R_X86_64_IRELATIVE
#define R_X86_64_IRELATIVE 37
#endif

/* One GOT slot and the function it is resolved to. */
struct plt_slot {
	uint64_t got;               /* slot address (ELF vaddr) */
	const char *name;           /* .dynsym name; NULL for IRELATIVE */
	uint64_t addend;            /* IRELATIVE: the ifunc resolver */
};

struct plt_slots {
	struct plt_slot *v;
	size_t len, cap;
};

static int add_slot(struct plt_slots *s, uint64_t got, const char *name, uint64_t addend)
{
	if (hp_grow((void **)&s->v, &s->cap, s->len + 1, sizeof(*s->v)))
		return -ENOMEM;
	s->v[s->len++] = (struct plt_slot){ got, name, addend };
	return 0;
}

/* Slots of one SHT_RELA section whose symbols are in section sh_link. */
static int read_relocs(Elf *elf, Elf_Scn *scn, const GElf_Shdr *sh, struct plt_slots *s)
{
	Elf_Scn *symscn = elf_getscn(elf, sh->sh_link);
	GElf_Shdr symsh;
	Elf_Data *rels = elf_getdata(scn, NULL), *syms = symscn ? elf_getdata(symscn, NULL) : NULL;
	if (!rels || !syms || !gelf_getshdr(symscn, &symsh) || !sh->sh_entsize)
		return 0;
	size_t n = sh->sh_size / sh->sh_entsize;
	for (size_t i = 0; i < n; i++) {
		GElf_Rela r;
		GElf_Sym sym;
		int err = 0;
		if (!gelf_getrela(rels, (int)i, &r))
			break;
		unsigned type = GELF_R_TYPE(r.r_info);
		if (type == R_X86_64_IRELATIVE) {
			err = add_slot(s, r.r_offset, NULL, (uint64_t)r.r_addend);
		} else if (type == R_X86_64_JUMP_SLOT || type == R_X86_64_GLOB_DAT) {
			const char *name = NULL;
			if (gelf_getsym(syms, (int)GELF_R_SYM(r.r_info), &sym))
				name = elf_strptr(elf, symsh.sh_link, sym.st_name);
			if (name && name[0])
				err = add_slot(s, r.r_offset, name, 0);
		}
		if (err)
			return err;
	}
	return 0;
}

static int compare_slots(const void *pa, const void *pb)
{
	const struct plt_slot *a = pa, *b = pb;
	return a->got < b->got ? -1 : a->got > b->got;
}

static const struct plt_slot *find_slot(const struct plt_slots *s, uint64_t got)
{
	struct plt_slot key = { .got = got };
	return bsearch(&key, s->v, s->len, sizeof(*s->v), compare_slots);
}

/* The slot an entry jumps through: the first "ff 25 disp32" in it. */
static int entry_target(const unsigned char *p, size_t size, uint64_t addr, uint64_t *got)
{
	for (size_t j = 0; j + 6 <= size; j++) {
		if (p[j] != 0xff || p[j + 1] != 0x25)
			continue;
		int32_t disp;
		memcpy(&disp, p + j + 2, sizeof(disp));
		*got = addr + j + 6 + (uint64_t)(int64_t)disp;
		return 1;
	}
	return 0;
}

static int is_plt_section(const char *name)
{
	return name && (!strcmp(name, ".plt") || !strcmp(name, ".plt.sec") ||
			!strcmp(name, ".plt.got"));
}

static int name_entries(Elf_Scn *scn, const GElf_Shdr *sh, const struct plt_slots *s,
			uint64_t bias,
			int (*cb)(void *, const char *, uint64_t, uint64_t), void *ctx)
{
	Elf_Data *d = elf_getdata(scn, NULL);
	size_t esize = sh->sh_entsize == 8 || sh->sh_entsize == 16 ? sh->sh_entsize : 16;
	if (!d || !d->d_buf || sh->sh_type != SHT_PROGBITS)
		return 0;
	size_t size = d->d_size < sh->sh_size ? d->d_size : sh->sh_size;
	for (size_t off = 0; off + esize <= size; off += esize) {
		uint64_t addr = sh->sh_addr + off, got;
		const struct plt_slot *slot;
		char name[512];
		if (!entry_target((const unsigned char *)d->d_buf + off, esize, addr, &got) ||
		    !(slot = find_slot(s, got)))
			snprintf(name, sizeof(name), "%s", PLT_LAZY_NAME);
		else if (slot->name)
			snprintf(name, sizeof(name), "%s@plt", slot->name);
		else
			snprintf(name, sizeof(name), "*ABS*+0x%" PRIx64 "@plt", slot->addend);
		int rc = cb(ctx, name, addr + bias, esize);
		if (rc)
			return rc;
	}
	return 0;
}

int plt_each(Elf *elf, uint64_t bias,
	     int (*cb)(void *ctx, const char *name, uint64_t start, uint64_t size), void *ctx)
{
	struct plt_slots slots = { 0 };
	GElf_Ehdr eh;
	size_t shstrndx;
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;
	int err = 0;
	if (!elf || !gelf_getehdr(elf, &eh) || eh.e_machine != EM_X86_64 ||
	    elf_getshdrstrndx(elf, &shstrndx) != 0)
		return 0;
	while (!err && (scn = elf_nextscn(elf, scn))) {
		const char *name;
		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_RELA)
			continue;
		name = elf_strptr(elf, shstrndx, sh.sh_name);
		if (name && (!strcmp(name, ".rela.plt") || !strcmp(name, ".rela.dyn")))
			err = read_relocs(elf, scn, &sh, &slots);
	}
	if (!err && slots.len) {
		qsort(slots.v, slots.len, sizeof(*slots.v), compare_slots);
		while (!err && (scn = elf_nextscn(elf, scn))) {
			if (gelf_getshdr(scn, &sh) && is_plt_section(elf_strptr(elf, shstrndx, sh.sh_name)))
				err = name_entries(scn, &sh, &slots, bias, cb, ctx);
		}
	}
	free(slots.v);
	return err;
}

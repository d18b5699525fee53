/*
 * fde.c - FDE ranges of a module, sorted (fde.h).
 *
 * Takes a Dwfl module; produces its FDEs' [initial_location,
 * initial_location + address_range) in dwfl addresses. dwarf_next_cfi
 * splits the section into CIEs and FDEs; the two encoded fields at the
 * start of each FDE are decoded here with the FDE pointer encoding of its
 * CIE (the 'R' augmentation of .eh_frame, DW_EH_PE_* as in the LSB;
 * .debug_frame has plain target addresses). Lookups are binary searches.
 */
#include "analyzer/fde.h"

#include <dwarf.h>
#include <elfutils/libdw.h>
#include <errno.h>
#include <gelf.h>
#include <stdlib.h>
#include <string.h>

#include "common/grow.h"
#include "common/hmap.h"

#define PE_OMIT     0xff
#define PE_FORMAT   0x0f
#define PE_APPLY    0x70
#define PE_PCREL    0x10
#define PE_INDIRECT 0x80

struct fde_range {
	Dwarf_Addr lo, hi;
};

struct hp_fdes {
	struct fde_range *v;
	size_t len, cap;
};

/* One CFI section as read. */
struct cfi_section {
	Elf_Data *data;
	GElf_Addr addr;             /* the section's address (for pcrel) */
	unsigned char ident[EI_NIDENT];
	int eh;                     /* .eh_frame (else .debug_frame) */
	int addr_size;
};

/* Read an unsigned LEB128 at *p (bounded by end). */
static int read_uleb(const uint8_t **p, const uint8_t *end, uint64_t *v)
{
	uint64_t r = 0;
	for (int shift = 0; *p < end && shift < 64; shift += 7) {
		uint8_t b = *(*p)++;
		r |= (uint64_t)(b & 0x7f) << shift;
		if (!(b & 0x80)) {
			*v = r;
			return 0;
		}
	}
	return -1;
}

static int read_sleb(const uint8_t **p, const uint8_t *end, int64_t *v)
{
	uint64_t r = 0;
	int shift = 0;
	uint8_t b = 0;
	do {
		if (*p >= end || shift >= 64)
			return -1;
		b = *(*p)++;
		r |= (uint64_t)(b & 0x7f) << shift;
		shift += 7;
	} while (b & 0x80);
	if (shift < 64 && (b & 0x40))
		r |= ~(uint64_t)0 << shift;
	*v = (int64_t)r;
	return 0;
}

/* A fixed-size little- or big-endian value of n bytes. */
static uint64_t read_fixed(const uint8_t *p, int n, int big)
{
	uint64_t v = 0;
	for (int i = 0; i < n; i++)
		v |= (uint64_t)p[big ? i : n - 1 - i] << (8 * (n - 1 - i));
	return v;
}

/* Decode one encoded pointer at *p; apply pcrel when asked (not for the
 * address_range, which is a length). Returns 0 or -1. */
static int read_encoded(const struct cfi_section *c, uint8_t enc, const uint8_t **p,
			const uint8_t *end, int apply, uint64_t *v)
{
	const uint8_t *at = *p;
	int big = c->ident[EI_DATA] == ELFDATA2MSB, n = 0, sign = 0;
	int64_t s;
	switch (enc & PE_FORMAT) {
	case DW_EH_PE_absptr: n = c->addr_size; break;
	case DW_EH_PE_udata2: n = 2; break;
	case DW_EH_PE_udata4: n = 4; break;
	case DW_EH_PE_udata8: n = 8; break;
	case DW_EH_PE_sdata2: n = 2; sign = 1; break;
	case DW_EH_PE_sdata4: n = 4; sign = 1; break;
	case DW_EH_PE_sdata8: n = 8; sign = 1; break;
	case DW_EH_PE_uleb128:
		if (read_uleb(p, end, v))
			return -1;
		goto apply;
	case DW_EH_PE_sleb128:
		if (read_sleb(p, end, &s))
			return -1;
		*v = (uint64_t)s;
		goto apply;
	default:
		return -1;
	}
	if (end - *p < n)
		return -1;
	*v = read_fixed(*p, n, big);
	if (sign && n < 8 && (*v >> (8 * n - 1)) & 1)
		*v |= ~(uint64_t)0 << (8 * n);
	*p += n;
apply:
	if (apply && (enc & PE_APPLY) == PE_PCREL)
		*v += c->addr + (uint64_t)(at - (const uint8_t *)c->data->d_buf);
	else if (apply && (enc & PE_APPLY))
		return -1;              /* textrel, datarel, funcrel: not in FDE headers here */
	return 0;
}

/* The FDE pointer encoding a CIE declares (its 'R' augmentation). */
static uint8_t cie_fde_encoding(const struct cfi_section *c, const Dwarf_CIE *cie)
{
	const char *aug = cie->augmentation;
	const uint8_t *p = cie->augmentation_data;
	const uint8_t *end = p ? p + cie->augmentation_data_size : NULL;
	uint64_t skip;
	if (!c->eh || !aug || aug[0] != 'z' || !p)
		return DW_EH_PE_absptr;
	for (aug++; *aug; aug++) {
		switch (*aug) {
		case 'R':
			return p < end ? *p : DW_EH_PE_absptr;
		case 'L':
			p++;
			break;
		case 'P':
			if (p >= end)
				return DW_EH_PE_absptr;
			{
				uint8_t penc = *p++;
				if (read_encoded(c, penc & ~PE_INDIRECT & ~PE_APPLY, &p, end, 0, &skip))
					return DW_EH_PE_absptr;
			}
			break;
		default:                /* 'S', 'B', 'G': no data */
			break;
		}
	}
	return DW_EH_PE_absptr;
}

static int add_range(struct hp_fdes *f, Dwarf_Addr lo, Dwarf_Addr hi)
{
	if (lo >= hi)
		return 0;
	if (hp_grow((void **)&f->v, &f->cap, f->len + 1, sizeof(*f->v)))
		return -ENOMEM;
	f->v[f->len++] = (struct fde_range){ lo, hi };
	return 0;
}

/* Every FDE of section c into f, addresses + bias. Two passes: CIEs (their
 * encodings by offset), then FDEs. */
static int read_section(const struct cfi_section *c, Dwarf_Addr bias, struct hp_fdes *f)
{
	struct hp_hmap enc;
	Dwarf_Off off = 0, next;
	Dwarf_CFI_Entry e;
	int err = 0;
	hmap_init(&enc);
	for (off = 0; !err && dwarf_next_cfi(c->ident, c->data, c->eh, off, &next, &e) == 0;
	     off = next)
		if (dwarf_cfi_cie_p(&e))
			err = hmap_put(&enc, off + 1, cie_fde_encoding(c, &e.cie) + 1u);
	for (off = 0; !err && dwarf_next_cfi(c->ident, c->data, c->eh, off, &next, &e) == 0;
	     off = next) {
		uint64_t code, lo, len;
		if (dwarf_cfi_cie_p(&e) || !hmap_get(&enc, e.fde.CIE_pointer + 1, &code))
			continue;
		uint8_t fenc = (uint8_t)(code - 1);
		const uint8_t *p = e.fde.start;
		if (fenc == PE_OMIT ||
		    read_encoded(c, fenc, &p, e.fde.end, 1, &lo) ||
		    read_encoded(c, fenc & PE_FORMAT, &p, e.fde.end, 0, &len) || !lo)
			continue;       /* an FDE for address 0 is a discarded one */
		err = add_range(f, lo + bias, lo + len + bias);
	}
	hmap_release(&enc);
	return err;
}

/* Section name of elf into *c when present with data. */
static int find_section(Elf *elf, const char *name, struct cfi_section *c)
{
	size_t shstrndx;
	Elf_Scn *scn = NULL;
	GElf_Ehdr eh;
	if (!elf || !gelf_getehdr(elf, &eh) || elf_getshdrstrndx(elf, &shstrndx) != 0)
		return 0;
	while ((scn = elf_nextscn(elf, scn))) {
		GElf_Shdr sh;
		const char *n;
		if (!gelf_getshdr(scn, &sh) || sh.sh_type == SHT_NOBITS ||
		    !(n = elf_strptr(elf, shstrndx, sh.sh_name)) || strcmp(n, name))
			continue;
		if (sh.sh_flags & SHF_COMPRESSED)
			elf_compress(scn, 0, 0);        /* fails on a read-only handle: skipped */
		if (!(c->data = elf_getdata(scn, NULL)) || !c->data->d_buf || !c->data->d_size)
			return 0;
		memcpy(c->ident, eh.e_ident, EI_NIDENT);
		c->addr = sh.sh_addr;
		c->addr_size = eh.e_ident[EI_CLASS] == ELFCLASS64 ? 8 : 4;
		return 1;
	}
	return 0;
}

static int compare_ranges(const void *pa, const void *pb)
{
	const struct fde_range *a = pa, *b = pb;
	return a->lo < b->lo ? -1 : a->lo > b->lo;
}

int fdes_load(Dwfl_Module *dm, int debug_frame, struct hp_fdes **out)
{
	struct hp_fdes *f = calloc(1, sizeof(*f));
	struct cfi_section c = { .eh = 1 };
	GElf_Addr bias = 0;
	int err = 0;
	*out = NULL;
	if (!f)
		return -ENOMEM;
	Elf *elf = dm ? dwfl_module_getelf(dm, &bias) : NULL;
	if (find_section(elf, ".eh_frame", &c))
		err = read_section(&c, bias, f);
	if (!err && !f->len && debug_frame) {
		Dwarf_Addr dwbias = 0;
		Dwarf *dw = dwfl_module_getdwarf(dm, &dwbias);
		c = (struct cfi_section){ .eh = 0 };
		if (dw && find_section(dwarf_getelf(dw), ".debug_frame", &c))
			err = read_section(&c, dwbias, f);
	}
	if (err || !f->len) {
		fdes_free(f);
		return err;
	}
	qsort(f->v, f->len, sizeof(*f->v), compare_ranges);
	*out = f;
	return 0;
}

void fdes_free(struct hp_fdes *f)
{
	if (f) {
		free(f->v);
		free(f);
	}
}

/* The index of the first range starting above addr (f->len: none). */
static size_t first_above(const struct hp_fdes *f, Dwarf_Addr addr)
{
	size_t lo = 0, hi = f->len;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (f->v[mid].lo <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

int fdes_find(const struct hp_fdes *f, Dwarf_Addr addr, Dwarf_Addr *start, Dwarf_Addr *end)
{
	if (!f)
		return 0;
	size_t lo = first_above(f, addr);
	if (!lo || addr >= f->v[lo - 1].hi)
		return 0;
	*start = f->v[lo - 1].lo;
	*end = f->v[lo - 1].hi;
	return 1;
}

Dwarf_Addr fdes_next(const struct hp_fdes *f, Dwarf_Addr addr)
{
	size_t lo = f ? first_above(f, addr) : 0;
	return f && lo < f->len ? f->v[lo].lo : UINT64_MAX;
}

/*
 * ehframe.c - FDE extents from .eh_frame (ehframe.h): libdw's
 * dwarf_next_cfi() splits the section into CIEs and FDEs; an FDE's
 * initial_location and address_range are decoded here with the pointer
 * encoding its CIE's augmentation gives ('R'), as the unwinders do.
 *
 * Takes an ELF file (the module itself: stripped files keep .eh_frame).
 * Produces one [start, end). Linear in the number of FDEs: meant for one
 * function at a time (annotate), not for every sampled address.
 */
#include "analyzer/ehframe.h"

#include <dwarf.h>
#include <errno.h>
#include <gelf.h>
#include <string.h>

#include <elfutils/libdw.h>

#define MAX_CIES 64

struct cie_enc {
	Dwarf_Off off;
	int enc;                      /* the FDE pointer encoding, -1 when unreadable */
};

/* Bytes of a value in encoding enc, 0 for variable or unknown sizes. */
static size_t enc_size(int enc, int is64)
{
	switch (enc & 0x0f) {
	case DW_EH_PE_absptr: return is64 ? 8 : 4;
	case DW_EH_PE_udata2: case DW_EH_PE_sdata2: return 2;
	case DW_EH_PE_udata4: case DW_EH_PE_sdata4: return 4;
	case DW_EH_PE_udata8: case DW_EH_PE_sdata8: return 8;
	default: return 0;
	}
}

/* The value at p in encoding enc (format only; no application). */
static int read_value(int enc, int is64, const uint8_t *p, const uint8_t *end, int64_t *v)
{
	size_t n = enc_size(enc, is64);
	if (!n || p + n > end)
		return -1;
	switch (enc & 0x0f) {
	case DW_EH_PE_udata2: { uint16_t x; memcpy(&x, p, 2); *v = x; break; }
	case DW_EH_PE_sdata2: { int16_t x; memcpy(&x, p, 2); *v = x; break; }
	case DW_EH_PE_udata4: { uint32_t x; memcpy(&x, p, 4); *v = x; break; }
	case DW_EH_PE_sdata4: { int32_t x; memcpy(&x, p, 4); *v = x; break; }
	case DW_EH_PE_absptr:
		if (!is64) { uint32_t x; memcpy(&x, p, 4); *v = x; break; }
		/* fall through */
	default: { int64_t x; memcpy(&x, p, 8); *v = x; break; }
	}
	return 0;
}

/* The FDE pointer encoding of a CIE: its 'R' augmentation, absptr without. */
static int cie_encoding(const Dwarf_CIE *cie, int is64)
{
	const char *aug = cie->augmentation;
	const uint8_t *p = cie->augmentation_data, *end = p + cie->augmentation_data_size;
	int enc = DW_EH_PE_absptr;
	if (!aug || aug[0] != 'z')
		return aug && aug[0] ? -1 : DW_EH_PE_absptr;
	for (const char *a = aug + 1; *a; a++) {
		switch (*a) {
		case 'R':
			if (p >= end)
				return -1;
			enc = *p++;
			break;
		case 'P': {
			if (p >= end)
				return -1;
			size_t n = enc_size(*p++, is64);
			if (!n)
				return -1;
			p += n;
			break;
		}
		case 'L':
			p++;
			break;
		case 'S': case 'B': case 'G':
			break;
		default:
			return enc;       /* 'z': the rest is skippable, R came first if at all */
		}
	}
	return enc;
}

static int encoding_of(const unsigned char *ident, Elf_Data *data, Dwarf_Off off, int is64,
		       struct cie_enc *cies, unsigned *n)
{
	Dwarf_CFI_Entry e;
	Dwarf_Off next;
	for (unsigned i = 0; i < *n; i++)
		if (cies[i].off == off)
			return cies[i].enc;
	int enc = dwarf_next_cfi(ident, data, true, off, &next, &e) == 0 && dwarf_cfi_cie_p(&e)
		  ? cie_encoding(&e.cie, is64) : -1;
	if (*n < MAX_CIES)
		cies[(*n)++] = (struct cie_enc){ off, enc };
	return enc;
}

static Elf_Scn *eh_frame(Elf *elf, GElf_Shdr *sh)
{
	size_t shstrndx;
	Elf_Scn *scn = NULL;
	if (elf_getshdrstrndx(elf, &shstrndx) < 0)
		return NULL;
	while ((scn = elf_nextscn(elf, scn))) {
		const char *name = gelf_getshdr(scn, sh) ? elf_strptr(elf, shstrndx, sh->sh_name) : NULL;
		if (name && !strcmp(name, ".eh_frame") && sh->sh_type != SHT_NOBITS)
			return scn;
	}
	return NULL;
}

int ehframe_fde_extent(Elf *elf, uint64_t vaddr, uint64_t *start, uint64_t *end)
{
	GElf_Shdr sh;
	Elf_Scn *scn = eh_frame(elf, &sh);
	Elf_Data *data = scn ? elf_getdata(scn, NULL) : NULL;
	const unsigned char *ident = (const unsigned char *)elf_getident(elf, NULL);
	struct cie_enc cies[MAX_CIES];
	unsigned ncies = 0;
	Dwarf_Off off = 0, next;
	Dwarf_CFI_Entry e;
	if (!data || !data->d_buf || !ident)
		return -ENOENT;
	int is64 = ident[EI_CLASS] == ELFCLASS64;
	const uint8_t *base = data->d_buf, *limit = base + data->d_size;
	while (dwarf_next_cfi(ident, data, true, off, &next, &e) == 0) {
		off = next;
		if (dwarf_cfi_cie_p(&e))
			continue;
		int enc = encoding_of(ident, data, e.fde.CIE_pointer, is64, cies, &ncies);
		int64_t begin, range;
		const uint8_t *p = e.fde.start;
		if (enc < 0 || (enc & 0x70) > DW_EH_PE_pcrel || (enc & DW_EH_PE_indirect) ||
		    read_value(enc, is64, p, limit, &begin) ||
		    read_value(enc & 0x0f, is64, p + enc_size(enc, is64), limit, &range))
			continue;
		if ((enc & 0x70) == DW_EH_PE_pcrel)
			begin += (int64_t)(sh.sh_addr + (uint64_t)(p - base));
		if (range > 0 && vaddr >= (uint64_t)begin && vaddr < (uint64_t)(begin + range)) {
			*start = (uint64_t)begin;
			*end = (uint64_t)(begin + range);
			return 0;
		}
	}
	return -ENOENT;
}

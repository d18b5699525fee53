/*
 * module.c - ELF files of the target's mappings, each mapped read-only once.
 *
 * modcache_get() opens a path on first use, maps the whole file PROT_READ and
 * parses its ELF64 program headers: the PT_LOAD segments (to translate file
 * offsets and virtual addresses), PT_GNU_EH_FRAME (the .eh_frame_hdr binary
 * search table the unwinder needs) and PT_NOTE (the GNU build id). A file
 * without .eh_frame_hdr (gcc -static links none) has its .eh_frame, found
 * through the section headers, indexed into the same table (ehframe.c);
 * that table is served by module_read at a virtual address of its own past
 * the file's segments (eh_table_vaddr), so the unwinder reads it like the
 * header's. A file without .eh_frame (Go) has its .debug_frame rewritten in
 * .eh_frame's layout and indexed the same way; one whose .eh_frame lacks
 * functions that .debug_frame has gets their FDEs merged into that table.
 *
 * "[vdso]" has no file: the collector's own vDSO (the kernel maps the same
 * image into every process) is copied into a memfd and mapped like a file.
 *
 * Takes: paths from mapping records. Produces: struct hp_module, owned by the
 * cache until modcache_free(). Not thread-safe.
 */
#include "collector/module.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "collector/ehframe.h"
#include "common/error.h"
#include "common/heldfile.h"
#include "common/log.h"

#define MOD_MAX_LOADS 16
#define MOD_PAGE      4096ULL
#define MOD_NBUCKETS  256    /* power of two */

/* DWARF pointer encodings used by .eh_frame_hdr (LSB 3.0, DW_EH_PE_*). */
enum {
	PE_absptr = 0x00, PE_udata4 = 0x03, PE_udata8 = 0x04, PE_sdata4 = 0x0b,
	PE_sdata8 = 0x0c, PE_pcrel = 0x10, PE_datarel = 0x30, PE_omit = 0xff,
};

/* One PT_LOAD program header. */
struct mod_load {
	uint64_t vaddr, memsz;
	uint64_t offset, filesz;
	int exec;
};

/* What module.c keeps beyond struct hp_module (mod->priv points here). */
struct mod_priv {
	struct mod_load loads[MOD_MAX_LOADS];
	int nloads;
	uint64_t fde_table_vaddr;   /* .eh_frame_hdr search table, 0 when unusable */
	uint64_t fde_count;
	uint64_t segbase;           /* what the table's entries are relative to */
	/* the table built from .eh_frame when there is no header: served at
	 * fde_table_vaddr, which lies past every segment */
	struct hp_eh_entry *built;
	/* no .eh_frame: .debug_frame in its layout, served at synth_vaddr */
	uint8_t *synth;
	size_t synth_size;
	uint64_t synth_vaddr;
};

/* A cache entry: the public module, its internals, and the hash chain. */
struct mod_entry {
	struct hp_module mod;
	struct mod_priv priv;
	struct mod_entry *next;
};

struct hp_module_cache {
	struct mod_entry *buckets[MOD_NBUCKETS];
};

static uint64_t path_hash(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ULL;        /* FNV-1a */
	for (; *s; s++)
		h = (h ^ (uint8_t)*s) * 0x100000001b3ULL;
	return h;
}

/* ---- ELF parsing ---------------------------------------------------- */

/* Is [off, off + len) inside the image? */
static int in_image(const struct hp_module *mod, uint64_t off, uint64_t len)
{
	return off <= mod->size && len <= mod->size - off;
}

static int add_load(struct hp_module *mod, struct mod_priv *p, const Elf64_Phdr *ph)
{
	if (p->nloads == MOD_MAX_LOADS)
		return -HP_ECORRUPT;
	if (ph->p_filesz && !in_image(mod, ph->p_offset, ph->p_filesz))
		return -HP_ECORRUPT;
	p->loads[p->nloads++] = (struct mod_load){
		.vaddr = ph->p_vaddr, .memsz = ph->p_memsz,
		.offset = ph->p_offset, .filesz = ph->p_filesz,
		.exec = !!(ph->p_flags & PF_X),
	};
	return 0;
}

/* Hex build id from one PT_NOTE segment, if it holds NT_GNU_BUILD_ID. */
static void parse_notes(struct hp_module *mod, const Elf64_Phdr *ph)
{
	uint64_t align = ph->p_align == 8 ? 8 : 4;
	uint64_t off = ph->p_offset, end = ph->p_offset + ph->p_filesz;

	if (!in_image(mod, ph->p_offset, ph->p_filesz))
		return;
	while (off + sizeof(Elf64_Nhdr) <= end) {
		Elf64_Nhdr nh;
		memcpy(&nh, mod->image + off, sizeof(nh));
		uint64_t name = off + sizeof(nh);
		uint64_t desc = name + ((nh.n_namesz + align - 1) & ~(align - 1));
		uint64_t next = desc + ((nh.n_descsz + align - 1) & ~(align - 1));
		if (next > end || desc + nh.n_descsz > end)
			return;
		if (nh.n_type == NT_GNU_BUILD_ID && nh.n_namesz == 4 &&
		    !memcmp(mod->image + name, "GNU", 4) && nh.n_descsz &&
		    nh.n_descsz <= 20) {
			for (uint32_t i = 0; i < nh.n_descsz; i++)
				snprintf(mod->build_id + 2 * i, 3, "%02x", mod->image[desc + i]);
			return;
		}
		off = next;
	}
}

/* Copy len bytes at vaddr from the PT_LOAD segment holding them (zeros
 * past the file part, as in .bss). Works before the module is valid. */
static int read_vaddr(const struct hp_module *mod, uint64_t vaddr, void *buf, size_t len)
{
	const struct mod_priv *p = mod->priv;

	if (p->built && vaddr >= p->fde_table_vaddr) {
		/* the built table, then 8 zero bytes: libunwind reads whole words */
		uint64_t rel = vaddr - p->fde_table_vaddr, bytes = p->fde_count * sizeof(*p->built);
		if (rel <= bytes + 8 && len <= bytes + 8 - rel) {
			size_t from_table = rel >= bytes ? 0 : (size_t)(bytes - rel < len ? bytes - rel : len);
			memcpy(buf, (const uint8_t *)p->built + rel, from_table);
			memset((uint8_t *)buf + from_table, 0, len - from_table);
			return 0;
		}
	}
	if (p->synth && vaddr >= p->synth_vaddr && vaddr - p->synth_vaddr <= p->synth_size &&
	    len <= p->synth_size - (vaddr - p->synth_vaddr)) {
		memcpy(buf, p->synth + (vaddr - p->synth_vaddr), len);
		return 0;
	}
	for (int i = 0; i < p->nloads; i++) {
		const struct mod_load *l = &p->loads[i];
		if (vaddr < l->vaddr || vaddr - l->vaddr > l->memsz || len > l->memsz - (vaddr - l->vaddr))
			continue;
		uint64_t rel = vaddr - l->vaddr;
		size_t from_file = rel >= l->filesz ? 0 : (size_t)(l->filesz - rel < len ? l->filesz - rel : len);
		memcpy(buf, mod->image + l->offset + rel, from_file);
		memset((uint8_t *)buf + from_file, 0, len - from_file);   /* .bss */
		return 0;
	}
	return -EFAULT;
}

/* Decode one pointer of .eh_frame_hdr (absptr or pcrel, 4 or 8 bytes). */
static int read_encoded(const struct hp_module *mod, uint64_t vaddr, uint8_t enc,
			uint64_t *val, uint64_t *size)
{
	uint8_t buf[8];
	uint64_t v;

	switch (enc & 0x0f) {
	case PE_udata4:
	case PE_sdata4:
		*size = 4;
		break;
	case PE_udata8:
	case PE_sdata8:
	case PE_absptr:
		*size = 8;
		break;
	default:
		return -HP_EUNSUPPORTED;
	}
	if (read_vaddr(mod, vaddr, buf, *size))
		return -EFAULT;
	if (*size == 4) {
		uint32_t w;
		memcpy(&w, buf, 4);
		v = (enc & 0x0f) == PE_sdata4 ? (uint64_t)(int64_t)(int32_t)w : w;
	} else {
		memcpy(&v, buf, 8);
	}
	switch (enc & 0x70) {
	case PE_absptr:
		break;
	case PE_pcrel:
		v += vaddr;
		break;
	default:
		return -HP_EUNSUPPORTED;
	}
	*val = v;
	return 0;
}

/* Find the binary search table of .eh_frame_hdr. Its entries must be
 * datarel|sdata4 pairs, the only form libunwind can search. */
static void parse_eh_frame_hdr(struct hp_module *mod, struct mod_priv *p)
{
	uint8_t h[4];
	uint64_t at = mod->eh_frame_hdr_vaddr, eh_frame, count, size;

	if (read_vaddr(mod, at, h, 4) || h[0] != 1)
		return;
	at += 4;
	if (h[1] == PE_omit || read_encoded(mod, at, h[1], &eh_frame, &size))
		return;
	at += size;
	if (h[2] == PE_omit || read_encoded(mod, at, h[2], &count, &size))
		return;
	at += size;
	if (h[3] != (PE_datarel | PE_sdata4) || !count)
		return;
	if (at + count * 8 > mod->eh_frame_hdr_vaddr + mod->eh_frame_hdr_size)
		return;
	p->fde_table_vaddr = at;
	p->fde_count = count;
	p->segbase = mod->eh_frame_hdr_vaddr;
}

/* A section of type from the section headers, by name (want with its
 * NUL, a string literal): its header, when its bytes lie in the file.
 * Returns it or NULL. alloc: only a section loaded with the program. */
static const Elf64_Shdr *find_section(const struct hp_module *mod, const char *want,
				      size_t wantlen, uint32_t type, int alloc)
{
	const Elf64_Ehdr *eh = (const Elf64_Ehdr *)mod->image;
	if (!eh->e_shoff || eh->e_shentsize != sizeof(Elf64_Shdr) || eh->e_shoff % 8 ||
	    eh->e_shstrndx == SHN_UNDEF || eh->e_shstrndx >= eh->e_shnum ||
	    !in_image(mod, eh->e_shoff, (uint64_t)eh->e_shnum * sizeof(Elf64_Shdr)))
		return NULL;
	const Elf64_Shdr *sh = (const Elf64_Shdr *)(mod->image + eh->e_shoff);
	const Elf64_Shdr *names = &sh[eh->e_shstrndx];
	if (!in_image(mod, names->sh_offset, names->sh_size))
		return NULL;
	for (int i = 0; i < eh->e_shnum; i++) {
		if (sh[i].sh_type != type || (alloc && !(sh[i].sh_flags & SHF_ALLOC)) ||
		    sh[i].sh_name >= names->sh_size ||
		    names->sh_size - sh[i].sh_name < wantlen ||
		    memcmp(mod->image + names->sh_offset + sh[i].sh_name, want, wantlen))
			continue;
		return in_image(mod, sh[i].sh_offset, sh[i].sh_size) ? &sh[i] : NULL;
	}
	return NULL;
}

/* The bytes of a section not loaded with the program (.debug_frame),
 * inflated when compressed (SHF_COMPRESSED, zlib): *out is the image's
 * (owned 0) or malloc'd (owned 1). Returns 0 or -errno / -HP_E*. */
#define SECTION_INFLATED_MAX (64u << 20)
static int section_bytes(const struct hp_module *mod, const Elf64_Shdr *sh, const uint8_t **out,
			 size_t *size, int *owned)
{
	const uint8_t *raw = mod->image + sh->sh_offset;
	Elf64_Chdr ch;
	*owned = 0;
	if (!(sh->sh_flags & SHF_COMPRESSED)) {
		*out = raw;
		*size = (size_t)sh->sh_size;
		return 0;
	}
	if (sh->sh_size < sizeof(ch))
		return -HP_ECORRUPT;
	memcpy(&ch, raw, sizeof(ch));
	if (ch.ch_type != ELFCOMPRESS_ZLIB || !ch.ch_size || ch.ch_size > SECTION_INFLATED_MAX)
		return -HP_EUNSUPPORTED;
	uLongf n = (uLongf)ch.ch_size;
	uint8_t *buf = malloc(n);
	if (!buf)
		return -ENOMEM;
	if (uncompress(buf, &n, raw + sizeof(ch), (uLong)(sh->sh_size - sizeof(ch))) != Z_OK ||
	    n != ch.ch_size) {
		free(buf);
		return -HP_ECORRUPT;
	}
	*out = buf;
	*size = (size_t)n;
	*owned = 1;
	return 0;
}

/* Go's runtime functions that switch to another stack (g0's): the words
 * above them on the stack are not their callers' frames, and Go's own
 * traceback ends there too (funcFlag_SPWRITE) */
static const char *const stack_roots[] = {
	"runtime.systemstack.abi0", "runtime.systemstack", "runtime.mcall", "runtime.mcall.abi0",
	"runtime.morestack.abi0", "runtime.morestack",
};

/* The stack roots of mod's .symtab end the stack in p->synth. */
static void end_stacks_at_roots(const struct hp_module *mod, struct mod_priv *p)
{
	static const char want[] = ".symtab";
	const Elf64_Ehdr *eh = (const Elf64_Ehdr *)mod->image;
	const Elf64_Shdr *sh = find_section(mod, want, sizeof(want), SHT_SYMTAB, 0);
	if (!sh || sh->sh_entsize != sizeof(Elf64_Sym) || sh->sh_link >= eh->e_shnum)
		return;
	const Elf64_Shdr *str = (const Elf64_Shdr *)(mod->image + eh->e_shoff) + sh->sh_link;
	if (!in_image(mod, str->sh_offset, str->sh_size))
		return;
	const Elf64_Sym *sym = (const Elf64_Sym *)(mod->image + sh->sh_offset);
	const char *names = (const char *)mod->image + str->sh_offset;
	for (size_t i = 0; i < sh->sh_size / sizeof(*sym); i++) {
		if (ELF64_ST_TYPE(sym[i].st_info) != STT_FUNC || sym[i].st_name >= str->sh_size)
			continue;
		const char *name = names + sym[i].st_name;
		size_t room = (size_t)(str->sh_size - sym[i].st_name);
		for (size_t k = 0; k < sizeof(stack_roots) / sizeof(*stack_roots); k++)
			if (strnlen(name, room) < room && !strcmp(name, stack_roots[k]) &&
			    !ehframe_end_stack_at(p->synth, p->synth_size, p->synth_vaddr,
						  sym[i].st_value))
				hp_debug(HP_DBG_UNWIND, 1, "module '%s': stacks end at %s", mod->path,
					 name);
	}
}

/* .debug_frame's FDEs in .eh_frame's layout (Go programs, which have no
 * .eh_frame; merge_debug_frame), served at an address of their own 1 MiB
 * past the segments, near enough to the code for the table's 32-bit
 * entries. Returns 0 or -errno. */
static int synth_eh_frame(struct hp_module *mod, struct mod_priv *p, uint64_t *addr)
{
	static const char want[] = ".debug_frame";
	const Elf64_Shdr *sh = find_section(mod, want, sizeof(want), SHT_PROGBITS, 0);
	const uint8_t *df;
	size_t size;
	int owned, err;
	if (!sh)
		return -ENOENT;
	if ((err = section_bytes(mod, sh, &df, &size, &owned)))
		return err;
	p->synth_vaddr = ((mod->max_vaddr + MOD_PAGE - 1) & ~(MOD_PAGE - 1)) + (1u << 20);
	err = ehframe_from_debug_frame(df, size, p->synth_vaddr, &p->synth, &p->synth_size);
	if (owned)
		free((void *)df);
	if (err) {
		p->synth_vaddr = 0;
		return err;
	}
	end_stacks_at_roots(mod, p);
	*addr = p->synth_vaddr;
	return 0;
}

/* No usable .eh_frame_hdr: index .eh_frame into a table of our own. */
static void index_eh_frame(struct hp_module *mod, struct mod_priv *p)
{
	static const char want[] = ".eh_frame";
	const Elf64_Shdr *sh = find_section(mod, want, sizeof(want), SHT_PROGBITS, 1);
	const uint8_t *data = sh ? mod->image + sh->sh_offset : NULL;
	uint64_t addr = sh ? sh->sh_addr : 0;
	size_t n, size = sh ? (size_t)sh->sh_size : 0;
	int err = sh ? 0 : synth_eh_frame(mod, p, &addr);
	if (!sh && !err) {
		data = p->synth;
		size = p->synth_size;
	}
	if (err || (err = ehframe_index(data, size, addr, addr, &p->built, &n))) {
		if (err != -ENOENT)
			hp_debug(HP_DBG_UNWIND, 1, "module '%s': cannot index %s: %s", mod->path,
				 sh ? ".eh_frame" : ".debug_frame", hp_strerror(err));
		return;
	}
	p->fde_count = n;
	p->segbase = addr;
	/* an address no segment uses, far past them all */
	p->fde_table_vaddr = (mod->max_vaddr + (1ull << 40)) & ~(MOD_PAGE - 1);
	hp_debug(HP_DBG_UNWIND, 1, "module '%s' has no .eh_frame_hdr: indexed %zu FDEs of"
		 " %s", mod->path, n, sh ? ".eh_frame" : ".debug_frame");
}

/* An .eh_frame that lacks some functions' FDEs (objects built with
 * -fno-asynchronous-unwind-tables -g beside others, whose CFI is in
 * .debug_frame only): those functions' FDEs from .debug_frame, merged into
 * a table of our own served like index_eh_frame's. Nothing changes when
 * .debug_frame adds no function, or cannot be read. */
static void merge_debug_frame(struct hp_module *mod, struct mod_priv *p)
{
	struct hp_eh_entry *eh = p->built, *dbg = NULL, *merged = NULL;
	size_t ndbg = 0, n = 0;
	uint64_t addr;
	if (!p->fde_table_vaddr || p->synth || synth_eh_frame(mod, p, &addr))
		return;
	if (!eh && (eh = malloc(p->fde_count * sizeof(*eh))) &&
	    read_vaddr(mod, p->fde_table_vaddr, eh, p->fde_count * sizeof(*eh))) {
		free(eh);
		eh = NULL;
	}
	int added = eh && !ehframe_index(p->synth, p->synth_size, addr, p->segbase, &dbg, &ndbg) &&
		    !ehframe_merge(eh, p->fde_count, dbg, ndbg, &merged, &n) && n > p->fde_count;
	if (eh != p->built)
		free(eh);
	free(dbg);
	if (!added) {
		free(merged);
		free(p->synth);
		p->synth = NULL;
		p->synth_size = 0;
		p->synth_vaddr = 0;
		return;
	}
	hp_debug(HP_DBG_UNWIND, 1, "module '%s': %zu functions' FDEs from .debug_frame beside"
		 " .eh_frame's %" PRIu64, mod->path, n - (size_t)p->fde_count, p->fde_count);
	free(p->built);
	p->built = merged;
	p->fde_count = n;
	p->fde_table_vaddr = (mod->max_vaddr + (1ull << 40)) & ~(MOD_PAGE - 1);
}

static int parse_elf(struct hp_module *mod, struct mod_priv *p)
{
	const Elf64_Ehdr *eh = (const Elf64_Ehdr *)mod->image;
	const Elf64_Phdr *eh_frame = NULL;
	int err;

	if (mod->size < sizeof(*eh) || memcmp(eh->e_ident, ELFMAG, SELFMAG))
		return -ENOEXEC;
	if (eh->e_ident[EI_CLASS] != ELFCLASS64 || eh->e_ident[EI_DATA] != ELFDATA2LSB)
		return -HP_EUNSUPPORTED;
	if (eh->e_phentsize != sizeof(Elf64_Phdr) || eh->e_phoff % 8 ||
	    !in_image(mod, eh->e_phoff, (uint64_t)eh->e_phnum * sizeof(Elf64_Phdr)))
		return -HP_ECORRUPT;

	const Elf64_Phdr *ph = (const Elf64_Phdr *)(mod->image + eh->e_phoff);
	mod->min_vaddr = UINT64_MAX;
	for (int i = 0; i < eh->e_phnum; i++) {
		switch (ph[i].p_type) {
		case PT_LOAD:
			if ((err = add_load(mod, p, &ph[i])))
				return err;
			if ((ph[i].p_vaddr & ~(MOD_PAGE - 1)) < mod->min_vaddr)
				mod->min_vaddr = ph[i].p_vaddr & ~(MOD_PAGE - 1);
			if (ph[i].p_vaddr + ph[i].p_memsz > mod->max_vaddr)
				mod->max_vaddr = ph[i].p_vaddr + ph[i].p_memsz;
			break;
		case PT_GNU_EH_FRAME:
			eh_frame = &ph[i];
			break;
		case PT_NOTE:
			if (!mod->build_id[0])
				parse_notes(mod, &ph[i]);
			break;
		}
	}
	if (!p->nloads)
		return -HP_ECORRUPT;
	if (eh_frame) {
		mod->eh_frame_hdr_vaddr = eh_frame->p_vaddr;
		mod->eh_frame_hdr_size = eh_frame->p_memsz;
		parse_eh_frame_hdr(mod, p);
	}
	if (!p->fde_table_vaddr)
		index_eh_frame(mod, p);
	merge_debug_frame(mod, p);
	return 0;
}

/* ---- opening ---------------------------------------------------------- */

/* An fd holding a copy of this process's vDSO, or -errno. */
static int vdso_memfd(void)
{
	uint64_t base = getauxval(AT_SYSINFO_EHDR), start, end, size = 0;
	char line[512];
	FILE *f;
	int fd;

	if (!base)
		return -ENOENT;
	if (!(f = fopen("/proc/self/maps", "re")))
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%lx-%lx", &start, &end) == 2 && start == base) {
			size = end - start;
			break;
		}
	}
	fclose(f);
	if (!size)
		return -ENOENT;
	if ((fd = memfd_create("hpprof-vdso", MFD_CLOEXEC)) < 0)
		return -errno;
	for (uint64_t done = 0; done < size;) {
		ssize_t n = write(fd, (const char *)base + done, size - done);
		if (n <= 0) {
			int err = n < 0 ? -errno : -EIO;
			close(fd);
			return err;
		}
		done += (uint64_t)n;
	}
	return fd;
}

/* Map the file for mod->path. Returns 0 or -errno / -HP_E*. */
static int map_image(struct hp_module *mod)
{
	struct stat st;
	int fd, err = 0;
	void *img;

	int opened = 0;
	if (!strcmp(mod->path, "[vdso]"))
		fd = vdso_memfd();
	else if ((fd = heldfile_open(mod->path)) == -ENOENT && (fd = open(mod->path, O_RDONLY |
									  O_CLOEXEC)) >= 0)
		opened = 1;
	if (fd < 0)
		return fd == -1 ? -errno : fd;
	if (fstat(fd, &st)) {
		err = -errno;
		goto out_close;
	}
	if (!S_ISREG(st.st_mode)) {
		err = S_ISDIR(st.st_mode) ? -EISDIR : -ENOEXEC;
		goto out_close;
	}
	if (st.st_size < (off_t)sizeof(Elf64_Ehdr)) {
		err = -ENOEXEC;
		goto out_close;
	}
	img = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (img == MAP_FAILED) {
		err = -errno;
		goto out_close;
	}
	mod->image = img;
	mod->size = (size_t)st.st_size;
	/* the file read here is the one the run's symbols come from, though
	 * its name be given to another before the end (a rebuild, an upgrade:
	 * CI run 162, e2e_run_gone case B) */
	if (opened)
		heldfile_add(mod->path, fcntl(fd, F_DUPFD_CLOEXEC, 0));
out_close:
	close(fd);
	return err;
}

static void unmap_image(struct hp_module *mod)
{
	if (mod->image)
		munmap((void *)mod->image, mod->size);
	mod->image = NULL;
	mod->size = 0;
}

static const char *open_error(int err)
{
	switch (err) {
	case -ENOEXEC:
		return "not an ELF file";
	case -HP_EUNSUPPORTED:
		return "not a 64-bit little-endian ELF file";
	case -HP_ECORRUPT:
		return "malformed program headers";
	default:
		return hp_strerror(err);
	}
}

/* Fill a fresh entry for path; failures leave valid = 0 and warn once. */
static void open_module(struct mod_entry *e)
{
	struct hp_module *mod = &e->mod;
	int err;

	mod->priv = &e->priv;
	if ((err = map_image(mod)) || (err = parse_elf(mod, &e->priv))) {
		hp_warn("cannot read module '%s': %s", mod->path, open_error(err));
		unmap_image(mod);
		free(e->priv.built);
		free(e->priv.synth);
		memset(&e->priv, 0, sizeof(e->priv));
		mod->min_vaddr = mod->max_vaddr = 0;
		mod->eh_frame_hdr_vaddr = mod->eh_frame_hdr_size = 0;
		mod->build_id[0] = 0;
		return;
	}
	mod->valid = 1;
	hp_debug(HP_DBG_UNWIND, 1, "module '%s': %d loads, vaddr %#" PRIx64 "-%#" PRIx64
		 ", %" PRIu64 " fdes, build id %s",
		 mod->path, e->priv.nloads, mod->min_vaddr, mod->max_vaddr,
		 e->priv.fde_count, mod->build_id[0] ? mod->build_id : "none");
}

/* ---- public API ------------------------------------------------------- */

int modcache_new(struct hp_module_cache **out)
{
	*out = calloc(1, sizeof(**out));
	return *out ? 0 : -ENOMEM;
}

void modcache_free(struct hp_module_cache *mc)
{
	if (!mc)
		return;
	for (int i = 0; i < MOD_NBUCKETS; i++) {
		struct mod_entry *e = mc->buckets[i], *next;
		for (; e; e = next) {
			next = e->next;
			unmap_image(&e->mod);
			free(e->priv.built);
			free(e->priv.synth);
			free(e->mod.path);
			free(e);
		}
	}
	free(mc);
}

struct hp_module *modcache_get(struct hp_module_cache *mc, const char *path)
{
	struct mod_entry **bucket = &mc->buckets[path_hash(path) & (MOD_NBUCKETS - 1)];
	struct mod_entry *e;

	for (e = *bucket; e; e = e->next)
		if (!strcmp(e->mod.path, path))
			return &e->mod;
	e = calloc(1, sizeof(*e));
	if (!e || !(e->mod.path = strdup(path))) {
		/* Callers rely on a non-NULL module: hand out an invalid one. */
		static struct mod_priv none_priv;
		static struct hp_module none = { .path = "(out of memory)", .priv = &none_priv };
		hp_warn("cannot open module '%s': %s", path, hp_strerror(-ENOMEM));
		free(e);
		return &none;
	}
	open_module(e);
	e->next = *bucket;
	*bucket = e;
	return &e->mod;
}

int module_offset_to_vaddr(const struct hp_module *mod, uint64_t off, uint64_t *vaddr)
{
	const struct mod_priv *p = mod->priv;
	const struct mod_load *best = NULL;

	if (!mod->valid)
		return -ENOENT;
	/* A mapping starts at a page-aligned offset, which may lie before the
	 * segment's own p_offset; when the pages of two segments overlap,
	 * prefer the executable one (only executable mappings are tracked). */
	for (int i = 0; i < p->nloads; i++) {
		const struct mod_load *l = &p->loads[i];
		uint64_t lo = l->offset & ~(MOD_PAGE - 1);
		if (off < lo || off >= l->offset + (l->filesz ? l->filesz : 1))
			continue;
		if (!best || (l->exec && !best->exec))
			best = l;
	}
	if (!best)
		return -ENOENT;
	*vaddr = best->vaddr - (best->offset - off);
	return 0;
}

int module_read(const struct hp_module *mod, uint64_t vaddr, void *buf, size_t len)
{
	return mod->valid ? read_vaddr(mod, vaddr, buf, len) : -EFAULT;
}

int module_eh_table(const struct hp_module *mod, uint64_t *table_vaddr, uint64_t *fde_count)
{
	const struct mod_priv *p = mod->priv;

	if (!mod->valid || !p->fde_table_vaddr)
		return -ENOENT;
	*table_vaddr = p->fde_table_vaddr;
	*fde_count = p->fde_count;
	return 0;
}

uint64_t module_eh_segbase(const struct hp_module *mod)
{
	return ((const struct mod_priv *)mod->priv)->segbase;
}

/*
 * disasm.c - a function's instructions with per-instruction costs
 * (disasm.h): the sampled addresses come from the profile's stacks, the
 * code from the module's file (libdwfl: the symbol or .eh_frame FDE that
 * gives the extent, the section bytes, the line table), the text from
 * capstone.
 *
 * capstone is loaded with dlopen when a function is first disassembled:
 * linked in, its 77,000 relocations doubled the dynamic loader's work at
 * every start of hpprof (LD_DEBUG=statistics), `run` included, which
 * never disassembles. The library of the major version of the headers we
 * were built with is opened (the layout of cs_insn changes between them).
 *
 * Takes: a loaded hp_profile and the binaries it names. Produces: struct
 * hp_disasm (rows of source lines and instructions). Reads no database.
 */
#include "analyzer/disasm.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <capstone/capstone.h>
#include <elfutils/libdw.h>
#include <elfutils/libdwfl.h>

#include "analyzer/annotate.h"
#include "analyzer/buildid.h"
#include "analyzer/arena.h"
#include "analyzer/demangle.h"
#include "analyzer/fde.h"
#include "analyzer/plt.h"
#include "analyzer/profile.h"
#include "analyzer/shortname.h"
#include "analyzer/srcpath.h"
#include "analyzer/stacks.h"

#define MAX_CODE    (4u << 20)     /* bytes of one function disassembled, at most */
#define MAX_FILES   16             /* source files read for one function */
#define INSN_TEXT   192

struct source_file {
	const char *path;
	char *buf;
	char **lines;                 /* lines[1..n] */
	uint32_t n;
};

struct insn {
	uint64_t addr;
	uint16_t size;
	const char *text;
	const char *file;
	uint32_t line;
	uint64_t self, total, kernel;
	int64_t self_ns, total_ns, kernel_ns;
	int64_t *c;
	uint32_t mark;                /* stack index + 1 that last counted total here */
};

struct job {
	const struct hp_profile *p;
	uint32_t fi;
	int inlined;                  /* fi has inlined frames: the symbol is another's */
	struct hp_disasm *d;
	struct hp_arena arena;
	char *why;
	size_t whylen;
	/* the module */
	uint32_t module;              /* stacks' module id */
	Dwfl_Callbacks cb;
	char *debuginfo_path;
	Dwfl *dwfl;
	Dwfl_Module *dm;
	GElf_Addr bias;
	Elf *elf;
	/* the code */
	struct hp_fdes *fdes;         /* the module's FDEs, loaded for a call's unnamed target */
	int fdes_tried;
	uint64_t *anchors;            /* known instruction starts in the extent, sorted */
	uint32_t nanchors;
	struct insn *insns;
	uint32_t ninsns;
	int64_t *cbuf;
	struct source_file files[MAX_FILES];
	uint32_t nfiles;
};

static int fail(struct job *j, int err, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int fail(struct job *j, int err, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(j->why, j->whylen, fmt, ap);
	va_end(ap);
	return err;
}

/* --- where the function's samples are --- */

/* The module holding most of the function's samples and, in it, the
 * address with the most samples; its lowest and highest addresses. */
static int hot_address(struct job *j, uint64_t *hot, uint64_t *lo, uint64_t *hi)
{
	const struct hp_profile *p = j->p;
	struct { uint32_t module; uint64_t addr, n; } top = { 0, 0, 0 };
	*lo = UINT64_MAX;
	*hi = 0;
	for (int pass = 0; pass < 2; pass++) {
		for (uint32_t s = 0; s < p->nstacks; s++) {
			const struct hp_pstack *st = &p->stacks[s];
			for (uint32_t k = 0; k < st->nframes; k++) {
				uint32_t mod;
				uint64_t addr;
				if (st->func[k] != j->fi)
					continue;
				stacks_location(p->model, st->frames[k].location, &mod, &addr);
				if (!mod)
					continue;
				if (pass == 0 && st->frames[k].inlined)
					j->inlined = 1;
				if (pass == 0 && st->samples >= top.n) {
					top.module = mod;
					top.addr = addr;
					top.n = st->samples;
				} else if (pass == 1 && mod == top.module) {
					*lo = addr < *lo ? addr : *lo;
					*hi = addr > *hi ? addr : *hi;
				}
			}
		}
		if (pass == 0 && !top.module)
			return fail(j, -ENOENT, "'%s' has no sampled address in a binary",
				    p->functions[j->fi].name);
	}
	j->module = top.module;
	*hot = top.addr;
	return 0;
}

/* --- the binary --- */

static int open_module(struct job *j)
{
	const char *path = stacks_module(j->p->model, j->module);
	int fd;
	j->d->module = path;
	if (!path || path[0] == '[')
		return fail(j, -ENOENT, "'%s' is in %s, which has no file to disassemble",
			    j->d->function, path ? path : "an unknown module");
	/* The path comes from the database: only a regular file is read (a
	 * FIFO or a device would block or never end). */
	struct stat sb;
	if ((fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC)) < 0)
		return fail(j, -ENOENT, "the binary '%s' is not on this machine (%s); the database "
			    "keeps only the sampled addresses", path, strerror(errno));
	if (fstat(fd, &sb) < 0 || !S_ISREG(sb.st_mode)) {
		close(fd);
		return fail(j, -ENOENT, "'%s' is not a regular file: not read", path);
	}
	j->cb = (Dwfl_Callbacks){
		.find_elf = dwfl_build_id_find_elf,
		.find_debuginfo = dwfl_standard_find_debuginfo,
		.section_address = dwfl_offline_section_address,
		.debuginfo_path = &j->debuginfo_path,
	};
	if (!(j->dwfl = dwfl_begin(&j->cb))) {
		close(fd);
		return fail(j, -ENOMEM, "cannot start libdwfl: %s", dwfl_errmsg(-1));
	}
	dwfl_report_begin(j->dwfl);
	j->dm = dwfl_report_elf(j->dwfl, path, path, fd, 0, true);   /* takes fd */
	dwfl_report_end(j->dwfl, NULL, NULL);
	if (!j->dm || !(j->elf = dwfl_module_getelf(j->dm, &j->bias)))
		return fail(j, -ENOENT, "cannot read '%s' as an ELF file: %s", path,
			    dwfl_errmsg(-1));
	if (!buildid_matches(j->dm, stacks_module_build_id(j->p->model, j->module)))
		return fail(j, -ESTALE, "'%s' changed since the profile was recorded (its build id "
			    "differs): its code is not the code that ran", path);
	return 0;
}

static const char *shown_name(struct job *j, const char *raw);

/* The extent of the function around hot: its symbol, else its FDE, else
 * the sampled addresses. */
static void find_extent(struct job *j, uint64_t hot, uint64_t lo, uint64_t hi)
{
	struct hp_disasm *d = j->d;
	GElf_Off off;
	GElf_Sym sym;
	const char *name = dwfl_module_addrinfo(j->dm, hot + j->bias, &off, &sym, NULL, NULL, NULL);
	if (name && sym.st_size && off < sym.st_size) {
		d->start = hot - off;
		d->end = d->start + sym.st_size;
		d->extent = "symbol";
		if (j->inlined)               /* another function's: fi was inlined there; the
		                               * name outlives libdwfl's (job_release) */
			d->inlined_into = arena_strdup(&j->arena, shown_name(j, name));
		return;
	}
	struct hp_fdes *fdes = NULL;
	Dwarf_Addr fs, fe;
	int found = fdes_load(j->dm, 0, &fdes) == 0 && fdes_find(fdes, hot + j->bias, &fs, &fe);
	fdes_free(fdes);
	if (found) {
		d->start = fs - j->bias;
		d->end = fe - j->bias;
		d->extent = ".eh_frame FDE";
		return;
	}
	d->start = lo;
	d->end = hi + 16;
	d->extent = "sampled addresses";
}

/* The bytes of [start, end) from the executable section holding them. */
static const uint8_t *code_bytes(struct job *j, size_t *len)
{
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;
	uint64_t start = j->d->start, end = j->d->end;
	while ((scn = elf_nextscn(j->elf, scn))) {
		if (!gelf_getshdr(scn, &sh) || !(sh.sh_flags & SHF_EXECINSTR) ||
		    sh.sh_type != SHT_PROGBITS || start < sh.sh_addr || start >= sh.sh_addr + sh.sh_size)
			continue;
		Elf_Data *data = elf_getdata(scn, NULL);
		if (!data || !data->d_buf)
			return NULL;
		if (end > sh.sh_addr + sh.sh_size)
			end = sh.sh_addr + sh.sh_size;
		*len = end - start;
		return (const uint8_t *)data->d_buf + (start - sh.sh_addr);
	}
	return NULL;
}

/* --- decoding --- */

#define STR_(x) #x
#define STR(x) STR_(x)
#define CAPSTONE_SONAME "libcapstone.so." STR(CS_API_MAJOR)

/* The capstone functions used, from the library loaded on first use. */
static struct capstone_api {
	int loaded;                   /* 1 loaded, -1 failed */
	cs_err (*open)(cs_arch, cs_mode, csh *);
	cs_err (*option)(csh, cs_opt_type, size_t);
	cs_insn *(*malloc)(csh);
	bool (*disasm_iter)(csh, const uint8_t **, size_t *, uint64_t *, cs_insn *);
	void (*free)(cs_insn *, size_t);
	cs_err (*close)(csh *);
} cs;

static int load_capstone(struct job *j)
{
	if (!cs.loaded) {
		void *h = dlopen(CAPSTONE_SONAME, RTLD_NOW | RTLD_LOCAL);
		cs.loaded = -1;
		if (h && (*(void **)&cs.open = dlsym(h, "cs_open")) &&
		    (*(void **)&cs.option = dlsym(h, "cs_option")) &&
		    (*(void **)&cs.malloc = dlsym(h, "cs_malloc")) &&
		    (*(void **)&cs.disasm_iter = dlsym(h, "cs_disasm_iter")) &&
		    (*(void **)&cs.free = dlsym(h, "cs_free")) &&
		    (*(void **)&cs.close = dlsym(h, "cs_close")))
			cs.loaded = 1;
	}
	if (cs.loaded < 0) {
		const char *e = dlerror();
		return fail(j, -ENOTSUP, "the disassembler library %s cannot be loaded: %s"
			    " (Debian: libcapstone%d)", CAPSTONE_SONAME, e ? e : "symbols missing",
			    CS_API_MAJOR);
	}
	return 0;
}

static int open_capstone(struct job *j, csh *h)
{
	GElf_Ehdr eh;
	cs_arch arch;
	cs_mode mode;
	if (!gelf_getehdr(j->elf, &eh))
		return fail(j, -ENOENT, "cannot read the ELF header of '%s'", j->d->module);
	switch (eh.e_machine) {
	case EM_X86_64: arch = CS_ARCH_X86; mode = CS_MODE_64; break;
	case EM_386:    arch = CS_ARCH_X86; mode = CS_MODE_32; break;
	case EM_AARCH64: arch = CS_ARCH_ARM64; mode = CS_MODE_ARM; break;
	default:
		return fail(j, -ENOTSUP, "no disassembler for the machine of '%s' (ELF machine %u)",
			    j->d->module, eh.e_machine);
	}
	int err = load_capstone(j);
	if (err)
		return err;
	if (cs.open(arch, mode, h) != CS_ERR_OK)
		return fail(j, -ENOTSUP, "capstone cannot decode the machine of '%s'", j->d->module);
	if (arch == CS_ARCH_X86)
		cs.option(*h, CS_OPT_SYNTAX, CS_OPT_SYNTAX_ATT);   /* as objdump and perf */
	cs.option(*h, CS_OPT_SKIPDATA, CS_OPT_ON);           /* padding, data in text */
	return 0;
}

struct plt_find {
	uint64_t addr;
	char name[128];
};

static int plt_match(void *ctx, const char *name, uint64_t start, uint64_t size)
{
	struct plt_find *f = ctx;
	if (f->addr < start || f->addr - start >= size)
		return 0;
	snprintf(f->name, sizeof(f->name), "%s", name);
	return 1;
}

/* A symbol's name as the profile's names are shown: demangled (and
 * brief, as perf names call targets: "<std::sort<int*>>") unless the run
 * kept raw names (run --no-demangle: the function itself is mangled).
 * Copied into the job's arena; raw when that fails. */
static const char *shown_name(struct job *j, const char *raw)
{
	char brief[INSN_TEXT * 4], *dm;
	if (!demangle_is_mangled(raw) || demangle_is_mangled(j->p->functions[j->fi].name) ||
	    !(dm = demangle_name(raw)))
		return raw;
	const char *b = name_brief(dm, brief, sizeof(brief));
	char *out = arena_strdup(&j->arena, b);
	free(dm);
	return out ? out : raw;
}

/* An unnamed call target at the start of an FDE, named as the profile
 * names such code (symresolve.c): "liblzma.so.5.4.1+0x15ae0", the name to
 * annotate next. Written to buf; NULL when target starts no FDE. */
static const char *fde_target_name(struct job *j, uint64_t target, char *buf, size_t len)
{
	Dwarf_Addr fs, fe;
	if (!j->fdes_tried++ && fdes_load(j->dm, 0, &j->fdes))
		j->fdes = NULL;
	if (!j->fdes || !fdes_find(j->fdes, target + j->bias, &fs, &fe) || fs != target + j->bias)
		return NULL;
	const char *base = strrchr(j->d->module, '/');
	snprintf(buf, len, "%s+0x%" PRIx64, base ? base + 1 : j->d->module, target);
	return buf;
}

/* A direct call's target, named: "call 0x1130" -> "call 0x1130 <cabs@plt>"
 * (a PLT stub, named as the symbolizer names it: plt.c), "<calculate_z>",
 * code without a symbol by its FDE: "<liblzma.so.5.4.1+0x15ae0>". */
static void name_target(struct job *j, const cs_insn *in, char *text, size_t n)
{
	char *end;
	if (strncmp(in->mnemonic, "call", 4) || strncmp(in->op_str, "0x", 2))
		return;
	uint64_t target = strtoull(in->op_str, &end, 16);
	if (*end)
		return;
	struct plt_find f = { .addr = target };
	char fde[128];
	const char *name = plt_each(j->elf, 0, plt_match, &f) == 1 ? f.name
			   : dwfl_module_addrname(j->dm, target + j->bias);
	if (name)
		name = shown_name(j, name);
	else
		name = fde_target_name(j, target, fde, sizeof(fde));
	if (name) {
		size_t len = strlen(text);
		snprintf(text + len, n - len, " <%s>", name);
	}
}

/* --- instruction starts known without decoding --- */

static int add_anchor(struct job *j, uint64_t addr, uint32_t *cap)
{
	if (addr < j->d->start || addr >= j->d->end)
		return 0;
	if (j->nanchors == *cap) {
		uint32_t ncap = *cap ? 2 * *cap : 256;
		uint64_t *more = realloc(j->anchors, ncap * sizeof(*more));
		if (!more)
			return -ENOMEM;
		j->anchors = more;
		*cap = ncap;
	}
	j->anchors[j->nanchors++] = addr;
	return 0;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

/* Where instructions start for sure: the sampled addresses (an interrupted
 * instruction; the return address after a call, the store's address + 1)
 * and the rows of the line table. Decoding restarts there, so bytes the
 * disassembler cannot decode (capstone 4 lacks some AVX-512 mask
 * instructions) do not throw the rest out of step. */
static int find_anchors(struct job *j)
{
	const struct hp_profile *p = j->p;
	uint32_t cap = 0, mod;
	uint64_t addr;
	int err = 0;
	for (uint32_t s = 0; s < p->nstacks && !err; s++) {
		const struct hp_pstack *st = &p->stacks[s];
		int leaf = 1;
		for (uint32_t k = st->nframes; k-- > 0 && !err;) {
			if (st->frames[k].kind != HP_FRAME_USER || st->frames[k].depth)
				continue;
			stacks_location(p->model, st->frames[k].location, &mod, &addr);
			if (mod == j->module)
				err = add_anchor(j, leaf ? addr : addr + 1, &cap);
			leaf = 0;
		}
	}
	Dwarf_Addr dwbias;
	Dwarf_Die *cu = dwfl_module_addrdie(j->dm, j->d->start + j->bias, &dwbias);
	Dwarf_Lines *lines;
	size_t n = 0;
	if (cu && dwarf_getsrclines(cu, &lines, &n) == 0)
		for (size_t i = 0; i < n && !err; i++) {
			Dwarf_Addr a;
			if (dwarf_lineaddr(dwarf_onesrcline(lines, i), &a) == 0)
				err = add_anchor(j, a + dwbias - j->bias, &cap);
		}
	if (err)
		return fail(j, err, "out of memory");
	qsort(j->anchors, j->nanchors, sizeof(*j->anchors), cmp_u64);
	return 0;
}

/* The next anchor after addr, or end. */
static uint64_t next_anchor(const struct job *j, uint64_t addr, uint64_t end)
{
	uint32_t lo = 0, hi = j->nanchors;
	while (lo < hi) {
		uint32_t mid = (lo + hi) / 2;
		if (j->anchors[mid] <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < j->nanchors && j->anchors[lo] < end ? j->anchors[lo] : end;
}

static int decode(struct job *j)
{
	size_t len = 0;
	const uint8_t *code = code_bytes(j, &len);
	csh h;
	int err;
	if (!code || !len)
		return fail(j, -ENOENT, "no code at 0x%" PRIx64 " in '%s'", j->d->start, j->d->module);
	if (len > MAX_CODE)
		len = MAX_CODE;
	if ((err = open_capstone(j, &h)))
		return err;
	if ((err = find_anchors(j))) {
		cs.close(&h);
		return err;
	}
	cs_insn *in = cs.malloc(h);
	size_t cap = len / 3 + 16;
	uint64_t addr = j->d->start;
	char text[INSN_TEXT];
	j->insns = calloc(cap, sizeof(*j->insns));
	err = in && j->insns ? 0 : -ENOMEM;
	const uint64_t end = addr + len;
	const uint8_t *base = code;
	while (!err && addr < end) {
		/* up to the next known instruction start, then from there */
		uint64_t at = addr, stop = next_anchor(j, addr, end);
		size_t chunk = stop - addr;
		code = base + (addr - j->d->start);
		int ok = cs.disasm_iter(h, &code, &chunk, &addr, in) && in->id != 0;
		if (j->ninsns == cap) {
			struct insn *more = realloc(j->insns, 2 * cap * sizeof(*more));
			if (!more) {
				err = -ENOMEM;
				break;
			}
			memset(more + cap, 0, cap * sizeof(*more));
			j->insns = more;
			cap *= 2;
		}
		struct insn *x = &j->insns[j->ninsns++];
		x->addr = at;
		if (ok) {
			snprintf(text, sizeof(text), "%-7s %s", in->mnemonic, in->op_str);
			name_target(j, in, text, sizeof(text));
			x->size = in->size;
		} else {
			/* Not decodable here: the bytes up to the next known start. */
			const uint8_t *b = base + (at - j->d->start);
			int n = snprintf(text, sizeof(text), "(not decoded:");
			for (uint64_t k = 0; k < stop - at && k < 16 && n < (int)sizeof(text) - 8; k++)
				n += snprintf(text + n, sizeof(text) - (size_t)n, " %02x", b[k]);
			snprintf(text + n, sizeof(text) - (size_t)n, "%s)", stop - at > 16 ? " ..." : "");
			x->size = (uint16_t)(stop - at > UINT16_MAX ? UINT16_MAX : stop - at);
			addr = at + x->size;
		}
		if (!(x->text = arena_strdup(&j->arena, text)))
			err = -ENOMEM;
	}
	if (in)
		cs.free(in, 1);
	cs.close(&h);
	return err == -ENOMEM ? fail(j, err, "out of memory") : err;
}

/* --- costs --- */

static struct insn *insn_at(struct job *j, uint64_t addr)
{
	uint32_t lo = 0, hi = j->ninsns;
	while (lo < hi) {
		uint32_t mid = (lo + hi) / 2;
		if (addr < j->insns[mid].addr)
			hi = mid;
		else if (addr >= j->insns[mid].addr + j->insns[mid].size)
			lo = mid + 1;
		else
			return &j->insns[mid];
	}
	return NULL;
}

static struct insn *insn_of(struct job *j, uint32_t location)
{
	uint32_t mod;
	uint64_t addr;
	stacks_location(j->p->model, location, &mod, &addr);
	return mod == j->module ? insn_at(j, addr) : NULL;
}

static int add_costs(struct job *j)
{
	const struct hp_profile *p = j->p;
	if (p->nevents) {
		j->cbuf = calloc((size_t)j->ninsns * p->nevents, sizeof(*j->cbuf));
		if (!j->cbuf)
			return fail(j, -ENOMEM, "out of memory");
		for (uint32_t i = 0; i < j->ninsns; i++)
			j->insns[i].c = j->cbuf + (size_t)i * p->nevents;
	}
	for (uint32_t s = 0; s < p->nstacks; s++) {
		const struct hp_pstack *st = &p->stacks[s];
		int leaf = 1;
		int in_kernel = st->nframes && st->frames[st->nframes - 1].kind == HP_FRAME_KERNEL;
		int64_t ns = profile_stack_cpu_ns(p, st);
		for (uint32_t k = st->nframes; k-- > 0;) {
			const struct hp_sframe *f = &st->frames[k];
			if (f->kind != HP_FRAME_USER)
				continue;
			struct insn *x = insn_of(j, f->location);
			if (x && leaf) {
				x->self += st->samples;
				x->kernel += in_kernel ? st->samples : 0;
				x->self_ns += ns;
				x->kernel_ns += in_kernel ? ns : 0;
				j->d->self += st->samples;
				j->d->kernel += in_kernel ? st->samples : 0;
				j->d->self_ns += ns;
				j->d->kernel_ns += in_kernel ? ns : 0;
				for (uint32_t e = 0; e < p->nevents; e++)
					x->c[e] += st->c[e];
			}
			leaf = 0;
			if (x && x->mark != s + 1) {
				x->mark = s + 1;
				x->total += st->samples;
				x->total_ns += ns;
			}
		}
	}
	return 0;
}

/* --- source lines --- */

static struct source_file *source_file(struct job *j, const char *path)
{
	for (uint32_t i = 0; i < j->nfiles; i++)
		if (!strcmp(j->files[i].path, path))
			return &j->files[i];
	if (j->nfiles == MAX_FILES)
		return NULL;
	struct source_file *f = &j->files[j->nfiles++];
	f->path = path;
	/* only a regular file of a bounded size, as annotate reads sources */
	char buf[4096], why[512], *shown;
	if (rustsrc_is_std_path(path))
		rustsrc_note_binary(j->d->module);   /* the rustc that built it */
	FILE *in = srcpath_open(path, profile_meta(j->p, "cwd"), &shown, why, sizeof(why));
	size_t cap = 0;
	free(shown);
	if (!in)
		return f;
	while (fgets(buf, sizeof(buf), in)) {
		if (f->n + 2 > cap) {
			size_t ncap = cap ? 2 * cap : 256;
			char **more = realloc(f->lines, ncap * sizeof(*more));
			if (!more)
				break;
			f->lines = more;
			cap = ncap;
		}
		buf[strcspn(buf, "\n")] = '\0';
		f->lines[++f->n] = arena_strdup(&j->arena, buf);
	}
	fclose(in);
	return f;
}

static void line_of(struct job *j, struct insn *x)
{
	int lineno = 0;
	Dwfl_Line *l = dwfl_module_getsrc(j->dm, x->addr + j->bias);
	const char *name = l ? dwfl_lineinfo(l, NULL, &lineno, NULL, NULL, NULL) : NULL;
	if (!name || lineno <= 0)
		return;
	if (name[0] != '/' && dwfl_line_comp_dir(l)) {
		char path[4096];
		snprintf(path, sizeof(path), "%s/%s", dwfl_line_comp_dir(l), name);
		x->file = arena_strdup(&j->arena, path);
	} else {
		x->file = arena_strdup(&j->arena, name);
	}
	x->line = (uint32_t)lineno;
}

/* --- rows --- */

static int make_rows(struct job *j, int with_source)
{
	struct hp_disasm *d = j->d;
	const char *file = NULL;
	uint32_t line = 0;
	for (uint32_t i = 0; with_source && i < j->ninsns; i++) {
		line_of(j, &j->insns[i]);
		d->has_lines |= j->insns[i].line != 0;
	}
	d->rows = calloc(2 * (size_t)j->ninsns + 1, sizeof(*d->rows));
	if (!d->rows)
		return fail(j, -ENOMEM, "out of memory");
	for (uint32_t i = 0; i < j->ninsns; i++) {
		struct insn *x = &j->insns[i];
		if (d->has_lines && x->line && (x->line != line || !file || strcmp(x->file, file))) {
			struct source_file *f = source_file(j, x->file);
			d->rows[d->nrows++] = (struct hp_disasm_row){
				.kind = HP_DISASM_SOURCE, .file = x->file, .line = x->line,
				.source = f && x->line <= f->n ? f->lines[x->line] : NULL,
			};
			file = x->file;
			line = x->line;
		}
		if (x->self > (d->nrows && d->rows[d->hottest].kind == HP_DISASM_INSN ?
			       d->rows[d->hottest].self : 0))
			d->hottest = d->nrows;
		d->rows[d->nrows++] = (struct hp_disasm_row){
			.kind = HP_DISASM_INSN, .addr = x->addr, .text = x->text,
			.self = x->self, .total = x->total, .kernel = x->kernel, .c = x->c,
			.self_ns = x->self_ns, .total_ns = x->total_ns, .kernel_ns = x->kernel_ns,
		};
	}
	return 0;
}

/* --- the job --- */

struct disasm_priv {
	struct hp_arena arena;
	int64_t *cbuf;
};

static void job_release(struct job *j)
{
	for (uint32_t i = 0; i < j->nfiles; i++)
		free(j->files[i].lines);
	free(j->insns);
	free(j->anchors);
	fdes_free(j->fdes);
	if (j->dwfl)
		dwfl_end(j->dwfl);
}

int disasm_function(const struct hp_profile *p, uint32_t fi, int with_source,
		    struct hp_disasm **out, char *why, size_t whylen)
{
	struct job j = { .p = p, .fi = fi, .why = why, .whylen = whylen };
	struct disasm_priv *priv = calloc(1, sizeof(*priv));
	uint64_t hot = 0, lo = 0, hi = 0;
	int err;
	why[0] = '\0';
	j.d = calloc(1, sizeof(*j.d));
	if (!j.d || !priv) {
		free(j.d);
		free(priv);
		return fail(&j, -ENOMEM, "out of memory");
	}
	arena_init(&j.arena);
	j.d->function = p->functions[fi].name;
	j.d->function_total = p->functions[fi].total;
	j.d->function_total_ns = p->cpu_col >= 0 ? p->functions[fi].ctotal[p->cpu_col] : 0;
	if (!(err = hot_address(&j, &hot, &lo, &hi)) && !(err = open_module(&j))) {
		find_extent(&j, hot, lo, hi);
		if (!(err = decode(&j)) && !(err = add_costs(&j)))
			err = make_rows(&j, with_source);
	}
	/* Strings live in the arena, which the result keeps. */
	if (j.d->module)
		j.d->module = arena_strdup(&j.arena, j.d->module);
	priv->arena = j.arena;
	priv->cbuf = j.cbuf;
	j.d->priv = priv;
	job_release(&j);
	if (err) {
		disasm_free(j.d);
		return err;
	}
	*out = j.d;
	return 0;
}

void disasm_free(struct hp_disasm *d)
{
	if (!d)
		return;
	struct disasm_priv *priv = d->priv;
	if (priv) {
		arena_release(&priv->arena);
		free(priv->cbuf);
		free(priv);
	}
	free(d->rows);
	free(d);
}

/*
 * annotate.c - per-line self and total costs of source files, and the
 * listing of one function (annotate.h).
 *
 * Takes a loaded hp_profile: self from its lines[] (innermost frames),
 * total from its stacks' frames, once per stack and line. Reads the source
 * file named in the debug info for the listing; a missing file still
 * yields the line numbers and costs.
 */
#include "analyzer/annotate.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "analyzer/profile.h"
#include "analyzer/srcpath.h"
#include "common/hmap.h"
#include "common/satarith.h"

#define CONTEXT 3

/* --- per-line costs of a file --- */

static uint32_t max_line(const struct hp_profile *p, uint32_t file_id)
{
	uint32_t m = 0;
	for (uint32_t i = 0; i < p->nlines; i++)
		if (p->lines[i].file_id == file_id && p->lines[i].line > m)
			m = p->lines[i].line;
	for (uint32_t s = 0; s < p->nstacks; s++)
		for (uint32_t i = 0; i < p->stacks[s].nframes; i++) {
			const struct hp_sframe *fr = &p->stacks[s].frames[i];
			if (fr->file == file_id && fr->line > m)
				m = fr->line;
		}
	return m;
}

/* Every function's lines, or only those of function only (annotate_function). */
#define ALL_FUNCTIONS UINT32_MAX

static void add_self(const struct hp_profile *p, struct hp_file_costs *fc, uint32_t only)
{
	for (uint32_t i = 0; i < p->nlines; i++) {
		const struct hp_pline *l = &p->lines[i];
		if (l->file_id != fc->file_id || (only != ALL_FUNCTIONS && l->func != only))
			continue;
		struct hp_line_cost *lc = &fc->lines[l->line];
		int64_t ns = p->cpu_col >= 0 ? l->c[p->cpu_col] : 0;
		lc->self += l->self;
		lc->kernel += l->kernel;
		lc->self_ns += ns;
		lc->kernel_ns += l->kernel_ns;
		fc->self += l->self;
		fc->kernel += l->kernel;
		fc->self_ns += ns;
		fc->kernel_ns += l->kernel_ns;
		for (uint32_t e = 0; e < p->nevents; e++)
			lc->c[e] = hp_add_sat(lc->c[e], l->c[e]);
		if (l->line && (!fc->hottest || lc->self > fc->lines[fc->hottest].self))
			fc->hottest = l->line;
	}
}

/* Each line of the file counts a stack's samples once, however often it
 * appears in the stack (recursion); mark[] holds the stack last counted. */
static void add_totals(const struct hp_profile *p, struct hp_file_costs *fc, uint32_t *mark,
		       uint32_t only)
{
	for (uint32_t s = 0; s < p->nstacks; s++) {
		const struct hp_pstack *st = &p->stacks[s];
		int in_file = 0;
		for (uint32_t i = 0; i < st->nframes; i++) {
			uint32_t line = st->frames[i].line;
			if (st->frames[i].file != fc->file_id ||
			    (only != ALL_FUNCTIONS && st->func[i] != only))
				continue;
			in_file = 1;
			if (mark[line] != s + 1) {
				mark[line] = s + 1;
				fc->lines[line].total += st->samples;
				fc->lines[line].total_ns += profile_stack_cpu_ns(p, st);
			}
		}
		if (in_file) {
			fc->total += st->samples;
			fc->total_ns += profile_stack_cpu_ns(p, st);
		}
	}
}

static int file_costs(const struct hp_profile *p, uint32_t file_id, uint32_t only,
		      struct hp_file_costs **out)
{
	struct hp_file_costs *fc = calloc(1, sizeof(*fc));
	uint32_t *mark = NULL;
	int64_t *cbuf = NULL;
	if (!fc)
		return -ENOMEM;
	fc->file_id = file_id;
	fc->nlines = max_line(p, file_id) + 1;
	fc->lines = calloc(fc->nlines, sizeof(*fc->lines));
	mark = calloc(fc->nlines, sizeof(*mark));
	if (p->nevents)
		cbuf = calloc((size_t)fc->nlines * p->nevents, sizeof(*cbuf));
	if (!fc->lines || !mark || (p->nevents && !cbuf)) {
		free(mark);
		free(cbuf);
		annotate_file_costs_free(fc);
		return -ENOMEM;
	}
	fc->priv = cbuf;
	for (uint32_t l = 0; l < fc->nlines; l++)
		fc->lines[l].c = cbuf ? cbuf + (size_t)l * p->nevents : NULL;
	add_self(p, fc, only);
	add_totals(p, fc, mark, only);
	free(mark);
	*out = fc;
	return 0;
}

int annotate_file_costs(const struct hp_profile *p, uint32_t file_id, struct hp_file_costs **out)
{
	return file_costs(p, file_id, ALL_FUNCTIONS, out);
}

void annotate_file_costs_free(struct hp_file_costs *fc)
{
	if (!fc)
		return;
	free(fc->priv);
	free(fc->lines);
	free(fc);
}

uint32_t annotate_line_kernel(const struct hp_profile *p, uint32_t file_id, uint32_t line,
			      struct hp_kernel_share *out, uint32_t max)
{
	struct hp_hmap sums;          /* kernel function + 1 -> samples */
	uint32_t n = 0;
	hmap_init(&sums);
	for (uint32_t i = 0; i < p->nstacks; i++) {
		const struct hp_pstack *s = &p->stacks[i];
		uint64_t v = 0, key;
		uint32_t li = s->py_line != UINT32_MAX && p->lines[s->py_line].file_id == file_id
				      ? s->py_line : s->leaf_line;   /* a .py line: its Python line */
		if (li == UINT32_MAX || !s->nframes ||
		    s->frames[s->nframes - 1].kind != HP_FRAME_KERNEL ||
		    p->lines[li].file_id != file_id || p->lines[li].line != line)
			continue;
		key = (uint64_t)s->func[s->nframes - 1] + 1;
		hmap_get(&sums, key, &v);
		if (hmap_put(&sums, key, v + s->samples))
			goto out;
	}
	for (size_t k = 0; k < sums.cap; k++) {
		const struct hp_hmap_slot *sl = &sums.slots[k];
		struct hp_kernel_share e = { (uint32_t)sl->key - 1, sl->val };
		uint32_t at;
		if (!sl->key)
			continue;
		if (n < max)
			at = n++;
		else if (e.samples > out[max - 1].samples)
			at = max - 1;
		else
			continue;
		for (; at > 0 && (out[at - 1].samples < e.samples ||
				  (out[at - 1].samples == e.samples && out[at - 1].func > e.func)); at--)
			out[at] = out[at - 1];
		out[at] = e;
	}
out:
	hmap_release(&sums);
	return n;
}

/* --- where a function spends its samples --- */

/* The call site inside f that most samples pass through (once per stack). */
static int hottest_call_site(const struct hp_profile *p, uint32_t f, uint32_t *file_id,
			     uint32_t *line)
{
	struct hp_hmap sums;
	uint64_t best = 0;
	hmap_init(&sums);
	for (uint32_t s = 0; s < p->nstacks; s++) {
		const struct hp_pstack *st = &p->stacks[s];
		for (uint32_t i = 0; i < st->nframes; i++) {
			const struct hp_sframe *fr = &st->frames[i];
			uint64_t key = ((uint64_t)fr->file << 32) | fr->line, v = 0;
			if (st->func[i] != f || !fr->file || !fr->line)
				continue;
			hmap_get(&sums, key, &v);
			v += st->samples;
			if (hmap_put(&sums, key, v))
				break;
			if (v > best) {
				best = v;
				*file_id = fr->file;
				*line = fr->line;
			}
			break;
		}
	}
	hmap_release(&sums);
	return best ? 0 : -ENOENT;
}

static uint32_t main_file(const struct hp_profile *p, uint32_t fi);
static int64_t line_weight(const struct hp_profile *p, const struct hp_pline *l);

int annotate_function_line(const struct hp_profile *p, uint32_t f, uint32_t *file_id,
			   uint32_t *line, const char **path)
{
	const struct hp_pline *best = NULL;
	/* simulated: no samples; the line with the most sim_Ir in the file
	 * annotate lists (its own, not a header inlined into it) */
	uint32_t own = profile_simulated_only(p) ? main_file(p, f) : 0;
	for (uint32_t i = 0; i < p->nlines; i++) {
		const struct hp_pline *l = &p->lines[i];
		if (l->func != f || !l->file_id || !l->line || (own && l->file_id != own))
			continue;
		if (!best || (own ? line_weight(p, l) > line_weight(p, best) : l->self > best->self))
			best = l;
	}
	if (best) {
		*file_id = best->file_id;
		*line = best->line;
		*path = best->file;
		return 0;
	}
	if (hottest_call_site(p, f, file_id, line))
		return -ENOENT;
	*path = stacks_file(p->model, *file_id);
	if (!*path)
		*path = p->functions[f].file;
	return 0;
}

/* --- one function's listing --- */

int annotate_find_function(const struct hp_profile *p, const char *name)
{
	int best = -1;
	for (uint32_t i = 0; i < p->nfunctions; i++)
		if (!strcmp(p->functions[i].name, name) &&
		    (best < 0 || p->functions[i].total > p->functions[best].total))
			best = (int)i;
	return best;
}

/* Weight of a line for choosing a function's file: its samples, else (a
 * run simulated instead of sampled: counts per line, no stacks) its first
 * counter column, sim_Ir. */
static int64_t line_weight(const struct hp_profile *p, const struct hp_pline *l)
{
	return l->self ? (int64_t)l->self : p->nevents ? l->c[0] : 0;
}

/* Line range of the function's frames in its file, and of its lines with
 * counts that came without stacks (simulated). */
static int line_range(const struct hp_profile *p, uint32_t fi, uint32_t file_id, uint32_t *lo,
		      uint32_t *hi)
{
	*lo = UINT32_MAX;
	*hi = 0;
	for (uint32_t i = 0; i < p->nlines; i++) {
		const struct hp_pline *l = &p->lines[i];
		if (l->func != fi || l->file_id != file_id || !l->line || !line_weight(p, l))
			continue;
		if (l->line < *lo)
			*lo = l->line;
		if (l->line > *hi)
			*hi = l->line;
	}
	for (uint32_t s = 0; s < p->nstacks; s++) {
		const struct hp_pstack *st = &p->stacks[s];
		for (uint32_t k = 0; k < st->nframes; k++) {
			const struct hp_sframe *fr = &st->frames[k];
			if (st->func[k] != fi || fr->file != file_id || !fr->line)
				continue;
			if (fr->line < *lo)
				*lo = fr->line;
			if (fr->line > *hi)
				*hi = fr->line;
		}
	}
	return *hi ? 0 : -ENOENT;
}

/* The file the function's samples point at most often. A simulated
 * profile lists the lines of the code inlined into a function under it
 * (docs/cache-sim.md): there its own file comes first, the one the attach
 * step gave it, where it has lines (rw::map_work's work.cpp, not the
 * basic_string.h holding most of its instructions). */
static uint32_t main_file(const struct hp_profile *p, uint32_t fi)
{
	uint32_t best = 0;
	int64_t best_n = 0;
	const char *own = profile_simulated_only(p) ? p->functions[fi].file : NULL;
	for (uint32_t i = 0; own && i < p->nlines; i++) {
		const struct hp_pline *l = &p->lines[i];
		if (l->func == fi && l->file && !strcmp(l->file, own) && line_weight(p, l))
			return l->file_id;
	}
	for (uint32_t i = 0; i < p->nlines; i++) {
		const struct hp_pline *l = &p->lines[i];
		if (l->func == fi && l->file_id && line_weight(p, l) >= best_n) {
			best = l->file_id;
			best_n = line_weight(p, l);
		}
	}
	for (uint32_t s = 0; s < p->nstacks && !best; s++)
		for (uint32_t k = 0; k < p->stacks[s].nframes && !best; k++)
			if (p->stacks[s].func[k] == fi && p->stacks[s].frames[k].file)
				best = p->stacks[s].frames[k].file;
	return best;
}

FILE *annotate_open_source(const char *path, char *why, size_t len)
{
	struct stat sb;
	FILE *f;
	int fd = path ? open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC) : -1;
	if (fd < 0) {
		snprintf(why, len, "%s", path ? strerror(errno) : "no file name");
		return NULL;
	}
	if (fstat(fd, &sb) < 0 || !S_ISREG(sb.st_mode)) {
		snprintf(why, len, "%s: not read",
			 S_ISDIR(sb.st_mode) ? "a directory" : S_ISCHR(sb.st_mode) ? "a character device"
			 : S_ISBLK(sb.st_mode) ? "a block device" : S_ISFIFO(sb.st_mode) ? "a FIFO"
			 : "not a regular file");
		close(fd);
		return NULL;
	}
	if ((uint64_t)sb.st_size > ANNOTATE_MAX_SOURCE) {
		snprintf(why, len, "larger than %u MiB: not read", ANNOTATE_MAX_SOURCE >> 20);
		close(fd);
		return NULL;
	}
	if (!(f = fdopen(fd, "r"))) {
		snprintf(why, len, "%s", strerror(errno));
		close(fd);
	}
	return f;
}

/* A distribution's file (its remedy is a package): under /usr or /lib. */
static int system_path(const char *path)
{
	return path && (!strncmp(path, "/usr/", 5) || !strncmp(path, "/lib", 4));
}

static const char *base_name(const char *path)
{
	const char *b = path ? strrchr(path, '/') : NULL;
	return b ? b + 1 : path ? path : "?";
}

static void why_no_lines(const char *module, char *out, size_t len)
{
	if (module && module[0] == '[')       /* [kernel.kallsyms], [vdso], ... */
		snprintf(out, len, "no line information: %s code has none here", module);
	else if (system_path(module))
		snprintf(out, len, "no line information (built without -g?): install the debug"
			 " symbols of %s (its package's -dbgsym, libc6-dbg for glibc;"
			 " or DEBUGINFOD_URLS)", base_name(module));
	else
		snprintf(out, len, "no line information (compiled without -g?): compile its source"
			 " with -g and rebuild %s", base_name(module));
}

const char *annotate_source_why(const char *module, const char *file, const char *why, char *out,
				size_t len)
{
	if (!file && !why)
		why_no_lines(module, out, len);
	else if (!file)
		snprintf(out, len, "no source file is known (the debug information names none)");
	else if (rustsrc_is_std_path(file))   /* why: the rust-src wanted, and how to get it */
		snprintf(out, len, "no source: '%s': %s", file, why);
	else if (why && !strcmp(why, strerror(ENOENT)))
		snprintf(out, len, "no source: '%s' is not on this machine%s; --source-map OLD=NEW"
			 " reads it from where it is now%s", file,
			 file[0] == '/' ? "" : " (relative to where it was compiled)",
			 system_path(module) ? " (a distribution's library: its source package,"
			 " e.g. apt-get source)" : "");
	else
		snprintf(out, len, "no source: '%s' cannot be read: %s", file, why ? why : "?");
	return out;
}

static void read_source(const struct hp_profile *p, uint32_t fi, struct hp_annotation *a,
			uint32_t lo)
{
	if (rustsrc_is_std_path(a->file))
		rustsrc_note_binary(p->functions[fi].module);   /* the rustc that built it */
	FILE *f = srcpath_open(a->file, profile_meta(p, "cwd"), &a->source_path, a->source_why,
			       sizeof(a->source_why));
	char buf[4096];
	uint64_t n = 0, bytes = 0;
	if (!f) {
		a->source_missing = 1;
		return;
	}
	while (fgets(buf, sizeof(buf), f) && (bytes += strlen(buf)) <= ANNOTATE_MAX_SOURCE) {
		n++;
		if (n < lo)
			continue;
		if (n >= (uint64_t)lo + a->nlines)
			break;
		buf[strcspn(buf, "\n")] = '\0';
		a->lines[n - lo].text = strdup(buf);
	}
	if (ferror(f)) {
		snprintf(a->source_why, sizeof(a->source_why), "%s", strerror(errno));
		a->source_missing = 1;
	}
	fclose(f);
}

/* The context after the function's last line stops at the end of its file
 * (a function at the end of a file, a Python script's last lines): a line
 * the file does not have and that has no cost is not listed. */
static void trim_past_end(const struct hp_profile *p, struct hp_annotation *a)
{
	while (!a->source_missing && a->nlines) {
		const struct hp_annotated_line *l = &a->lines[a->nlines - 1];
		int cost = l->text || l->self || l->total || l->kernel;
		for (uint32_t e = 0; !cost && l->c && e < p->nevents; e++)
			cost = l->c[e] != 0;
		if (cost)
			return;
		a->nlines--;
	}
}

/* A simulated function's first counter over all its lines, and in other
 * files than file_id: Cachegrind lists the code inlined into a function
 * under it, at the inlined code's lines (docs/cache-sim.md). */
static void sim_elsewhere(const struct hp_profile *p, uint32_t fi, uint32_t file_id,
			  struct hp_annotation *a)
{
	uint32_t seen[64], nseen = 0;
	if (!profile_simulated_only(p) || !p->nevents)
		return;
	for (uint32_t i = 0; i < p->nlines; i++) {
		const struct hp_pline *l = &p->lines[i];
		uint32_t k = 0;
		if (l->func != fi || !l->c)
			continue;
		a->sim_all += l->c[0];
		if (l->file_id == file_id || !l->c[0])
			continue;
		a->sim_elsewhere += l->c[0];
		while (k < nseen && seen[k] != l->file_id)
			k++;
		if (k == nseen && nseen < 64)     /* counted up to 64 */
			seen[nseen++] = l->file_id;
	}
	a->sim_other_files = nseen;
}

int annotate_function(const struct hp_profile *p, uint32_t fi, struct hp_annotation **out)
{
	struct hp_annotation *a = calloc(1, sizeof(*a));
	uint32_t lo, hi, file_id;
	int err;
	if (!a)
		return -ENOMEM;
	a->function = p->functions[fi].name;
	a->function_total = p->functions[fi].total;
	a->function_total_ns = p->cpu_col >= 0 ? p->functions[fi].ctotal[p->cpu_col] : 0;
	file_id = main_file(p, fi);
	if (!file_id || line_range(p, fi, file_id, &lo, &hi)) {
		free(a);
		return -ENOENT;
	}
	a->file = stacks_file(p->model, file_id);
	lo = lo > CONTEXT ? lo - CONTEXT : 1;
	hi += CONTEXT;
	a->nlines = hi - lo + 1;
	if ((err = file_costs(p, file_id, fi, &a->costs)) ||
	    !(a->lines = calloc(a->nlines, sizeof(*a->lines)))) {
		annotate_free(a);
		return err ? err : -ENOMEM;
	}
	for (uint32_t i = 0; i < a->nlines; i++) {
		struct hp_annotated_line *l = &a->lines[i];
		l->line = lo + i;
		if (l->line < a->costs->nlines) {
			const struct hp_line_cost *c = &a->costs->lines[l->line];
			l->self = c->self;
			l->total = c->total;
			l->kernel = c->kernel;
			l->self_ns = c->self_ns;
			l->total_ns = c->total_ns;
			l->kernel_ns = c->kernel_ns;
			l->c = c->c;
		}
	}
	sim_elsewhere(p, fi, file_id, a);
	read_source(p, fi, a, lo);
	trim_past_end(p, a);
	*out = a;
	return 0;
}

void annotate_free(struct hp_annotation *a)
{
	if (!a)
		return;
	for (uint32_t i = 0; a->lines && i < a->nlines; i++)
		free(a->lines[i].text);
	free(a->lines);
	free(a->source_path);
	annotate_file_costs_free(a->costs);
	free(a);
}

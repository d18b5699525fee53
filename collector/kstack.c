/*
 * kstack.c - kernel frames of blocked threads from /proc/PID/task/TID/stack
 * and /proc/kallsyms (kstack.h).
 *
 * The stack file gives "function+offset/size [module]" per frame; the set
 * keeps each distinct (function, module) once, with the size the kernel
 * gave, and one pass over the symbols by address gives it its address:
 * over the per-boot table (common/ksymtab.h: a few pages mapped from its
 * cache; the first attach of a boot builds it from kallsyms' ~120k lines
 * and writes the cache: offcpu_attach.c), and over kallsyms' text for the
 * functions the table did not give exactly. A symbol's extent is known
 * at the next symbol with a higher address: of two local functions of one
 * name (static functions of two files) the one of the stack's size is
 * taken, else the first. A module's
 * symbols are taken at their first match. The table holds text symbols
 * only, kallsyms data too, so an extent could differ where data lay
 * between two functions: only an exact match is taken from the table,
 * and the rest is looked up as if the table were not there.
 *
 * Does not name anything: the analyzer names the addresses from kallsyms
 * at the end of the run, as it names sampled kernel callchains. Not in the
 * ring drain: once per attach, before the loop.
 */
#include "collector/kstack.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/grow.h"
#include "common/hmap.h"
#include "common/kallsyms.h"

#define KSTACK_NAME 256               /* KSYM_NAME_LEN of recent kernels is 512: longer ones fail */
#define KSTACK_MODULE 64              /* MODULE_NAME_LEN is 56 */

struct kfunc {
	char name[KSTACK_NAME];
	char module[KSTACK_MODULE];   /* "" for the kernel itself */
	uint64_t size;                /* as the stack file gave it */
	uint64_t addr;                /* 0 until found */
	int exact;                    /* addr's extent is size (or a module's first match) */
};

struct hp_kstack {
	struct kfunc *f;
	size_t n, cap;
	struct hp_hmap index;         /* key of (name, module) -> index into f */
	size_t exact;                 /* functions with exact set */
	size_t sought;                /* f[0..sought) were looked for */
	int reads;                    /* of kallsyms' text */
};

/* One frame of a stack file: "[<0>] name+0xOFF/0xSIZE [module]". */
struct kframe {
	char name[KSTACK_NAME];
	char module[KSTACK_MODULE];
	uint64_t off, size;
};

static uint64_t func_key(const char *name, const char *module)
{
	return hmap_key2(hmap_str_key(name), hmap_str_key(module));
}

int kstack_new(struct hp_kstack **out)
{
	struct hp_kstack *k = calloc(1, sizeof(*k));
	if (!k)
		return -ENOMEM;
	hmap_init(&k->index);
	*out = k;
	return 0;
}

void kstack_free(struct hp_kstack *k)
{
	if (!k)
		return;
	hmap_release(&k->index);
	free(k->f);
	free(k);
}

/* Parse the line at *text into fr and move *text past it. Returns 1, 0 at
 * the end of text, -EINVAL when the line is not a frame. */
static int next_frame(const char **text, struct kframe *fr)
{
	const char *line = *text, *end = strchr(line, '\n');
	size_t len = end ? (size_t)(end - line) : strlen(line);
	char buf[KSTACK_NAME + KSTACK_MODULE + 64];
	int used = 0;
	*text = line + len + (end != NULL);
	if (!len)
		return **text ? next_frame(text, fr) : 0;
	if (len >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, line, len);
	buf[len] = 0;
	fr->module[0] = 0;
	if (sscanf(buf, "[<%*[^>]>] %255[^+ ]+0x%" SCNx64 "/0x%" SCNx64 "%n", fr->name, &fr->off,
		   &fr->size, &used) != 3)
		return -EINVAL;
	if (buf[used] && sscanf(buf + used, " [%63[^]]]", fr->module) != 1)
		return -EINVAL;
	return 1;
}

static int find(const struct hp_kstack *k, const char *name, const char *module)
{
	uint64_t i;
	if (!hmap_get(&k->index, func_key(name, module), &i) || strcmp(k->f[i].name, name) ||
	    strcmp(k->f[i].module, module))
		return -1;
	return (int)i;
}

static int add(struct hp_kstack *k, const struct kframe *fr)
{
	if (find(k, fr->name, fr->module) >= 0)
		return 0;
	if (hp_grow((void **)&k->f, &k->cap, k->n + 1, sizeof(*k->f)))
		return -ENOMEM;
	struct kfunc *f = &k->f[k->n];
	memset(f, 0, sizeof(*f));
	memcpy(f->name, fr->name, sizeof(f->name));
	memcpy(f->module, fr->module, sizeof(f->module));
	f->size = fr->size;
	if (hmap_put(&k->index, func_key(f->name, f->module), k->n))
		return -ENOMEM;
	k->n++;
	return 0;
}

int kstack_want(struct hp_kstack *k, const char *text)
{
	struct kframe fr;
	int n = 0, r;
	while ((r = next_frame(&text, &fr)) > 0) {
		if ((r = add(k, &fr)))
			return r;
		n++;
	}
	return r < 0 ? r : n;
}

/* The candidate met last, waiting for the next higher address to know
 * its extent. */
struct pending {
	int i;                        /* index into k->f, -1: none */
	uint64_t addr;
};

static void settle(struct hp_kstack *k, struct pending *p, uint64_t addr)
{
	if (p->i < 0 || addr <= p->addr)
		return;
	struct kfunc *f = &k->f[p->i];
	if (!f->exact && addr - p->addr == f->size) {
		f->addr = p->addr;
		f->exact = 1;
		k->exact++;
	}
	p->i = -1;
}

static void match(struct hp_kstack *k, struct pending *p, uint64_t addr, const char *name,
		  const char *module)
{
	int i = find(k, name, module);
	if (i < 0 || k->f[i].exact)
		return;
	if (!k->f[i].addr)
		k->f[i].addr = addr;          /* the first, unless one of the right size follows */
	if (*module) {
		k->f[i].exact = 1;
		k->exact++;
		return;
	}
	p->i = i;
	p->addr = addr;
}

static int known(const struct hp_kstack *k)
{
	int n = 0;
	for (size_t i = 0; i < k->n; i++)
		n += k->f[i].addr != 0;
	return n;
}

/* k's functions from table, in its order (by address, as kallsyms'). Only
 * exact matches are kept: the others are left to kallsyms' text. */
static void resolve_table(struct hp_kstack *k, const struct hp_ksymtab *table)
{
	struct pending p = { -1, 0 };
	for (size_t i = 0; i < table->nsyms && k->exact < k->n; i++) {
		const struct hp_ksym *s = &table->syms[i];
		const char *module = ksymtab_module(table, s->module);
		settle(k, &p, s->addr);
		if (s->addr)
			match(k, &p, s->addr, ksymtab_name(table, s->name), module ? module : "");
	}
	for (size_t i = 0; i < k->n; i++)
		if (!k->f[i].exact)
			k->f[i].addr = 0;
}

/* k's functions not found exactly yet, from the text of kallsyms. */
static int resolve_text(struct hp_kstack *k, const char *kallsyms)
{
	FILE *fp = fopen(kallsyms, "re");
	struct hp_kallsyms_line l;
	char *line = NULL;
	size_t cap = 0;
	struct pending p = { -1, 0 };
	int zero = 0, text = 0;
	if (!fp)
		return -errno;
	k->reads++;
	while (k->exact < k->n && getline(&line, &cap, fp) > 0) {
		int rank = kallsyms_parse(line, &l);
		if (rank == -2)
			continue;
		settle(k, &p, l.addr);
		if (rank < 0)
			continue;
		text++;
		zero += !l.addr;
		if (l.addr)
			match(k, &p, l.addr, l.name, l.module ? l.module : "");
	}
	free(line);
	fclose(fp);
	return text && zero == text ? -EPERM : 0;
}

int kstack_resolve(struct hp_kstack *k, const struct hp_ksymtab *table, const char *kallsyms)
{
	int err;
	if (k->sought == k->n)
		return known(k);
	if (table)
		resolve_table(k, table);
	if (k->exact < k->n && (err = resolve_text(k, kallsyms)))
		return err;
	k->sought = k->n;
	return known(k);
}

int kstack_kallsyms_reads(const struct hp_kstack *k)
{
	return k->reads;
}

uint32_t kstack_addrs(const struct hp_kstack *k, const char *text, uint64_t *ips, uint32_t max)
{
	struct kframe fr;
	uint32_t n = 0;
	int r;
	while (n < max && (r = next_frame(&text, &fr)) > 0) {
		int i = find(k, fr.name, fr.module);
		if (i < 0 || !k->f[i].addr || !fr.off)
			return 0;
		ips[n++] = k->f[i].addr + fr.off;
	}
	return n;
}

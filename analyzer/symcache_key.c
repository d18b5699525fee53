/*
 * symcache_key.c - which symbol cache entry a module has: its key (build
 * id, file size, basename hash), its file name, and the "debug stamp" of
 * the separate debug files it could use (symcache.c checks an entry's
 * key and stamp against these before using it; the layout:
 * symcache_format.h).
 */
#include <gelf.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "analyzer/debugcopy.h"
#include "analyzer/symbolize_internal.h"
#include "analyzer/symcache_format.h"

struct stamp {
	char *buf;
	size_t size;
};

static void stamp_file(void *ctx, const char *path)
{
	struct stamp *st = ctx;
	struct stat sb;
	size_t len = strlen(st->buf);
	if (stat(path, &sb) != 0 || len + 1 >= st->size)
		return;
	snprintf(st->buf + len, st->size - len, "%s:%lld:%lld.%09ld;", path,
		 (long long)sb.st_size, (long long)sb.st_mtim.tv_sec, sb.st_mtim.tv_nsec);
}

/* The name in m's .gnu_debuglink, or NULL. */
static const char *debuglink(struct sym_module *m)
{
	GElf_Addr bias;
	size_t shstrndx;
	Elf_Scn *scn = NULL;
	Elf *elf = dwfl_module_getelf(m->dm, &bias);
	if (!elf || elf_getshdrstrndx(elf, &shstrndx) != 0)
		return NULL;
	while ((scn = elf_nextscn(elf, scn))) {
		GElf_Shdr sh;
		const char *name;
		if (!gelf_getshdr(scn, &sh) || !(name = elf_strptr(elf, shstrndx, sh.sh_name)) ||
		    strcmp(name, ".gnu_debuglink"))
			continue;
		Elf_Data *d = elf_getdata(scn, NULL);
		if (d && d->d_buf && d->d_size > 1 && memchr(d->d_buf, '\0', d->d_size))
			return d->d_buf;
	}
	return NULL;
}

/* Which separate debug files libdwfl could pick for m, with their sizes
 * and times (debugcopy_candidates: build id, then .gnu_debuglink). */
void symcache_stamp(struct sym_module *m, char *buf, size_t size)
{
	struct stamp st = { buf, size };
	buf[0] = '\0';
	debugcopy_candidates(m->path, m->build_id, debuglink(m), stamp_file, &st);
}

/* The entry's key: the build id, and what tells apart files sharing it -
 * a stripped copy keeps its build id but answers differently, and the
 * names made up for unnamed code carry the file's basename - its size and
 * a hash of its basename: "BUILDID-SIZE-HASH". */
void symcache_key(const struct sym_module *m, char *buf, size_t size)
{
	struct stat sb;
	uint32_t h = 2166136261u;
	for (const char *p = m->base; *p; p++)
		h = (h ^ (unsigned char)*p) * 16777619u;
	long long bytes = m->pseudo || stat(m->path, &sb) ? 0 : (long long)sb.st_size;
	snprintf(buf, size, "%s-%llx-%08x", m->build_id, bytes, h);
}

void symcache_path(const struct hp_symbolizer *s, const struct sym_module *m, char *buf,
		   size_t size)
{
	char key[KEY_MAX];
	symcache_key(m, key, sizeof(key));
	/* The format in the name: builds of two formats (an upgrade, a
	 * developer's old and new build) keep their own entries instead of
	 * rewriting each other's at every run. */
	snprintf(buf, size, "%s/%s-f%u.sym", s->cache_dir, key, CACHE_FORMAT);
}


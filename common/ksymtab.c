/*
 * ksymtab.c - the running kernel's symbol table kept per boot
 * (ksymtab.h).
 *
 * Reading /proc/kallsyms costs ~30 ms of CPU (the kernel formats 100k+
 * lines) and building the table as much again in page faults: most of a
 * short run's fixed cost. The table built once is written to
 * $XDG_CACHE_HOME/hpprof/kallsyms-BOOTID (else ~/.cache/hpprof; mode 0600
 * in a directory of the user's own, 0700: kernel addresses are not for
 * everyone) and later mapped read-only, so a lookup touches a few pages.
 *
 * File: a header (magic, the key, counts), the symbols, the modules, the
 * names. The key is the boot id, the first address /proc/kallsyms shows
 * now (0 when this process may no longer see addresses: no match) and a
 * hash of /proc/modules, so a cache is used only for the kernel, modules
 * and permissions it was made with; BPF programs loaded since are missed
 * (their addresses keep the fallback name). A file that is short, of
 * another key or whose sizes do not add up is ignored and replaced;
 * offsets are checked at each lookup (ksymtab_name, ksymtab_module), so a
 * damaged file gives wrong names at worst, never a read outside it. Concurrent runs write
 * temporary files renamed into place: a reader maps a whole file, never
 * one being written. Files of other boots are removed.
 *
 * The file holds every text symbol, aliases too (the analyzer names an
 * address by the last of its aliases): the stack files of the collector
 * name an address by the kernel's own choice (__do_sys_pause where the
 * analyzer says __x64_sys_pause), which it must find (magic -2; -1 files
 * held one symbol per address).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/kallsyms.h"
#include "common/ksymtab.h"

#define CACHE_MAGIC "hpprof-ksyms-2"

struct cache_header {
	char magic[16];
	char key[176];
	uint64_t nsyms, nmods, names_len;
};

static uint64_t fnv(uint64_t h, const char *s)
{
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 0x100000001b3ull;
	return h;
}

/* "BOOTID FIRSTADDR MODULES" of the running kernel into buf (zero-filled);
 * -ENOENT when unknown (no cache then). */
static int cache_key(char *buf, size_t len)
{
	char boot[64], line[512], name[256];
	unsigned long long first = 0, size, base;
	uint64_t h = 0xcbf29ce484222325ull;
	FILE *f = fopen(KALLSYMS_FILE, "re");
	memset(buf, 0, len);
	if (!f)
		return -ENOENT;
	if (!fgets(line, sizeof(line), f) || sscanf(line, "%llx", &first) != 1)
		first = 0;
	fclose(f);
	if ((f = fopen(MODULES_FILE, "re"))) {
		while (fgets(line, sizeof(line), f))
			if (sscanf(line, "%255s %llu %*s %*s %*s %llx", name, &size, &base) == 3) {
				snprintf(line, sizeof(line), "%s %llu %llx;", name, size, base);
				h = fnv(h, line);
			}
		fclose(f);
	}
	if (!first || !*ksymtab_boot_id(boot, sizeof(boot)))
		return -ENOENT;
	snprintf(buf, len, "%s %llx %016llx", boot, first, (unsigned long long)h);
	return 0;
}

/* $XDG_CACHE_HOME/hpprof/kallsyms-BOOTID; the directory is made (0700)
 * and must be the user's own and writable by no one else. */
static int cache_path(char *buf, size_t len)
{
	const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
	char boot[64];
	struct stat st;
	if (!*ksymtab_boot_id(boot, sizeof(boot)))
		return -ENOENT;
	if (xdg && *xdg == '/')
		snprintf(buf, len, "%s", xdg);
	else if (home && *home == '/')
		snprintf(buf, len, "%s/.cache", home);
	else
		return -ENOENT;
	mkdir(buf, 0700);
	strncat(buf, "/hpprof", len - strlen(buf) - 1);
	mkdir(buf, 0700);
	if (stat(buf, &st) || !S_ISDIR(st.st_mode) || st.st_uid != geteuid() ||
	    (st.st_mode & 022))
		return -EACCES;
	size_t n = strlen(buf);
	if (snprintf(buf + n, len - n, "/kallsyms-%s", boot) >= (int)(len - n))
		return -ENAMETOOLONG;
	return 0;
}

/* Do the sizes of the header describe a file of len bytes? */
static int sizes_fit(const struct cache_header *h, size_t len)
{
	uint64_t limit = len - sizeof(*h);
	if (h->nsyms > limit / sizeof(struct hp_ksym))
		return 0;
	limit -= h->nsyms * sizeof(struct hp_ksym);
	if (h->nmods > limit / sizeof(struct hp_kmod))
		return 0;
	limit -= h->nmods * sizeof(struct hp_kmod);
	return h->names_len == limit && h->names_len >= 1 && h->names_len < UINT32_MAX;
}

int ksymtab_cache_open(struct hp_ksymtab *t)
{
	char path[PATH_MAX], key[sizeof(((struct cache_header *)0)->key)];
	struct stat st;
	int fd, err = -ESTALE;
	if (cache_key(key, sizeof(key)) || cache_path(path, sizeof(path)))
		return -ENOENT;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return -errno;
	if (fstat(fd, &st) || (size_t)st.st_size < sizeof(struct cache_header)) {
		close(fd);
		return -ESTALE;
	}
	size_t len = (size_t)st.st_size;
	void *map = mmap(NULL, len, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (map == MAP_FAILED)
		return -errno;
	const struct cache_header *h = map;
	const char *p = (const char *)map + sizeof(*h);
	if (!memcmp(h->magic, CACHE_MAGIC, sizeof(CACHE_MAGIC)) &&
	    !memcmp(h->key, key, sizeof(key)) && sizes_fit(h, len) &&
	    p[len - sizeof(*h) - 1] == '\0') {
		t->syms = (const void *)p;
		t->nsyms = h->nsyms;
		t->mods = (const void *)(p + h->nsyms * sizeof(struct hp_ksym));
		t->nmods = h->nmods;
		t->names = p + h->nsyms * sizeof(struct hp_ksym) + h->nmods * sizeof(struct hp_kmod);
		t->names_len = h->names_len;
		t->map = map;
		t->map_len = len;
		return 0;
	}
	munmap(map, len);
	return err;
}

/* Caches of other boots are of no use any more: remove them. */
static void remove_stale(const char *path)
{
	char dir[PATH_MAX];
	const char *base = strrchr(path, '/') + 1;
	struct dirent *de;
	DIR *d;
	snprintf(dir, sizeof(dir), "%.*s", (int)(base - path), path);
	if (!(d = opendir(dir)))
		return;
	while ((de = readdir(d)))
		if (!strncmp(de->d_name, "kallsyms-", 9) &&
		    strncmp(de->d_name, base, strlen(base)))
			unlinkat(dirfd(d), de->d_name, 0);
	closedir(d);
}

void ksymtab_cache_write(const struct hp_ksymtab *t)
{
	char path[PATH_MAX], tmp[PATH_MAX + 8];
	struct cache_header h = { .nsyms = t->nsyms, .nmods = t->nmods,
				  .names_len = t->names_len };
	memcpy(h.magic, CACHE_MAGIC, sizeof(CACHE_MAGIC));
	if (cache_key(h.key, sizeof(h.key)) || cache_path(path, sizeof(path)))
		return;
	snprintf(tmp, sizeof(tmp), "%s.XXXXXX", path);
	int fd = mkstemp(tmp);                 /* 0600 */
	FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
	if (!f) {
		if (fd >= 0)
			close(fd);
		unlink(tmp);
		return;
	}
	fwrite(&h, sizeof(h), 1, f);
	fwrite(t->syms, sizeof(*t->syms), t->nsyms, f);
	fwrite(t->mods, sizeof(*t->mods), t->nmods, f);
	fwrite(t->names, 1, t->names_len, f);
	if (ferror(f) | fclose(f) || rename(tmp, path))
		unlink(tmp);
	else
		remove_stale(path);
}

void ksymtab_unmap(struct hp_ksymtab *t)
{
	if (t->map)
		munmap(t->map, t->map_len);
	t->map = NULL;
	t->map_len = 0;
}

const char *ksymtab_name(const struct hp_ksymtab *t, uint32_t off)
{
	return off < t->names_len ? t->names + off : "";    /* the blob ends with NUL */
}

const char *ksymtab_module(const struct hp_ksymtab *t, int32_t m)
{
	return m >= 0 && (size_t)m < t->nmods ? ksymtab_name(t, t->mods[m].name) : NULL;
}

const char *ksymtab_boot_id(char *buf, size_t len)
{
	FILE *f = fopen("/proc/sys/kernel/random/boot_id", "re");
	buf[0] = '\0';
	if (f) {
		if (fgets(buf, (int)len, f))
			buf[strcspn(buf, "\n")] = '\0';
		fclose(f);
	}
	return buf;
}

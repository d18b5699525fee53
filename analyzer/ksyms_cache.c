/*
 * ksyms_cache.c - the running kernel's symbol table kept per boot
 * (ksyms_internal.h).
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
 * offsets are checked at each lookup (ksyms.c), so a damaged file gives
 * wrong names at worst, never a read outside it. Concurrent runs write
 * temporary files renamed into place. Files of other boots are removed.
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

#include "analyzer/ksyms_internal.h"

#define CACHE_MAGIC "hpprof-ksyms-1"

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
	if (!first || !*ksyms_boot_id(boot, sizeof(boot)))
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
	if (!*ksyms_boot_id(boot, sizeof(boot)))
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
	if (h->nsyms > limit / sizeof(struct ksym))
		return 0;
	limit -= h->nsyms * sizeof(struct ksym);
	if (h->nmods > limit / sizeof(struct kmod))
		return 0;
	limit -= h->nmods * sizeof(struct kmod);
	return h->names_len == limit && h->names_len >= 1 && h->names_len < UINT32_MAX;
}

int ksyms_cache_open(struct hp_ksyms *k)
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
		k->syms = (const void *)p;
		k->nsyms = h->nsyms;
		k->mods = (const void *)(p + h->nsyms * sizeof(struct ksym));
		k->nmods = h->nmods;
		k->names = p + h->nsyms * sizeof(struct ksym) + h->nmods * sizeof(struct kmod);
		k->names_len = h->names_len;
		k->map = map;
		k->map_len = len;
		k->state = 1;
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

void ksyms_cache_write(const struct hp_ksyms *k)
{
	char path[PATH_MAX], tmp[PATH_MAX + 8];
	struct cache_header h = { .nsyms = k->nsyms, .nmods = k->nmods,
				  .names_len = k->names_len };
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
	fwrite(k->syms, sizeof(*k->syms), k->nsyms, f);
	fwrite(k->mods, sizeof(*k->mods), k->nmods, f);
	fwrite(k->names, 1, k->names_len, f);
	if (ferror(f) | fclose(f) || rename(tmp, path))
		unlink(tmp);
	else
		remove_stale(path);
}

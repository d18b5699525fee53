/*
 * test_mapfile.c - mapped files gone from their names (collector/mapfile.c,
 * common/heldfile.c), on a copy of this test's own program mapped
 * executable by this process:
 *   - a name that opens the mapped file is kept, and checked once;
 *   - unlinked: read through this process's mapping or its program
 *     (/proc/self/map_files needs root; /proc/PID/exe does not), held as
 *     "NAME (deleted)", opened anew through heldfile_open;
 *   - replaced by another file (a rebuild), with no process to read the
 *     mapping through: a name that opens nothing, never the new file;
 *   - a memfd that is not ELF (a JIT's code) keeps its name, anonymous;
 *   - a second file given a name the run holds another file under: held
 *     as "NAME, inode N";
 *   - a module the module cache read by its name is held: after another
 *     file took the name (a rebuild before the run's end), the name still
 *     opens, through heldfile_open, the file the run read (the symbols'
 *     source: analyzer/symbolize.c opens names through it first).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "hp_test.h"
#include "collector/mapfile.h"
#include "collector/module.h"
#include "common/heldfile.h"

#define NO_PID 0x7ffffff0u         /* a pid without /proc entry */

int main(void);

static char dir[] = "/tmp/hp-test-mapfile-XXXXXX";

struct mapped {
	char path[256];
	void *addr;
	size_t len;
	struct stat st;
};

/* a copy of /proc/self/exe at path, its first page mapped executable */
static int map_copy(struct mapped *m, const char *name)
{
	char buf[65536];
	ssize_t n;
	snprintf(m->path, sizeof(m->path), "%s/%s", dir, name);
	int in = open("/proc/self/exe", O_RDONLY), out = open(m->path, O_RDWR | O_CREAT, 0755);
	if (in < 0 || out < 0)
		return -1;
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (write(out, buf, (size_t)n) != n)
			return -1;
	close(in);
	m->len = 4096;
	m->addr = mmap(NULL, m->len, PROT_READ | PROT_EXEC, MAP_PRIVATE, out, 0);
	int err = m->addr == MAP_FAILED || fstat(out, &m->st);
	close(out);
	return err ? -1 : 0;
}

static const char *name_of(struct hp_mapfiles *mf, uint32_t pid, const struct mapped *m,
			   const char *path)
{
	uint64_t start = (uint64_t)(uintptr_t)m->addr;
	return mapfiles_name(mf, pid, path, start, start + m->len, major(m->st.st_dev),
			     minor(m->st.st_dev), m->st.st_ino);
}

static int is_elf_fd(int fd)
{
	unsigned char magic[4];
	int ok = fd >= 0 && pread(fd, magic, 4, 0) == 4 && !memcmp(magic, "\177ELF", 4);
	if (fd >= 0)
		close(fd);
	return ok;
}

static void test_kept(struct hp_mapfiles *mf)
{
	struct mapped m;
	CHECK(map_copy(&m, "kept") == 0);
	CHECK(name_of(mf, (uint32_t)getpid(), &m, m.path) == m.path);
	CHECK(name_of(mf, NO_PID, &m, m.path) == m.path);      /* checked once */
	CHECK(heldfile_open(m.path) == -ENOENT);
}

static void test_unlinked(struct hp_mapfiles *mf)
{
	struct mapped m;
	char want[300];
	CHECK(map_copy(&m, "unlinked") == 0);
	CHECK(unlink(m.path) == 0);
	snprintf(want, sizeof(want), "/proc/self/map_files/%lx-%lx", (unsigned long)m.addr,
		 (unsigned long)m.addr + m.len);
	int reach = open(want, O_RDONLY);
	const char *name = name_of(mf, (uint32_t)getpid(), &m, m.path);
	if (reach < 0) {      /* not root: only the program's file, which this is not */
		printf("# /proc/self/map_files not readable (%s): kept\n", strerror(errno));
		CHECK(name == m.path);
		return;
	}
	close(reach);
	snprintf(want, sizeof(want), "%s (deleted)", m.path);
	CHECK(name && !strcmp(name, want));
	CHECK(is_elf_fd(heldfile_open(want)));
	/* the record of a later mapping names it as the kernel does: the same */
	CHECK(name_of(mf, (uint32_t)getpid(), &m, want) == name);
	/* two descriptors, two offsets */
	int a = heldfile_open(want), b = heldfile_open(want);
	char c;
	CHECK(a >= 0 && b >= 0 && read(a, &c, 1) == 1 && lseek(b, 0, SEEK_CUR) == 0);
	close(a);
	close(b);
}

/* Seen under its name while it was the file, then mapped again after its
 * unlink as "NAME (deleted)" (an exec through a descriptor of it, CI run
 * 171): read through the process then, not left to the kernel's name,
 * which opens nothing. */
static void test_deleted_after_seen(struct hp_mapfiles *mf)
{
	struct mapped m;
	char want[300];
	CHECK(map_copy(&m, "seen") == 0);
	CHECK(name_of(mf, (uint32_t)getpid(), &m, m.path) == m.path);   /* the name is the file */
	CHECK(unlink(m.path) == 0);
	snprintf(want, sizeof(want), "%s (deleted)", m.path);
	const char *name = name_of(mf, (uint32_t)getpid(), &m, want);
	snprintf(want, sizeof(want), "/proc/self/map_files/%lx-%lx", (unsigned long)m.addr,
		 (unsigned long)m.addr + m.len);
	int reach = open(want, O_RDONLY);
	if (reach < 0) {      /* not root: nothing holds it, the kernel's name stays */
		CHECK(name && strstr(name, " (deleted)"));
		return;
	}
	close(reach);
	CHECK(name && is_elf_fd(heldfile_open(name)));   /* without the fix: -ENOENT */
	CHECK(name_of(mf, (uint32_t)getpid(), &m, m.path) == name);      /* one file, one name */
}

static void test_replaced(struct hp_mapfiles *mf)
{
	struct mapped m;
	char other[300];
	CHECK(map_copy(&m, "replaced") == 0);
	snprintf(other, sizeof(other), "%s/new", dir);
	int fd = open(other, O_WRONLY | O_CREAT, 0755);
	CHECK(fd >= 0 && write(fd, "\177ELF", 4) == 4);
	close(fd);
	CHECK(rename(other, m.path) == 0);
	/* no process reaches the mapped file: a name that opens nothing */
	const char *name = name_of(mf, NO_PID, &m, m.path);
	CHECK(name && name != m.path && strstr(name, " (deleted), inode "));
	CHECK(name && heldfile_open(name) == -ENOENT);
	CHECK(name && access(name, F_OK) != 0);
}

static void test_memfd_not_elf(struct hp_mapfiles *mf)
{
	int fd = memfd_create("jit", 0);
	CHECK(fd >= 0 && ftruncate(fd, 4096) == 0);
	struct mapped m = { .len = 4096 };
	m.addr = mmap(NULL, 4096, PROT_READ | PROT_EXEC, MAP_SHARED, fd, 0);
	CHECK(m.addr != MAP_FAILED && fstat(fd, &m.st) == 0);
	const char *path = "/memfd:jit (deleted)";
	CHECK(name_of(mf, (uint32_t)getpid(), &m, path) == path);
	close(fd);
}

static void test_module_held(void)
{
	struct mapped m;
	struct hp_module_cache *mc;
	struct stat now;
	char other[300];
	CHECK(map_copy(&m, "module") == 0);
	CHECK(modcache_new(&mc) == 0);
	const struct hp_module *mod = modcache_get(mc, m.path);
	CHECK(mod && mod->valid);
	snprintf(other, sizeof(other), "%s/rebuilt", dir);
	int fd = open(other, O_WRONLY | O_CREAT, 0755);
	CHECK(fd >= 0 && write(fd, "\177ELF", 4) == 4);
	close(fd);
	CHECK(rename(other, m.path) == 0);
	fd = heldfile_open(m.path);
	CHECK(fd >= 0 && fstat(fd, &now) == 0 && now.st_ino == m.st.st_ino);
	if (fd >= 0)
		close(fd);
	modcache_free(mc);
}

/* A second file given the name of one the run read by it (a loop of
 * `cc x.c && ./a.out`): its own name, "NAME, inode N", held; the first
 * keeps NAME. */
static void test_name_taken(struct hp_mapfiles *mf)
{
	struct mapped a, b;
	char path[300], want[320];
	CHECK(map_copy(&a, "taken") == 0);
	snprintf(path, sizeof(path), "%s", a.path);
	CHECK(name_of(mf, (uint32_t)getpid(), &a, path) == path);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	CHECK(fd >= 0 && heldfile_add(path, fd) == 0);      /* as the module cache does */
	CHECK(map_copy(&b, "taken.new") == 0);
	CHECK(rename(b.path, path) == 0);
	const char *name = name_of(mf, (uint32_t)getpid(), &b, path);
	snprintf(want, sizeof(want), "%s, inode %lu", path, (unsigned long)b.st.st_ino);
	CHECK(name && !strcmp(name, want));          /* without the fix: path */
	struct stat st;
	fd = heldfile_open(want);
	CHECK(fd >= 0 && fstat(fd, &st) == 0 && st.st_ino == b.st.st_ino);
	if (fd >= 0)
		close(fd);
	CHECK(name_of(mf, NO_PID, &b, path) == name);       /* checked once */
	CHECK(name_of(mf, NO_PID, &a, path) == path);       /* the first keeps the name */
}

int main(void)
{
	struct hp_mapfiles *mf;
	if (!mkdtemp(dir))
		return 1;
	CHECK(mapfiles_new(&mf) == 0);
	test_kept(mf);
	test_unlinked(mf);
	test_deleted_after_seen(mf);
	test_replaced(mf);
	test_memfd_not_elf(mf);
	test_name_taken(mf);
	test_module_held();
	mapfiles_free(mf);
	heldfile_clear();
	char cmd[300];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd))
		fprintf(stderr, "cannot remove %s\n", dir);
	return hp_test_result();
}

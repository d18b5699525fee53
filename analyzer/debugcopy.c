/*
 * debugcopy.c - decompressed copies of debug files (debugcopy.h).
 *
 * Takes the path of a separate debug file and its module's build id;
 * produces CACHE_DIR/debug/BUILDID.debug. The copy is the file's bytes in
 * a temporary file, opened with libelf for update, each SHF_COMPRESSED
 * section decompressed in place (elf_compress) and the file laid out
 * again by elf_update; program headers are left as they are (in a debug
 * file they describe the stripped file's segments, which libdwfl reads
 * only for their addresses). It knows nothing of libdwfl: symbolize.c
 * calls it from its find_debuginfo callback.
 */
#include "analyzer/debugcopy.h"

#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/error.h"
#include "common/log.h"
#include "common/outfile.h"

#define COPY_MAX ((uint64_t)512 << 20) /* decompressed size beyond which no copy is made */

#define DEBUG_ROOT "/usr/lib/debug"

void debugcopy_candidates(const char *module_path, const char *build_id,
			  const char *debuglink, void (*cb)(void *ctx, const char *path),
			  void *ctx)
{
	char path[PATH_MAX], dir[PATH_MAX];
	if (build_id && strlen(build_id) > 2) {
		snprintf(path, sizeof(path), DEBUG_ROOT "/.build-id/%.2s/%s.debug", build_id,
			 build_id + 2);
		cb(ctx, path);
	}
	if (!debuglink || !debuglink[0])
		return;
	snprintf(dir, sizeof(dir), "%s", module_path);
	const char *d = dirname(dir);
	snprintf(path, sizeof(path), "%s/%s", d, debuglink);
	cb(ctx, path);
	snprintf(path, sizeof(path), "%s/.debug/%s", d, debuglink);
	cb(ctx, path);
	snprintf(path, sizeof(path), DEBUG_ROOT "%s/%s", d, debuglink);
	cb(ctx, path);
}

static void note_existing(void *ctx, const char *path)
{
	if (access(path, F_OK) == 0)
		*(int *)ctx = 1;
}

int debugcopy_any_candidate(const char *module_path, const char *build_id,
			    const char *debuglink)
{
	int any = 0;
	debugcopy_candidates(module_path, build_id, debuglink, note_existing, &any);
	return any;
}

static void copy_path(const char *dir, const char *build_id, char *buf, size_t size)
{
	snprintf(buf, size, "%s/debug/%s.debug", dir, build_id);
}

/* 1 when elf's build-id note is build_id (hex). */
static int has_build_id(Elf *elf, const char *build_id)
{
	Elf_Scn *scn = NULL;
	while ((scn = elf_nextscn(elf, scn))) {
		GElf_Shdr sh;
		Elf_Data *d;
		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_NOTE ||
		    !(d = elf_getdata(scn, NULL)))
			continue;
		GElf_Nhdr nh;
		size_t off = 0, name_off, desc_off;
		while ((off = gelf_getnote(d, off, &nh, &name_off, &desc_off)) > 0) {
			if (nh.n_type != NT_GNU_BUILD_ID || nh.n_namesz != 4 ||
			    memcmp((char *)d->d_buf + name_off, "GNU", 4))
				continue;
			const unsigned char *bits = (const unsigned char *)d->d_buf + desc_off;
			if (strlen(build_id) != 2 * (size_t)nh.n_descsz)
				return 0;
			for (size_t i = 0; i < nh.n_descsz; i++) {
				char hex[3];
				snprintf(hex, sizeof(hex), "%02x", bits[i]);
				if (memcmp(hex, build_id + 2 * i, 2))
					return 0;
			}
			return 1;
		}
	}
	return 0;
}

/* NULL when the ELF in fd (size bytes) is a sound copy for build_id. */
static const char *check_copy(int fd, off_t size, const char *build_id)
{
	const char *why = NULL;
	Elf *elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	GElf_Ehdr eh;
	if (!elf || elf_kind(elf) != ELF_K_ELF || !gelf_getehdr(elf, &eh)) {
		why = "not an ELF file";
		goto out;
	}
	if (eh.e_shoff + (uint64_t)eh.e_shnum * eh.e_shentsize > (uint64_t)size) {
		why = "truncated section headers";
		goto out;
	}
	Elf_Scn *scn = NULL;
	while (!why && (scn = elf_nextscn(elf, scn))) {
		GElf_Shdr sh;
		if (!gelf_getshdr(scn, &sh))
			why = "unreadable section header";
		else if (sh.sh_flags & SHF_COMPRESSED)
			why = "compressed section";
		else if (sh.sh_type != SHT_NOBITS && sh.sh_offset + sh.sh_size > (uint64_t)size)
			why = "truncated section";
	}
	if (!why && !has_build_id(elf, build_id))
		why = "another build id";
out:
	elf_end(elf);
	return why;
}

int debugcopy_open(const char *cache_dir, const char *build_id, char **path)
{
	char buf[PATH_MAX];
	struct stat sb;
	copy_path(cache_dir, build_id, buf, sizeof(buf));
	int fd = open(buf, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	elf_version(EV_CURRENT);
	const char *why = fstat(fd, &sb) ? "cannot stat" : check_copy(fd, sb.st_size, build_id);
	if (why || !(*path = strdup(buf))) {
		hp_debug(HP_DBG_SYMS, 1, "debug copy '%s' not used: %s", buf, why ? why : "ENOMEM");
		close(fd);
		return -1;
	}
	return fd;
}

/* Sum of the decompressed sizes of src's compressed sections (0: none). */
static uint64_t compressed_bytes(Elf *elf)
{
	Elf_Scn *scn = NULL;
	uint64_t total = 0;
	while ((scn = elf_nextscn(elf, scn))) {
		GElf_Shdr sh;
		GElf_Chdr ch;
		if (gelf_getshdr(scn, &sh) && (sh.sh_flags & SHF_COMPRESSED) &&
		    gelf_getchdr(scn, &ch))
			total += ch.ch_size;
	}
	return total;
}

static int copy_bytes(int in, int out)
{
	char buf[1 << 16];
	ssize_t n;
	while ((n = read(in, buf, sizeof(buf))) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		for (ssize_t done = 0; done < n;) {
			ssize_t w = write(out, buf + done, (size_t)(n - done));
			if (w < 0 && errno == EINTR)
				continue;
			if (w <= 0)
				return w < 0 ? -errno : -EIO;
			done += w;
		}
	}
	return 0;
}

/* Decompress every compressed section of the ELF in fd, in place. */
static const char *decompress_in_place(int fd)
{
	const char *why = NULL;
	Elf *elf = elf_begin(fd, ELF_C_RDWR, NULL);
	Elf_Scn *scn = NULL;
	if (!elf)
		return elf_errmsg(-1);
	while (!why && (scn = elf_nextscn(elf, scn))) {
		GElf_Shdr sh;
		if (gelf_getshdr(scn, &sh) && (sh.sh_flags & SHF_COMPRESSED) &&
		    elf_compress(scn, 0, 0) < 0)
			why = elf_errmsg(-1);
	}
	if (!why && elf_update(elf, ELF_C_WRITE) < 0)
		why = elf_errmsg(-1);
	elf_end(elf);
	return why;
}


int debugcopy_make(const char *cache_dir, const char *build_id, const char *src, char **path)
{
	char dst[PATH_MAX], tmp[PATH_MAX + 8];
	const char *why = NULL;
	int in = open(src, O_RDONLY | O_CLOEXEC), out = -1;
	if (in < 0)
		return -1;
	elf_version(EV_CURRENT);
	Elf *elf = elf_begin(in, ELF_C_READ_MMAP, NULL);
	uint64_t need = elf ? compressed_bytes(elf) : 0;
	elf_end(elf);
	if (!need || need > COPY_MAX) {
		close(in);
		return -1;
	}
	copy_path(cache_dir, build_id, dst, sizeof(dst));
	snprintf(tmp, sizeof(tmp), "%s.XXXXXX", dst);
	char dir[PATH_MAX];
	snprintf(dir, sizeof(dir), "%s/debug", cache_dir);
	int err = hp_mkdirs_private(dir);
	if (!err && (out = mkostemp(tmp, O_CLOEXEC)) < 0)
		err = -errno;
	if (!err)
		err = copy_bytes(in, out);
	close(in);
	if (err) {
		why = hp_strerror(err);
		goto fail;
	}
	if ((why = decompress_in_place(out)))
		goto fail;
	if (close(out) != 0) {
		out = -1;
		why = hp_strerror(-errno);
		goto fail;
	}
	out = -1;
	if (rename(tmp, dst) != 0) {
		why = hp_strerror(-errno);
		goto fail;
	}
	hp_debug(HP_DBG_SYMS, 1, "debug copy '%s' of '%s' written", dst, src);
	return debugcopy_open(cache_dir, build_id, path);
fail:
	hp_debug(HP_DBG_SYMS, 1, "cannot copy '%s' to '%s': %s", src, dst, why);
	if (out >= 0)
		close(out);
	unlink(tmp);
	return -1;
}

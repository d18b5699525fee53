/*
 * srcpath_rust.c - Rust standard library paths in a rust-src (srcpath.h).
 *
 * rustc's own builds remap the sysroot's sources to "/rustc/COMMIT/" in
 * the debug information (COMMIT: the 40 hex digits `rustc -vV` prints as
 * commit-hash), so the std functions inlined into a program or linked
 * from libstd name files no machine has. Those files are in a rust-src:
 * SYSROOT/lib/rustlib/src/rust/ (rustup's `rust-src` component, Debian's
 * `rust-src` package in /usr/lib/rustlib/src/rust). The sysroots looked
 * at: rustup's toolchains ($RUSTUP_HOME, else ~/.rustup), the rustc on
 * PATH (when it is not rustup's proxy), /usr and /usr/local. A toolchain's
 * commit comes from its channel manifest, another sysroot's from its
 * rustc -vV (run only when it has a rust-src). Only the rust-src of the
 * same commit is used, or (when a toolchain tells which release the
 * commit is, and that release is a stable one) a rust-src whose rustc is
 * that release with its commit unknown (Debian's rustc prints "unknown").
 * The program itself may tell the release of its commit too: rustc writes
 * "rustc version 1.63.0 (4b91a6ea7 2022-08-08)" into its .comment section
 * (rustsrc_note_binary), for a program built by a toolchain that is not
 * installed here. A path that finds none says which commit it wanted and
 * what was found.
 */
#include "analyzer/srcpath.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <limits.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define RUSTC_PREFIX "/rustc/"
#define COMMIT_LEN 40
#define MIN_COMMIT 7                  /* the shortest hash taken as naming a commit */
#define MAX_ROOTS 24
#define MAX_NOTED 64                  /* binaries whose .comment was read */
#define COMMENT_TAG "rustc version "
#define SRC_DIR "/lib/rustlib/src/rust"
#define MANIFEST "/lib/rustlib/multirust-channel-manifest.toml"

extern char **environ;

struct sysroot {
	char dir[PATH_MAX];
	char name[256];               /* a toolchain's name, else dir */
	char commit[COMMIT_LEN + 1];  /* "" when unknown; a manifest's is short */
	char release[64];             /* "1.95.0", "1.80.0-nightly"; "" when unknown */
	int has_src, rustup;
};

static struct sysroot roots[MAX_ROOTS];
static int nroots = -1;               /* -1: not scanned yet */

/* Binaries whose .comment was read, with the rustc that built them (a
 * struct sysroot for its commit and release; dir holds the binary). */
static struct sysroot noted[MAX_NOTED];
static unsigned nnoted;

static int is_dir(const char *path)
{
	struct stat sb;
	return !stat(path, &sb) && S_ISDIR(sb.st_mode);
}

static int same_commit(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	return la >= MIN_COMMIT && lb >= MIN_COMMIT && !strncmp(a, b, la < lb ? la : lb);
}

/* "1.95.0 (59807616e 2026-04-14)" -> release and commit. */
static void parse_version(struct sysroot *r, const char *v)
{
	size_t n = strcspn(v, " \"");
	snprintf(r->release, sizeof(r->release), "%.*s", (int)n, v);
	const char *c = strchr(v, '(');
	if (c) {
		n = strspn(c + 1, "0123456789abcdef");
		if (n >= MIN_COMMIT && n <= COMMIT_LEN)
			snprintf(r->commit, sizeof(r->commit), "%.*s", (int)n, c + 1);
	}
}

/* A rustup toolchain: the rustc package's version line of its manifest. */
static void read_manifest(struct sysroot *r)
{
	char path[PATH_MAX + 64], line[512];
	int in_rustc = 0;
	snprintf(path, sizeof(path), "%s%s", r->dir, MANIFEST);
	FILE *f = fopen(path, "re");
	if (!f)
		return;
	r->rustup = 1;
	while (fgets(line, sizeof(line), f)) {
		if (line[0] == '[')
			in_rustc = !strcmp(line, "[pkg.rustc]\n");
		else if (in_rustc && !strncmp(line, "version = \"", 11)) {
			parse_version(r, line + 11);
			break;
		}
	}
	fclose(f);
}

/* Another sysroot: its rustc -vV's commit-hash and release lines. */
static void ask_rustc(struct sysroot *r)
{
	char rustc[PATH_MAX + 16], out[4096];
	int fds[2];
	pid_t pid;
	size_t got = 0;
	ssize_t n;
	snprintf(rustc, sizeof(rustc), "%s/bin/rustc", r->dir);
	if (access(rustc, X_OK) || pipe2(fds, O_CLOEXEC))
		return;
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, fds[1], 1);
	posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
	char *argv[] = { rustc, "-vV", NULL };
	int err = posix_spawn(&pid, rustc, &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(fds[1]);
	while (!err && got < sizeof(out) - 1 &&
	       (n = read(fds[0], out + got, sizeof(out) - 1 - got)) > 0)
		got += (size_t)n;
	close(fds[0]);
	if (err)
		return;
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
	out[got] = '\0';
	const char *c = strstr(out, "\ncommit-hash: "), *v = strstr(out, "\nrelease: ");
	if (v)
		snprintf(r->release, sizeof(r->release), "%.*s", (int)strcspn(v + 10, "\n"), v + 10);
	if (c && strspn(c + 14, "0123456789abcdef") == COMMIT_LEN)
		snprintf(r->commit, sizeof(r->commit), "%.*s", COMMIT_LEN, c + 14);
}

/* .comment's strings: the first "rustc version ..." one. */
static void parse_comment(struct sysroot *n, const char *buf, size_t len)
{
	size_t tl = strlen(COMMENT_TAG);
	for (size_t i = 0; i < len; i += strnlen(buf + i, len - i) + 1) {
		size_t sl = strnlen(buf + i, len - i);
		if (sl < len - i && sl > tl && !strncmp(buf + i, COMMENT_TAG, tl)) {
			parse_version(n, buf + i + tl);
			return;
		}
	}
}

int rustsrc_note_binary(const char *binary)
{
	struct stat sb;
	if (!binary || nnoted >= MAX_NOTED)
		return 0;
	for (unsigned i = 0; i < nnoted; i++)
		if (!strcmp(noted[i].dir, binary))
			return *noted[i].commit != '\0';
	struct sysroot *n = &noted[nnoted++];
	memset(n, 0, sizeof(*n));
	snprintf(n->dir, sizeof(n->dir), "%s", binary);
	/* the path comes from a database: a regular file only, read-only */
	int fd = open(binary, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	Elf *e = NULL;
	size_t shstrndx;
	elf_version(EV_CURRENT);
	if (!fstat(fd, &sb) && S_ISREG(sb.st_mode))
		e = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	for (Elf_Scn *scn = NULL; e && !elf_getshdrstrndx(e, &shstrndx) &&
	     (scn = elf_nextscn(e, scn));) {
		GElf_Shdr sh;
		const char *name;
		Elf_Data *d;
		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_PROGBITS ||
		    !(name = elf_strptr(e, shstrndx, sh.sh_name)) || strcmp(name, ".comment"))
			continue;
		if ((d = elf_getdata(scn, NULL)) && d->d_buf)
			parse_comment(n, d->d_buf, d->d_size);
		break;
	}
	if (e)
		elf_end(e);
	close(fd);
	return *n->commit != '\0';
}

/* The release of commit, as a binary's .comment gives it, or NULL. */
static const char *noted_release(const char *commit)
{
	for (unsigned i = 0; i < nnoted; i++)
		if (same_commit(noted[i].commit, commit) && *noted[i].release)
			return noted[i].release;
	return NULL;
}

static void add_root(const char *dir, const char *name)
{
	char real[PATH_MAX], src[PATH_MAX + 32];
	if (nroots >= MAX_ROOTS || !realpath(dir, real))
		return;
	for (int i = 0; i < nroots; i++)
		if (!strcmp(roots[i].dir, real))
			return;
	struct sysroot *r = &roots[nroots];
	memset(r, 0, sizeof(*r));
	snprintf(r->dir, sizeof(r->dir), "%s", real);
	snprintf(r->name, sizeof(r->name), "%s", name ? name : dir);
	snprintf(src, sizeof(src), "%s%s", real, SRC_DIR);
	r->has_src = is_dir(src);
	read_manifest(r);
	if (!r->rustup && !r->has_src)
		return;               /* neither a toolchain nor a rust-src: not listed */
	if (!r->rustup)
		ask_rustc(r);
	nroots++;
}

static void add_toolchains(void)
{
	char dir[PATH_MAX], sub[PATH_MAX + 256];
	const char *rh = getenv("RUSTUP_HOME"), *home = getenv("HOME");
	if (rh && *rh)
		snprintf(dir, sizeof(dir), "%s/toolchains", rh);
	else if (home && *home)
		snprintf(dir, sizeof(dir), "%s/.rustup/toolchains", home);
	else
		return;
	DIR *d = opendir(dir);
	struct dirent *e;
	while (d && (e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(sub, sizeof(sub), "%s/%s", dir, e->d_name);
		add_root(sub, e->d_name);
	}
	if (d)
		closedir(d);
}

/* The sysroot of the rustc on PATH, unless that is rustup's proxy. */
static void add_path_rustc(void)
{
	const char *p = getenv("PATH");
	char cand[PATH_MAX], real[PATH_MAX];
	while (p && *p) {
		size_t n = strcspn(p, ":");
		if (n && (size_t)snprintf(cand, sizeof(cand), "%.*s/rustc", (int)n, p) < sizeof(cand) &&
		    !access(cand, X_OK) && realpath(cand, real)) {
			char *slash = strrchr(real, '/');
			if (slash && !strcmp(slash, "/rustc")) {
				*slash = '\0';                  /* SYSROOT/bin */
				if ((slash = strrchr(real, '/')) && slash > real) {
					*slash = '\0';
					add_root(real, NULL);
				}
			}
			return;
		}
		p += n + (p[n] == ':');
	}
}

static void scan(void)
{
	if (nroots >= 0)
		return;
	nroots = 0;
	add_toolchains();
	add_path_rustc();
	add_root("/usr", NULL);
	add_root("/usr/local", NULL);
}

/* A stable release: digits and dots only ("1.63.0", not "-nightly"). */
static int stable(const char *rel)
{
	return *rel && strspn(rel, "0123456789.") == strlen(rel);
}

/* r's rust-src has rest: the new path, else NULL. */
static char *in_src(const struct sysroot *r, const char *rest)
{
	char path[PATH_MAX * 2];
	struct stat sb;
	if (!r->has_src)
		return NULL;
	snprintf(path, sizeof(path), "%s%s%s", r->dir, SRC_DIR, rest);
	return !stat(path, &sb) && S_ISREG(sb.st_mode) ? strdup(path) : NULL;
}

/* Why nothing was found: the commit wanted, what the machine has. */
static void explain(const char *commit, const struct sysroot *of, const char *release,
		    char *why, size_t len)
{
	size_t k;
	if (of && of->has_src)
		k = (size_t)snprintf(why, len, "not in the rust-src of rustc %s (commit %.12s) at %s%s",
				     of->release, commit, of->dir, SRC_DIR);
	else if (of)
		k = (size_t)snprintf(why, len, "rustc commit %.12s is rustup toolchain %s (%s), which "
				     "has no rust-src: `rustup component add rust-src --toolchain %s`",
				     commit, of->name, of->release, of->name);
	else if (release)
		k = (size_t)snprintf(why, len, "no rust-src of rustc commit %.12s (rustc %s, as the "
				     "program's .comment says) here: rustup's rust-src component of "
				     "that toolchain (`rustup toolchain install %s --component "
				     "rust-src`)%s", commit, release, release,
				     stable(release) ? ", or a distribution's rust-src of that release"
				     : "");
	else
		k = (size_t)snprintf(why, len, "no rust-src of rustc commit %.12s here (the Rust "
				     "standard library's sources: rustup's rust-src component of "
				     "that toolchain, or the distribution's rust-src of that rustc)",
				     commit);
	for (int i = 0, n = 0; i < nroots && k < len; i++) {
		if (!roots[i].has_src || &roots[i] == of)
			continue;
		k += (size_t)snprintf(why + k, len - k, "%s %s%s (rustc %s, commit %.12s)",
				      n++ ? "," : "; found", roots[i].dir, SRC_DIR,
				      *roots[i].release ? roots[i].release : "unknown",
				      *roots[i].commit ? roots[i].commit : "unknown");
	}
	if (k < len)
		snprintf(why + k, len - k, "; --source-map %s%s=DIR reads it from DIR", RUSTC_PREFIX,
			 commit);
}

int rustsrc_is_std_path(const char *path)
{
	return path && !strncmp(path, RUSTC_PREFIX, strlen(RUSTC_PREFIX)) &&
	       strspn(path + strlen(RUSTC_PREFIX), "0123456789abcdef") == COMMIT_LEN &&
	       path[strlen(RUSTC_PREFIX) + COMMIT_LEN] == '/';
}

char *rustsrc_find(const char *path, int *is_rust, char *why, size_t len)
{
	char commit[COMMIT_LEN + 1];
	const struct sysroot *of = NULL;
	char *found = NULL;
	*is_rust = rustsrc_is_std_path(path);
	if (!*is_rust)
		return NULL;
	const char *rest = path + strlen(RUSTC_PREFIX) + COMMIT_LEN;
	snprintf(commit, sizeof(commit), "%s", path + strlen(RUSTC_PREFIX));
	scan();
	for (int i = 0; i < nroots && !found; i++)
		if (same_commit(roots[i].commit, commit) && (!of || roots[i].has_src)) {
			of = &roots[i];
			found = in_src(of, rest);
		}
	/* the same stable release where only the release is known: from the
	 * toolchain of that commit, else from the program's .comment */
	const char *release = of && *of->release ? of->release : noted_release(commit);
	for (int i = 0; i < nroots && !found && release && stable(release); i++)
		if (!*roots[i].commit && !strcmp(roots[i].release, release))
			found = in_src(&roots[i], rest);
	if (!found)
		explain(commit, of, release, why, len);
	return found;
}

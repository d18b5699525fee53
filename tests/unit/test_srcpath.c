/*
 * test_srcpath.c - where a recorded source path is read from
 * (analyzer/srcpath.c, srcpath_rust.c), on real files in a temporary
 * directory: --source-map and $HPPROF_SOURCE_MAP substitutions at
 * component boundaries, and Rust's "/rustc/COMMIT/" paths found in the
 * rust-src of the rustup toolchain of that commit (its channel manifest
 * names the commit as rustup writes it), or explained: which commit was
 * wanted, the `rustup component add` that installs it. When the machine
 * has Debian's rust-src (1.63.0, commit unknown), a toolchain of release
 * 1.63.0 without a rust-src is served from it (same stable release), and
 * so is a program whose .comment names rustc 1.63.0 (an ELF made with
 * objcopy; the commit hashes of those are made up).
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "analyzer/srcpath.h"
#include "hp_test.h"

#define C195 "59807616e1fa2540724bfbac14d7976d7e4a3860"   /* rustc 1.95.0 */
#define C163 "4b91a6ea7258a947e59c6522cd5898e7c0a6a88f"   /* rustc 1.63.0 */
#define COTHER "0123456789abcdef0123456789abcdef01234567"
#define ITER "/library/core/src/iter/mod.rs"

static char root[PATH_MAX];
static char *saved_path;              /* PATH before test_rust cleared it */

static void mkdirs(const char *rel)
{
	char path[PATH_MAX * 2];
	snprintf(path, sizeof(path), "%s/%s", root, rel);
	for (char *p = path + strlen(root) + 1; *p; p++)
		if (*p == '/') {
			*p = '\0';
			mkdir(path, 0755);
			*p = '/';
		}
	mkdir(path, 0755);
}

static void put(const char *rel, const char *text)
{
	char path[PATH_MAX * 2];
	snprintf(path, sizeof(path), "%s/%s", root, rel);
	char *slash = strrchr(path, '/');
	*slash = '\0';
	mkdirs(path + strlen(root) + 1);
	*slash = '/';
	FILE *f = fopen(path, "w");
	if (!f || fputs(text, f) < 0 || fclose(f))
		perror(path), exit(1);
}

/* A rustup toolchain: its manifest's rustc line (as rustup writes it),
 * and a rust-src holding ITER when src. */
static void toolchain(const char *name, const char *version, int src)
{
	char rel[512], text[512];
	snprintf(rel, sizeof(rel), "rustup/toolchains/%s/lib/rustlib/multirust-channel-manifest.toml",
		 name);
	snprintf(text, sizeof(text), "manifest-version = \"2\"\n\n[pkg.cargo]\nversion = \"0.1.0 "
		 "(aaaaaaaaa 2026-01-01)\"\n\n[pkg.rustc]\nversion = \"%s\"\n\n[pkg.rustc.target.x]\n"
		 "available = true\n", version);
	put(rel, text);
	if (src) {
		snprintf(rel, sizeof(rel), "rustup/toolchains/%s/lib/rustlib/src/rust" ITER, name);
		snprintf(text, sizeof(text), "// %s\npub trait Iterator {}\n", name);
		put(rel, text);
	}
}

/* Opens path; returns the first line read and sets *shown (or NULL, why). */
static char *first_line(const char *path, char **shown, char *why, size_t len)
{
	static char line[256];
	FILE *f = srcpath_open(path, NULL, shown, why, len);
	if (!f)
		return NULL;
	if (!fgets(line, sizeof(line), f))
		line[0] = '\0';
	fclose(f);
	line[strcspn(line, "\n")] = '\0';
	return line;
}

static void test_maps(void)
{
	char why[512], *shown = NULL, *got, env[PATH_MAX * 3];
	put("moved/src/a.c", "int a;\n");
	put("other/b.c", "int b;\n");
	/* recorded under a build directory that is gone */
	CHECK(!first_line("/nonexistent-build/src/a.c", &shown, why, sizeof(why)));
	CHECK(!strcmp(why, strerror(ENOENT)));
	char map[PATH_MAX + 64];
	snprintf(map, sizeof(map), "/nonexistent-build=%s/moved", root);
	CHECK(!srcpath_add_map(map));
	CHECK(srcpath_add_map("no-equals-sign") == -EINVAL);
	CHECK(srcpath_add_map("=/x") == -EINVAL);
	CHECK(srcpath_add_map("/x=") == -EINVAL);
	got = first_line("/nonexistent-build/src/a.c", &shown, why, sizeof(why));
	CHECK(got && !strcmp(got, "int a;"));
	CHECK(shown && strstr(shown, "/moved/src/a.c"));
	free(shown);
	/* FROM matches whole components only */
	CHECK(!first_line("/nonexistent-buildx/src/a.c", &shown, why, sizeof(why)));
	/* the environment's pairs, after a malformed one */
	snprintf(env, sizeof(env), "junk:/elsewhere/x=%s/nothing:/elsewhere=%s/other", root, root);
	setenv("HPPROF_SOURCE_MAP", env, 1);
	got = first_line("/elsewhere/b.c", &shown, why, sizeof(why));
	CHECK(got && !strcmp(got, "int b;"));
	free(shown);
	unsetenv("HPPROF_SOURCE_MAP");
	CHECK(!first_line("/elsewhere/b.c", &shown, why, sizeof(why)));
}

static void test_rust(void)
{
	char why[1024], *shown = NULL, *got, dir[PATH_MAX + 32];
	snprintf(dir, sizeof(dir), "%s/rustup", root);
	toolchain("stable-x86_64-unknown-linux-gnu", "1.95.0 (59807616e 2026-04-14)", 1);
	toolchain("nightly-x86_64-unknown-linux-gnu", "1.97.0-nightly (0123456789 2026-05-01)", 0);
	toolchain("1.63.0-x86_64-unknown-linux-gnu", "1.63.0 (4b91a6ea7 2022-08-08)", 0);
	setenv("RUSTUP_HOME", dir, 1);
	setenv("PATH", "/nonexistent", 1);  /* no rustc on PATH: only the toolchains, /usr */

	got = first_line("/rustc/" C195 ITER, &shown, why, sizeof(why));
	CHECK(got && !strcmp(got, "// stable-x86_64-unknown-linux-gnu"));
	CHECK(shown && strstr(shown, "/toolchains/stable-x86_64-unknown-linux-gnu/lib/rustlib/src/"
			      "rust" ITER));
	free(shown);
	/* in that rust-src, but not a file of it */
	CHECK(!first_line("/rustc/" C195 "/library/core/src/nothing.rs", &shown, why, sizeof(why)));
	CHECK(strstr(why, "not in the rust-src of rustc 1.95.0 (commit 59807616e1fa)"));
	/* a toolchain of that commit without its rust-src */
	CHECK(!first_line("/rustc/" COTHER ITER, &shown, why, sizeof(why)));
	CHECK(strstr(why, "rustc commit 0123456789ab is rustup toolchain "
		     "nightly-x86_64-unknown-linux-gnu (1.97.0-nightly), which has no rust-src: "
		     "`rustup component add rust-src --toolchain nightly-x86_64-unknown-linux-gnu`"));
	CHECK(strstr(why, "--source-map /rustc/" COTHER "=DIR"));
	/* a commit nothing here knows */
	CHECK(!first_line("/rustc/ffffffffffffffffffffffffffffffffffffffff" ITER, &shown, why,
			  sizeof(why)));
	CHECK(strstr(why, "no rust-src of rustc commit ffffffffffff here"));
	CHECK(strstr(why, "found ") && strstr(why, "/rustup/toolchains/stable-x86_64-unknown-"
					      "linux-gnu/lib/rustlib/src/rust (rustc 1.95.0, "
					      "commit 59807616e)"));
	/* not a /rustc/COMMIT path: the plain error */
	CHECK(!first_line("/rustc/59807616/library/core/src/iter/mod.rs", &shown, why, sizeof(why)));
	CHECK(!strcmp(why, strerror(ENOENT)));

	/* Debian's rust-src: rustc 1.63.0 whose commit its rustc -vV does not know */
	struct stat sb;
	if (stat("/usr/lib/rustlib/src/rust" ITER, &sb) || access("/usr/bin/rustc", X_OK)) {
		printf("# no Debian rust-src and rustc here: the same-release case not checked\n");
		return;
	}
	got = first_line("/rustc/" C163 ITER, &shown, why, sizeof(why));
	CHECK(got != NULL);
	CHECK(shown && strstr(shown, "/lib/rustlib/src/rust" ITER) && !strstr(shown, root));
	if (!got)
		fprintf(stderr, "why: %s\n", why);
	free(shown);

	/* no toolchain of the commit, but the program's .comment says which
	 * rustc built it (rustsrc_note_binary): a rust-src of that release */
	char elf[PATH_MAX + 16], note[PATH_MAX + 16], cmd[PATH_MAX * 4];
	setenv("PATH", saved_path, 1);      /* the sysroots were looked at already */
	snprintf(note, sizeof(note), "%s/comment.txt", root);
	snprintf(elf, sizeof(elf), "%s/rustprog", root);
	FILE *f = fopen(note, "w");
	CHECK(f && fwrite("GCC: (Debian 12.2.0-14) 12.2.0\0rustc version 1.63.0 (111111111 "
			  "2022-08-08)\0", 1, 75, f) == 75 && !fclose(f));
	snprintf(cmd, sizeof(cmd), "objcopy --remove-section .comment --add-section .comment=%s "
		 "/proc/%d/exe %s 2>/dev/null", note, (int)getpid(), elf);
	if (system(cmd)) {
		printf("# objcopy failed: the .comment case not checked\n");
		return;
	}
	CHECK(rustsrc_note_binary(elf) == 1);
	CHECK(rustsrc_note_binary("/nonexistent/prog") == 0);
	got = first_line("/rustc/1111111111111111111111111111111111111111" ITER, &shown, why,
			 sizeof(why));
	CHECK(got != NULL);
	CHECK(shown && !strncmp(shown, "/usr/lib/rustlib/src/rust", 25));
	if (!got)
		fprintf(stderr, "why: %s\n", why);
	free(shown);
	/* a release without a rust-src here: the reason says which */
	f = fopen(note, "w");
	CHECK(f && fwrite("rustc version 1.70.0 (222222222 2023-06-01)\0", 1, 44, f) == 44 &&
	      !fclose(f));
	snprintf(elf, sizeof(elf), "%s/rustprog2", root);
	snprintf(cmd, sizeof(cmd), "objcopy --remove-section .comment --add-section .comment=%s "
		 "/proc/%d/exe %s 2>/dev/null", note, (int)getpid(), elf);
	CHECK(!system(cmd) && rustsrc_note_binary(elf) == 1);
	CHECK(!first_line("/rustc/2222222222222222222222222222222222222222" ITER, &shown, why,
			  sizeof(why)));
	CHECK(strstr(why, "no rust-src of rustc commit 222222222222 (rustc 1.70.0, as the "
		     "program's .comment says)"));
}

int main(void)
{
	snprintf(root, sizeof(root), "%s/hpprof-srcpath.XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR")
									  : "/tmp");
	if (!mkdtemp(root))
		SKIP("cannot create a temporary directory");
	saved_path = strdup(getenv("PATH") ? getenv("PATH") : "/usr/bin:/bin");
	test_maps();
	test_rust();
	setenv("PATH", saved_path, 1);
	free(saved_path);
	char cmd[PATH_MAX + 16];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	if (system(cmd))
		fprintf(stderr, "cannot remove %s\n", root);
	return hp_test_result();
}

/*
 * test_source_why.c - annotate_source_why (analyzer/annotate.c), the words
 * `hpprof annotate` and the TUI's Code and Source views use when there is
 * no source: one case per kind of reason, each with its remedy, and a
 * buffer too small for the text (cut, terminated).
 */
#include <errno.h>
#include <string.h>

#include "analyzer/annotate.h"
#include "hp_test.h"

#define RUSTPATH "/rustc/59807616e1fa2540724bfbac14d7976d7e4a3860/library/core/src/iter/mod.rs"

static char out[1024];

static const char *why(const char *module, const char *file, const char *reason)
{
	return annotate_source_why(module, file, reason, out, sizeof(out));
}

int main(void)
{
	const char *enoent = strerror(ENOENT);
	/* no line information: a program's remedy is -g, a library's its debug package */
	CHECK(!strcmp(why("/home/u/bin/prog", NULL, NULL), "no line information (compiled without"
		      " -g?): compile its source with -g and rebuild prog"));
	CHECK(strstr(why("/usr/lib/x86_64-linux-gnu/libz.so.1", NULL, NULL),
		     "install the debug symbols of libz.so.1 (its package's -dbgsym, libc6-dbg for"
		     " glibc; or DEBUGINFOD_URLS)"));
	CHECK(!strcmp(why("[kernel.kallsyms]", NULL, NULL),
		      "no line information: [kernel.kallsyms] code has none here"));
	/* lines, but no file named */
	CHECK(!strcmp(why("/home/u/bin/prog", NULL, ""),
		      "no source file is known (the debug information names none)"));
	/* a file not on this machine: --source-map */
	CHECK(!strcmp(why("/home/u/bin/prog", "/build/src/a.c", enoent),
		      "no source: '/build/src/a.c' is not on this machine; --source-map OLD=NEW"
		      " reads it from where it is now"));
	why("/usr/lib/x86_64-linux-gnu/libc.so.6", "../sysdeps/x86_64/memset.S", enoent);
	CHECK(strstr(out, "no source: '../sysdeps/x86_64/memset.S' is not on this machine"
		     " (relative to where it was compiled); --source-map OLD=NEW"));
	CHECK(strstr(out, "its source package, e.g. apt-get source"));
	/* a Rust std path: srcpath's reason names the rust-src wanted */
	CHECK(!strcmp(why("/home/u/bin/prog", RUSTPATH, "no rust-src of rustc commit 59807616e1fa"),
		      "no source: '" RUSTPATH "': no rust-src of rustc commit 59807616e1fa"));
	/* there, but not read */
	CHECK(!strcmp(why("/home/u/bin/prog", "/build/src/a.c", "a FIFO: not read"),
		      "no source: '/build/src/a.c' cannot be read: a FIFO: not read"));
	/* a short buffer: cut and terminated */
	char small[16];
	memset(small, 'x', sizeof(small));
	annotate_source_why("/home/u/bin/prog", "/build/src/a.c", enoent, small, sizeof(small));
	CHECK(!strcmp(small, "no source: '/bu"));   /* 15 characters and the NUL */
	return hp_test_result();
}

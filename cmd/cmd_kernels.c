/*
 * cmd_kernels.c - `hpprof kernels`: the bundled example programs.
 */
#include <stdio.h>
#include <string.h>

#include "cmd/cmd.h"
#include "common/log.h"
#include "kernels/catalog.h"

static const char usage_text[] =
	"usage: hpprof kernels [-h]\n"
	"\n"
	"List the bundled kernels (the book's example programs in C and Python)\n"
	"with their variants. Run one with `hpprof run -k NAME [-- --variant V ...]`.\n";

int cmd_kernels(int argc, char **argv)
{
	if (argc > 1) {
		if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
			fputs(usage_text, stdout);
			return 0;
		}
		hp_err("%s '%s'; see 'hpprof kernels --help'",
		       argv[1][0] == '-' ? "unknown option" : "unexpected argument", argv[1]);
		return 2;
	}
	for (size_t i = 0; i < hp_nkernels; i++) {
		const struct hp_kernel *k = &hp_kernels[i];
		char path[4096];
		int have = kcatalog_path(k->name, path, sizeof(path)) == 0;
		printf("%-15s %s%s\n", k->name, k->summary, have ? "" : " [not built]");
		printf("%-15s   variants: %s\n", "", k->variants);
		printf("%-15s   from: %s\n", "", k->source);
	}
	if (fflush(stdout) || ferror(stdout)) {
		hp_err("cannot write the list of kernels");
		return 1;
	}
	return 0;
}

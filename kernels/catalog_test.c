/*
 * catalog_test.c - unit test of the kernel catalog (built by
 * tests/e2e/kernels.cmake into the build root, beside where hpprof lives, so
 * kcatalog_path resolves <dir>/kernels/hp-NAME as it does for hpprof).
 *
 * Checks: every entry is found by name and has a runnable binary; its
 * --help lists exactly the variants the catalog shows, default first;
 * unknown names and paths with '/' give -ENOENT.
 */
#include "kernels/catalog.h"
#include "hp_test.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

/* Variant names listed under "variants:" in the kernel's --help, joined as
 * "a, b, c" in out. Returns the count, or -1 when the binary did not run. */
static int help_variants(const char *path, char *out, size_t len)
{
	char cmd[PATH_MAX + 16], line[512], name[64];
	int n = 0, in_list = 0;

	snprintf(cmd, sizeof cmd, "'%s' --help", path);
	FILE *p = popen(cmd, "r");
	if (!p)
		return -1;
	out[0] = '\0';
	while (fgets(line, sizeof line, p)) {
		if (!strcmp(line, "variants:\n")) {
			in_list = 1;
			continue;
		}
		if (in_list && line[0] != ' ')
			in_list = 0;
		if (in_list && sscanf(line, " %63s", name) == 1) {
			size_t used = strlen(out);
			snprintf(out + used, len - used, "%s%s%s", n ? ", " : "", name,
				 n ? "" : " (default)");
			n++;
		}
	}
	return pclose(p) == 0 ? n : -1;
}

int main(void)
{
	char path[PATH_MAX], listed[512];

	CHECK(hp_nkernels >= 8);
	for (size_t i = 0; i < hp_nkernels; i++) {
		const struct hp_kernel *k = &hp_kernels[i];
		CHECK(kcatalog_find(k->name) == k);
		CHECK(k->summary && *k->summary && k->source && *k->source);
		int rc = kcatalog_path(k->name, path, sizeof path);
		CHECK_EQ_INT(rc, 0);
		if (rc)
			continue;
		CHECK(help_variants(path, listed, sizeof listed) > 0);
		if (strcmp(listed, k->variants)) {
			fprintf(stderr, "%s: catalog lists '%s', --help lists '%s'\n", k->name,
				k->variants, listed);
			CHECK(!"catalog variants match --help");
		}
	}
	CHECK(kcatalog_find("nosuchkernel") == NULL);
	CHECK_EQ_INT(kcatalog_path("nosuchkernel", path, sizeof path), -ENOENT);
	CHECK_EQ_INT(kcatalog_path("../kernels/hp-julia", path, sizeof path), -ENOENT);
	CHECK_EQ_INT(kcatalog_path("forkexec", path, sizeof path), 0);
	CHECK_EQ_INT(kcatalog_path("julia", path, 8), -ENAMETOOLONG);
	return hp_test_result();
}

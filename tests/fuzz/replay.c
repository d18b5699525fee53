/*
 * replay.c - a fuzz target without libFuzzer: main() feeds every file of
 * the directories (or files) on its command line to
 * LLVMFuzzerTestOneInput once. This is how the minimized corpora
 * (tests/fuzz/corpus/TARGET) run as regression tests in the unit tier, with
 * gcc, and under ASan/UBSan in the sanitizer build. Prints how many inputs
 * ran; any crash or sanitizer report fails the test.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Targets that vary their work per input run all of it on a replay. */
int fuzz_replay = 1;

static int run_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL;
	long n;
	if (!f || fseek(f, 0, SEEK_END) || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) ||
	    !(buf = malloc((size_t)n + 1)) || fread(buf, 1, (size_t)n, f) != (size_t)n) {
		fprintf(stderr, "replay: cannot read '%s'\n", path);
		exit(1);
	}
	fclose(f);
	LLVMFuzzerTestOneInput(buf, (size_t)n);
	free(buf);
	return 1;
}

static int cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int main(int argc, char **argv)
{
	unsigned total = 0;
	for (int i = 1; i < argc; i++) {
		struct stat sb;
		if (stat(argv[i], &sb) < 0) {
			perror(argv[i]);
			return 1;
		}
		if (!S_ISDIR(sb.st_mode)) {
			total += run_file(argv[i]);
			continue;
		}
		DIR *d = opendir(argv[i]);
		struct dirent *e;
		char **names = NULL;
		size_t n = 0;
		while (d && (e = readdir(d))) {
			if (e->d_name[0] == '.')
				continue;
			names = realloc(names, (n + 1) * sizeof(*names));
			if (!names || asprintf(&names[n++], "%s/%s", argv[i], e->d_name) < 0)
				return 1;
		}
		if (d)
			closedir(d);
		qsort(names, n, sizeof(*names), cmp);
		for (size_t k = 0; k < n; k++) {
			total += run_file(names[k]);
			free(names[k]);
		}
		free(names);
	}
	printf("replay: %u inputs, no crash\n", total);
	return total ? 0 : 1;
}

/*
 * test_perfmap.c - /tmp/perf-PID.map files (collector/perfmap.c).
 *
 * A hand-written map: hex with and without 0x, names with blanks, lines
 * that do not parse, a region reused by later code (the later line wins),
 * a last line still being written, and lines appended later. Then a real
 * one: node --perf-basic-prof running a hot JavaScript function, which
 * must be in the map under its name; and, when perf can record here, every
 * sample that perf itself resolves through the same map must resolve to
 * the same name through perfmap_lookup (an independent reader as truth).
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hp_test.h"
#include "collector/perfmap.h"

int main(void);

static char tmpdir[] = "/tmp/hp-test-perfmap-XXXXXX";

static void write_file(const char *path, const char *mode, const char *text)
{
	FILE *f = fopen(path, mode);
	CHECK(f != NULL);
	if (f) {
		fputs(text, f);
		fclose(f);
	}
}

static const char *name_at(struct perfmap *pm, uint64_t addr)
{
	const struct perfmap_entry *e = perfmap_lookup(pm, addr);
	return e ? e->name : "";
}

static void test_synthetic(void)
{
	char path[256];
	struct perfmap *pm = NULL;
	uint64_t s, z;
	size_t off;

	CHECK(perfmap_parse_line("1000 20 f", &s, &z, &off) == 0 && s == 0x1000 && z == 0x20 && off == 8);
	CHECK(perfmap_parse_line("0x1000 0x20 a b", &s, &z, &off) == 0 && s == 0x1000 && off == 12);
	CHECK(perfmap_parse_line("1000 20", &s, &z, &off) == -EINVAL);
	CHECK(perfmap_parse_line("zz 20 f", &s, &z, &off) == -EINVAL);
	CHECK(perfmap_parse_line("", &s, &z, &off) == -EINVAL);

	snprintf(path, sizeof path, "%s/perf-1.map", tmpdir);
	write_file(path, "w",
		   "1000 100 first\n"
		   "0x2000 0x80 py::step:/app/grid.py\n"
		   "this is not a map line\n"
		   "1040 10 reused region\n"          /* later code inside first */
		   "ffffffff00000000 1000 high\n"
		   "3000 10 half a li");                /* no newline yet */
	CHECK(perfmap_load(path, &pm) == 0);
	if (!pm)
		return;
	CHECK_EQ_INT(perfmap_count(pm), 4);
	CHECK_EQ_INT(perfmap_bad_lines(pm), 1);
	CHECK(!strcmp(name_at(pm, 0x1000), "first"));
	CHECK(!strcmp(name_at(pm, 0x103f), "first"));
	CHECK(!strcmp(name_at(pm, 0x1040), "reused region"));
	CHECK(!strcmp(name_at(pm, 0x104f), "reused region"));
	CHECK(!strcmp(name_at(pm, 0x1050), "first"));
	CHECK(!strcmp(name_at(pm, 0x10ff), "first"));
	CHECK(perfmap_lookup(pm, 0x1100) == NULL);
	CHECK(perfmap_lookup(pm, 0xfff) == NULL);
	CHECK(!strcmp(name_at(pm, 0x2000), "py::step:/app/grid.py"));
	CHECK(!strcmp(name_at(pm, 0xffffffff00000fffull), "high"));
	CHECK(perfmap_lookup(pm, 0x3000) == NULL);           /* not complete yet */

	write_file(path, "a", "ne\n1000 100 replaced\n");
	CHECK_EQ_INT(perfmap_update(pm), 2);
	CHECK(!strcmp(name_at(pm, 0x3008), "half a line"));
	CHECK(!strcmp(name_at(pm, 0x1040), "replaced"));      /* the latest line wins */
	CHECK_EQ_INT(perfmap_update(pm), 0);
	perfmap_free(pm);
	unlink(path);

	CHECK(perfmap_open(0x7ffffff0u, &pm) == -ENOENT);
}

static const char js[] =
	"function hotLoop(n) { let s = 0; for (let i = 0; i < n; i++) s += Math.sqrt(i) * (i & 7);"
	" return s; }"
	"let t = 0; for (let k = 0; k < 150; k++) t += hotLoop(100000);"
	"console.log(process.pid, t > 0 ? 'ok' : 'bad');";

/* node --perf-basic-prof: the map holds hotLoop. */
static void test_node(void)
{
	char cmd[4096], line[256];
	int pid = 0;
	struct perfmap *pm = NULL;

	/* in tmpdir: node 20 also writes an isolate-*-v8.log into its directory */
	snprintf(cmd, sizeof cmd, "cd %s && node --perf-basic-prof -e \"%s\"", tmpdir, js);
	FILE *p = popen(cmd, "r");
	CHECK(p && fgets(line, sizeof line, p) && sscanf(line, "%d ok", &pid) == 1);
	if (p)
		pclose(p);
	CHECK(pid > 0 && perfmap_open((uint32_t)pid, &pm) == 0);
	if (!pm)
		return;
	size_t hot = 0;
	char path[64];
	snprintf(path, sizeof path, "/tmp/perf-%d.map", pid);
	FILE *f = fopen(path, "r");
	size_t lines = 0;
	while (f && fgets(line, sizeof line, f)) {
		uint64_t s, z;
		size_t off;
		lines++;
		line[strcspn(line, "\n")] = '\0';
		if (perfmap_parse_line(line, &s, &z, &off) || !strstr(line + off, "hotLoop"))
			continue;
		hot++;
		const struct perfmap_entry *a = perfmap_lookup(pm, s), *b = perfmap_lookup(pm, s + z - 1);
		CHECK(a && b && strstr(a->name, "hotLoop") && strstr(b->name, "hotLoop"));
	}
	if (f)
		fclose(f);
	printf("node pid %d: %zu map lines, %zu entries, %zu for hotLoop\n", pid, lines,
	       perfmap_count(pm), hot);
	CHECK_EQ_INT(perfmap_count(pm), lines);
	CHECK_EQ_INT(perfmap_bad_lines(pm), 0);
	CHECK(hot >= 1);
	perfmap_free(pm);
	unlink(path);
}

/* perf record + perf script resolve samples through the map; so must we. */
static void test_against_perf(void)
{
	char cmd[4096], line[1024], data[256];
	int pid = 0, agree = 0, differ = 0;
	struct perfmap *pm = NULL;

	snprintf(data, sizeof data, "%s/perf.data", tmpdir);
	snprintf(cmd, sizeof cmd, "cd %s && perf record -q -e cpu-clock -F 1000 -o %s -- node"
		 " --perf-basic-prof -e \"%s\" >/dev/null 2>&1", tmpdir, data, js);
	if (system("perf --version >/dev/null 2>&1") || system(cmd)) {
		printf("perf cannot record here: the comparison with perf is not made\n");
		return;
	}
	/* The samples perf resolved through a perf map are those whose dso is
	 * "(/tmp/perf-PID.map)"; their names depend on node's version (V8 11,
	 * node 20: "JS:*hotLoop"; Debian 12's node 18: "LazyCompile:*hotLoop"). */
	snprintf(cmd, sizeof cmd, "perf script -i %s -F pid,ip,sym,dso 2>/dev/null", data);
	FILE *p = popen(cmd, "r");
	while (p && fgets(line, sizeof line, p)) {
		int spid, off = 0;
		unsigned long long ip;
		line[strcspn(line, "\n")] = '\0';
		char *dso = strstr(line, " (/tmp/perf-");
		size_t n = strlen(line);
		if (sscanf(line, " %d %llx %n", &spid, &ip, &off) < 2 || !off || !dso ||
		    dso < line + off || n < 5 || strcmp(line + n - 5, ".map)"))
			continue;
		*dso = '\0';                          /* the name alone */
		if (!pm) {
			pid = spid;
			CHECK(perfmap_open((uint32_t)pid, &pm) == 0);
			if (!pm)
				break;
		}
		const struct perfmap_entry *e = perfmap_lookup(pm, ip);
		if (e && !strcmp(e->name, line + off)) {
			agree++;
		} else {
			differ++;
			fprintf(stderr, "%llx: perf says '%s', perfmap '%s'\n", ip, line + off,
				e ? e->name : "(none)");
		}
	}
	if (p)
		pclose(p);
	printf("perf script: %d JIT samples resolved alike, %d differently\n", agree, differ);
	CHECK(agree >= 1);
	CHECK_EQ_INT(differ, 0);
	perfmap_free(pm);
	if (pid) {
		snprintf(line, sizeof line, "/tmp/perf-%d.map", pid);
		unlink(line);
	}
	unlink(data);
}

int main(void)
{
	if (!mkdtemp(tmpdir))
		return 1;
	test_synthetic();
	if (system("node --version >/dev/null 2>&1")) {
		rmdir(tmpdir);
		if (hp_test_result())
			return 1;
		SKIP("node is not installed: no real perf map to read");
	}
	test_node();
	test_against_perf();
	char rm[128];
	snprintf(rm, sizeof rm, "rm -rf '%s'", tmpdir);   /* node's v8 logs too */
	if (system(rm))
		fprintf(stderr, "cannot remove %s\n", tmpdir);
	return hp_test_result();
}

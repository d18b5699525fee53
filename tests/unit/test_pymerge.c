/*
 * test_pymerge.c - the merge rule and its check (collector/pymerge.c) on
 * hand-made stacks: groups replace evaluation frames in order; counts that
 * disagree, an outermost frame that is not an entry, or more evaluation
 * frames than groups on a truncated stack leave the sample unmerged; a
 * truncated stack takes its cut groups at its outer end; a return address
 * just past the function's end still counts (pc - 1); max cuts the outer
 * end; a Python chain cut at its outer end (pymerge_cut) merges as far as
 * its frames go. (Real stacks: test_pyframes.c.)
 */
#include <stdio.h>
#include <string.h>

#include "hp_test.h"
#include "collector/pymerge.h"

int main(void);

enum { EV_LO = 0x1000, EV_HI = 0x2000 };

/* py frames named by letters; entry flags as given */
static void make_py(struct pyframe *py, const char *names, const char *entries)
{
	static char buf[32][2];
	for (int i = 0; names[i]; i++) {
		buf[i][0] = names[i];
		buf[i][1] = '\0';
		py[i] = (struct pyframe){ .function = buf[i], .is_entry = entries[i] == '*' };
	}
}

/* The merged stack as text: native frames by their pc in hex, Python by name. */
static void names(const struct pymerge_frame *m, int n, const struct pyframe *py, char *out,
		  size_t len)
{
	size_t used = 0;
	out[0] = '\0';
	for (int i = 0; i < n; i++) {
		const char *s = m[i].py >= 0 ? py[m[i].py].function : NULL;
		char pc[16];
		if (!s) {
			snprintf(pc, sizeof pc, "%llx", (unsigned long long)m[i].pc);
			s = pc;
		}
		used += (size_t)snprintf(out + used, len - used, "%s%s", i ? " " : "", s);
	}
	out[used] = '\0';
}

int main(void)
{
	struct pyframe py[16];
	struct pymerge_frame m[64];
	enum pymerge_status st;
	char got[256];

	/* leaf libc, eval (group a b*), C, eval (group c*), main */
	const uint64_t pcs[] = { 0x500, 0x1100, 0x600, 0x1800, 0x700 };
	make_py(py, "abc", ".**");
	int n = pymerge(pcs, 5, 1, EV_LO, EV_HI, py, 3, m, 64, &st);
	names(m, n, py, got, sizeof got);
	CHECK_EQ_INT(st, PYMERGE_MERGED);
	CHECK(!strcmp(got, "500 a b 600 c 700"));

	/* one entry too few or too many: unmerged, the native stack unchanged */
	make_py(py, "abc", "..*");
	n = pymerge(pcs, 5, 1, EV_LO, EV_HI, py, 3, m, 64, &st);
	names(m, n, py, got, sizeof got);
	CHECK_EQ_INT(st, PYMERGE_UNMERGED);
	CHECK(!strcmp(got, "500 1100 600 1800 700"));
	make_py(py, "abc", "***");
	pymerge(pcs, 5, 1, EV_LO, EV_HI, py, 3, m, 64, &st);
	CHECK_EQ_INT(st, PYMERGE_UNMERGED);

	/* the outermost Python frame must be an entry frame */
	make_py(py, "abc", "*.*");
	pymerge(pcs, 5, 1, EV_LO, EV_HI, py, 3, m, 64, &st);
	CHECK_EQ_INT(st, PYMERGE_MERGED);
	make_py(py, "abc", "**.");
	pymerge(pcs, 5, 1, EV_LO, EV_HI, py, 3, m, 64, &st);
	CHECK_EQ_INT(st, PYMERGE_UNMERGED);

	/* no Python frames and no evaluation frames: merged as it is */
	const uint64_t plain[] = { 0x500, 0x600 };
	n = pymerge(plain, 2, 1, EV_LO, EV_HI, py, 0, m, 64, &st);
	CHECK(st == PYMERGE_MERGED && n == 2);
	/* evaluation frames but no Python frames (read too late): unmerged */
	pymerge(pcs, 5, 1, EV_LO, EV_HI, py, 0, m, 64, &st);
	CHECK_EQ_INT(st, PYMERGE_UNMERGED);

	/* truncated after the first evaluation frame: the cut group follows */
	make_py(py, "abc", ".**");
	n = pymerge(pcs, 3, 0, EV_LO, EV_HI, py, 3, m, 64, &st);
	names(m, n, py, got, sizeof got);
	CHECK_EQ_INT(st, PYMERGE_TRUNCATED);
	CHECK(!strcmp(got, "500 a b 600 c"));
	/* truncated but more evaluation frames than groups: unmerged */
	make_py(py, "a", "*");
	pymerge(pcs, 5, 0, EV_LO, EV_HI, py, 1, m, 64, &st);
	CHECK_EQ_INT(st, PYMERGE_UNMERGED);
	/* truncated with all groups placed: merged */
	make_py(py, "abc", ".**");
	pymerge(pcs, 5, 0, EV_LO, EV_HI, py, 3, m, 64, &st);
	CHECK_EQ_INT(st, PYMERGE_MERGED);

	/* a return address at the end of the function counts (pc - 1 is inside);
	 * the innermost pc at EV_HI does not */
	const uint64_t edge[] = { EV_HI, EV_HI, 0x700 };
	make_py(py, "a", "*");
	n = pymerge(edge, 3, 1, EV_LO, EV_HI, py, 1, m, 64, &st);
	names(m, n, py, got, sizeof got);
	CHECK_EQ_INT(st, PYMERGE_MERGED);
	CHECK(!strcmp(got, "2000 a 700"));

	/* a Python chain cut at its outer end (pymerge_cut): its frames replace
	 * the evaluation frames they cover; cut inside a group, the stack ends
	 * with its last kept frame */
	make_py(py, "ab", "..");
	n = pymerge_cut(pcs, 5, 1, EV_LO, EV_HI, py, 2, m, 64, &st);
	names(m, n, py, got, sizeof got);
	CHECK_EQ_INT(st, PYMERGE_TRUNCATED);
	CHECK(!strcmp(got, "500 a b"));
	make_py(py, "abc", ".*.");
	n = pymerge_cut(pcs, 5, 1, EV_LO, EV_HI, py, 3, m, 64, &st);
	names(m, n, py, got, sizeof got);
	CHECK_EQ_INT(st, PYMERGE_TRUNCATED);
	CHECK(!strcmp(got, "500 a b 600 c"));
	/* cut just after an entry frame: the native frames up to the next
	 * evaluation frame stay, the stack ends there */
	make_py(py, "ab", ".*");
	n = pymerge_cut(pcs, 5, 1, EV_LO, EV_HI, py, 2, m, 64, &st);
	names(m, n, py, got, sizeof got);
	CHECK_EQ_INT(st, PYMERGE_TRUNCATED);
	CHECK(!strcmp(got, "500 a b 600"));
	/* a complete native stack needs a loop more than the kept entries */
	make_py(py, "abc", ".**");
	n = pymerge_cut(pcs, 5, 1, EV_LO, EV_HI, py, 3, m, 64, &st);
	names(m, n, py, got, sizeof got);
	CHECK_EQ_INT(st, PYMERGE_UNMERGED);
	CHECK(!strcmp(got, "500 1100 600 1800 700"));
	/* both cut (native copy too): merged as far as both go */
	make_py(py, "abc", ".**");
	n = pymerge_cut(pcs, 3, 0, EV_LO, EV_HI, py, 3, m, 64, &st);
	names(m, n, py, got, sizeof got);
	CHECK_EQ_INT(st, PYMERGE_TRUNCATED);
	CHECK(!strcmp(got, "500 a b 600 c"));

	/* max cuts the outer end */
	make_py(py, "abc", ".**");
	n = pymerge(pcs, 5, 1, EV_LO, EV_HI, py, 3, m, 3, &st);
	names(m, n, py, got, sizeof got);
	CHECK(st == PYMERGE_MERGED && n == 3 && !strcmp(got, "500 a b"));
	CHECK(!strcmp(pymerge_status_name(PYMERGE_UNMERGED), "unmerged"));
	return hp_test_result();
}

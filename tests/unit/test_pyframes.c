/*
 * test_pyframes.c - Python frames read from real CPython processes
 * (collector/pyruntime.c, pyframes.c, pymerge.c).
 *
 * tests/fixtures/python/stacks.py parks a main thread, a worker thread and
 * (with --fork) a forked child in known stacks and prints them as Python
 * sees them; each must read back frame by frame (qualified name, file,
 * line, entry frames). The native stack of each parked thread is taken
 * with ptrace and unwound with hpprof's unwinder: its number of
 * _PyEval_EvalFrameDefault frames must equal the number of entry frames,
 * and the merge must place every Python frame once, in order. Versions
 * hpprof cannot read are reported, never read: Debian's python3.11 with a
 * patched Py_Version (a fake 3.12), and the pyenv builds found on the
 * machine (3.10, 3.12, 3.13). A pyenv 3.11 (libpython3.11.so) must read.
 * Raw frames packed as the agent's records carry them (pysample_pack)
 * resolve to the same frames, also after the process has exited.
 */
#include <elf.h>
#include <gelf.h>
#include <glob.h>
#include <libelf.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/user.h>

#include "hp_test.h"
#include "test_py_util.h"
#include "collector/module.h"
#include "collector/procmap.h"
#include "collector/pyframes.h"
#include "collector/pymerge.h"
#include "collector/pysample.h"
#include "collector/unwind.h"
#include "common/error.h"

int main(void);

#define MAXF 64

/* One thread's stack as the fixture printed it. */
struct truth {
	char tag[16];
	int tid, n;
	char name[MAXF][128], file[MAXF][512];
	int line[MAXF];
};

struct fixture_run {
	struct pyproc_child c;
	struct truth t[3];
	int nt;
	char entries[512];      /* ENTRY line of main: names of its entry frames */
	int child;              /* FORK pid */
};

/* Reads the fixture's lines until it printed `want` stacks. */
static int read_truth(struct fixture_run *r, int want)
{
	char line[2048], tag[16], name[128], file[512];
	int tid, n, ln;
	while (r->nt < want && fgets(line, sizeof line, r->c.out)) {
		line[strcspn(line, "\n")] = '\0';
		if (sscanf(line, "STACK\t%15[^\t]\t%d\t%d", tag, &tid, &n) == 3 && r->nt < 3) {
			struct truth *t = &r->t[r->nt];
			snprintf(t->tag, sizeof t->tag, "%s", tag);
			t->tid = tid;
			for (t->n = 0; t->n < n && t->n < MAXF && fgets(line, sizeof line, r->c.out);
			     t->n++) {
				if (sscanf(line, "FRAME\t%15[^\t]\t%127[^\t]\t%511[^\t]\t%d", tag, name,
					   file, &ln) != 4)
					return -1;
				snprintf(t->name[t->n], sizeof t->name[0], "%s", name);
				snprintf(t->file[t->n], sizeof t->file[0], "%.511s", file);
				t->line[t->n] = ln;
			}
			r->nt++;
		} else if (!strncmp(line, "ENTRY\tmain\t", 11)) {
			snprintf(r->entries, sizeof r->entries, "\t%.500s\t", line + 11);
		} else {
			sscanf(line, "FORK\t%d", &r->child);
		}
	}
	return r->nt == want ? 0 : -1;
}

static const struct truth *find_truth(const struct fixture_run *r, const char *tag)
{
	for (int i = 0; i < r->nt; i++)
		if (!strcmp(r->t[i].tag, tag))
			return &r->t[i];
	return NULL;
}

/* ---- native stacks through ptrace ----------------------------------------- */

/* Stops thread tid, copies its registers and stack, lets it go, and
 * unwinds the copy. Returns the number of PCs or -1. */
static int native_stack(struct hp_unwinder *u, pid_t pid, pid_t tid, uint64_t *pcs, int max,
			int *complete)
{
	static uint8_t stack[512 * 1024];
	struct user_regs_struct r;
	int st;

	if (ptrace(PTRACE_SEIZE, tid, 0, 0) || ptrace(PTRACE_INTERRUPT, tid, 0, 0))
		return -1;
	if (waitpid(tid, &st, __WALL) != tid || ptrace(PTRACE_GETREGS, tid, 0, &r)) {
		ptrace(PTRACE_DETACH, tid, 0, 0);
		return -1;
	}
	uint64_t regs[HP_UNWIND_NREGS] = {
		[HP_REG_AX] = r.rax, [HP_REG_BX] = r.rbx, [HP_REG_CX] = r.rcx, [HP_REG_DX] = r.rdx,
		[HP_REG_SI] = r.rsi, [HP_REG_DI] = r.rdi, [HP_REG_BP] = r.rbp, [HP_REG_SP] = r.rsp,
		[HP_REG_IP] = r.rip, [HP_REG_FLAGS] = r.eflags, [HP_REG_CS] = r.cs, [HP_REG_SS] = r.ss,
		[HP_REG_R8] = r.r8, [HP_REG_R9] = r.r9, [HP_REG_R10] = r.r10, [HP_REG_R11] = r.r11,
		[HP_REG_R12] = r.r12, [HP_REG_R13] = r.r13, [HP_REG_R14] = r.r14, [HP_REG_R15] = r.r15,
	};
	size_t got = 0;                       /* page by page up to the stack's end */
	while (got < sizeof stack) {
		size_t chunk = 4096 - ((r.rsp + got) & 4095);
		if (chunk > sizeof stack - got)
			chunk = sizeof stack - got;
		if (pywalk_read_remote((void *)(uintptr_t)pid, r.rsp + got, stack + got, chunk))
			break;
		got += chunk;
	}
	ptrace(PTRACE_DETACH, tid, 0, 0);
	enum hp_stack_end end;
	int n = unwind_sample(u, (uint32_t)pid, regs, stack, got, pcs, max, &end);
	*complete = end == HP_STACK_END_OUTERMOST;
	return n;
}

/* ---- checks --------------------------------------------------------------- */

/* Reads thread t of pid and compares with what Python printed. */
static void check_thread(struct pyframes *pf, pid_t pid, const struct truth *t, int *nentry)
{
	struct pyframe f[MAXF];
	int n = pyframes_read(pf, (uint32_t)pid, (uint32_t)t->tid, f, MAXF, nentry);
	CHECK_EQ_INT(n, t->n);
	for (int i = 0; i < n && i < t->n; i++) {
		int same = !strcmp(f[i].function, t->name[i]) && !strcmp(f[i].file, t->file[i]) &&
			   f[i].line == t->line[i];
		if (!same)
			fprintf(stderr, "%s frame %d: read %s %s:%d, Python says %s %s:%d\n", t->tag, i,
				f[i].function, f[i].file, f[i].line, t->name[i], t->file[i], t->line[i]);
		CHECK(same);
	}
	CHECK(n > 0 && f[n - 1].is_entry);    /* the outermost frame starts a loop */
}

/* pyframes_resolve of raw frames gives what Python printed. */
static void check_resolved(struct pyframes *pf, pid_t pid, const struct pyframe_raw *raw, int n,
			   const struct truth *t, const char *what)
{
	struct pyframe f[MAXF];
	CHECK_EQ_INT(pyframes_resolve(pf, (uint32_t)pid, raw, n, f), n);
	CHECK_EQ_INT(n, t->n);
	for (int i = 0; i < n && i < t->n; i++) {
		int same = !strcmp(f[i].function, t->name[i]) && !strcmp(f[i].file, t->file[i]) &&
			   f[i].line == t->line[i];
		if (!same)
			fprintf(stderr, "%s, frame %d: %s %s:%d, Python says %s %s:%d\n", what, i,
				f[i].function, f[i].file, f[i].line, t->name[i], t->file[i], t->line[i]);
		CHECK(same);
	}
}

/* The thread's native stack agrees with its Python frames (pymerge.h). */
static void check_merge(struct pyframes *pf, struct hp_unwinder *u, pid_t pid, pid_t tid)
{
	const struct py_runtime *rt;
	struct pyframe f[MAXF];
	uint64_t pcs[512];
	struct pymerge_frame m[600];
	enum pymerge_status st;
	int complete, nentry, neval = 0;

	CHECK(pyframes_runtime(pf, (uint32_t)pid, &rt) == 0);
	int npcs = native_stack(u, pid, tid, pcs, 512, &complete);
	int npy = pyframes_read(pf, (uint32_t)pid, (uint32_t)tid, f, MAXF, &nentry);
	CHECK(npcs > 0 && npy > 0);
	if (npcs <= 0 || npy <= 0)
		return;
	for (int i = 0; i < npcs; i++)
		neval += pymerge_is_eval(pcs, i, rt->eval_start, rt->eval_end);
	printf("thread %d: %d native frames (%s), %d _PyEval_EvalFrameDefault, %d Python frames,"
	       " %d entry frames\n", tid, npcs, complete ? "complete" : "truncated", neval, npy,
	       nentry);
	CHECK(complete);
	CHECK_EQ_INT(neval, nentry);

	int n = pymerge(pcs, npcs, complete, rt->eval_start, rt->eval_end, f, npy, m, 600, &st);
	CHECK_EQ_INT(st, PYMERGE_MERGED);
	CHECK_EQ_INT(n, npcs - neval + npy);
	CHECK(n > 0 && m[0].py < 0);          /* innermost: native (read(2) in libc) */
	int next = 0;
	for (int i = 0; i < n; i++) {
		if (m[i].py >= 0)
			CHECK_EQ_INT(m[i].py, next++);
		else
			CHECK(!pymerge_is_eval(&m[i].pc, 0, rt->eval_start, rt->eval_end) || i == 0);
	}
	CHECK_EQ_INT(next, npy);
}

static void test_stacks(const char *python, int fork_child)
{
	char fixture[4096];
	char *argv[] = { (char *)python, (char *)"-u",
			 (char *)py_fixture("stacks.py", fixture, sizeof fixture),
			 (char *)(fork_child ? "--fork" : NULL), NULL };
	struct fixture_run r = { 0 };
	struct pyframes *pf = NULL;
	struct hp_module_cache *mc = NULL;
	struct hp_procmaps *pm = NULL;
	struct hp_unwinder *u = NULL;
	const struct py_runtime *rt;
	int nentry, finished = 0;

	printf("--- %s%s\n", python, fork_child ? " (with a forked child)" : "");
	CHECK(py_spawn(argv, &r.c) == 0);
	CHECK(read_truth(&r, fork_child ? 3 : 2) == 0);
	const struct truth *tm = find_truth(&r, "main"), *tw = find_truth(&r, "worker"),
			   *tc = find_truth(&r, "child");
	CHECK(tm && tw && (!fork_child || tc));
	if (!tm || !tw || (fork_child && !tc))
		goto out;
	CHECK(py_wait_in_read(r.c.pid, tm->tid) == 0);
	CHECK(py_wait_in_read(r.c.pid, tw->tid) == 0);
	if (tc)
		CHECK(py_wait_in_read(r.child, tc->tid) == 0);

	CHECK(pyframes_new(&pf) == 0);
	CHECK(pyframes_runtime(pf, (uint32_t)r.c.pid, &rt) == 0);
	CHECK(rt->off != NULL && rt->major == 3 && rt->minor == 11 && rt->runtime && rt->eval_start);
	printf("runtime in %s, Python %u.%u.%u\n", rt->module, rt->major, rt->minor, rt->micro);

	check_thread(pf, r.c.pid, tm, &nentry);
	CHECK_EQ_INT(nentry, 3);                  /* <module>, produce, key_of */
	struct pyframe f[MAXF];
	int n = pyframes_read(pf, (uint32_t)r.c.pid, (uint32_t)tm->tid, f, MAXF, &nentry);
	for (int i = 0; i < n; i++) {
		char needle[160];
		snprintf(needle, sizeof needle, "\t%s\t", f[i].function);
		CHECK_EQ_INT(f[i].is_entry, strstr(r.entries, needle) != NULL);
	}
	check_thread(pf, r.c.pid, tw, &nentry);
	CHECK(nentry >= 1);
	if (tc)
		check_thread(pf, r.child, tc, &nentry);

	/* the generator's frame is owned by the generator */
	struct pyframe_raw raw[MAXF];
	uint64_t ts;
	CHECK(pywalk_find_tstate(rt, pywalk_read_remote, (void *)(uintptr_t)r.c.pid,
				   (uint32_t)tm->tid, &ts) == 0);
	n = pywalk_chain(rt->off, pywalk_read_remote, (void *)(uintptr_t)r.c.pid, ts, raw, MAXF,
			  &nentry);
	CHECK(n == tm->n && !strcmp(tm->name[5], "produce") && raw[5].owner == 1 && raw[4].owner == 0);
	CHECK_EQ_INT(pywalk_chain(rt->off, pywalk_read_remote, (void *)(uintptr_t)r.c.pid, ts,
				   raw, 3, &nentry), -E2BIG);

	/* a thread Python does not know, a process that is not Python, none */
	CHECK_EQ_INT(pyframes_read(pf, (uint32_t)r.c.pid, 0x7ffffff0u, f, MAXF, &nentry), 0);
	CHECK_EQ_INT(pyframes_read(pf, (uint32_t)getpid(), (uint32_t)getpid(), f, MAXF, &nentry),
		     -ENOENT);
	CHECK_EQ_INT(pyframes_read(pf, 0x7ffffff0u, 1, f, MAXF, &nentry), -ESRCH);

	/* native stacks agree with the entry frames */
	CHECK(modcache_new(&mc) == 0 && procmaps_new(mc, &pm) == 0 && unwinder_new(pm, &u) == 0);
	CHECK(procmaps_load_proc(pm, (uint32_t)r.c.pid) == 0);
	check_merge(pf, u, r.c.pid, tm->tid);
	check_merge(pf, u, r.c.pid, tw->tid);
	if (tc) {
		CHECK(procmaps_load_proc(pm, (uint32_t)r.child) == 0);
		check_merge(pf, u, r.child, tc->tid);
	}

	pyframes_forget(pf, (uint32_t)r.c.pid);   /* and everything is found again */
	check_thread(pf, r.c.pid, tm, &nentry);
	CHECK(pyframes_runtime(pf, (uint32_t)r.c.pid, &rt) == 0);   /* the old *rt is gone */

	/* raw frames taken now, packed as a stream record carries them, resolve
	 * to the same frames, also once the process has exited (from the cache) */
	n = pywalk_chain(rt->off, pywalk_read_remote, (void *)(uintptr_t)r.c.pid, ts, raw, MAXF,
			 &nentry);
	struct pysample_frame packed[MAXF];
	struct pyframe_raw back[MAXF];
	pysample_pack(rt->off, raw, n, packed);
	pysample_unpack(rt->off, packed, n, back);
	for (int i = 0; i < n; i++)
		CHECK(back[i].code == raw[i].code && back[i].instr == raw[i].instr &&
		      back[i].is_entry == raw[i].is_entry && back[i].owner == raw[i].owner);
	check_resolved(pf, r.c.pid, back, n, tm, "resolved");
	CHECK_EQ_INT(py_finish(&r.c), 0);
	finished = 1;
	check_resolved(pf, r.c.pid, back, n, tm, "resolved after exit");
out:
	unwinder_free(u);
	procmaps_free(pm);
	modcache_free(mc);
	pyframes_free(pf);
	if (!finished)
		CHECK_EQ_INT(py_finish(&r.c), 0);
}

/* ---- versions hpprof cannot read ------------------------------------------ */

/* Copies src to dst with the 8-byte Py_Version datum set to hex. */
static int copy_with_version(const char *src, const char *dst, uint64_t hex)
{
	char cmd[8192];
	snprintf(cmd, sizeof cmd, "cp '%s' '%s'", src, dst);
	if (system(cmd))
		return -1;
	int fd = open(dst, O_RDWR), rc = -1;
	elf_version(EV_CURRENT);
	Elf *e = fd >= 0 ? elf_begin(fd, ELF_C_READ, NULL) : NULL;
	Elf_Scn *scn = NULL;
	uint64_t vaddr = 0;
	while (e && !vaddr && (scn = elf_nextscn(e, scn))) {
		GElf_Shdr sh;
		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_DYNSYM)
			continue;
		Elf_Data *d = elf_getdata(scn, NULL);
		for (size_t i = 0; d && i < sh.sh_size / sh.sh_entsize; i++) {
			GElf_Sym s;
			const char *nm;
			if (gelf_getsym(d, (int)i, &s) && (nm = elf_strptr(e, sh.sh_link, s.st_name)) &&
			    !strcmp(nm, "Py_Version"))
				vaddr = s.st_value;
		}
	}
	size_t nph = 0;
	if (e && vaddr && !elf_getphdrnum(e, &nph)) {
		for (size_t i = 0; i < nph; i++) {
			GElf_Phdr ph;
			if (gelf_getphdr(e, (int)i, &ph) && ph.p_type == PT_LOAD && vaddr >= ph.p_vaddr &&
			    vaddr + 8 <= ph.p_vaddr + ph.p_filesz)
				rc = pwrite(fd, &hex, 8, (off_t)(ph.p_offset + vaddr - ph.p_vaddr)) == 8 ? 0 : -1;
		}
	}
	if (e)
		elf_end(e);
	if (fd >= 0)
		close(fd);
	return rc;
}

/* Runs python parked in os.read and checks how hpprof reports it. */
static void check_unsupported(const char *python, unsigned major, unsigned minor)
{
	char *argv[] = { (char *)python, (char *)"-c",
			 (char *)"import os; print('READY', flush=True); os.read(0, 1)", NULL };
	struct pyproc_child c;
	struct pyframes *pf = NULL;
	const struct py_runtime *rt;
	struct pyframe f[8];
	char line[256], note[512], want[128];
	int nentry;

	CHECK(py_spawn(argv, &c) == 0);
	CHECK(fgets(line, sizeof line, c.out) && !strcmp(line, "READY\n"));
	CHECK(pyframes_new(&pf) == 0);
	CHECK(pyframes_runtime(pf, (uint32_t)c.pid, &rt) == 0);
	CHECK(rt->off == NULL && rt->major == major && rt->minor == minor);
	CHECK_EQ_INT(pyframes_read(pf, (uint32_t)c.pid, (uint32_t)c.pid, f, 8, &nentry),
		     -HP_EUNSUPPORTED);
	pyruntime_note(rt, note, sizeof note);
	snprintf(want, sizeof want, "Python frames: not supported for %u.%u", major, minor);
	CHECK(!strncmp(note, want, strlen(want)) && strstr(note, "native frames only"));
	printf("%s: %s\n", python, note);
	pyframes_free(pf);
	CHECK_EQ_INT(py_finish(&c), 0);
}

static void test_fake_version(void)
{
	char dir[] = "/tmp/hp-test-pyframes-XXXXXX", path[128];
	if (!mkdtemp(dir)) {
		CHECK(0);
		return;
	}
	snprintf(path, sizeof path, "%s/python3.11", dir);
	CHECK(copy_with_version(PY311, path, 0x030c02f0) == 0);   /* "3.12.2 final" */
	check_unsupported(path, 3, 12);
	unlink(path);
	rmdir(dir);
}

/* The first pyenv interpreter matching pattern (under $PYENV_ROOT or
 * ~/.pyenv), or NULL. */
static const char *pyenv_python(const char *pattern, char *buf, size_t len)
{
	const char *root = getenv("PYENV_ROOT"), *home = getenv("HOME");
	char pat[1024];
	glob_t g;
	if (root)
		snprintf(pat, sizeof pat, "%s/versions/%s", root, pattern);
	else
		snprintf(pat, sizeof pat, "%s/.pyenv/versions/%s", home ? home : "/root", pattern);
	if (glob(pat, 0, NULL, &g))
		return NULL;
	snprintf(buf, len, "%s", g.gl_pathv[0]);
	globfree(&g);
	return buf;
}

static void test_other_builds(void)
{
	static const struct { const char *pattern; unsigned minor; } others[] = {
		{ "3.10*/bin/python3.10", 10 }, { "3.12*/bin/python3.12", 12 },
		{ "3.13*/bin/python3.13", 13 },
	};
	char py[1024];
	for (size_t i = 0; i < sizeof others / sizeof others[0]; i++) {
		if (pyenv_python(others[i].pattern, py, sizeof py))
			check_unsupported(py, 3, others[i].minor);
		else
			printf("no pyenv %s here: not checked\n", others[i].pattern);
	}
	if (pyenv_python("3.11*/bin/python3.11", py, sizeof py))
		test_stacks(py, 0);                   /* a libpython3.11.so build */
	else
		printf("no pyenv 3.11 here: the libpython build is not checked\n");
}

int main(void)
{
	if (access(PY311, X_OK))
		SKIP(PY311 " is not installed (Debian package python3.11)");
	test_stacks(PY311, 1);
	test_fake_version();
	test_other_builds();
	return hp_test_result();
}

/*
 * unwind.c - online remote DWARF unwinding of perf samples with libunwind.
 *
 * Each process gets one libunwind address space (unw_create_addr_space). The
 * accessors serve:
 *   registers  from the sample's user registers (perf order, see unwind.h);
 *   memory     from the sample's stack copy when the address is in
 *              [SP, SP + stack_size), else from the ELF image of the module
 *              placed there (procmaps_find_image + module_read);
 *   tables     from the module's .eh_frame_hdr, handed to libunwind as a
 *              UNW_INFO_FORMAT_REMOTE_TABLE (as Linux perf does), or the
 *              same table built from .eh_frame for files without the
 *              header (module.c, ehframe.c: static binaries).
 * Nothing is written; nothing is allocated per sample beyond the caches.
 *
 * Stepping. unw_step() takes a lock around libunwind's register-state cache,
 * and Debian's build masks all signals for it: two sigprocmask system calls
 * per frame, most of the time of an unwind. So each process keeps its own
 * cache of step rules instead: for a PC, the libunwind register state that
 * applies there (unw_reg_states_iterate, once), replayed on the cursor with
 * unw_apply_reg_state(), which takes no lock. PCs without CFI (PLT stubs
 * without .eh_frame, JIT code) fall back to unw_step() and its heuristics.
 *
 * Each public function below that calls libunwind does so inside a
 * sigmask_quiet_begin/end bracket: the locks libunwind still takes (its
 * memory pool, the FDE search, unw_step) mask signals with sigprocmask,
 * answered there without a system call (sigmask.c says why that is safe).
 *
 * Not handled: modules whose only CFI is .debug_frame (Debian's libunwind
 * does not export its .debug_frame search), JIT code without CFI, and
 * 32-bit processes.
 *
 * Takes: perf sample registers and stack bytes, struct hp_procmaps.
 * Produces: arrays of PCs, innermost first. Not thread-safe.
 */
#include "collector/unwind.h"

#include <assert.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <libunwind.h>

#include "collector/sigmask.h"
#include "common/error.h"
#include "common/grow.h"
#include "common/hmap.h"
#include "common/log.h"

/* Exported by libunwind-x86_64 but not declared by its headers. */
extern int _Ux86_64_dwarf_search_unwind_table(unw_addr_space_t as, unw_word_t ip,
					      unw_dyn_info_t *di, unw_proc_info_t *pi,
					      int need_unwind_info, void *arg);

#define UNW_NENDS       8        /* outermost-frame IPs remembered per process */
#define UNW_MAX_RULES   32768    /* step rules per process (184 bytes each here) before starting over */
#define UNW_RULE_MAX    1024     /* bytes of one libunwind register state, at most */

/* Step rule values in struct space's rules map: index << 1 | signal, or: */
#define RULE_NONE       UINT64_MAX   /* no CFI here: use unw_step() */

/* The libunwind state of one process. */
struct space {
	unw_addr_space_t as;
	uint64_t gen;                  /* procmaps generation of the caches */
	uint64_t ends[UNW_NENDS];      /* PCs already proven outermost frames */
	unsigned nends;
	struct hp_hmap rules;          /* rule_key(pc, exact) -> rule value */
	uint8_t *states;               /* register states, state_size bytes each */
	size_t nstates, cap;
	struct row *rows;              /* CFI rows learned (learn_rule), by address */
	size_t nrows, rows_cap;
};

struct hp_unwinder {
	struct hp_procmaps *pm;
	unw_accessors_t acc;
	struct hp_hmap spaces;         /* pid key -> struct space *, 0 once forgotten */
	uint32_t last_pid;             /* one-entry cache in front of spaces */
	struct space *last_space;
	size_t state_size;             /* libunwind's register state size, 0 until seen */
	int no_rules;                  /* step with unw_step() only */
	uint64_t cfi_reads;            /* unw_reg_states_iterate() calls (learn_rule) */
	uint64_t sps[HP_MAX_FRAMES];   /* the last unwind's frame SPs (unwinder_sps) */
	int nsps;
};

/* What the accessors see of the sample being unwound (their void *arg). */
struct sample_ctx {
	struct hp_unwinder *u;
	uint32_t pid;
	const uint64_t *regs;
	const uint8_t *stack;
	uint64_t sp, stack_size;
	uint64_t known;                /* perf registers known (bit HP_REG_*), 0: all */
	struct hp_map hint;            /* mapping of the last unwind table used */
	int past_copy;                 /* a read above the stack copy failed */
};

/* A failed read this far above the copy is still taken for the stack: the
 * frames of one step are never larger (alloca aside). */
#define UNW_PAST_COPY_MAX (1u << 20)

/* libunwind x86-64 register numbers (UNW_X86_64_RAX..RIP) -> perf order. */
static const int8_t perf_reg_of[] = {
	[UNW_X86_64_RAX] = HP_REG_AX, [UNW_X86_64_RDX] = HP_REG_DX,
	[UNW_X86_64_RCX] = HP_REG_CX, [UNW_X86_64_RBX] = HP_REG_BX,
	[UNW_X86_64_RSI] = HP_REG_SI, [UNW_X86_64_RDI] = HP_REG_DI,
	[UNW_X86_64_RBP] = HP_REG_BP, [UNW_X86_64_RSP] = HP_REG_SP,
	[UNW_X86_64_R8] = HP_REG_R8, [UNW_X86_64_R9] = HP_REG_R9,
	[UNW_X86_64_R10] = HP_REG_R10, [UNW_X86_64_R11] = HP_REG_R11,
	[UNW_X86_64_R12] = HP_REG_R12, [UNW_X86_64_R13] = HP_REG_R13,
	[UNW_X86_64_R14] = HP_REG_R14, [UNW_X86_64_R15] = HP_REG_R15,
	[UNW_X86_64_RIP] = HP_REG_IP,
};

static uint64_t pid_key(uint32_t pid)
{
	return (uint64_t)pid | 1ULL << 32;
}

/* ---- memory ----------------------------------------------------------- */

static int hint_read(const struct sample_ctx *ctx, uint64_t addr, void *buf, size_t len)
{
	const struct hp_map *m = &ctx->hint;

	return m->mod ? module_read(m->mod, addr - m->bias, buf, len) : -EFAULT;
}

/* Read len bytes at addr from the module image placed there. */
static int image_read(struct sample_ctx *ctx, uint64_t addr, void *buf, size_t len)
{
	const struct hp_map *m;

	if (!hint_read(ctx, addr, buf, len))
		return 0;
	m = procmaps_find_image(ctx->u->pm, ctx->pid, addr);
	if (!m || module_read(m->mod, addr - m->bias, buf, len))
		return -EFAULT;
	ctx->hint = *m;
	return 0;
}

static int access_mem(unw_addr_space_t as, unw_word_t addr, unw_word_t *val,
		      int write, void *arg)
{
	struct sample_ctx *ctx = arg;
	uint64_t off = addr - ctx->sp;

	if (write)
		return -UNW_EINVAL;
	if (off < ctx->stack_size && ctx->stack_size - off >= sizeof(*val)) {
		memcpy(val, ctx->stack + off, sizeof(*val));
		return 0;
	}
	if (!image_read(ctx, addr, val, sizeof(*val)))
		return 0;
	if (off >= ctx->stack_size && off - ctx->stack_size < UNW_PAST_COPY_MAX)
		ctx->past_copy = 1;
	hp_debug(HP_DBG_UNWIND, 3, "pid %" PRIu32 ": cannot read %#" PRIx64, ctx->pid,
		 (uint64_t)addr);
	return -UNW_EINVAL;
}

static int access_reg(unw_addr_space_t as, unw_regnum_t reg, unw_word_t *val,
		      int write, void *arg)
{
	const struct sample_ctx *ctx = arg;

	if (write)
		return -UNW_EREADONLYREG;
	if (reg < 0 || reg >= (int)(sizeof(perf_reg_of) / sizeof(perf_reg_of[0])))
		return -UNW_EBADREG;
	if (ctx->known && !(ctx->known >> perf_reg_of[reg] & 1))
		return -UNW_EBADREG;       /* not known: a step that needs it ends the stack */
	*val = ctx->regs[perf_reg_of[reg]];
	return 0;
}

static int access_fpreg(unw_addr_space_t as, unw_regnum_t reg, unw_fpreg_t *val,
			int write, void *arg)
{
	return -UNW_EBADREG;
}

static int resume(unw_addr_space_t as, unw_cursor_t *c, void *arg)
{
	return -UNW_EINVAL;
}

static int get_proc_name(unw_addr_space_t as, unw_word_t addr, char *buf, size_t len,
			 unw_word_t *off, void *arg)
{
	return -UNW_EINVAL;
}

/* ---- unwind tables ---------------------------------------------------- */

static int find_proc_info(unw_addr_space_t as, unw_word_t ip, unw_proc_info_t *pi,
			  int need_unwind_info, void *arg)
{
	struct sample_ctx *ctx = arg;
	const struct hp_map *m = procmaps_find(ctx->u->pm, ctx->pid, ip);
	uint64_t table, count;
	unw_dyn_info_t di;

	if (!m || !m->mod || module_eh_table(m->mod, &table, &count)) {
		hp_debug(HP_DBG_UNWIND, 2, "pid %" PRIu32 ": no unwind table for %#" PRIx64 " in '%s'",
			 ctx->pid, (uint64_t)ip, m && m->mod ? m->mod->path : "(no module)");
		return -UNW_ENOINFO;
	}
	memset(&di, 0, sizeof(di));
	di.format = UNW_INFO_FORMAT_REMOTE_TABLE;
	di.start_ip = m->start;
	di.end_ip = m->end;
	di.u.rti.segbase = module_eh_segbase(m->mod) + m->bias;
	di.u.rti.table_data = table + m->bias;
	/* Entries are two 32-bit words; table_len counts unw_word_t. */
	di.u.rti.table_len = count * 2 * sizeof(int32_t) / sizeof(unw_word_t);
	ctx->hint = *m;
	return _Ux86_64_dwarf_search_unwind_table(as, ip, &di, pi, need_unwind_info, arg);
}

static void put_unwind_info(unw_addr_space_t as, unw_proc_info_t *pi, void *arg)
{
	/* libunwind frees the DWARF info it built itself. */
}

static int get_dyn_info_list_addr(unw_addr_space_t as, unw_word_t *addr, void *arg)
{
	return -UNW_ENOINFO;
}

/* ---- per-process address spaces --------------------------------------- */

static void space_free(struct space *s)
{
	unw_destroy_addr_space(s->as);
	hmap_release(&s->rules);
	free(s->states);
	free(s->rows);
	free(s);
}

static void forget_rules(struct space *s)
{
	hmap_release(&s->rules);
	s->nstates = 0;
	s->nrows = 0;
}

static struct space *space_new(struct hp_unwinder *u)
{
	struct space *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	if (!(s->as = unw_create_addr_space(&u->acc, 0))) {
		free(s);
		return NULL;
	}
	unw_set_caching_policy(s->as, UNW_CACHE_GLOBAL);
	hmap_init(&s->rules);
	return s;
}

/* The address space of pid, created on first use; NULL when out of memory. */
static struct space *get_space(struct hp_unwinder *u, uint32_t pid)
{
	struct space *s;
	uint64_t v;

	if (u->last_space && u->last_pid == pid)
		return u->last_space;
	if (hmap_get(&u->spaces, pid_key(pid), &v) && v) {
		s = (struct space *)(uintptr_t)v;
	} else {
		if (!(s = space_new(u)))
			return NULL;
		if (hmap_put(&u->spaces, pid_key(pid), (uint64_t)(uintptr_t)s)) {
			space_free(s);
			return NULL;
		}
	}
	u->last_pid = pid;
	u->last_space = s;
	return s;
}

/* Drop cached unwind state when pid's mappings changed under it. */
static void check_generation(struct hp_unwinder *u, struct space *s, uint32_t pid)
{
	uint64_t gen = procmaps_generation(u->pm, pid);

	if (gen == s->gen)
		return;
	unw_flush_cache(s->as, 0, 0);
	forget_rules(s);
	s->nends = 0;
	s->gen = gen;
}

/* ---- unwinding -------------------------------------------------------- */

/*
 * unw_step() returns 0 both for a CFI-declared end of stack (undefined
 * return address, as at _start or clone) and when its frame-pointer
 * fallback guessed past code without CFI and met a zero RBP. Only the
 * first is complete: the last PC must lie in a function that has an FDE
 * (whose CFI then said "no caller"). Proven PCs are remembered.
 */
static int is_outermost(struct space *s, struct sample_ctx *ctx, uint64_t pc, int first)
{
	unw_proc_info_t pi;

	for (unsigned i = 0; i < s->nends && i < UNW_NENDS; i++)
		if (s->ends[i] == pc)
			return 1;
	if (unw_get_proc_info_by_ip(s->as, first ? pc : pc - 1, &pi, ctx) < 0)
		return 0;
	s->ends[s->nends++ % UNW_NENDS] = pc;
	return 1;
}

/* Is pc the x86-64 rt_sigreturn trampoline (mov $15,%rax; syscall)? */
static int is_sigreturn(struct sample_ctx *ctx, uint64_t pc)
{
	static const uint8_t code[9] = { 0x48, 0xc7, 0xc0, 0x0f, 0x00, 0x00, 0x00, 0x0f, 0x05 };
	uint8_t buf[sizeof(code)];

	return !image_read(ctx, pc, buf, sizeof(buf)) && !memcmp(buf, code, sizeof(code));
}

/* ---- step rules ------------------------------------------------------- */

/* A row of a function's CFI table (an FDE): the libunwind register state
 * that applies to the lookup addresses [start, end). */
struct row {
	uint64_t start, end;
	uint64_t index;                /* in space's states */
};

/* What unw_reg_states_iterate() is asked for: the state at one address,
 * and every row of the FDE that holds it, whose states are kept. */
struct state_query {
	struct hp_unwinder *u;
	struct space *s;
	uint64_t ip;
	uint64_t index;                /* ip's row's state */
	int found, err;
	struct row *rows;              /* the FDE's rows, in address order */
	size_t nrows, cap;
};

static int store_state(struct hp_unwinder *u, struct space *s, const void *state, size_t size,
		       uint64_t *index)
{
	if (!u->state_size && size <= UNW_RULE_MAX) {
		u->state_size = size;
		hp_debug(HP_DBG_UNWIND, 1, "libunwind register states take %zu bytes", size);
	}
	if (size != u->state_size)
		return -HP_EUNSUPPORTED;
	if (hp_grow((void **)&s->states, &s->cap, s->nstates + 1, u->state_size))
		return -ENOMEM;
	memcpy(s->states + s->nstates * u->state_size, state, size);
	*index = s->nstates++;
	return 0;
}

static int take_state(void *token, void *state, size_t size, unw_word_t start, unw_word_t end)
{
	struct state_query *q = token;
	uint64_t index;

	if (q->err || (q->err = store_state(q->u, q->s, state, size, &index)))
		return 0;
	if (q->ip >= start && q->ip < end && !q->found) {
		q->index = index;
		q->found = 1;
	}
	if (!hp_grow((void **)&q->rows, &q->cap, q->nrows + 1, sizeof(*q->rows)))
		q->rows[q->nrows++] = (struct row){ start, end, index };
	return 0;
}

/* The row of s->rows that holds the lookup address ip, or NULL. */
static const struct row *row_find(const struct space *s, uint64_t ip)
{
	size_t lo = 0, hi = s->nrows;

	while (lo < hi) {                /* the first row starting above ip */
		size_t mid = (lo + hi) / 2;
		if (s->rows[mid].start <= ip)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo && ip < s->rows[lo - 1].end ? &s->rows[lo - 1] : NULL;
}

/* Keep the rows of one FDE (in address order, not overlapping) in
 * s->rows, sorted by address; rows that overlap a kept one are not kept. */
static void keep_rows(struct space *s, const struct row *rows, size_t n)
{
	if (!n || hp_grow((void **)&s->rows, &s->rows_cap, s->nrows + n, sizeof(*s->rows)))
		return;
	size_t at = 0;
	while (at < s->nrows && s->rows[at].start < rows[0].start)
		at++;
	if ((at && s->rows[at - 1].end > rows[0].start) ||
	    (at < s->nrows && s->rows[at].start < rows[n - 1].end))
		return;                  /* already known in part: keep what is there */
	memmove(&s->rows[at + n], &s->rows[at], (s->nrows - at) * sizeof(*s->rows));
	memcpy(&s->rows[at], rows, n * sizeof(*rows));
	s->nrows += n;
}

/* A return address is looked up one byte back, inside its call; the first
 * PC and the PC a signal interrupted are exact. */
static uint64_t rule_key(uint64_t pc, int exact)
{
	return (pc << 1 | (uint64_t)!!exact) + 1;
}

/*
 * Find the register state of libunwind for pc and remember it: from the
 * rows of an FDE seen before, else through a scratch cursor placed at the
 * lookup address (so libunwind picks the FDE there), whose every row is
 * kept. Returns the rule value, or RULE_NONE.
 *
 * Each row is learned once per FDE, not once per PC: a hot loop is
 * sampled at hundreds of distinct PCs that share a few rows, and each
 * unw_reg_states_iterate() parses the FDE and runs its CFI program
 * (with six sigprocmask system calls in Debian's libunwind, for its
 * memory pool's lock).
 */
static uint64_t learn_rule(struct space *s, struct sample_ctx *ctx, uint64_t pc, int exact)
{
	struct hp_unwinder *u = ctx->u;
	struct sample_ctx scratch = *ctx;
	uint64_t regs[HP_UNWIND_NREGS], rule = RULE_NONE;
	struct state_query q = { .u = u, .s = s, .ip = exact ? pc : pc - 1 };
	const struct row *known;
	unw_cursor_t c;

	if (s->rules.len >= UNW_MAX_RULES || s->nstates >= UNW_MAX_RULES)
		forget_rules(s);
	if ((known = row_find(s, q.ip))) {
		rule = known->index << 1 | (uint64_t)is_sigreturn(ctx, pc);
		hmap_put(&s->rules, rule_key(pc, exact), rule);
		return rule;
	}
	memcpy(regs, ctx->regs, sizeof(regs));
	regs[HP_REG_IP] = q.ip;
	scratch.regs = regs;
	u->cfi_reads++;
	if (unw_init_remote(&c, s->as, &scratch) < 0 ||
	    unw_reg_states_iterate(&c, take_state, &q) < 0 || !q.found) {
		/* Without a mapping, a later MMAP2 may still explain pc. */
		if (!procmaps_find(u->pm, ctx->pid, q.ip)) {
			free(q.rows);
			return RULE_NONE;
		}
	} else {
		rule = q.index << 1 | (uint64_t)is_sigreturn(ctx, pc);
		keep_rows(s, q.rows, q.nrows);
	}
	free(q.rows);
	hmap_put(&s->rules, rule_key(pc, exact), rule);
	return rule;
}

/*
 * One step from the frame at pc: like unw_step(), >0 when the cursor moved
 * to the caller, 0 at the end of the stack, <0 on error. *exact says how
 * to look up the caller's PC (exactly after a signal frame).
 */
static int step(struct space *s, struct sample_ctx *ctx, unw_cursor_t *c, uint64_t pc,
		int *exact)
{
	struct hp_unwinder *u = ctx->u;
	uint64_t rule;
	unw_word_t ip;
	int ret;

	if (u->no_rules)
		return unw_step(c);
	if (!hmap_get(&s->rules, rule_key(pc, *exact), &rule))
		rule = learn_rule(s, ctx, pc, *exact);
	if (rule == RULE_NONE) {
		*exact = is_sigreturn(ctx, pc);
		return unw_step(c);
	}
	*exact = (int)(rule & 1);
	ret = unw_apply_reg_state(c, s->states + (rule >> 1) * u->state_size);
	if (ret < 0)
		return ret;
	if (unw_get_reg(c, UNW_REG_IP, &ip) < 0)
		return -UNW_EBADREG;
	return ip != 0;
}

int unwinder_new(struct hp_procmaps *pm, struct hp_unwinder **out)
{
	struct hp_unwinder *u = calloc(1, sizeof(*u));

	if (!u)
		return -ENOMEM;
	u->pm = pm;
	u->acc.find_proc_info = find_proc_info;
	u->acc.put_unwind_info = put_unwind_info;
	u->acc.get_dyn_info_list_addr = get_dyn_info_list_addr;
	u->acc.access_mem = access_mem;
	u->acc.access_reg = access_reg;
	u->acc.access_fpreg = access_fpreg;
	u->acc.resume = resume;
	u->acc.get_proc_name = get_proc_name;
	hmap_init(&u->spaces);
	*out = u;
	return 0;
}

void unwinder_free(struct hp_unwinder *u)
{
	if (!u)
		return;
	hp_debug(HP_DBG_UNWIND, 1, "%llu CFI tables read (once per FDE), %lu sigprocmask calls "
		 "answered without a system call", (unsigned long long)u->cfi_reads,
		 sigmask_quiet_calls());
	int quiet = sigmask_quiet_begin();
	for (size_t i = 0; i < u->spaces.cap; i++)
		if (u->spaces.slots[i].key && u->spaces.slots[i].val)
			space_free((struct space *)(uintptr_t)u->spaces.slots[i].val);
	sigmask_quiet_end(quiet);
	hmap_release(&u->spaces);
	free(u);
}

const uint64_t *unwinder_sps(const struct hp_unwinder *u, int *n)
{
	*n = u->nsps;
	return u->sps;
}

uint64_t unwinder_func_start(struct hp_unwinder *u, uint32_t pid, uint64_t pc)
{
	struct sample_ctx ctx = { .u = u, .pid = pid };
	int quiet = sigmask_quiet_begin();
	struct space *s = get_space(u, pid);
	unw_proc_info_t pi;
	uint64_t start = 0;

	if (s) {
		check_generation(u, s, pid);
		if (unw_get_proc_info_by_ip(s->as, pc, &pi, &ctx) >= 0)
			start = pi.start_ip;
	}
	sigmask_quiet_end(quiet);
	return start;
}

uint64_t unwinder_cfi_reads(const struct hp_unwinder *u)
{
	return u->cfi_reads;
}

void unwinder_use_rules(struct hp_unwinder *u, int on)
{
	u->no_rules = !on;
}

void unwinder_forget(struct hp_unwinder *u, uint32_t pid)
{
	uint64_t v;

	if (!hmap_get(&u->spaces, pid_key(pid), &v) || !v)
		return;
	hmap_put(&u->spaces, pid_key(pid), 0);   /* replacing never allocates */
	if (u->last_space == (struct space *)(uintptr_t)v)
		u->last_space = NULL;
	int quiet = sigmask_quiet_begin();
	space_free((struct space *)(uintptr_t)v);
	sigmask_quiet_end(quiet);
}

/* unwind_sample() inside its sigprocmask bracket; known: the registers
 * of regs that are known (0: all). */
static int unwind_quiet(struct hp_unwinder *u, uint32_t pid, const uint64_t *regs,
			uint64_t known, const uint8_t *stack, uint64_t stack_size, uint64_t *pcs,
			int max, enum hp_stack_end *end)
{
	struct sample_ctx ctx = {
		.u = u, .pid = pid, .regs = regs, .stack = stack, .known = known,
		.sp = regs[HP_REG_SP], .stack_size = stack ? stack_size : 0,
	};
	struct space *s = get_space(u, pid);
	unw_cursor_t c;
	unw_word_t ip, sp;
	uint64_t prev_sp = ctx.sp;
	int n = 1, exact = 1, ret = -UNW_EUNSPEC;

	assert(max >= 1);
	*end = HP_STACK_END_STOPPED;
	pcs[0] = regs[HP_REG_IP];
	u->sps[0] = ctx.sp;
	u->nsps = 1;
	if (!s)
		return 1;
	check_generation(u, s, pid);
	if ((ret = unw_init_remote(&c, s->as, &ctx)) < 0)
		goto out;
	while (n < max) {
		if ((ret = step(s, &ctx, &c, pcs[n - 1], &exact)) <= 0)
			break;
		if (unw_get_reg(&c, UNW_REG_IP, &ip) < 0 || unw_get_reg(&c, UNW_REG_SP, &sp) < 0) {
			ret = -UNW_EBADREG;
			break;
		}
		if (sp <= prev_sp && !is_sigreturn(&ctx, pcs[n - 1])) {
			ret = -UNW_EBADFRAME;   /* a loop, or garbage */
			break;
		}
		if (n < HP_MAX_FRAMES)
			u->sps[u->nsps++] = sp;
		pcs[n++] = ip;
		prev_sp = sp;
	}
	if (ret == 0 && is_outermost(s, &ctx, pcs[n - 1], n == 1))
		*end = HP_STACK_END_OUTERMOST;
	else if (n >= max)
		*end = HP_STACK_END_DEEP;
	else if (ctx.past_copy)
		*end = HP_STACK_END_CUT;
out:
	hp_debug(HP_DBG_UNWIND, 2, "pid %" PRIu32 ": %d frames, stopped with %d (%s), end %d", pid,
		 n, ret, ret < 0 ? unw_strerror(ret) : "end", *end);
	return n;
}

int unwind_sample(struct hp_unwinder *u, uint32_t pid, const uint64_t *regs,
		  const uint8_t *stack, uint64_t stack_size, uint64_t *pcs, int max,
		  enum hp_stack_end *end)
{
	int quiet = sigmask_quiet_begin();
	int n = unwind_quiet(u, pid, regs, 0, stack, stack_size, pcs, max, end);

	sigmask_quiet_end(quiet);
	return n;
}

int unwind_blocked(struct hp_unwinder *u, uint32_t pid, uint64_t sp, uint64_t pc,
		   const uint8_t *stack, uint64_t stack_size, uint64_t *pcs, int max,
		   enum hp_stack_end *end)
{
	uint64_t regs[HP_UNWIND_NREGS] = { 0 };
	regs[HP_REG_SP] = sp;
	regs[HP_REG_IP] = pc;
	int quiet = sigmask_quiet_begin();
	int n = unwind_quiet(u, pid, regs, 1ull << HP_REG_SP | 1ull << HP_REG_IP, stack,
			     stack_size, pcs, max, end);

	sigmask_quiet_end(quiet);
	return n;
}

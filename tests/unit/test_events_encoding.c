/*
 * test_events_encoding.c - the event names users type encode, through
 * collector/events.c, to the perf_event_attr that perf and the kernel use on
 * CPUs this machine does not have (it has no PMU at all).
 *
 * libpfm4's forced-PMU mode (LIBPFM_FORCE_PMU=<pmu>, libpfm(3)) makes libpfm4
 * behave as on that CPU: only that PMU is active, so unqualified PMU names
 * resolve on it and perf's generic names fall back to events.c's own table.
 * libpfm4 reads the variable once, in pfm_initialize, and events.c
 * initializes libpfm4 once per process, so each model is checked in a child
 * process of its own. One more child checks the generic names without
 * forcing, through libpfm4's "perf" PMU, against the same values.
 *
 * The expected values do not come from libpfm4's tables. They come from:
 *  [ABI]  include/uapi/linux/perf_event.h and perf_event_open(2): generic
 *         hardware events are type PERF_TYPE_HARDWARE (0) with config
 *         PERF_COUNT_HW_* (cycles 0, instructions 1, cache-references 2,
 *         cache-misses 3, branches 4, branch-misses 5); cache events are
 *         type PERF_TYPE_HW_CACHE (3) with config = cache | op << 8 |
 *         result << 16 (LL = 2, READ = 0, MISS = 1, so LLC-load-misses is
 *         0x10002). PMU-specific events are PERF_TYPE_RAW (4).
 *         Cross-checked with perf 6.1 on this machine: `perf stat -vv -e
 *         LLC-load-misses true` prints "type 3, config 0x10002", and for
 *         instructions, cache-misses, branch-misses "config 0x1", "0x3",
 *         "0x5" (type 0 is not printed); cycles:u prints exclude_kernel 1,
 *         exclude_hv 1; cycles:k exclude_user 1, exclude_hv 1.
 *  [FMT-INTEL] the kernel's sysfs format of the Intel core PMU
 *         (arch/x86/events/intel/core.c): event config:0-7, umask
 *         config:8-15, edge config:18, inv config:23, cmask config:24-31,
 *         offcore_rsp config1:0-63 -- how perf turns a JSON event into attr.
 *  [FMT-AMD] the same for AMD (arch/x86/events/amd/core.c): event
 *         config:0-7,32-35, umask config:8-15, edge 18, inv 23, cmask 24-31.
 *  [SKL]  perf's Skylake event list, tools/perf/pmu-events/arch/x86/skylake/
 *         pipeline.json and cache.json in the Linux tree (from Intel's
 *         perfmon tables): EventCode, UMask, CounterMask, Invert,
 *         EdgeDetect, MSRValue of the event named in each row.
 *  [ZEN2] perf's AMD Zen 2 list, tools/perf/pmu-events/arch/x86/amdzen2/
 *         core.json and cache.json (from AMD's PPR for family 17h).
 *  [MAP-INTEL] [MAP-AMD] the raw events the kernel programs for the generic
 *         names: intel_perfmon_event_map (arch/x86/events/intel/core.c:
 *         cycles 0x003c, instructions 0x00c0, cache-references 0x4f2e,
 *         cache-misses 0x412e, branch-misses 0x00c5) and
 *         amd_zen2_perfmon_event_map (arch/x86/events/amd/core.c: cycles
 *         0x0076, instructions 0x00c0, cache-misses 0x0964, branch-misses
 *         0x00c3). A PMU-specific name for the same event must encode to it.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "collector/events.h"
#include "hp_test.h"

#define RAW 4u  /* PERF_TYPE_RAW, written out: the value is the ABI's */

/* Intel [FMT-INTEL] and AMD [FMT-AMD] raw config from the documented fields;
 * the AMD event code has 12 bits, the top 4 go to config bits 32-35. */
#define X86_RAW(event, umask, edge, inv, cmask) \
	(((uint64_t)(event) & 0xff) | ((uint64_t)(event) >> 8 & 0xf) << 32 | \
	 (uint64_t)(umask) << 8 | (uint64_t)(edge) << 18 | (uint64_t)(inv) << 23 | \
	 (uint64_t)(cmask) << 24)

/* One name and what it must encode to. excl: U = user only (exclude_kernel),
 * K = kernel only (exclude_user), A = both counted. */
struct enc {
	const char *name;
	unsigned plm;          /* privilege levels for names without :u/:k */
	uint32_t type;
	uint64_t config, config1;
	char excl;
};

#define USER HP_EV_USER
#define ALL  (HP_EV_USER | HP_EV_KERNEL)

/* Generic names [ABI], the same on every model. */
static const struct enc generic[] = {
	{ "cycles",          USER, 0, 0x0,     0, 'U' },
	{ "instructions",    USER, 0, 0x1,     0, 'U' },
	{ "cache-references", ALL, 0, 0x2,     0, 'A' },
	{ "cache-misses",    USER, 0, 0x3,     0, 'U' },
	{ "branch-misses",   USER, 0, 0x5,     0, 'U' },
	{ "LLC-load-misses", USER, 3, 0x10002, 0, 'U' },
	{ "L1-dcache-load-misses", ALL, 3, 0x10000, 0, 'A' },
	{ "cycles:u",         ALL, 0, 0x0,     0, 'U' },
	{ "cycles:k",        USER, 0, 0x0,     0, 'K' },
	{ NULL, 0, 0, 0, 0, 0 },
};

/* Intel Skylake (libpfm4 PMU "skl"). */
static const struct enc skl[] = {
	/* [SKL] INST_RETIRED.ANY_P: EventCode 0xC0, UMask 0x0 */
	{ "skl::INST_RETIRED:ANY_P", USER, RAW, X86_RAW(0xc0, 0x00, 0, 0, 0), 0, 'U' },
	/* the forced PMU is the default one: no "skl::" needed */
	{ "INST_RETIRED:ANY_P", USER, RAW, X86_RAW(0xc0, 0x00, 0, 0, 0), 0, 'U' },
	{ "skl::INST_RETIRED:ANY_P:k", USER, RAW, X86_RAW(0xc0, 0x00, 0, 0, 0), 0, 'K' },
	/* [SKL] CPU_CLK_UNHALTED.THREAD_P: 0x3C, 0x0 = [MAP-INTEL] cycles 0x003c */
	{ "skl::CPU_CLK_UNHALTED:THREAD_P", ALL, RAW, X86_RAW(0x3c, 0x00, 0, 0, 0), 0, 'A' },
	/* [SKL] BR_MISP_RETIRED.ALL_BRANCHES: 0xC5, 0x0 = [MAP-INTEL] branch-misses */
	{ "skl::BR_MISP_RETIRED:ALL_BRANCHES", USER, RAW, X86_RAW(0xc5, 0x00, 0, 0, 0), 0, 'U' },
	/* [SKL] LONGEST_LAT_CACHE.MISS: 0x2E, 0x41 = [MAP-INTEL] cache-misses 0x412e */
	{ "skl::LONGEST_LAT_CACHE:MISS", USER, RAW, X86_RAW(0x2e, 0x41, 0, 0, 0), 0, 'U' },
	/* [SKL] LONGEST_LAT_CACHE.REFERENCE: 0x2E, 0x4f = [MAP-INTEL] cache-references */
	{ "skl::LONGEST_LAT_CACHE:REFERENCE", USER, RAW, X86_RAW(0x2e, 0x4f, 0, 0, 0), 0, 'U' },
	/* [SKL] L2_RQSTS.MISS: 0x24, 0x3f */
	{ "skl::L2_RQSTS:MISS", USER, RAW, X86_RAW(0x24, 0x3f, 0, 0, 0), 0, 'U' },
	/* [SKL] UOPS_EXECUTED.STALL_CYCLES: 0xB1, 0x1, Invert 1, CounterMask 1 */
	{ "skl::UOPS_EXECUTED:STALL_CYCLES", USER, RAW, X86_RAW(0xb1, 0x01, 0, 1, 1), 0, 'U' },
	/* the same written with libpfm4's modifiers */
	{ "skl::UOPS_EXECUTED:THREAD:c=1:i=1", USER, RAW, X86_RAW(0xb1, 0x01, 0, 1, 1), 0, 'U' },
	/* [SKL] CYCLE_ACTIVITY.STALLS_L1D_MISS: 0xA3, 0xc, CounterMask 12 */
	{ "skl::CYCLE_ACTIVITY:STALLS_L1D_MISS", USER, RAW, X86_RAW(0xa3, 0x0c, 0, 0, 12), 0, 'U' },
	/* [SKL] MACHINE_CLEARS.COUNT: 0xC3, 0x1, EdgeDetect 1, CounterMask 1 */
	{ "skl::MACHINE_CLEARS:COUNT", USER, RAW, X86_RAW(0xc3, 0x01, 1, 0, 1), 0, 'U' },
	/* [SKL] OFFCORE_RESPONSE.OTHER.ANY_RESPONSE: EventCode 0xB7 (MSR 0x1a6),
	 * UMask 0x1, MSRValue 0x0000018000 -> config1 [FMT-INTEL offcore_rsp] */
	{ "skl::OFFCORE_RESPONSE_0:OTHER:ANY_RESPONSE", USER, RAW,
	  X86_RAW(0xb7, 0x01, 0, 0, 0), 0x18000, 'U' },
	/* ... and on the second offcore counter: EventCode 0xBB (MSR 0x1a7) */
	{ "skl::OFFCORE_RESPONSE_1:OTHER:ANY_RESPONSE", USER, RAW,
	  X86_RAW(0xbb, 0x01, 0, 0, 0), 0x18000, 'U' },
	{ NULL, 0, 0, 0, 0, 0 },
};

/* AMD Zen 2, family 17h (libpfm4 PMU "amd64_fam17h_zen2"). */
static const struct enc zen2[] = {
	/* [ZEN2] ex_ret_instr: EventCode 0xc0 = [MAP-AMD] instructions */
	{ "amd64_fam17h_zen2::RETIRED_INSTRUCTIONS", USER, RAW, X86_RAW(0xc0, 0, 0, 0, 0), 0, 'U' },
	{ "RETIRED_INSTRUCTIONS", ALL, RAW, X86_RAW(0xc0, 0, 0, 0, 0), 0, 'A' },
	{ "RETIRED_INSTRUCTIONS:k", ALL, RAW, X86_RAW(0xc0, 0, 0, 0, 0), 0, 'K' },
	/* [FMT-AMD] inv and cmask on the same event */
	{ "RETIRED_INSTRUCTIONS:c=1:i=1", USER, RAW, X86_RAW(0xc0, 0, 0, 1, 1), 0, 'U' },
	/* [MAP-AMD] cycles 0x0076 */
	{ "amd64_fam17h_zen2::CYCLES_NOT_IN_HALT", USER, RAW, X86_RAW(0x76, 0, 0, 0, 0), 0, 'U' },
	/* [ZEN2] ex_ret_brn_misp: EventCode 0xc3 = [MAP-AMD] branch-misses */
	{ "amd64_fam17h_zen2::RETIRED_BRANCH_INSTRUCTIONS_MISPREDICTED", USER, RAW,
	  X86_RAW(0xc3, 0, 0, 0, 0), 0, 'U' },
	/* [ZEN2] l2_cache_req_stat.ls_rd_blk_c: EventCode 0x64, UMask 0x8 */
	{ "amd64_fam17h_zen2::CORE_TO_L2_CACHEABLE_REQUEST_ACCESS_STATUS:LS_RD_BLK_C", USER, RAW,
	  X86_RAW(0x64, 0x08, 0, 0, 0), 0, 'U' },
	/* [ZEN2] l2_cache_req_stat.ic_dc_miss_in_l2: 0x64, UMask 0x9 (ls_rd_blk_c |
	 * ic_fill_miss) = [MAP-AMD] cache-misses 0x0964 */
	{ "amd64_fam17h_zen2::CORE_TO_L2_CACHEABLE_REQUEST_ACCESS_STATUS:LS_RD_BLK_C:IC_FILL_MISS",
	  USER, RAW, X86_RAW(0x64, 0x09, 0, 0, 0), 0, 'U' },
	/* [ZEN2] ex_tagged_ibs_ops.ibs_tagged_ops_ret: EventCode 0x1cf, UMask 0x2:
	 * a 12-bit event code, bits 8-11 in config 32-35 [FMT-AMD] */
	{ "amd64_fam17h_zen2::TAGGED_IBS_OPS:IBS_TAGGED_OPS_RET", USER, RAW,
	  X86_RAW(0x1cf, 0x02, 0, 0, 0), 0, 'U' },
	/* [ZEN2] ex_ret_fus_brnch_inst: EventCode 0x1d0 */
	{ "amd64_fam17h_zen2::RETIRED_FUSED_INSTRUCTIONS", USER, RAW,
	  X86_RAW(0x1d0, 0, 0, 0, 0), 0, 'U' },
	{ NULL, 0, 0, 0, 0, 0 },
};

static void check_one(const char *model, const struct enc *e)
{
	struct hp_event_set set;
	events_init(&set);
	int ret = events_add(&set, e->name, e->plm);
	if (ret) {
		fprintf(stderr, "[%s] '%s' does not encode: %s\n", model, e->name, set.error);
		hp_test_failures++;
		events_release(&set);
		return;
	}
	const struct perf_event_attr *a = &set.ev[0].attr;
	if (a->type != e->type || a->config != e->config || a->config1 != e->config1) {
		fprintf(stderr, "[%s] '%s': type %u config %#llx config1 %#llx, "
			"expected type %u config %#llx config1 %#llx\n", model, e->name,
			a->type, (unsigned long long)a->config, (unsigned long long)a->config1,
			e->type, (unsigned long long)e->config, (unsigned long long)e->config1);
		hp_test_failures++;
	}
	int want_excl_user = e->excl == 'K', want_excl_kernel = e->excl == 'U';
	if (a->exclude_user != want_excl_user || a->exclude_kernel != want_excl_kernel) {
		fprintf(stderr, "[%s] '%s': exclude_user %u exclude_kernel %u, expected %d %d\n",
			model, e->name, a->exclude_user, a->exclude_kernel, want_excl_user,
			want_excl_kernel);
		hp_test_failures++;
	}
	/* perf sets exclude_hv when a name names its levels (cycles:u). Checked
	 * for the generic names only: for PMU-specific names on Intel, libpfm4
	 * leaves exclude_hv 0 where perf sets 1 -- a difference without effect,
	 * since x86 programs only exclude_user/exclude_kernel into the counter
	 * (the USR and OS bits, arch/x86/events/core.c x86_pmu_hw_config). */
	if (e->type != RAW && (strstr(e->name, ":u") || strstr(e->name, ":k")) &&
	    !a->exclude_hv) {
		fprintf(stderr, "[%s] '%s': exclude_hv 0, perf sets 1\n", model, e->name);
		hp_test_failures++;
	}
	CHECK_EQ_INT(a->config2, 0);
	CHECK_EQ_INT(set.ev[0].cls, e->type == RAW ? HP_EVCLASS_PMU
				    : e->type == 3 ? HP_EVCLASS_CACHE : HP_EVCLASS_HARDWARE);
	events_release(&set);
}

static int check_table(const char *model, const struct enc *tab)
{
	int n = 0;
	for (; tab->name; tab++, n++)
		check_one(model, tab);
	return n;
}

/* In a child: force the PMU (NULL: none), check the tables, exit with the
 * result. Returns the child's exit status, or -1. */
static int run_model(const char *pmu, const struct enc *specific)
{
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		hp_test_failures = 0;  /* the parent's count is its own */
		if (pmu)
			setenv("LIBPFM_FORCE_PMU", pmu, 1);
		else
			unsetenv("LIBPFM_FORCE_PMU");
		const char *label = pmu ? pmu : "this machine";
		int n = check_table(label, generic);
		if (specific)
			n += check_table(label, specific);
		printf("%s: %d names checked, %d failed\n", label, n, hp_test_failures);
		fflush(stdout);
		_exit(hp_test_failures ? 1 : 0);
	}
	int status;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

int main(void)
{
	static const struct { const char *pmu; const struct enc *tab; } models[] = {
		{ NULL, NULL },
		{ "skl", skl },
		{ "amd64_fam17h_zen2", zen2 },
	};
	for (size_t i = 0; i < sizeof(models) / sizeof(models[0]); i++) {
		int rc = run_model(models[i].pmu, models[i].tab);
		if (rc != 0) {
			fprintf(stderr, "model %s: failed (status %d)\n",
				models[i].pmu ? models[i].pmu : "(none)", rc);
			hp_test_failures++;
		}
	}
	return hp_test_result();
}

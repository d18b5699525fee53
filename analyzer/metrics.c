/*
 * metrics.c - the table of derived metrics (metrics.h), in the order
 * perf stat prints them.
 */
#include "analyzer/metrics.h"

#include <linux/perf_event.h>
#include <string.h>

#define HW(n, x)  { n, PERF_TYPE_HARDWARE, PERF_COUNT_HW_##x }
#define SW(n, x)  { n, PERF_TYPE_SOFTWARE, PERF_COUNT_SW_##x }
#define CACHE_READ(n, u, r) { n, PERF_TYPE_HW_CACHE, \
	(PERF_COUNT_HW_CACHE_##u | PERF_COUNT_HW_CACHE_OP_READ << 8 | \
	 (uint64_t)PERF_COUNT_HW_CACHE_RESULT_##r << 16) }
#define NONE { NULL, 0, 0 }
/* A simulated count (run --cache-sim): no perf event is it. */
#define SIM(n)    { n, UINT32_MAX, UINT64_MAX }
#define PER_EVENT   HP_METRIC_PER_EVENT
#define PER_ELAPSED HP_METRIC_PER_ELAPSED

const struct hp_metric hp_metrics[] = {
	{ SW("task-clock", TASK_CLOCK), PER_ELAPSED, NONE, 1e-9, "CPUs utilized", NULL },
	{ SW("cpu-clock", CPU_CLOCK), PER_ELAPSED, NONE, 1e-9, "CPUs utilized", NULL },
	{ SW("context-switches", CONTEXT_SWITCHES), PER_EVENT, SW("task-clock", TASK_CLOCK),
	  1e9, NULL, NULL },
	{ SW("cpu-migrations", CPU_MIGRATIONS), PER_EVENT, SW("task-clock", TASK_CLOCK),
	  1e9, NULL, NULL },
	{ SW("page-faults", PAGE_FAULTS), PER_EVENT, SW("task-clock", TASK_CLOCK), 1e9, NULL, NULL },
	{ SW("minor-faults", PAGE_FAULTS_MIN), PER_EVENT, SW("task-clock", TASK_CLOCK),
	  1e9, NULL, NULL },
	{ SW("major-faults", PAGE_FAULTS_MAJ), PER_EVENT, SW("task-clock", TASK_CLOCK),
	  1e9, NULL, NULL },
	{ HW("cycles", CPU_CYCLES), PER_EVENT, SW("task-clock", TASK_CLOCK), 1, "GHz", NULL },
	{ HW("instructions", INSTRUCTIONS), PER_EVENT, HW("cycles", CPU_CYCLES),
	  1, "insn per cycle", "IPC" },
	{ HW("cache-references", CACHE_REFERENCES), PER_EVENT, SW("task-clock", TASK_CLOCK),
	  1e9, NULL, NULL },
	{ HW("cache-misses", CACHE_MISSES), PER_EVENT, HW("cache-references", CACHE_REFERENCES),
	  100, "% of all cache refs", "cache-miss%" },
	{ HW("branch-instructions", BRANCH_INSTRUCTIONS), PER_EVENT,
	  SW("task-clock", TASK_CLOCK), 1e9, NULL, NULL },
	{ HW("branch-misses", BRANCH_MISSES), PER_EVENT,
	  HW("branch-instructions", BRANCH_INSTRUCTIONS), 100, "% of all branches",
	  "branch-miss%" },
	{ CACHE_READ("LLC-load-misses", LL, MISS), PER_EVENT, CACHE_READ("LLC-loads", LL, ACCESS),
	  100, "% of all LL-cache accesses", "LLC-miss%" },
	{ CACHE_READ("L1-dcache-load-misses", L1D, MISS), PER_EVENT,
	  CACHE_READ("L1-dcache-loads", L1D, ACCESS), 100, "% of all L1-dcache accesses", NULL },
	{ CACHE_READ("dTLB-load-misses", DTLB, MISS), PER_EVENT,
	  CACHE_READ("dTLB-loads", DTLB, ACCESS), 100, "% of all dTLB cache accesses", NULL },
	/* simulated by Cachegrind: the report's columns, never perf stat's */
	{ SIM("sim_D1mr"), PER_EVENT, SIM("sim_Dr"), 100, "% of data reads", "sim_D1mr%" },
	{ SIM("sim_LLmiss"), PER_EVENT, SIM("sim_LLref"), 100, "% of LL references",
	  "sim_LLmiss%" },
	{ SIM("sim_Bmiss"), PER_EVENT, SIM("sim_Br"), 100, "% of branches", "sim_Bmiss%" },
};

const unsigned hp_nmetrics = sizeof(hp_metrics) / sizeof(hp_metrics[0]);

int metrics_event_is(const struct hp_metric_event *e, uint32_t type, uint64_t config)
{
	return e->name && e->type == type && (config & 0xffffffffu) == e->config;
}

const struct hp_metric *metrics_for_event(uint32_t type, uint64_t config)
{
	for (unsigned i = 0; i < hp_nmetrics; i++)
		if (metrics_event_is(&hp_metrics[i].num, type, config))
			return &hp_metrics[i];
	return NULL;
}

const struct hp_metric *metrics_for_column(const char *column)
{
	for (unsigned i = 0; i < hp_nmetrics; i++)
		if (hp_metrics[i].column && !strcmp(hp_metrics[i].column, column))
			return &hp_metrics[i];
	return NULL;
}

int metrics_value(const struct hp_metric *m, double num, double den, double *out)
{
	if (den <= 0)
		return 0;
	*out = m->scale * (num / den);
	return 1;
}

const char *metrics_rate_unit(double *v)
{
	if (*v >= 1e9) { *v /= 1e9; return "G/sec"; }
	if (*v >= 1e6) { *v /= 1e6; return "M/sec"; }
	if (*v >= 1e3) { *v /= 1e3; return "K/sec"; }
	return "/sec";
}

/*
 * test_stats.c - analyzer/stats.c and analyzer/metrics.c: means and
 * standard deviations of known series, Student's t and Welch's test
 * against tabulated values, and the metrics table as stat and the report
 * look it up (by perf type/config, hybrid PMU bits ignored; by column id).
 */
#include <linux/perf_event.h>
#include <math.h>
#include <string.h>

#include "hp_test.h"
#include "analyzer/metrics.h"
#include "analyzer/stats.h"

#define NEAR(a, b, tol) (fabs((a) - (b)) <= (tol))

static void test_mean_sd(void)
{
	const double v[] = { 2, 99, 4, 99, 4, 99, 4, 99, 5, 99, 5, 99, 7, 99, 9, 99 };
	double mean, sd;
	stats_mean_sd(v, 8, 2, &mean, &sd);            /* every other value */
	CHECK(NEAR(mean, 5.0, 1e-12));
	CHECK(NEAR(sd, sqrt(32.0 / 7.0), 1e-12));
	stats_mean_sd(v, 1, 1, &mean, &sd);
	CHECK(mean == 2 && sd == 0);
	stats_mean_sd(v, 0, 1, &mean, &sd);
	CHECK(mean == 0 && sd == 0);
	/* relative stddev of the mean: 100 * sd / sqrt(n) / |mean| */
	CHECK(NEAR(stats_rel_sem_pct(5.0, 2.0, 4), 20.0, 1e-12));
	CHECK(stats_rel_sem_pct(5.0, 2.0, 1) == 0);
	CHECK(stats_rel_sem_pct(0.0, 2.0, 4) == 0);
}

static void test_t(void)
{
	/* tabulated two-sided critical values: p = 0.05 at t = 2.228 (df 10),
	 * p = 0.01 at t = 2.576 (df -> infinity: normal) */
	CHECK(NEAR(stats_t_two_sided(2.228, 10), 0.05, 2e-4));
	CHECK(NEAR(stats_t_two_sided(-2.228, 10), 0.05, 2e-4));
	CHECK(NEAR(stats_t_two_sided(2.576, 1e6), 0.01, 2e-4));
	CHECK(NEAR(stats_t_two_sided(0, 5), 1.0, 1e-12));
	/* Welch: equal means -> 1; no spread but a difference -> 0; a known
	 * case: means 10 vs 12, sd 1 each, n 5 each: t = 3.162, df = 8, p = 0.0134 */
	CHECK(stats_welch_p(10, 1, 5, 10, 1, 5) == 1);
	CHECK(stats_welch_p(10, 0, 5, 12, 0, 5) == 0);
	CHECK(NEAR(stats_welch_p(10, 1, 5, 12, 1, 5), 0.0134, 5e-4));
	struct hp_stats_test t;
	stats_welch(10, 1, 5, 12, 1, 5, &t);
	CHECK(NEAR(t.delta, 2, 1e-12) && NEAR(t.se, sqrt(0.4), 1e-12) && NEAR(t.df, 8, 1e-9));
	CHECK(NEAR(t.p, 0.0134, 5e-4));
	/* tabulated critical values: 1.960 (normal), 2.228 (df 10), 2.306 (df 8),
	 * 12.706 (df 1); 2.576 for alpha 0.01 */
	CHECK(NEAR(stats_t_critical(0.05, INFINITY), 1.95996, 1e-4));
	CHECK(NEAR(stats_t_critical(0.05, 10), 2.2281, 1e-3));
	CHECK(NEAR(stats_t_critical(0.05, 8), 2.3060, 1e-3));
	CHECK(NEAR(stats_t_critical(0.05, 1), 12.706, 1e-2));
	CHECK(NEAR(stats_t_critical(0.01, INFINITY), 2.5758, 1e-3));
	/* half-width of the 95% interval: t(0.05, 8) * se */
	CHECK(NEAR(stats_ci_half(&t, 0.05), 2.3060 * sqrt(0.4), 2e-3));
	/* z: delta 1.96 se 1 -> p 0.05 */
	stats_z(1.959964, 1, &t);
	CHECK(NEAR(t.p, 0.05, 1e-5) && isinf(t.df));
	stats_z(0, 1, &t);
	CHECK(t.p == 1);
}

static void test_metrics(void)
{
	const struct hp_metric *m = metrics_for_event(PERF_TYPE_HARDWARE,
						      PERF_COUNT_HW_INSTRUCTIONS);
	double v;
	CHECK(m && m->column && !strcmp(m->column, "IPC") && !strcmp(m->unit, "insn per cycle"));
	CHECK(m && metrics_event_is(&m->den, PERF_TYPE_HARDWARE, PERF_COUNT_HW_CPU_CYCLES));
	/* a hybrid PMU's type in config's upper bits is ignored */
	CHECK(metrics_for_event(PERF_TYPE_HARDWARE, (8ull << 32) | PERF_COUNT_HW_INSTRUCTIONS) == m);
	CHECK(m && metrics_value(m, 300, 100, &v) && v == 3);
	CHECK(m && !metrics_value(m, 300, 0, &v));
	m = metrics_for_column("cache-miss%");
	CHECK(m && !strcmp(m->num.name, "cache-misses") && !strcmp(m->den.name, "cache-references"));
	CHECK(m && metrics_value(m, 1, 8, &v) && v == 12.5);
	m = metrics_for_event(PERF_TYPE_SOFTWARE, PERF_COUNT_SW_TASK_CLOCK);
	CHECK(m && m->base == HP_METRIC_PER_ELAPSED && !m->column);
	CHECK(m && metrics_value(m, 2e9, 4.0, &v) && NEAR(v, 0.5, 1e-12));   /* CPUs utilized */
	CHECK(metrics_for_event(PERF_TYPE_SOFTWARE, PERF_COUNT_SW_DUMMY) == NULL);
	CHECK(metrics_for_column("no-such-column") == NULL);
	/* the report's four derived columns, in order */
	const char *cols[4];
	int n = 0;
	for (unsigned i = 0; i < hp_nmetrics; i++)
		if (hp_metrics[i].column && n < 4)
			cols[n++] = hp_metrics[i].column;
	CHECK_EQ_INT(n, 4);
	CHECK(n == 4 && !strcmp(cols[0], "IPC") && !strcmp(cols[1], "cache-miss%") &&
	      !strcmp(cols[2], "branch-miss%") && !strcmp(cols[3], "LLC-miss%"));
	double r = 1500;
	CHECK(!strcmp(metrics_rate_unit(&r), "K/sec") && r == 1.5);
}

int main(void)
{
	test_mean_sd();
	test_t();
	test_metrics();
	return hp_test_result();
}

/*
 * stat_print.c - `hpprof stat`'s output (stat.h): the table perf stat
 * prints, its CSV (-x SEP, perf stat -x's fields) and the JSON object of
 * --json. Takes the stat_result of the runs; an event that was not
 * measured is <not supported>, n/a or <not counted>, never 0.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>

#include "analyzer/metrics.h"
#include "analyzer/report.h"
#include "analyzer/stats.h"
#include "cmd/stat.h"
#include "collector/kaccess.h"
#include "common/textsafe.h"

double stat_rel_stddev(const struct stat_value *v)
{
	return stats_rel_sem_pct(v->mean, v->sd, v->n);
}

int stat_is_clock(const struct hp_event *ev)
{
	return ev->attr.type == PERF_TYPE_SOFTWARE &&
	       (ev->attr.config == PERF_COUNT_SW_TASK_CLOCK ||
		ev->attr.config == PERF_COUNT_SW_CPU_CLOCK);
}

/* The displayed value: clocks in msec, others as counts. */
static double shown(const struct hp_event *ev, double v)
{
	return stat_is_clock(ev) ? v / 1e6 : v;
}

/* What stands in for the value of an event that has none. */
static const char *no_value(const struct hp_event *ev)
{
	if (ev->available)
		return "<not counted>";
	return ev->err == ENOENT || ev->err == EOPNOTSUPP || ev->err == ENODEV ? "<not supported>"
									    : "n/a";
}

/* The ratio beside event i: its value and unit (K/M/G-prefixed rates). */
static int ratio_of(const struct stat_event *se, double *v, const char **unit)
{
	if (!se->metric)
		return 0;
	*v = se->ratio;
	*unit = se->metric->unit ? se->metric->unit : metrics_rate_unit(v);
	return 1;
}

/* The name shown for event i: as given, or NAME:u when it counted user
 * space only though the name asks for the kernel too (perf stat's label). */
static const char *label(const struct stat_result *r, size_t i, char *buf, size_t len)
{
	const char *name = r->set->ev[i].name;
	if (!r->ev[i].user_only)
		return name;
	snprintf(buf, len, "%s:u", name);
	return buf;
}

/* ---- the table ---- */

static void print_header(FILE *f, const struct stat_result *r)
{
	fprintf(f, "\n Performance counter stats for '");
	for (char **a = r->o->argv; *a; a++) {
		fputs(a == r->o->argv ? "" : " ", f);
		textsafe_fputs(*a, 0, f);
	}
	fprintf(f, "'");
	if (r->interrupted)
		fprintf(f, " (interrupted after %d of %d runs)", r->runs, r->o->repeat);
	else if (r->o->repeat > 1)
		fprintf(f, " (%d runs)", r->runs);
	fprintf(f, ":\n\n");
}

/* Append to a row being built; rows are printed without trailing blanks. */
static void row_add(char *row, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void row_add(char *row, size_t len, const char *fmt, ...)
{
	size_t used = strlen(row);
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(row + used, len - used, fmt, ap);
	va_end(ap);
}

/* Event names come from the command line: escaped (textsafe.h). */
static void row_print(FILE *f, char *row)
{
	size_t n = strlen(row);
	char safe[2048];
	while (n && row[n - 1] == ' ')
		row[--n] = '\0';
	fprintf(f, "%s\n", textsafe(row, safe, sizeof(safe)));
}

static void print_event_row(FILE *f, const struct stat_result *r, size_t i)
{
	const struct hp_event *ev = &r->set->ev[i];
	const struct stat_event *se = &r->ev[i];
	char row[512] = "", lb[HP_EVENT_NAME_MAX + 2];
	const char *unit, *name = label(r, i, lb, sizeof(lb));
	double v;

	if (!ev->available || !se->v.n)
		row_add(row, sizeof(row), "%18s      %s", no_value(ev), name);
	else if (stat_is_clock(ev))
		row_add(row, sizeof(row), "%18.2f msec %-28s", shown(ev, se->v.mean), name);
	else
		row_add(row, sizeof(row), "%18.0f      %-28s", se->v.mean, name);
	if (ev->available && se->v.n) {
		if (ratio_of(se, &v, &unit))
			row_add(row, sizeof(row), "  # %8.3f %-25s", v, unit);
		else
			row_add(row, sizeof(row), "  %-36s", "");
		if (r->runs > 1)
			row_add(row, sizeof(row), "  ( +- %5.2f%% )", stat_rel_stddev(&se->v));
		if (se->running_pct < 99.995)
			row_add(row, sizeof(row), "  (%.2f%%)", se->running_pct);
	}
	row_print(f, row);
}

/* Each distinct reason once, with the names it applies to. */
static void print_reasons(FILE *f, const struct hp_event_set *set)
{
	int heading = 0;
	for (size_t i = 0; i < set->n; i++) {
		const struct hp_event *ev = &set->ev[i];
		size_t j;
		if (ev->available)
			continue;
		for (j = 0; j < i; j++)
			if (!set->ev[j].available && !strcmp(set->ev[j].reason, ev->reason))
				break;
		if (j < i)
			continue;         /* reason already printed */
		if (!heading++)
			fprintf(f, "\n Not measured:\n");
		fprintf(f, "   ");
		for (j = i; j < set->n; j++)
			if (!set->ev[j].available && !strcmp(set->ev[j].reason, ev->reason)) {
				fputs(j == i ? "" : ", ", f);
				textsafe_fputs(set->ev[j].name, 0, f);
			}
		fputs(": ", f);
		textsafe_fputs(ev->reason, 0, f);
		fputc('\n', f);
	}
}

/* The events counted in user space only (NAME:u) and why: what they count
 * in the kernel (a page fault taken by read() filling a fresh buffer) is
 * not in the count, unlike the same table as root. */
static void print_user_only(FILE *f, const struct stat_result *r)
{
	char why[256], lb[HP_EVENT_NAME_MAX + 2];
	int n = 0;
	for (size_t i = 0; i < r->set->n; i++) {
		if (!r->ev[i].user_only)
			continue;
		fputs(n++ ? ", " : "\n User space only:\n   ", f);
		textsafe_fputs(label(r, i, lb, sizeof(lb)), 0, f);
	}
	if (n)
		fprintf(f, ": the kernel's part is not in the count (%s)\n",
			kaccess_why_no_samples(why, sizeof(why)));
}

static void print_footer(FILE *f, const struct stat_result *r)
{
	double rel = stat_rel_stddev(&r->elapsed);
	if (r->runs > 1)
		fprintf(f, "\n %14.6f +- %.6f seconds time elapsed  ( +- %5.2f%% )\n",
			r->elapsed.mean, r->elapsed.mean * rel / 100, rel);
	else
		fprintf(f, "\n %14.6f seconds time elapsed\n", r->elapsed.mean);
	fprintf(f, "\n %14.6f seconds user\n", r->user.mean);
	fprintf(f, " %14.6f seconds sys\n", r->sys.mean);
	fprintf(f, " %14ld KiB maximum resident set size\n", r->max_rss_kib);
	if (r->exit_status && WIFSIGNALED(r->failed_wstatus))
		fprintf(f, "\n command was killed by signal %d (%s) in run %d\n",
			WTERMSIG(r->failed_wstatus), strsignal(WTERMSIG(r->failed_wstatus)),
			r->failed_run);
	else if (r->exit_status)
		fprintf(f, "\n command exited with status %d in run %d\n", r->exit_status,
			r->failed_run);
	fprintf(f, "\n");
}

void stat_print_table(FILE *f, const struct stat_result *r)
{
	print_header(f, r);
	for (size_t i = 0; i < r->set->n; i++)
		print_event_row(f, r, i);
	print_reasons(f, r->set);
	print_user_only(f, r);
	stat_sim_print_table(f, r->sim);
	print_footer(f, r);
}

/* ---- CSV: perf stat -x's fields ---- */

/* value, unit, event, [stddev% with -r > 1], running ns, running%,
 * ratio, ratio unit. */
static void csv_event(FILE *f, const struct stat_result *r, size_t i)
{
	const struct hp_event *ev = &r->set->ev[i];
	const struct stat_event *se = &r->ev[i];
	const char *s = r->o->sep, *unit;
	char lb[HP_EVENT_NAME_MAX + 2];
	double v;

	if (!ev->available || !se->v.n)
		fprintf(f, "%s%s%s", no_value(ev), s, stat_is_clock(ev) ? "msec" : "");
	else if (stat_is_clock(ev))
		fprintf(f, "%.2f%smsec", shown(ev, se->v.mean), s);
	else
		fprintf(f, "%.0f%s", se->v.mean, s);
	fprintf(f, "%s%s", s, label(r, i, lb, sizeof(lb)));
	if (r->o->repeat > 1) {
		fprintf(f, "%s", s);
		if (ev->available && se->v.n)
			fprintf(f, "%.2f%%", stat_rel_stddev(&se->v));
	}
	if (!ev->available || !se->v.n) {
		fprintf(f, "%s%s%s%s\n", s, s, s, s);
		return;
	}
	fprintf(f, "%s%.0f%s%.2f", s, se->running_ns, s, se->running_pct);
	if (ratio_of(se, &v, &unit))
		fprintf(f, "%s%.3f%s%s\n", s, v, s, unit);
	else
		fprintf(f, "%s%s\n", s, s);
}

/* A line for a figure of the run that is not an event. */
static void csv_figure(FILE *f, const struct stat_result *r, int decimals, double v,
		       const char *unit, const char *name, const struct stat_value *spread)
{
	const char *s = r->o->sep;
	fprintf(f, "%.*f%s%s%s%s", decimals, v, s, unit, s, name);
	if (r->o->repeat > 1) {
		fprintf(f, "%s", s);
		if (spread)
			fprintf(f, "%.2f%%", stat_rel_stddev(spread));
	}
	fprintf(f, "%s%s%s%s\n", s, s, s, s);
}

void stat_print_csv(FILE *f, const struct stat_result *r)
{
	for (size_t i = 0; i < r->set->n; i++)
		csv_event(f, r, i);
	stat_sim_print_csv(f, r->sim, r->o->sep, r->o->repeat);
	csv_figure(f, r, 6, r->elapsed.mean, "s", "time-elapsed", &r->elapsed);
	csv_figure(f, r, 6, r->user.mean, "s", "user", &r->user);
	csv_figure(f, r, 6, r->sys.mean, "s", "sys", &r->sys);
	csv_figure(f, r, 0, (double)r->max_rss_kib, "KiB", "max-rss", NULL);
}

/* ---- JSON ---- */

static void json_num(FILE *f, double v)
{
	if (isfinite(v))
		fprintf(f, "%.15g", v);
	else
		fprintf(f, "null");
}

static void json_event(FILE *f, const struct stat_result *r, size_t i)
{
	const struct hp_event *ev = &r->set->ev[i];
	const struct stat_event *se = &r->ev[i];
	const size_t n = r->set->n;

	fprintf(f, "    {\"name\": ");
	report_json_string(f, ev->name);
	fprintf(f, ", \"unit\": \"%s\", \"measured\": %s", stat_is_clock(ev) ? "msec" : "",
		ev->available && se->v.n ? "true" : "false");
	if (se->user_only)
		fprintf(f, ", \"user_space_only\": true");
	if (!ev->available) {
		const char *ename = strerrorname_np(ev->err);
		fprintf(f, ", \"value\": null, \"errno\": ");
		report_json_string(f, ename ? ename : "");
		fprintf(f, ", \"reason\": ");
		report_json_string(f, ev->reason);
		fprintf(f, "}");
		return;
	}
	fprintf(f, ", \"value\": ");
	json_num(f, se->v.n ? shown(ev, se->v.mean) : NAN);
	fprintf(f, ", \"stddev_pct\": ");
	json_num(f, se->v.n > 1 ? stat_rel_stddev(&se->v) : NAN);
	fprintf(f, ", \"running_pct\": ");
	json_num(f, se->v.n ? se->running_pct : NAN);
	fprintf(f, ", \"per_run\": [");
	for (int k = 0; k < r->runs; k++) {
		fprintf(f, "%s", k ? ", " : "");
		json_num(f, shown(ev, r->per_run[(size_t)k * n + i]));
	}
	fprintf(f, "]");
	if (se->metric) {                      /* the ratio as it is: a rate per second */
		fprintf(f, ", \"ratio\": ");
		json_num(f, se->ratio);
		fprintf(f, ", \"ratio_unit\": ");
		report_json_string(f, se->metric->unit ? se->metric->unit : "/sec");
	}
	fprintf(f, "}");
}

void stat_print_json(FILE *f, const struct stat_result *r)
{
	fprintf(f, "{\n  \"command\": [");
	for (char **a = r->o->argv; *a; a++) {
		fprintf(f, "%s", a == r->o->argv ? "" : ", ");
		report_json_string(f, *a);
	}
	fprintf(f, "],\n  \"runs\": %d,\n  \"runs_requested\": %d,\n"
		"  \"interrupted\": %s,\n  \"exit_status\": %d,\n  \"events\": [\n",
		r->runs, r->o->repeat, r->interrupted ? "true" : "false", r->exit_status);
	for (size_t i = 0; i < r->set->n; i++) {
		json_event(f, r, i);
		fprintf(f, "%s\n", i + 1 < r->set->n ? "," : "");
	}
	fprintf(f, "  ],\n  \"elapsed_s\": ");
	json_num(f, r->elapsed.mean);
	fprintf(f, ",\n  \"elapsed_stddev_pct\": ");
	json_num(f, r->runs > 1 ? stat_rel_stddev(&r->elapsed) : NAN);
	fprintf(f, ",\n  \"user_s\": ");
	json_num(f, r->user.mean);
	fprintf(f, ",\n  \"sys_s\": ");
	json_num(f, r->sys.mean);
	fprintf(f, ",\n  \"max_rss_kib\": %ld", r->max_rss_kib);
	stat_sim_print_json(f, r->sim);
	fprintf(f, "\n}\n");
}

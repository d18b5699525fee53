/*
 * diff_text.c - a diff (diff.h) as text for a reader.
 *
 * A summary of the two sides (CPU time of all samples with its verdict
 * and confidence interval, wall time, samples, peak RSS, allocations,
 * every common counter), then the rows that are not minor, largest time
 * change first: self time before and after, its change with the
 * half-width of its confidence interval, the change of total time
 * (functions), the shares of the profile, a few counter columns, the
 * verdict and the name. Then the counts per verdict, the minor rows as one
 * line, and what the noise and the threshold were. Gates (--fail-if) close
 * the output. Fits 100 columns for names up to ~30 characters.
 *
 * Runs simulated under cachegrind (run --cache-sim) have no samples and no
 * CPU time: their summary has the wall time under valgrind and the shown
 * sim_* counters, their rows the simulated instructions (sim_Ir) before
 * and after with sim_LLmiss, labelled SIMULATED.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "analyzer/cachegrind.h"
#include "analyzer/diff_internal.h"
#include "analyzer/profile.h"
#include "common/textsafe.h"

#define MAX_SHOWN 8

/* --- numbers --- */

/* 3 significant digits with an SI suffix: 1234567 -> "1.23M". */
static void si(char *buf, size_t len, double v)
{
	static const char suffix[] = " kMGTPE";
	double a = fabs(v);
	int k = 0;
	while (a >= 999.5 && k < 6) {
		a /= 1000;
		v /= 1000;
		k++;
	}
	if (!k)
		snprintf(buf, len, a >= 100 || a == floor(a) ? "%.0f" : a >= 10 ? "%.1f" : "%.2f", v);
	else
		snprintf(buf, len, a >= 100 ? "%.0f%c" : a >= 10 ? "%.1f%c" : "%.2f%c", v, suffix[k]);
}

static void bytes(char *buf, size_t len, double v)
{
	static const char *const units[] = { "B", "KiB", "MiB", "GiB", "TiB" };
	int k = 0;
	if (v < 0) {
		snprintf(buf, len, "n/a");
		return;
	}
	while (v >= 1024 && k < 4) {
		v /= 1024;
		k++;
	}
	snprintf(buf, len, k ? "%.1f %s" : "%.0f %s", v, units[k]);
}

static void change(char *buf, size_t len, double before, double after)
{
	if (before > 0 && after >= 0)
		snprintf(buf, len, "%+.1f%%", 100 * (after - before) / before);
	else if (after > 0)
		snprintf(buf, len, "new");
	else
		snprintf(buf, len, "-");
}

/* Columns of the display width w ('±' is two bytes, one column). */
static int columns_of(const char *s)
{
	int n = 0;
	for (; *s; s++)
		n += ((unsigned char)*s & 0xc0) != 0x80;
	return n;
}

static void rcol(FILE *out, const char *s, int w)
{
	for (int n = columns_of(s); n < w; n++)
		putc(' ', out);
	fputs(s, out);
}

static void lcol(FILE *out, const char *s, int w)
{
	fputs(s, out);
	for (int n = columns_of(s); n < w; n++)
		putc(' ', out);
}

/* "  WHAT  BEFORE  AFTER  CHANGE": the start of a summary line. */
static void summary_start(FILE *out, const char *what, const char *b, const char *a,
			  const char *ch)
{
	fputs("  ", out);
	lcol(out, what, 22);
	putc(' ', out);
	rcol(out, b, 16);
	putc(' ', out);
	rcol(out, a, 16);
	putc(' ', out);
	rcol(out, ch, 9);
}

static const char *norm_suffix(const struct hp_diff *d)
{
	switch (d->opts.norm) {
	case HP_DIFF_PER_SECOND: return "/s";
	case HP_DIFF_PER_SAMPLE: return "/sample";
	case HP_DIFF_PER_WORK:   return "/unit";
	default:                 return "";
	}
}

/* The unit of a table of times whose largest value is max: its name and
 * the factor from seconds. */
struct tunit {
	char name[24];
	double scale;
};

static struct tunit time_unit(const struct hp_diff *d, double max)
{
	struct tunit u = { "s", 1 };
	if (d->basis == HP_DIFF_TIME_SAMPLES)
		snprintf(u.name, sizeof(u.name), "samples");
	else if (max < 1e-3 && max > 0)
		u = (struct tunit){ "us", 1e6 };
	else if (max < 1)
		u = (struct tunit){ "ms", 1e3 };
	strncat(u.name, norm_suffix(d), sizeof(u.name) - strlen(u.name) - 1);
	return u;
}

static int reps(const struct hp_diff *d)
{
	return d->before.runs > 1 || d->after.runs > 1;
}

/* A time in unit u, with its run-to-run sd when there are repeated runs. */
static void time_text(char *buf, size_t len, const struct hp_diff *d, struct hp_diff_stat s,
		      const struct tunit *u)
{
	double m = s.mean * u->scale, sd = s.sd * u->scale;
	int dec = fabs(m) >= 100 ? 0 : fabs(m) >= 10 ? 1 : fabs(m) >= 1 || m == 0 ? 2 : 3;
	if (reps(d))
		snprintf(buf, len, "%.*f±%.*f", dec, m, dec, sd);
	else
		snprintf(buf, len, "%.*f", dec, m);
}

/* A percentage with its sign, one decimal under 100: "+4.1", "-66.6", "+356". */
static void signed_pct(char *buf, size_t len, double v)
{
	snprintf(buf, len, fabs(v) < 99.95 ? "%+.1f" : "%+.0f", v);
}

void diff_rel_ci_text(char *buf, size_t len, const struct hp_diff_change *c)
{
	double r = 100 * c->rel, lo = 100 * c->rel_lo, hi = 100 * c->rel_hi;
	double below = r - lo, above = hi - r, h = fmax(below, above);
	char l[24], u[24];
	if (!(c->ci > 0) || !isfinite(r) || isnan(lo) || isnan(hi))
		snprintf(buf, len, "-");
	else if (!isfinite(hi) && lo <= -100)
		snprintf(buf, len, "unbounded");
	else if (!isfinite(hi)) {     /* a lower bound only */
		signed_pct(l, sizeof(l), lo);
		snprintf(buf, len, ">=%s%%", l);
	}
	else if (fabs(above - below) <= 0.1 * h)   /* symmetric enough: the wider side */
		snprintf(buf, len, h < 99.95 ? "±%.1f%%" : h < 999.5 ? "±%.0f%%" : ">±999%%", h);
	else if (hi >= 999.5) {
		signed_pct(l, sizeof(l), lo);
		snprintf(buf, len, "%s..>+999%%", l);
	} else {
		signed_pct(l, sizeof(l), lo);
		signed_pct(u, sizeof(u), hi);
		snprintf(buf, len, "%s..%s%%", l, u);
	}
}

/* A change relative to its before value, and its interval: "-66.6%",
 * "±4.1%" or "+240..+520%" (diff_rel_ci_text). */
static void rel_text(char *chg, char *ci, size_t len, const struct hp_diff_change *c,
		     double before, double after)
{
	if (before > 0) {
		double r = 100 * c->delta / before;
		snprintf(chg, len, fabs(r) < 999.5 ? "%+.1f%%" : "%+.0f%%", r);
		diff_rel_ci_text(ci, len, c);
	} else {
		snprintf(chg, len, after > 0 ? "from 0" : "-");
		snprintf(ci, len, "-");
	}
}

/* The columns of a change's interval as diff_rel_ci_text shows it. */
static int ci_width(const struct hp_diff_change *c)
{
	char buf[32];
	diff_rel_ci_text(buf, sizeof(buf), c);
	return columns_of(buf);
}

static int imax(int a, int b)
{
	return a > b ? a : b;
}

/* --- the summary --- */

static void summary_stat(char *buf, size_t len, const struct hp_diff *d, struct hp_diff_stat v,
			 const char *unit)
{
	char m[24], sd[24];
	si(m, sizeof(m), v.mean);
	if (reps(d)) {
		si(sd, sizeof(sd), v.sd);
		snprintf(buf, len, "%s±%s%s", m, sd, unit);
	} else {
		snprintf(buf, len, "%s%s", m, unit);
	}
}

static void seconds_text(char *buf, size_t len, const struct hp_diff *d, struct hp_diff_stat s,
			 const char *unit)
{
	if (reps(d))
		snprintf(buf, len, "%.3f±%.3f %s", s.mean, s.sd, unit);
	else
		snprintf(buf, len, "%.3f %s", s.mean, unit);
}

/* The width of the summary's interval column: the CPU and wall times'. */
static int summary_ci_width(const struct hp_diff *d)
{
	return imax(9, imax(ci_width(&d->time), d->wall_judged ? ci_width(&d->wall) : 0));
}

static void summary_times(FILE *out, const struct hp_diff *d)
{
	char b[64], a[64], ch[32], ci[32], unit[32];
	snprintf(unit, sizeof(unit), "%s%s", d->basis == HP_DIFF_TIME_SAMPLES ? "samples" : "s",
		 norm_suffix(d));
	seconds_text(b, sizeof(b), d, d->before.time, unit);
	seconds_text(a, sizeof(a), d, d->after.time, unit);
	rel_text(ch, ci, sizeof(ch), &d->time, d->before.time.mean, d->after.time.mean);
	if (!d->welch && diff_run_noise(d) <= 0)   /* measured by the sampler: no error */
		snprintf(ci, sizeof(ci), "measured");
	summary_start(out, "CPU time (all samples)", b, a, ch);
	fputs("  ", out);
	lcol(out, ci, summary_ci_width(d));
	fprintf(out, " %s\n", diff_verdict_name(d->verdict));
	seconds_text(b, sizeof(b), d, d->before.duration_s, "s");
	seconds_text(a, sizeof(a), d, d->after.duration_s, "s");
	change(ch, sizeof(ch), d->before.duration_s.mean, d->after.duration_s.mean);
	if (d->wall_judged) {
		rel_text(ch, ci, sizeof(ch), &d->wall, d->before.duration_s.mean,
			 d->after.duration_s.mean);
		summary_start(out, "wall time", b, a, ch);
		fputs("  ", out);
		lcol(out, ci, summary_ci_width(d));
		fprintf(out, " %s\n", diff_verdict_name(d->wall_verdict));
	} else {
		summary_start(out, "wall time", b, a, ch);
		fputs("  (one run per side: no noise estimate)\n", out);
	}
}

/* A simulated run's wall time: valgrind's, not the program's alone. */
static void summary_wall_sim(FILE *out, const struct hp_diff *d)
{
	char b[64], a[64], ch[32];
	seconds_text(b, sizeof(b), d, d->before.duration_s, "s");
	seconds_text(a, sizeof(a), d, d->after.duration_s, "s");
	change(ch, sizeof(ch), d->before.duration_s.mean, d->after.duration_s.mean);
	summary_start(out, "wall time (valgrind)", b, a, ch);
	fputs("  (the program under the simulator: no verdict)\n", out);
}

enum { AS_COUNT, AS_BYTES, AS_NS };   /* summary_line's values */

static struct hp_diff_stat ns_to_s(struct hp_diff_stat v)
{
	v.mean /= 1e9;
	v.sd /= 1e9;
	return v;
}

static void summary_line(FILE *out, const struct hp_diff *d, const char *what,
			 struct hp_diff_stat b, struct hp_diff_stat a, int as, const char *unit,
			 const char *extra)
{
	char bs[80], as_[80], ch[32];
	if (as == AS_BYTES) {
		bytes(bs, sizeof(bs), b.mean);
		bytes(as_, sizeof(as_), a.mean);
	} else if (as == AS_NS) {      /* task-clock, off-cpu, wall: seconds */
		char u[32];
		snprintf(u, sizeof(u), "s%s", unit);
		seconds_text(bs, sizeof(bs), d, ns_to_s(b), u);
		seconds_text(as_, sizeof(as_), d, ns_to_s(a), u);
	} else {
		summary_stat(bs, sizeof(bs), d, b, unit);
		summary_stat(as_, sizeof(as_), d, a, unit);
	}
	change(ch, sizeof(ch), b.mean, a.mean);
	summary_start(out, what, bs, as_, ch);
	fprintf(out, "%s%s\n", extra && *extra ? "  " : "", extra ? extra : "");
}

static void summary(FILE *out, const struct hp_diff *d, const struct hp_diff_print_opts *o)
{
	char sb[1024], sa[1024];               /* file names are untrusted (textsafe.h) */
	fprintf(out, "hpprof diff: %s -> %s (by %s; %s%s, %s%s)\n\n",
		o->before_name ? textsafe(o->before_name, sb, sizeof(sb)) : "before",
		o->after_name ? textsafe(o->after_name, sa, sizeof(sa)) : "after",
		d->opts.by == HP_DIFF_LINE ? "line" : "function",
		d->simulated ? "SIMULATED by cachegrind, nothing sampled" : "CPU time from ",
		d->simulated ? "" : diff_basis_name(d->basis), diff_norm_name(d->opts.norm),
		reps(d) ? "; mean±sd over runs" : "");
	if (d->script_before && d->script_after)
		fprintf(out, "  scripts %s -> %s: compared as one (their functions and lines joined"
			" by name)\n\n", textsafe(d->script_before, sb, sizeof(sb)),
			textsafe(d->script_after, sa, sizeof(sa)));
	char ci[32];
	snprintf(ci, sizeof(ci), "%.4g%% CI", 100 * (1 - d->opts.alpha));
	if (d->simulated)             /* no noise, no interval */
		ci[0] = '\0';
	fprintf(out, "  %-22s %16s %16s %9s  %-*s %s\n", "", "before", "after", "change",
		d->simulated ? 9 : summary_ci_width(d), ci, "verdict");
	if (d->simulated)
		summary_wall_sim(out, d);
	else
		summary_times(out, d);
	if (reps(d))
		fprintf(out, "  %-22s %16u %16u\n", "runs", d->before.runs, d->after.runs);
	if (!d->simulated)            /* a simulated run has no samples: no 0 */
		summary_line(out, d, "samples", d->before.samples, d->after.samples, AS_COUNT, "", NULL);
	if (d->before.peak_rss.mean >= 0 || d->after.peak_rss.mean >= 0)
		summary_line(out, d, "peak RSS", d->before.peak_rss, d->after.peak_rss, AS_BYTES, "", NULL);
	if (d->before.allocs.mean >= 0 && d->after.allocs.mean >= 0) {
		summary_line(out, d, "allocations", d->before.allocs, d->after.allocs, AS_COUNT, "", NULL);
		summary_line(out, d, "allocated", d->before.alloc_bytes, d->after.alloc_bytes, AS_BYTES, "",
			     NULL);
	}
	for (uint32_t c = 0; c < d->ncounters; c++) {
		const struct hp_diff_counter *k = &d->counters[c];
		const struct hp_sim_event *sim = cachegrind_sim_event(k->name);
		char ratio[48] = "";
		if (!strcmp(k->role, "simulated") && sim && !sim->shown)
			continue;             /* raw simulated counts: CSV and JSON */
		int verdict = (int)c == d->sim_counter;   /* the verdict of a simulated diff */
		if (k->before.mean > 0)
			snprintf(ratio, sizeof(ratio), verdict ? "x%-9.3g" : "x%.3g",
				 k->after.mean / k->before.mean);
		if (verdict)
			strncat(ratio, diff_verdict_name(d->verdict), sizeof(ratio) - strlen(ratio) - 1);
		char name[256];
		summary_line(out, d, textsafe(k->name, name, sizeof(name)), k->before, k->after,
			     profile_name_is_time(k->name) ? AS_NS : AS_COUNT,
			     norm_suffix(d), ratio);
	}
	putc('\n', out);
}

/* --- the rows --- */

/* Did a counter's whole-run value change by half or more (x1.5, x0.67)? */
static int changed(const struct hp_diff_counter *k)
{
	double b = k->before.mean, a = k->after.mean;
	if (b <= 0 || a <= 0)
		return b > 0 || a > 0;
	return a / b >= 1.5 || b / a >= 1.5;
}

/* The counter columns of the text rows. */
static int shown_counters(const struct hp_diff *d, const char *spec, int *shown)
{
	int n = 0;
	if (spec) {
		for (uint32_t c = 0; c < d->ncounters && n < MAX_SHOWN; c++) {
			const char *p = spec;
			size_t len = strlen(d->counters[c].name);
			int want = !strcmp(spec, "all");
			for (; !want && (p = strstr(p, d->counters[c].name)); p += len)
				want = (p == spec || p[-1] == ',') && (p[len] == ',' || !p[len]);
			if (want && d->counters[c].rows)   /* a whole-run total has no rows */
				shown[n++] = (int)c;
		}
		return n;
	}
	if (d->simulated) {           /* beside sim_Ir, the rows' own column */
		for (uint32_t c = 0; c < d->ncounters && !n; c++)
			if (!strcmp(d->counters[c].name, "sim_LLmiss"))
				shown[n++] = (int)c;
		return n;
	}
	/* one column, to stay near 100 columns: page-faults, else cache-misses,
	 * else the counter that changed most - only when its whole-run value
	 * changed by half or more; the scheduler counts and task-clock (= the
	 * time) are left out */
	static const char *const first[] = { "page-faults", "cache-misses" };
	static const char *const skip[] = { "task-clock", "context-switches", "cpu-migrations" };
	for (size_t i = 0; i < 2 && !n; i++)
		for (uint32_t c = 0; c < d->ncounters && !n; c++)
			if (!strcmp(d->counters[c].name, first[i]) && changed(&d->counters[c]) &&
			    d->counters[c].rows)
				shown[n++] = (int)c;
	double best = -1;
	int pick = -1;
	for (uint32_t c = 0; c < d->ncounters && !n; c++) {
		const struct hp_diff_counter *k = &d->counters[c];
		int listed = 0;
		for (size_t i = 0; i < 2; i++)
			listed |= !strcmp(k->name, first[i]);
		for (size_t i = 0; i < 3; i++)
			listed |= !strcmp(k->name, skip[i]);
		if (listed || !changed(k) || !k->rows)
			continue;
		double score = fabs(log((k->after.mean + 1e-9) / (k->before.mean + 1e-9)));
		if (score > best) {
			best = score;
			pick = (int)c;
		}
	}
	if (pick >= 0 && !n)
		shown[n++] = pick;
	return n;
}

static void row_label(char *buf, size_t len, const struct hp_diff *d, const struct hp_diff_row *r)
{
	const char *file = r->file ? strrchr(r->file, '/') : NULL;
	file = file ? file + 1 : r->file;
	if (d->opts.by == HP_DIFF_FUNCTION)
		snprintf(buf, len, "%s%s%s%s", r->name ? r->name : "?", r->module ? " (" : "",
			 r->module ? r->module : "", r->module ? ")" : "");
	else if (!r->line)
		snprintf(buf, len, "??  %s", r->name ? r->name : "?");
	else if (r->before_line != r->line)
		snprintf(buf, len, "%s:%u (was %u)  %s", file ? file : "??", r->line, r->before_line,
			 r->name ? r->name : "?");
	else
		snprintf(buf, len, "%s:%u  %s", file ? file : "??", r->line, r->name ? r->name : "?");
}

struct layout {
	struct tunit unit;
	int w;                        /* width of a before/after time */
	int ciw;                      /* width of an interval (diff_rel_ci_text) */
	int by_function;
	int shown[MAX_SHOWN], nshown;
};

/* Two header lines: the blocks (self time, total time, self share,
 * counters) over their labels. */
static void rows_header(FILE *out, const struct hp_diff *d, const struct layout *l)
{
	char head[64], line[512];
	size_t n = 0;
	snprintf(head, sizeof(head), "   self time (%s)", l->unit.name);
	n += (size_t)snprintf(line + n, sizeof(line) - n, "%-*s", 2 * l->w + 13 + l->ciw, head);
	if (l->by_function)
		n += (size_t)snprintf(line + n, sizeof(line) - n, "%-*s", 11 + l->ciw, "  total time");
	n += (size_t)snprintf(line + n, sizeof(line) - n, "%-14s", " self share %");
	for (int i = 0; i < l->nshown && n < sizeof(line); i++) {
		char safe[256];
		snprintf(head, sizeof(head), "  %s%s",
			 textsafe(d->counters[l->shown[i]].name, safe, sizeof(safe)), norm_suffix(d));
		n += (size_t)snprintf(line + n, sizeof(line) - n, "%-20s", head);
	}
	while (n > 0 && n < sizeof(line) && line[n - 1] == ' ')
		line[--n] = '\0';          /* no trailing blanks */
	fprintf(out, "%s\n", line);
	fprintf(out, " %*s %*s %8s %*s ", l->w, "before", l->w, "after", "change", l->ciw, "ci");
	if (l->by_function)
		fprintf(out, " %8s %*s ", "change", l->ciw, "ci");
	fprintf(out, " %6s %6s", "before", "after");
	for (int i = 0; i < l->nshown; i++)
		fprintf(out, " %9s %9s", "before", "after");
	fprintf(out, "  %-8s %s\n", "verdict", l->by_function ? "function" : "line");
}

static void row_text(FILE *out, const struct hp_diff *d, const struct hp_diff_row *r,
		     const struct layout *l)
{
	char b[80], a[80], ch[32], ci[32], label[600], verdict[16], safe[2400];
	time_text(b, sizeof(b), d, r->before_time, &l->unit);
	time_text(a, sizeof(a), d, r->after_time, &l->unit);
	rel_text(ch, ci, sizeof(ch), &r->self, r->before_time.mean, r->after_time.mean);
	putc(' ', out);
	rcol(out, b, l->w);
	putc(' ', out);
	rcol(out, a, l->w);
	putc(' ', out);
	rcol(out, ch, 8);
	putc(' ', out);
	rcol(out, ci, l->ciw);
	putc(' ', out);
	if (l->by_function) {
		rel_text(ch, ci, sizeof(ch), &r->total, r->before_ttime.mean, r->after_ttime.mean);
		putc(' ', out);
		rcol(out, ch, 8);
		putc(' ', out);
		rcol(out, ci, l->ciw);
		putc(' ', out);
	}
	fprintf(out, " %6.2f %6.2f", r->before_self.mean, r->after_self.mean);
	for (int i = 0; i < l->nshown; i++) {
		si(b, sizeof(b), r->before_c[l->shown[i]].mean);
		si(a, sizeof(a), r->after_c[l->shown[i]].mean);
		fprintf(out, " %9s %9s", b, a);
	}
	row_label(label, sizeof(label), d, r);
	snprintf(verdict, sizeof(verdict), "%s%s", diff_verdict_name(r->verdict),
		 r->on_total ? "*" : "");
	fprintf(out, "  %-8s %s\n", verdict, textsafe(label, safe, sizeof(safe)));
}

static struct layout make_layout(const struct hp_diff *d, const struct hp_diff_print_opts *o,
				 uint32_t n)
{
	struct layout l = { .by_function = d->opts.by == HP_DIFF_FUNCTION };
	double max = 0;
	for (uint32_t i = 0; i < n; i++)
		max = fmax(max, fmax(d->rows[i].before_time.mean, d->rows[i].after_time.mean));
	l.unit = time_unit(d, max);
	l.w = reps(d) ? 13 : 8;
	l.ciw = 7;
	for (uint32_t i = 0; i < n; i++)
		l.ciw = imax(l.ciw, imax(ci_width(&d->rows[i].self), ci_width(&d->rows[i].total)));
	l.nshown = shown_counters(d, o->counters, l.shown);
	return l;
}

/* --- rows of a simulated diff: sim_Ir instead of time --- */

static void sim_rows_header(FILE *out, const struct hp_diff *d, const struct layout *l)
{
	char safe[256];
	fprintf(out, " %9s %9s %8s", "sim_Ir", "sim_Ir", "change");
	for (int i = 0; i < l->nshown; i++)
		fprintf(out, " %19.19s", textsafe(d->counters[l->shown[i]].name, safe, sizeof(safe)));
	fprintf(out, "\n %9s %9s %8s", "before", "after", "");
	for (int i = 0; i < l->nshown; i++)
		fprintf(out, " %9s %9s", "before", "after");
	fprintf(out, "  %-8s %s\n", "verdict", l->by_function ? "function" : "line");
}

static void sim_row_text(FILE *out, const struct hp_diff *d, const struct hp_diff_row *r,
			 const struct layout *l)
{
	char b[32], a[32], ch[32], label[600], safe[2400];
	int k = d->sim_counter;
	struct hp_diff_stat sb = { 0 }, sa = { 0 };
	if (k >= 0) {
		sb = r->before_c[k];
		sa = r->after_c[k];
	}
	si(b, sizeof(b), sb.mean);
	si(a, sizeof(a), sa.mean);
	change(ch, sizeof(ch), sb.mean, sa.mean);
	fprintf(out, " %9s %9s %8s", b, a, ch);
	for (int i = 0; i < l->nshown; i++) {
		si(b, sizeof(b), r->before_c[l->shown[i]].mean);
		si(a, sizeof(a), r->after_c[l->shown[i]].mean);
		fprintf(out, " %9s %9s", b, a);
	}
	row_label(label, sizeof(label), d, r);
	fprintf(out, "  %-8s %s\n", diff_verdict_name(r->verdict),
		textsafe(label, safe, sizeof(safe)));
}

/* --- the closing lines --- */

static void counts(FILE *out, const struct hp_diff *d, uint32_t shown, uint32_t listed)
{
	uint32_t count[HP_VERDICT_COUNT] = { 0 }, on_total = 0;
	struct hp_diff_stat mb = { 0 }, ma = { 0 };
	for (uint32_t i = 0; i < d->nrows; i++) {
		const struct hp_diff_row *r = &d->rows[i];
		count[r->verdict]++;
		on_total += r->on_total && i < shown;
		if (r->verdict == HP_VERDICT_MINOR) {
			mb.mean += r->before_time.mean;
			ma.mean += r->after_time.mean;
		}
	}
	const char *what = d->opts.by == HP_DIFF_LINE ? "lines" : "functions";
	fprintf(out, "\n%u %s: %u slower, %u faster, %u new, %u gone, %u same, %u minor%s\n",
		d->nrows, what, count[HP_VERDICT_SLOWER], count[HP_VERDICT_FASTER],
		count[HP_VERDICT_NEW], count[HP_VERDICT_GONE], count[HP_VERDICT_SAME],
		count[HP_VERDICT_MINOR], shown < listed ? " (more with --limit 0)" : "");
	if (count[HP_VERDICT_MINOR]) {
		struct tunit u = time_unit(d, fmax(mb.mean, ma.mean));
		fprintf(out, "minor: %u %s under %g samples per run on both sides, not listed (self "
			"time together %.2f -> %.2f %s)\n", count[HP_VERDICT_MINOR], what,
			d->opts.min_samples, mb.mean * u.scale, ma.mean * u.scale, u.name);
	}
	if (on_total)
		fprintf(out, "*: judged on the total time (with callees); the self time did not "
			"change beyond the noise\n");
}

/* Repeated runs: the spread pooled over the rows of each kind, and how
 * many rows were judged on their own spread instead (Welch). */
static void pool_note(FILE *out, const struct hp_diff *d)
{
	const struct hp_diff_pool *p = &d->pool;
	static const char *const kind[HP_DIFF_POOLS] = { "program", "kernel and [vdso]" };
	fprintf(out, "noise: %u + %u runs: the run-to-run spread per run pooled over the rows,\n"
		"  plus each row's sampling error; whole run %.2g%%", d->before.runs, d->after.runs,
		100 * sqrt(p->run_var));
	for (int k = 0; k < HP_DIFF_POOLS; k++)
		if (p->rows[k])
			fprintf(out, ",\n  %s rows %.2g%% (%u rows, %.3g df)", kind[k],
				100 * sqrt(p->spread_var[k]), p->rows[k], p->df[k]);
	fprintf(out, ";\n  Welch's t-test for the whole run and the %u rows that spread beyond "
		"their pool", p->left_out[0] + p->left_out[1]);
}

static void noise_note(FILE *out, const struct hp_diff *d)
{
	if (d->simulated) {
		fprintf(out, "noise: none - the counts are SIMULATED by cachegrind, not sampled;\n"
			"a row is faster or slower when its sim_Ir changed by %g%% or more\n",
			d->opts.threshold);
		return;
	}
	if (d->welch)
		pool_note(out, d);
	else if (diff_run_noise(d) > 0)
		fprintf(out, "noise: the sampling error of the sample counts (binomial, ~Poisson) and\n"
			"  an ASSUMED run-to-run spread of %g%% per run (%g%% for kernel and [vdso] rows;\n"
			"  --run-noise; one run per side cannot measure it)", diff_run_noise(d),
			HP_DIFF_MACHINE_NOISE * diff_run_noise(d));
	else
		fprintf(out, "noise: the sampling error of the sample counts only (binomial, ~Poisson)");
	fprintf(out, ";\n  rows tested at p < %.2g (%g / %u rows judged, Bonferroni); ci = the "
		"matching\n  %.4g%% confidence interval of the change in percent (of after / before, "
		"Fieller's:\n  ±half-width when about symmetric, else its bounds lo..hi%%)\n",
		d->row_alpha, d->opts.alpha, d->judged ? d->judged : 1, 100 * (1 - d->row_alpha));
	if (!d->welch && diff_run_noise(d) > 0)
		fprintf(out, "  for a measured spread compare repeated runs (BEFORE... -- AFTER...)\n");
	else if (!d->welch)
		fprintf(out, "  run-to-run variation is not in it: compare repeated runs "
			"(BEFORE... -- AFTER...)\n");
	fprintf(out, "a row is faster or slower when its time changed beyond the noise and by %g%% "
		"or more\n", d->opts.threshold);
	if (d->basis == HP_DIFF_TIME_SAMPLES)
		fprintf(out, "time: the runs give no sampling frequency or task-clock, so sample "
			"counts stand for time\n");
}

static void gates(FILE *out, const struct hp_diff *d, const struct hp_diff_print_opts *o)
{
	char line[1024];
	if (o->ngates)
		fputc('\n', out);
	for (unsigned i = 0; i < o->ngates; i++) {
		diff_gate_describe(d, &o->gates[i], line, sizeof(line));
		fprintf(out, "fail-if %s\n", line);
	}
}

void diff_print_text(FILE *out, const struct hp_diff *d, const struct hp_diff_print_opts *o)
{
	uint32_t listed = 0, shown = 0;
	for (uint32_t i = 0; i < d->nrows; i++)
		listed += d->rows[i].verdict != HP_VERDICT_MINOR;
	uint32_t n = o->limit && o->limit < listed ? o->limit : listed;
	struct layout l = make_layout(d, o, n);
	summary(out, d, o);
	if (d->simulated) {
		fprintf(out, "%s by simulated instructions (sim_Ir: SIMULATED by cachegrind%s)\n",
			l.by_function ? "Functions" : "Lines", l.by_function ? ", self" : "");
		sim_rows_header(out, d, &l);
	} else {
		fprintf(out, "%s by self time (%s)\n", l.by_function ? "Functions" : "Lines",
			l.by_function ? "CPU time in the function itself; total: with its callees"
				      : "CPU time on the line");
		rows_header(out, d, &l);
	}
	for (uint32_t i = 0; i < d->nrows && shown < n; i++)
		if (d->rows[i].verdict != HP_VERDICT_MINOR) {
			if (d->simulated)
				sim_row_text(out, d, &d->rows[i], &l);
			else
				row_text(out, d, &d->rows[i], &l);
			shown++;
		}
	counts(out, d, shown, listed);
	noise_note(out, d);
	gates(out, d, o);
}

int diff_check_counters(const struct hp_diff *d, const char *spec, char *why, size_t len)
{
	char name[128], have[1024] = "", sn[160];
	if (!strcmp(spec, "all"))
		return 0;
	for (uint32_t c = 0; c < d->ncounters; c++)
		if (d->counters[c].rows) {
			size_t k = strlen(have);
			snprintf(have + k, sizeof(have) - k, "%s%s", k ? ", " : "", d->counters[c].name);
		}
	for (const char *s = spec; *s;) {
		size_t n = strcspn(s, ",");
		uint32_t c = 0;
		snprintf(name, sizeof(name), "%.*s", (int)(n < sizeof(name) ? n : sizeof(name) - 1), s);
		while (c < d->ncounters && strcmp(d->counters[c].name, name))
			c++;
		if (c == d->ncounters) {
			snprintf(why, len, "neither profile has a counter '%s' (per row: %s)",
				 textsafe(name, sn, sizeof(sn)), have[0] ? have : "none");
			return -EINVAL;
		}
		if (!d->counters[c].rows) {
			snprintf(why, len, "%s was counted for the whole run only, not with each sample:"
				 " no function or line has a value of it (its change is in the header;"
				 " per row: %s)", textsafe(name, sn, sizeof(sn)), have[0] ? have : "none");
			return -EINVAL;
		}
		s += n + (s[n] == ',');
	}
	return 0;
}

/*
 * diff_format.c - a diff (diff.h) as text, CSV or JSON.
 *
 * Text: a summary of the two sides (run time with its verdict, samples,
 * peak RSS, allocations, every common counter), then the rows in order of
 * |delta self%| with before/after/delta of self% and total%, a few counter
 * columns, and the verdict. With repeated runs, values read mean±sd and a
 * p column gives the significance of the change. CSV and JSON carry every
 * value of every row.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "analyzer/cachegrind.h"
#include "analyzer/diff.h"
#include "analyzer/report.h"

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

static const char *unit_suffix(const struct hp_diff *d)
{
	switch (d->opts.norm) {
	case HP_DIFF_PER_SECOND: return "/s";
	case HP_DIFF_PER_SAMPLE: return "/sample";
	default:                 return "";
	}
}

/* --- text --- */

static int reps(const struct hp_diff *d)
{
	return d->before.runs > 1 || d->after.runs > 1;
}

static void stat_text(char *buf, size_t len, const struct hp_diff *d, struct hp_diff_stat s,
		      int pct)
{
	char m[24], sd[24];
	if (pct)
		snprintf(m, sizeof(m), "%.2f", s.mean);
	else
		si(m, sizeof(m), s.mean);
	if (!reps(d)) {
		snprintf(buf, len, "%s", m);
		return;
	}
	if (pct)
		snprintf(sd, sizeof(sd), "%.2f", s.sd);
	else
		si(sd, sizeof(sd), s.sd);
	snprintf(buf, len, "%s±%s", m, sd);
}

enum summary_kind { SUM_SI, SUM_BYTES, SUM_COUNT };

static void summary_value(char *buf, size_t len, const struct hp_diff *d, struct hp_diff_stat v,
			  enum summary_kind kind, const char *unit)
{
	if (kind == SUM_BYTES)
		bytes(buf, len, v.mean);
	else if (kind == SUM_COUNT && !reps(d))
		snprintf(buf, len, "%.0f", v.mean);
	else
		stat_text(buf, len, d, v, 0);
	strncat(buf, unit, len - strlen(buf) - 1);
}

static void summary_line(FILE *out, const struct hp_diff *d, const char *what,
			 struct hp_diff_stat b, struct hp_diff_stat a, const char *unit,
			 enum summary_kind kind, const char *extra)
{
	char bs[48], as[48], ch[32];
	summary_value(bs, sizeof(bs), d, b, kind, unit);
	summary_value(as, sizeof(as), d, a, kind, unit);
	change(ch, sizeof(ch), b.mean, a.mean);
	fprintf(out, "  %-22s %16s %16s %9s%s%s\n", what, bs, as, ch, extra && *extra ? "  " : "",
		extra ? extra : "");
}

static void summary(FILE *out, const struct hp_diff *d, const struct hp_diff_print_opts *o)
{
	char secs_b[48], secs_a[48], ch[32];
	fprintf(out, "hpprof diff: %s -> %s (by %s; counters %s%s)\n\n",
		o->before_name ? o->before_name : "before", o->after_name ? o->after_name : "after",
		d->opts.by == HP_DIFF_LINE ? "line" : "function", diff_norm_name(d->opts.norm),
		reps(d) ? "; mean±sd over runs" : "");
	fprintf(out, "  %-22s %16s %16s %9s\n", "", "before", "after", "change");
	if (reps(d)) {
		snprintf(secs_b, sizeof(secs_b), "%.3f±%.3f s", d->before.duration_s.mean,
			 d->before.duration_s.sd);
		snprintf(secs_a, sizeof(secs_a), "%.3f±%.3f s", d->after.duration_s.mean,
			 d->after.duration_s.sd);
	} else {
		snprintf(secs_b, sizeof(secs_b), "%.3f s", d->before.duration_s.mean);
		snprintf(secs_a, sizeof(secs_a), "%.3f s", d->after.duration_s.mean);
	}
	change(ch, sizeof(ch), d->before.duration_s.mean, d->after.duration_s.mean);
	fprintf(out, "  %-22s %16s %16s %9s  %s\n", "run time", secs_b, secs_a, ch,
		diff_verdict_name(d->verdict));
	if (reps(d))
		fprintf(out, "  %-22s %16u %16u\n", "runs", d->before.runs, d->after.runs);
	if (!d->simulated)            /* a simulated run has no samples: no 0 */
		summary_line(out, d, "samples", d->before.samples, d->after.samples, "", SUM_COUNT,
			     NULL);
	if (d->before.peak_rss.mean >= 0 || d->after.peak_rss.mean >= 0)
		summary_line(out, d, "peak RSS", d->before.peak_rss, d->after.peak_rss, "", SUM_BYTES,
			     NULL);
	if (d->before.allocs.mean >= 0 && d->after.allocs.mean >= 0) {
		summary_line(out, d, "allocations", d->before.allocs, d->after.allocs, "", SUM_COUNT,
			     NULL);
		summary_line(out, d, "allocated", d->before.alloc_bytes, d->after.alloc_bytes, "",
			     SUM_BYTES, NULL);
	}
	for (uint32_t c = 0; c < d->ncounters; c++) {
		const struct hp_diff_counter *k = &d->counters[c];
		const struct hp_sim_event *sim = cachegrind_sim_event(k->name);
		char ratio[32] = "";
		if (!strcmp(k->role, "simulated") && sim && !sim->shown)
			continue;             /* raw simulated counts: CSV and JSON */
		if (k->before.mean > 0)
			snprintf(ratio, sizeof(ratio), "x%.3g", k->after.mean / k->before.mean);
		summary_line(out, d, k->name, k->before, k->after, unit_suffix(d), SUM_SI, ratio);
	}
	putc('\n', out);
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
			if (want)
				shown[n++] = (int)c;
		}
		return n;
	}
	/* page-faults and cache-misses when measured, then the counter that
	 * changed most; scheduler counts and task-clock (= samples) left out */
	static const char *const first[] = { "page-faults", "cache-misses", "sim_Ir", "sim_LLmiss" };
	static const char *const skip[] = { "task-clock", "context-switches", "cpu-migrations" };
	for (size_t i = 0; i < 4; i++)
		for (uint32_t c = 0; c < d->ncounters && n < 2; c++)
			if (!strcmp(d->counters[c].name, first[i]) &&
			    (d->counters[c].before.mean > 0 || d->counters[c].after.mean > 0))
				shown[n++] = (int)c;
	double best = -1;
	int pick = -1;
	for (uint32_t c = 0; c < d->ncounters && n < 2; c++) {
		const struct hp_diff_counter *k = &d->counters[c];
		int listed = 0;
		for (size_t i = 0; i < 4; i++)
			listed |= !strcmp(k->name, first[i]);
		for (size_t i = 0; i < 3; i++)
			listed |= !strcmp(k->name, skip[i]);
		if (listed || (k->before.mean <= 0 && k->after.mean <= 0))
			continue;
		double score = fabs(log((k->after.mean + 1e-9) / (k->before.mean + 1e-9)));
		if (score > best) {
			best = score;
			pick = (int)c;
		}
	}
	if (pick >= 0 && n < 2)
		shown[n++] = pick;
	return n;
}

static void row_label(char *buf, size_t len, const struct hp_diff *d, const struct hp_diff_row *r)
{
	const char *file = r->file ? strrchr(r->file, '/') : NULL;
	file = file ? file + 1 : r->file;
	if (d->opts.by == HP_DIFF_FUNCTION)
		snprintf(buf, len, "%s%s%s%s", r->name ? r->name : "?", r->module ? "  (" : "",
			 r->module ? r->module : "", r->module ? ")" : "");
	else if (!r->line)
		snprintf(buf, len, "??  %s", r->name ? r->name : "?");
	else if (r->before_line != r->line)
		snprintf(buf, len, "%s:%u (was %u)  %s", file ? file : "??", r->line, r->before_line,
			 r->name ? r->name : "?");
	else
		snprintf(buf, len, "%s:%u  %s", file ? file : "??", r->line, r->name ? r->name : "?");
}

/* Two header lines over the row columns: blocks of self %, total % and
 * counters, then their before/after/delta labels. */
static void rows_header(FILE *out, const struct hp_diff *d, const int *shown, int nshown)
{
	int w = reps(d) ? 12 : 7, block = 2 * (w + 1) + 9;
	fprintf(out, "%-*s", block, "   self %");
	if (d->opts.by == HP_DIFF_FUNCTION)
		fprintf(out, "%-*s", block, "   total %");
	for (int i = 0; i < nshown; i++) {
		char name[64];
		snprintf(name, sizeof(name), "   %s%s", d->counters[shown[i]].name, unit_suffix(d));
		fprintf(out, "%-20s", name);
	}
	putc('\n', out);
	fprintf(out, " %*s %*s %7s ", w, "before", w, "after", "delta");
	if (d->opts.by == HP_DIFF_FUNCTION)
		fprintf(out, " %*s %*s %7s ", w, "before", w, "after", "delta");
	for (int i = 0; i < nshown; i++)
		fprintf(out, " %9s %9s", "before", "after");
	fprintf(out, "%s  %-7s  %s\n", reps(d) ? "        p" : "", "verdict",
		d->opts.by == HP_DIFF_FUNCTION ? "function" : "line");
}

static void row_text(FILE *out, const struct hp_diff *d, const struct hp_diff_row *r,
		     const int *shown, int nshown)
{
	int w = reps(d) ? 12 : 7;
	char b[80], a[80], label[600];
	stat_text(b, sizeof(b), d, r->before_self, 1);
	stat_text(a, sizeof(a), d, r->after_self, 1);
	fprintf(out, " %*s %*s %+7.2f ", w, b, w, a, r->delta_self);
	if (d->opts.by == HP_DIFF_FUNCTION) {
		stat_text(b, sizeof(b), d, r->before_total, 1);
		stat_text(a, sizeof(a), d, r->after_total, 1);
		fprintf(out, " %*s %*s %+7.2f ", w, b, w, a, r->delta_total);
	}
	for (int i = 0; i < nshown; i++) {
		si(b, sizeof(b), r->before_c[shown[i]].mean);
		si(a, sizeof(a), r->after_c[shown[i]].mean);
		fprintf(out, " %9s %9s", b, a);
	}
	if (reps(d))
		fprintf(out, " %8.3g", r->p_value);
	row_label(label, sizeof(label), d, r);
	fprintf(out, "  %-7s  %s\n", diff_verdict_name(r->verdict), label);
}

static void print_text(FILE *out, const struct hp_diff *d, const struct hp_diff_print_opts *o)
{
	int shown[MAX_SHOWN], nshown = shown_counters(d, o->counters, shown);
	uint32_t n = o->limit && o->limit < d->nrows ? o->limit : d->nrows, count[5] = { 0 };
	summary(out, d, o);
	rows_header(out, d, shown, nshown);
	for (uint32_t i = 0; i < n; i++)
		row_text(out, d, &d->rows[i], shown, nshown);
	for (uint32_t i = 0; i < d->nrows; i++)
		count[d->rows[i].verdict]++;
	fprintf(out, "\n%u %s: %u slower, %u faster, %u new, %u gone, %u same%s\n", d->nrows,
		d->opts.by == HP_DIFF_LINE ? "lines" : "functions", count[HP_VERDICT_SLOWER],
		count[HP_VERDICT_FASTER], count[HP_VERDICT_NEW], count[HP_VERDICT_GONE],
		count[HP_VERDICT_SAME], n < d->nrows ? " (more with --limit 0)" : "");
	fprintf(out, "noise: %s; changes under %.2g points count as same\n",
		reps(d) && d->before.runs > 1 && d->after.runs > 1
			? "Welch's t-test over the runs, p < alpha"
			: "binomial sampling error, |delta| > 2 standard errors",
		d->opts.threshold);
}

/* --- CSV --- */

static void print_csv(FILE *out, const struct hp_diff *d, const struct hp_diff_print_opts *o)
{
	uint32_t n = o->limit && o->limit < d->nrows ? o->limit : d->nrows;
	fputs("name,module,file,line,before_line,before_self_pct,after_self_pct,delta_self_pct,"
	      "before_total_pct,after_total_pct,delta_total_pct,before_self_sd,after_self_sd,"
	      "before_total_sd,after_total_sd,p_value,verdict", out);
	for (uint32_t c = 0; c < d->ncounters; c++) {
		fputs(",before_", out);
		report_csv_field(out, d->counters[c].name);
		fputs(",after_", out);
		report_csv_field(out, d->counters[c].name);
	}
	putc('\n', out);
	for (uint32_t i = 0; i < n; i++) {
		const struct hp_diff_row *r = &d->rows[i];
		report_csv_field(out, r->name);
		putc(',', out);
		report_csv_field(out, r->module);
		putc(',', out);
		report_csv_field(out, r->file);
		fprintf(out, ",%u,%u,%.4f,%.4f,%.4f,%.4f,%.4f,%.4f,%.4f,%.4f,%.4f,%.4f,%.4g,%s",
			r->line, r->before_line, r->before_self.mean, r->after_self.mean,
			r->delta_self, r->before_total.mean, r->after_total.mean, r->delta_total,
			r->before_self.sd, r->after_self.sd, r->before_total.sd, r->after_total.sd,
			r->p_value, diff_verdict_name(r->verdict));
		for (uint32_t c = 0; c < d->ncounters; c++)
			fprintf(out, ",%.6g,%.6g", r->before_c[c].mean, r->after_c[c].mean);
		putc('\n', out);
	}
}

/* --- JSON --- */

static void json_num(FILE *out, double v)
{
	if (!isfinite(v))
		fputs("null", out);
	else
		fprintf(out, "%.10g", v);
}

static void json_stat(FILE *out, const char *key, struct hp_diff_stat s)
{
	fprintf(out, "\"%s\":{\"mean\":", key);
	json_num(out, s.mean);
	fputs(",\"sd\":", out);
	json_num(out, s.sd);
	putc('}', out);
}

static void json_optional_stat(FILE *out, const char *key, struct hp_diff_stat s)
{
	if (s.mean < 0)
		fprintf(out, "\"%s\":null", key);
	else
		json_stat(out, key, s);
}

static void json_side(FILE *out, const char *key, const struct hp_diff_side *s, const char *name)
{
	fprintf(out, "\"%s\":{\"name\":", key);
	report_json_string(out, name ? name : key);
	fprintf(out, ",\"runs\":%u,", s->runs);
	json_stat(out, "duration_s", s->duration_s);
	putc(',', out);
	json_stat(out, "samples", s->samples);
	putc(',', out);
	json_optional_stat(out, "peak_rss_bytes", s->peak_rss);
	putc(',', out);
	json_optional_stat(out, "allocs", s->allocs);
	putc(',', out);
	json_optional_stat(out, "alloc_bytes", s->alloc_bytes);
	putc('}', out);
}

static void json_row(FILE *out, const struct hp_diff *d, const struct hp_diff_row *r)
{
	fputs("{\"name\":", out);
	report_json_string(out, r->name);
	fputs(",\"module\":", out);
	if (r->module)
		report_json_string(out, r->module);
	else
		fputs("null", out);
	fputs(",\"file\":", out);
	if (r->file)
		report_json_string(out, r->file);
	else
		fputs("null", out);
	fprintf(out, ",\"line\":%u,\"before_line\":%u,\"verdict\":\"%s\",\"p_value\":", r->line,
		r->before_line, diff_verdict_name(r->verdict));
	json_num(out, r->p_value);
	fputs(",\"before_self_pct\":", out);
	json_num(out, r->before_self.mean);
	fputs(",\"after_self_pct\":", out);
	json_num(out, r->after_self.mean);
	fputs(",\"delta_self_pct\":", out);
	json_num(out, r->delta_self);
	fputs(",\"before_total_pct\":", out);
	json_num(out, r->before_total.mean);
	fputs(",\"after_total_pct\":", out);
	json_num(out, r->after_total.mean);
	fputs(",\"delta_total_pct\":", out);
	json_num(out, r->delta_total);
	fputs(",\"before_self_sd\":", out);
	json_num(out, r->before_self.sd);
	fputs(",\"after_self_sd\":", out);
	json_num(out, r->after_self.sd);
	fputs(",\"before_total_sd\":", out);
	json_num(out, r->before_total.sd);
	fputs(",\"after_total_sd\":", out);
	json_num(out, r->after_total.sd);
	fputs(",\"counters\":{", out);
	for (uint32_t c = 0; c < d->ncounters; c++) {
		fputs(c ? "," : "", out);
		report_json_string(out, d->counters[c].name);
		fputs(":{\"before\":", out);
		json_num(out, r->before_c[c].mean);
		fputs(",\"after\":", out);
		json_num(out, r->after_c[c].mean);
		fputs(",\"before_total\":", out);
		json_num(out, r->before_ct[c].mean);
		fputs(",\"after_total\":", out);
		json_num(out, r->after_ct[c].mean);
		putc('}', out);
	}
	fputs("}}", out);
}

static void print_json(FILE *out, const struct hp_diff *d, const struct hp_diff_print_opts *o)
{
	uint32_t n = o->limit && o->limit < d->nrows ? o->limit : d->nrows;
	fprintf(out, "{\"by\":\"%s\",\"norm\":\"%s\",\"threshold_pct\":",
		d->opts.by == HP_DIFF_LINE ? "line" : "function", diff_norm_name(d->opts.norm));
	json_num(out, d->opts.threshold);
	fputs(",\"alpha\":", out);
	json_num(out, d->opts.alpha);
	fprintf(out, ",\"verdict\":\"%s\",\n", diff_verdict_name(d->verdict));
	json_side(out, "before", &d->before, o->before_name);
	fputs(",\n", out);
	json_side(out, "after", &d->after, o->after_name);
	fputs(",\n\"counters\":[", out);
	for (uint32_t c = 0; c < d->ncounters; c++) {
		const struct hp_diff_counter *k = &d->counters[c];
		fputs(c ? ",\n{\"name\":" : "\n{\"name\":", out);
		report_json_string(out, k->name);
		fputs(",\"role\":", out);
		report_json_string(out, k->role);
		putc(',', out);
		json_stat(out, "before", k->before);
		putc(',', out);
		json_stat(out, "after", k->after);
		fputs(",\"ratio\":", out);
		json_num(out, k->before.mean > 0 ? k->after.mean / k->before.mean : NAN);
		putc('}', out);
	}
	fputs("],\n\"rows\":[", out);
	for (uint32_t i = 0; i < n; i++) {
		fputs(i ? ",\n" : "\n", out);
		json_row(out, d, &d->rows[i]);
	}
	fputs("\n]}\n", out);
}

int diff_print(FILE *out, const struct hp_diff *d, const struct hp_diff_print_opts *o)
{
	switch (o->format) {
	case HP_DIFF_CSV:  print_csv(out, d, o); break;
	case HP_DIFF_JSON: print_json(out, d, o); break;
	default:           print_text(out, d, o); break;
	}
	return ferror(out) ? -1 : 0;
}

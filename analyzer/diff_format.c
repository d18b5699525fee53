/*
 * diff_format.c - a diff (diff.h) as CSV or JSON, and diff_print, which
 * also dispatches to the text output (diff_text.c).
 *
 * CSV and JSON carry every value of every row, minor ones included: the
 * times (self, total) before and after with their run-to-run spread, the
 * change with its confidence interval and p-value, the shares of the
 * profile, the counters, and the verdict. JSON rows[] keep `name` and
 * `verdict` (a contract), and the document adds the sides, the whole-run
 * time and the gates.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "analyzer/diff_internal.h"
#include "analyzer/report.h"

/* --- CSV --- */

/* The p-value the verdict rests on: total time for a caller judged on it. */
static double row_p(const struct hp_diff_row *r)
{
	return r->on_total ? r->total.p : r->self.p;
}

static double pct_or_nan(double rel)
{
	return isfinite(rel) ? 100 * rel : NAN;
}

static void csv_num(FILE *out, double v)
{
	if (isfinite(v))
		fprintf(out, ",%.6g", v);
	else
		fputs(",", out);
}

static void print_csv(FILE *out, const struct hp_diff *d, const struct hp_diff_print_opts *o)
{
	uint32_t n = o->limit && o->limit < d->nrows ? o->limit : d->nrows;
	fputs("name,module,file,line,before_line,verdict,p_value,"
	      "before_self_time,after_self_time,before_self_time_sd,after_self_time_sd,"
	      "self_time_change_pct,self_time_ci,self_time_p,"
	      "before_total_time,after_total_time,before_total_time_sd,after_total_time_sd,"
	      "total_time_change_pct,total_time_ci,total_time_p,before_samples,after_samples,"
	      "before_self_pct,after_self_pct,delta_self_pct,"
	      "before_total_pct,after_total_pct,delta_total_pct,before_self_sd,after_self_sd,"
	      "before_total_sd,after_total_sd", out);
	for (uint32_t c = 0; c < d->ncounters; c++) {
		fputs(",before_", out);
		report_csv_field(out, d->counters[c].name);
		fputs(",after_", out);
		report_csv_field(out, d->counters[c].name);
	}
	/* added last, after the counters, so that earlier columns keep their place */
	fputs(",self_time_change_pct_lo,self_time_change_pct_hi,"
	      "total_time_change_pct_lo,total_time_change_pct_hi\n", out);
	for (uint32_t i = 0; i < n; i++) {
		const struct hp_diff_row *r = &d->rows[i];
		report_csv_field(out, r->name);
		putc(',', out);
		report_csv_field(out, r->module);
		putc(',', out);
		report_csv_field(out, r->file);
		fprintf(out, ",%u,%u,%s", r->line, r->before_line, diff_verdict_name(r->verdict));
		const double v[] = {
			row_p(r), r->before_time.mean, r->after_time.mean, r->before_time.sd,
			r->after_time.sd, pct_or_nan(r->self.rel), r->self.ci, r->self.p,
			r->before_ttime.mean, r->after_ttime.mean, r->before_ttime.sd, r->after_ttime.sd,
			pct_or_nan(r->total.rel), r->total.ci, r->total.p, r->before_samples.mean,
			r->after_samples.mean, r->before_self.mean, r->after_self.mean, r->delta_self,
			r->before_total.mean, r->after_total.mean, r->delta_total, r->before_self.sd,
			r->after_self.sd, r->before_total.sd, r->after_total.sd,
		};
		for (size_t k = 0; k < sizeof(v) / sizeof(v[0]); k++)
			csv_num(out, v[k]);
		for (uint32_t c = 0; c < d->ncounters; c++) {
			csv_num(out, r->before_c[c].mean);
			csv_num(out, r->after_c[c].mean);
		}
		csv_num(out, pct_or_nan(r->self.rel_lo));
		csv_num(out, pct_or_nan(r->self.rel_hi));
		csv_num(out, pct_or_nan(r->total.rel_lo));
		csv_num(out, pct_or_nan(r->total.rel_hi));
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

static void json_side(FILE *out, const char *key, const struct hp_diff_side *s, const char *name,
		      const char *script)
{
	fprintf(out, "\"%s\":{\"name\":", key);
	report_json_string(out, name ? name : key);
	if (script) {                 /* joined with the other side's script */
		fputs(",\"script\":", out);
		report_json_string(out, script);
	}
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
	putc(',', out);
	json_stat(out, "cpu_time", s->time);
	putc('}', out);
}

static void json_field(FILE *out, const char *key, double v)
{
	fprintf(out, ",\"%s\":", key);
	json_num(out, v);
}

static void json_opt_string(FILE *out, const char *key, const char *v)
{
	fprintf(out, ",\"%s\":", key);
	if (v)
		report_json_string(out, v);
	else
		fputs("null", out);
}

/* The change of a time: "KEY":{"delta","ci","change_pct","change_pct_lo",
 * "change_pct_hi","p","beyond"}: ci is the half-width of delta's interval,
 * lo..hi the interval of change_pct (Fieller's; hi null when unbounded). */
/* pooled: say whether the change was tested with the pooled spread (a
 * diff of repeated runs; absent otherwise) */
static void json_change(FILE *out, const char *key, const struct hp_diff_change *c, int pooled)
{
	fprintf(out, ",\"%s\":{\"delta\":", key);
	json_num(out, c->delta);
	fputs(",\"ci\":", out);
	json_num(out, c->ci);
	fputs(",\"change_pct\":", out);
	json_num(out, pct_or_nan(c->rel));
	fputs(",\"change_pct_lo\":", out);
	json_num(out, pct_or_nan(c->rel_lo));
	fputs(",\"change_pct_hi\":", out);
	json_num(out, pct_or_nan(c->rel_hi));
	fputs(",\"p\":", out);
	json_num(out, c->p);
	fprintf(out, ",\"beyond_noise\":%s", c->beyond ? "true" : "false");
	if (pooled)
		fprintf(out, ",\"pooled\":%s", c->pooled ? "true" : "false");
	fputc('}', out);
}

static void json_row(FILE *out, const struct hp_diff *d, const struct hp_diff_row *r)
{
	fputs("{\"name\":", out);
	report_json_string(out, r->name);
	json_opt_string(out, "module", r->module);
	json_opt_string(out, "file", r->file);
	fprintf(out, ",\"line\":%u,\"before_line\":%u,\"verdict\":\"%s\",\"on_total\":%s",
		r->line, r->before_line, diff_verdict_name(r->verdict),
		r->on_total ? "true" : "false");
	json_field(out, "p_value", row_p(r));
	json_field(out, "before_self_time", r->before_time.mean);
	json_field(out, "after_self_time", r->after_time.mean);
	json_field(out, "before_self_time_sd", r->before_time.sd);
	json_field(out, "after_self_time_sd", r->after_time.sd);
	json_change(out, "self_time", &r->self, d->welch);
	json_field(out, "before_total_time", r->before_ttime.mean);
	json_field(out, "after_total_time", r->after_ttime.mean);
	json_field(out, "before_total_time_sd", r->before_ttime.sd);
	json_field(out, "after_total_time_sd", r->after_ttime.sd);
	json_change(out, "total_time", &r->total, d->welch);
	json_field(out, "before_samples", r->before_samples.mean);
	json_field(out, "after_samples", r->after_samples.mean);
	json_field(out, "before_self_samples", r->before_self_samples.mean);
	json_field(out, "after_self_samples", r->after_self_samples.mean);
	json_field(out, "before_self_pct", r->before_self.mean);
	json_field(out, "after_self_pct", r->after_self.mean);
	json_field(out, "delta_self_pct", r->delta_self);
	json_field(out, "before_total_pct", r->before_total.mean);
	json_field(out, "after_total_pct", r->after_total.mean);
	json_field(out, "delta_total_pct", r->delta_total);
	json_field(out, "before_self_sd", r->before_self.sd);
	json_field(out, "after_self_sd", r->after_self.sd);
	json_field(out, "before_total_sd", r->before_total.sd);
	json_field(out, "after_total_sd", r->after_total.sd);
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

static void json_gates(FILE *out, const struct hp_diff *d, const struct hp_diff_print_opts *o)
{
	char line[1024];
	fputs(",\n\"gates\":[", out);
	for (unsigned i = 0; i < o->ngates; i++) {
		const struct hp_diff_gate *g = &o->gates[i];
		fputs(i ? ",\n{\"condition\":" : "\n{\"condition\":", out);
		report_json_string(out, g->text);
		fprintf(out, ",\"evaluated\":%s,\"failed\":%s", g->evaluated ? "true" : "false",
			g->failed ? "true" : "false");
		json_field(out, "before", g->evaluated ? g->before : NAN);
		json_field(out, "after", g->evaluated ? g->after : NAN);
		if (g->evaluated)
			json_change(out, "change", &g->change, d->welch);
		diff_gate_describe(d, g, line, sizeof(line));
		fputs(",\"text\":", out);
		report_json_string(out, line);
		putc('}', out);
	}
	fputs("]", out);
}

static void json_pool_kind(FILE *out, const char *key, const struct hp_diff_pool *p, int k)
{
	fprintf(out, ",\"%s\":{\"spread_pct\":", key);
	json_num(out, 100 * sqrt(p->spread_var[k]));
	fputs(",\"spread_var\":", out);
	json_num(out, p->spread_var[k]);
	fputs(",\"spread_var_se\":", out);
	json_num(out, sqrt(p->spread_var_var[k]));
	fputs(",\"df\":", out);
	json_num(out, p->df[k]);
	fprintf(out, ",\"rows\":%u,\"left_out\":%u}", p->rows[k], p->left_out[k]);
}

static void json_pool(FILE *out, const struct hp_diff_pool *p)
{
	fputs(",\"pool\":{\"run_spread_pct\":", out);
	json_num(out, 100 * sqrt(p->run_var));
	fputs(",\"run_df\":", out);
	json_num(out, p->run_df);
	json_pool_kind(out, "program", p, HP_DIFF_POOL_PROGRAM);
	json_pool_kind(out, "machine", p, HP_DIFF_POOL_MACHINE);
	fputs("}", out);
}

static void print_json(FILE *out, const struct hp_diff *d, const struct hp_diff_print_opts *o)
{
	uint32_t n = o->limit && o->limit < d->nrows ? o->limit : d->nrows;
	fprintf(out, "{\"by\":\"%s\",\"norm\":\"%s\",\"time_basis\":\"%s\",\"time_unit\":\"%s%s\","
		"\"noise\":\"%s\"", d->opts.by == HP_DIFF_LINE ? "line" : "function",
		diff_norm_name(d->opts.norm), diff_basis_name(d->basis),
		d->basis == HP_DIFF_TIME_SAMPLES ? "samples" : "s",
		d->opts.norm == HP_DIFF_PER_SECOND ? "/s" : d->opts.norm == HP_DIFF_PER_WORK ? "/unit"
		: d->opts.norm == HP_DIFF_PER_SAMPLE ? "/sample" : "",
		d->welch ? "welch" : diff_run_noise(d) > 0 ? "sampling error and run noise"
		: "sampling error");
	json_field(out, "run_noise_pct", diff_run_noise(d));
	json_field(out, "machine_run_noise_pct", HP_DIFF_MACHINE_NOISE * diff_run_noise(d));
	if (d->pool.ok)     /* repeated runs: the spread pooled over the diff */
		json_pool(out, &d->pool);
	json_field(out, "threshold_pct", d->opts.threshold);
	json_field(out, "alpha", d->opts.alpha);
	json_field(out, "min_samples", d->opts.min_samples);
	json_field(out, "row_alpha", d->row_alpha);
	fprintf(out, ",\"rows_judged\":%u", d->judged);
	fprintf(out, ",\"verdict\":\"%s\"", diff_verdict_name(d->verdict));
	/* run --cache-sim: no samples; verdicts rest on sim_Ir, not on time */
	if (d->simulated)
		fputs(",\"simulated\":true", out);
	json_change(out, "time", &d->time, d->welch);
	fprintf(out, ",\"wall_verdict\":%s%s%s", d->wall_judged ? "\"" : "",
		d->wall_judged ? diff_verdict_name(d->wall_verdict) : "null",
		d->wall_judged ? "\"" : "");
	json_change(out, "wall", &d->wall, d->welch);
	fputs(",\n", out);
	json_side(out, "before", &d->before, o->before_name, d->script_before);
	fputs(",\n", out);
	json_side(out, "after", &d->after, o->after_name, d->script_after);
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
	fputs("]", out);
	json_gates(out, d, o);
	if (o->json_more)
		o->json_more(out, o->json_more_ctx);
	fputs(",\n\"rows\":[", out);
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
	default:           diff_print_text(out, d, o); break;
	}
	return ferror(out) ? -1 : 0;
}

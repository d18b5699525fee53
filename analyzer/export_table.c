/*
 * export_table.c - the public SQL views as CSV or JSON.
 *
 * CSV: one view (default function_profile), a header row of column names,
 * RFC 4180 quoting, NULL as an empty field.
 * JSON: one object keyed by view name; run_info is an object of key ->
 * value, every other view an array of row objects whose numbers are JSON
 * numbers and whose NULLs are null (a counter that was not measured is
 * null, never 0). Without --view, every public view the file has.
 *
 * Reads the views through the store (store_each_view_row); no SQL here.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "analyzer/export_internal.h"
#include "common/error.h"
#include "common/store.h"

static const char *const public_views[] = {
	"run_info", "function_profile", "line_profile", "thread_profile", "process_profile",
	"memory_timeline", "alloc_sites",
};
#define NVIEWS (sizeof(public_views) / sizeof(public_views[0]))

/* --- CSV --- */

static int csv_row(void *c, int ncols, const char *const *names, const struct hp_cell *cells)
{
	FILE *out = c;
	for (int i = 0; i < ncols; i++) {
		if (i)
			putc_unlocked(',', out);
		report_csv_field(out, cells ? cells[i].text : names[i]);
	}
	putc_unlocked('\n', out);
	return 0;
}

/* --- JSON --- */

static void json_real(FILE *out, double d)
{
	char buf[40];
	snprintf(buf, sizeof(buf), "%.15g", d);
	if (strtod(buf, NULL) != d)
		snprintf(buf, sizeof(buf), "%.17g", d);
	xw_str(out, buf);
}

static void json_cell(FILE *out, const struct hp_cell *c)
{
	switch (c->type) {
	case HP_CELL_NULL: xw_str(out, "null"); break;
	case HP_CELL_INT:  xw_i64(out, c->i); break;
	case HP_CELL_REAL: json_real(out, c->d); break;
	default:           report_json_string(out, c->text); break;
	}
}

struct json_ctx { FILE *out; uint64_t rows; int keyed; };

static int json_row(void *c, int ncols, const char *const *names, const struct hp_cell *cells)
{
	struct json_ctx *x = c;
	if (!cells)
		return 0;
	xw_str(x->out, x->rows++ ? ",\n  " : "\n  ");
	if (x->keyed && ncols >= 2) {          /* run_info: "key": value */
		report_json_string(x->out, cells[0].text);
		putc_unlocked(':', x->out);
		json_cell(x->out, &cells[1]);
		return 0;
	}
	putc_unlocked('{', x->out);
	for (int i = 0; i < ncols; i++) {
		if (i)
			putc_unlocked(',', x->out);
		report_json_string(x->out, names[i]);
		putc_unlocked(':', x->out);
		json_cell(x->out, &cells[i]);
	}
	putc_unlocked('}', x->out);
	return 0;
}

static int json_view(FILE *out, struct hp_store *st, const char *view)
{
	struct json_ctx x = { out, 0, !strcmp(view, "run_info") };
	report_json_string(out, view);
	xw_str(out, x.keyed ? ": {" : ": [");
	int err = store_each_view_row(st, view, json_row, &x);
	xw_str(out, x.rows ? "\n" : "");
	xw_str(out, x.keyed ? "}" : "]");
	return err;
}

static int export_json(FILE *out, struct hp_store *st, const char *only)
{
	int err = 0, n = 0;
	xw_str(out, "{");
	for (size_t i = 0; i < NVIEWS && !err; i++) {
		const char *view = only ? only : public_views[i];
		if (!store_has_view(st, view))
			continue;
		xw_str(out, n++ ? ",\n" : "\n");
		err = json_view(out, st, view);
		if (only)
			break;
	}
	xw_str(out, "\n}\n");
	return err;
}

int export_table(FILE *out, struct hp_store *st, const struct hp_export_opts *o)
{
	const char *view = o->view;
	size_t present = 0;
	if (o->format == HP_EXPORT_CSV && !view) {
		view = "function_profile";
		if (!store_has_view(st, view))
			return hp_damaged("it has no view '%s'", view);
	}
	if (view && !store_has_view(st, view))
		return -ENOENT;                  /* the user named a view it does not have */
	for (size_t i = 0; i < NVIEWS; i++)
		present += store_has_view(st, public_views[i]);
	if (!present)                            /* every hpprof file has them */
		return hp_damaged("it has no public views (%s, ...)", public_views[0]);
	if (o->format == HP_EXPORT_JSON)
		return export_json(out, st, view);
	return store_each_view_row(st, view, csv_row, out);
}

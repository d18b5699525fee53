/*
 * export_memsvg.c - the memory timeline as a self-contained SVG chart
 * (`hpprof export --format memory-svg`).
 *
 * One RSS line per process over the run's time axis, the heap in use as a
 * dashed line when allocation tracking ran, the peak marked and labelled,
 * axes with round ticks. Reads only the profile model (memory readings,
 * processes, meta).
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "analyzer/export_internal.h"
#include "analyzer/profile.h"

#define W 960
#define H 440
#define LEFT 70
#define RIGHT 20
#define TOP 40
#define BOTTOM 50
#define MIB (1024.0 * 1024.0)

static const char *const palette[] = {
	"#d62728", "#1f77b4", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf",
};

struct axes {
	double t_max;                 /* seconds */
	double y_max;                 /* MiB */
};

static double px_x(const struct axes *a, uint64_t t_ns)
{
	return LEFT + (W - LEFT - RIGHT) * ((double)t_ns / 1e9) / a->t_max;
}

static double px_y(const struct axes *a, double mib)
{
	return H - BOTTOM - (H - TOP - BOTTOM) * mib / a->y_max;
}

/* A round tick step giving about n ticks over [0, max]. */
static double tick_step(double max, int n)
{
	double raw = max / n, mag = pow(10, floor(log10(raw)));
	double f = raw / mag;
	return (f < 1.5 ? 1 : f < 3.5 ? 2 : f < 7.5 ? 5 : 10) * mag;
}

static void scan(const struct hp_profile *p, struct axes *a)
{
	a->t_max = (double)p->duration_ns / 1e9;
	a->y_max = 0;
	for (uint32_t i = 0; i < p->nmemory; i++) {
		const struct hp_mem_reading *m = &p->memory[i];
		double mib = (double)m->rss_bytes / MIB;
		if ((double)m->t_ns / 1e9 > a->t_max)
			a->t_max = (double)m->t_ns / 1e9;
		if (mib > a->y_max)
			a->y_max = mib;
		if (m->heap_bytes > 0 && (double)m->heap_bytes / MIB > a->y_max)
			a->y_max = (double)m->heap_bytes / MIB;
	}
	if (a->t_max <= 0)
		a->t_max = 1e-3;
	a->y_max = a->y_max <= 0 ? 1 : a->y_max * 1.1;
}

static void axes_svg(FILE *out, const struct axes *a)
{
	double ts = tick_step(a->t_max, 8), ys = tick_step(a->y_max, 6);
	fprintf(out, "<g class=\"axes\" font-size=\"11\" fill=\"#444\">\n");
	for (double t = 0; t <= a->t_max + ts / 1e6; t += ts) {
		double x = px_x(a, (uint64_t)(t * 1e9));
		fprintf(out, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#eee\"/>"
			"<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%g</text>\n",
			x, TOP, x, H - BOTTOM, x, H - BOTTOM + 16, t);
	}
	for (double y = 0; y <= a->y_max; y += ys) {
		double py = px_y(a, y);
		fprintf(out, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#eee\"/>"
			"<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%g</text>\n",
			LEFT, py, W - RIGHT, py, LEFT - 6, py + 4, y);
	}
	fprintf(out, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#444\"/>"
		"<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#444\"/>\n",
		LEFT, H - BOTTOM, W - RIGHT, H - BOTTOM, LEFT, TOP, LEFT, H - BOTTOM);
	fprintf(out, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">time (s)</text>"
		"<text x=\"16\" y=\"%d\" transform=\"rotate(-90 16 %d)\" text-anchor=\"middle\">"
		"MiB</text>\n</g>\n", (LEFT + W - RIGHT) / 2, H - 12, (TOP + H - BOTTOM) / 2,
		(TOP + H - BOTTOM) / 2);
}

/* One process: its RSS polyline (and heap, dashed); returns its peak. */
static void series_svg(FILE *out, const struct hp_profile *p, const struct axes *a,
		       const struct hp_pprocess *proc, const char *color, int heap)
{
	int started = 0;
	for (uint32_t i = 0; i < p->nmemory; i++) {
		const struct hp_mem_reading *m = &p->memory[i];
		if (m->pid != proc->pid || (heap && m->heap_bytes < 0))
			continue;
		if (!started) {
			fprintf(out, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"%s\"%s points=\"",
				color, heap ? "1.5" : "2", heap ? " stroke-dasharray=\"5,3\"" : "");
			started = 1;
		}
		double v = (double)(heap ? (uint64_t)m->heap_bytes : m->rss_bytes) / MIB;
		fprintf(out, "%.1f,%.1f ", px_x(a, m->t_ns), px_y(a, v));
	}
	if (started) {
		fprintf(out, "\"><title>");
		xw_xml(out, heap ? "heap in use" : "RSS");
		fprintf(out, " of %u (", proc->pid);
		xw_xml(out, proc->comm ? proc->comm : "?");
		fprintf(out, ")</title></polyline>\n");
	}
}

static void peak_svg(FILE *out, const struct hp_profile *p, const struct axes *a)
{
	const struct hp_mem_reading *best = NULL;
	for (uint32_t i = 0; i < p->nmemory; i++)
		if (!best || p->memory[i].rss_bytes > best->rss_bytes)
			best = &p->memory[i];
	if (!best)
		return;
	double x = px_x(a, best->t_ns), y = px_y(a, (double)best->rss_bytes / MIB);
	fprintf(out, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"4\" fill=\"#000\"/>"
		"<text x=\"%.1f\" y=\"%.1f\" font-size=\"12\" text-anchor=\"%s\">peak %.1f MiB at "
		"%.3f s (pid %u)</text>\n", x, y, x + (x > W / 2 ? -8 : 8), y - 8,
		x > W / 2 ? "end" : "start", (double)best->rss_bytes / MIB,
		(double)best->t_ns / 1e9, best->pid);
}

static int has_heap(const struct hp_profile *p)
{
	for (uint32_t i = 0; i < p->nmemory; i++)
		if (p->memory[i].heap_bytes >= 0)
			return 1;
	return 0;
}

static void legend_svg(FILE *out, const struct hp_profile *p, int heap)
{
	int y = TOP + 14;
	for (uint32_t i = 0; i < p->nprocesses && i < 8; i++, y += 16) {
		fprintf(out, "<rect x=\"%d\" y=\"%d\" width=\"12\" height=\"3\" fill=\"%s\"/>"
			"<text x=\"%d\" y=\"%d\" font-size=\"11\">%u ", LEFT + 12, y - 4,
			palette[i % 8], LEFT + 30, y, p->processes[i].pid);
		xw_xml(out, p->processes[i].comm ? p->processes[i].comm : "?");
		fprintf(out, "</text>\n");
	}
	if (heap)
		fprintf(out, "<text x=\"%d\" y=\"%d\" font-size=\"11\" fill=\"#444\">solid: RSS,"
			" dashed: heap in use (--alloc)</text>\n", LEFT + 12, y);
}

int export_memsvg(FILE *out, const struct hp_profile *p, const struct hp_export_opts *o)
{
	struct axes a;
	int heap = has_heap(p);
	const char *cmd = profile_meta(p, "command");
	scan(p, &a);
	fprintf(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
		"viewBox=\"0 0 %d %d\" font-family=\"sans-serif\">\n"
		"<rect width=\"100%%\" height=\"100%%\" fill=\"#fff\"/>\n"
		"<text x=\"%d\" y=\"24\" font-size=\"15\">", W, H, W, H, LEFT);
	xw_xml(out, o->title ? o->title : "hpprof memory: ");
	if (!o->title)
		xw_xml(out, cmd ? cmd : "?");
	fprintf(out, "</text>\n");
	axes_svg(out, &a);
	if (!p->nmemory)
		fprintf(out, "<text x=\"%d\" y=\"%d\" font-size=\"13\">no memory readings (run"
			" shorter than --mem-interval, or --mem-interval 0)</text>\n", LEFT + 20,
			H / 2);
	for (uint32_t i = 0; i < p->nprocesses; i++) {
		series_svg(out, p, &a, &p->processes[i], palette[i % 8], 0);
		if (heap)
			series_svg(out, p, &a, &p->processes[i], palette[i % 8], 1);
	}
	peak_svg(out, p, &a);
	legend_svg(out, p, heap);
	fprintf(out, "</svg>\n");
	return ferror(out) ? -EIO : 0;
}

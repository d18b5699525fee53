/*
 * export_memsvg.c - the memory timeline as a self-contained SVG chart
 * (`hpprof export --format memory-svg`).
 *
 * One RSS line per process over the run's time axis for the processes
 * with the largest own peaks (TOP_N, each in the legend with its peak),
 * the others as thin grey lines under one "others" entry, the total RSS of
 * all processes as a black line when there is more than one, the heap in
 * use as a dashed line when allocation tracking ran, the peak marked and
 * labelled, axes with round ticks. Reads only the profile model (memory
 * readings, processes, meta) and memreport.h's per-process peaks.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "analyzer/export_internal.h"
#include "analyzer/memreport.h"
#include "analyzer/profile.h"

#define W 960
#define H 440
#define LEFT 70
#define RIGHT 20
#define TOP 40
#define BOTTOM 50
#define MIB (1024.0 * 1024.0)
#define TOP_N 7                  /* processes with a line and a legend entry of their own */
#define GRID 600                 /* points of the total-RSS line */
#define OTHERS "#bbbbbb"

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

static void scan(const struct hp_profile *p, struct axes *a, double total_max)
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
	if (total_max / MIB > a->y_max)
		a->y_max = total_max / MIB;
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

/* One process: its RSS polyline (or heap, dashed). */
static void series_svg(FILE *out, const struct hp_profile *p, const struct axes *a,
		       const struct hp_pprocess *proc, const char *color, int heap, int thin)
{
	int started = 0;
	for (uint32_t i = 0; i < p->nmemory; i++) {
		const struct hp_mem_reading *m = &p->memory[i];
		if (m->pid != proc->pid || (heap ? m->heap_bytes < 0 : m->heap_bytes >= 0))
			continue;
		if (!started) {
			fprintf(out, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"%s\"%s points=\"",
				color, thin ? "1" : heap ? "1.5" : "2",
				heap ? " stroke-dasharray=\"5,3\"" : "");
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

/* The sum of every process's RSS on a grid of GRID times: a process
 * counts from its first reading to its last, with its latest reading. */
static double *total_rss(const struct hp_profile *p, const struct axes *a, double *max)
{
	double *v = calloc(GRID, sizeof(*v));
	*max = 0;
	if (!v)
		return NULL;
	for (uint32_t i = 0; i < p->nmemory;) {
		uint32_t pid = p->memory[i].pid, j = i;
		for (; j < p->nmemory && p->memory[j].pid == pid; j++)
			;
		const struct hp_mem_reading *prev = NULL;
		for (uint32_t g = 0, k = i; g < GRID; g++) {
			uint64_t t = (uint64_t)(a->t_max * 1e9 * g / (GRID - 1));
			for (; k < j && p->memory[k].t_ns <= t; k++)
				if (p->memory[k].heap_bytes < 0)
					prev = &p->memory[k];
			if (prev && (k < j || t <= prev->t_ns))
				v[g] += (double)prev->rss_bytes;
		}
		i = j;
	}
	for (uint32_t g = 0; g < GRID; g++)
		if (v[g] > *max)
			*max = v[g];
	return v;
}

static void total_svg(FILE *out, const struct axes *a, const double *v)
{
	fprintf(out, "<polyline fill=\"none\" stroke=\"#000\" stroke-width=\"1.5\" points=\"");
	for (uint32_t g = 0; g < GRID; g++)
		fprintf(out, "%.1f,%.1f ", px_x(a, (uint64_t)(a->t_max * 1e9 * g / (GRID - 1))),
			px_y(a, v[g] / MIB));
	fprintf(out, "\"><title>total RSS of all processes</title></polyline>\n");
}

static void peak_svg(FILE *out, const struct hp_profile *p, const struct axes *a)
{
	const struct hp_mem_reading *best = NULL;
	for (uint32_t i = 0; i < p->nmemory; i++)
		if (p->memory[i].heap_bytes < 0 && (!best || p->memory[i].rss_bytes > best->rss_bytes))
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

/* Process indices by own peak, largest first (caller frees). */
static uint32_t *by_peak(const struct hp_profile *p)
{
	uint32_t *idx = malloc((p->nprocesses + 1) * sizeof(*idx));
	if (!idx)
		return NULL;
	for (uint32_t i = 0; i < p->nprocesses; i++)
		idx[i] = i;
	for (uint32_t i = 1; i < p->nprocesses; i++)         /* insertion sort: stable */
		for (uint32_t k = i; k > 0 && memreport_peak(p, &p->processes[idx[k]]) >
					      memreport_peak(p, &p->processes[idx[k - 1]]); k--) {
			uint32_t t = idx[k];
			idx[k] = idx[k - 1];
			idx[k - 1] = t;
		}
	return idx;
}

static void legend_entry(FILE *out, int y, const char *color, const char *label,
			 const struct hp_pprocess *proc, int64_t peak)
{
	fprintf(out, "<rect x=\"%d\" y=\"%d\" width=\"12\" height=\"3\" fill=\"%s\"/>"
		"<text x=\"%d\" y=\"%d\" font-size=\"11\">", LEFT + 12, y - 4, color, LEFT + 30, y);
	if (proc) {
		fprintf(out, "%u ", proc->pid);
		xw_xml(out, proc->comm ? proc->comm : "?");
	} else {
		xw_xml(out, label);
	}
	if (peak >= 0)
		fprintf(out, " (peak %.1f MiB)", (double)peak / MIB);
	fprintf(out, "</text>\n");
}

static void legend_svg(FILE *out, const struct hp_profile *p, const uint32_t *order, int heap,
		       int total)
{
	int y = TOP + 14;
	uint32_t top = p->nprocesses < TOP_N ? p->nprocesses : TOP_N;
	for (uint32_t i = 0; i < top; i++, y += 16)
		legend_entry(out, y, palette[i % 8], NULL, &p->processes[order[i]],
			     memreport_peak(p, &p->processes[order[i]]));
	if (p->nprocesses > TOP_N) {
		char label[64];
		snprintf(label, sizeof(label), "others (%u processes)", p->nprocesses - TOP_N);
		legend_entry(out, y, OTHERS, label, NULL, -1);
		y += 16;
	}
	if (total) {
		legend_entry(out, y, "#000", "total RSS of all processes", NULL, -1);
		y += 16;
	}
	if (heap)
		fprintf(out, "<text x=\"%d\" y=\"%d\" font-size=\"11\" fill=\"#444\">solid: RSS,"
			" dashed: heap in use (--alloc)</text>\n", LEFT + 12, y);
}

int export_memsvg(FILE *out, const struct hp_profile *p, const struct hp_export_opts *o)
{
	struct axes a;
	/* The total of processes that ran side by side: one run's, or the ranks
	 * of one MPI job. The runs of a merge ran one after the other, each on
	 * its own time axis from 0: their sum was memory no moment held. */
	int heap = has_heap(p), total = p->nprocesses > 1 && (p->nruns <= 1 || profile_has_ranks(p));
	const char *cmd = profile_meta(p, "command");
	uint32_t *order = by_peak(p);
	double total_max = 0, *sum = NULL;
	if (!order)
		return -ENOMEM;
	scan(p, &a, 0);
	if (total && !(sum = total_rss(p, &a, &total_max))) {
		free(order);
		return -ENOMEM;
	}
	scan(p, &a, total_max);
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
	for (uint32_t i = p->nprocesses; i-- > TOP_N;)    /* the others first: underneath */
		series_svg(out, p, &a, &p->processes[order[i]], OTHERS, 0, 1);
	if (sum && p->nmemory)
		total_svg(out, &a, sum);
	for (uint32_t i = 0; i < p->nprocesses && i < TOP_N; i++) {
		series_svg(out, p, &a, &p->processes[order[i]], palette[i % 8], 0, 0);
		if (heap)
			series_svg(out, p, &a, &p->processes[order[i]], palette[i % 8], 1, 0);
	}
	peak_svg(out, p, &a);
	legend_svg(out, p, order, heap, total);
	fprintf(out, "</svg>\n");
	free(order);
	free(sum);
	return ferror(out) ? -EIO : 0;
}

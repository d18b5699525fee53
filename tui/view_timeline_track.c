/*
 * view_timeline_track.c - one run's timeline drawn on a time axis
 * (view_timeline.h): per column samples per second of each thread and of
 * all threads, the memory curve, and with off-CPU time (run --off-cpu) the
 * columns a thread spent mostly blocked shaded in the OFFCPU role. The
 * columns map to the run's buckets through chart_axis_buckets (the axis the
 * ranks comparison uses too); the counts are the analyzer's hp_timeline.
 */
#include "tui/view_timeline.h"

#include <stdio.h>
#include <stdlib.h>

#include "analyzer/profile.h"
#include "analyzer/timeline.h"
#include "tui/chart.h"
#include "tui/colors.h"

void tl_rates(const struct tl_track *k, uint32_t r, double *out)
{
	const struct hp_timeline *tl = k->tl;
	for (int c = 0; c < k->w; c++) {
		uint32_t b0, b1;
		chart_axis_buckets(k->span, k->w, c, tl->bucket_ns, tl->nbuckets, &b0, &b1);
		out[c] = b1 > b0 ? (double)timeline_sum(tl, r, b0, b1) * 1e9 /
				   ((double)(b1 - b0) * (double)tl->bucket_ns) : -1;
	}
}

double tl_max(const double *v, int n)
{
	double m = 0;
	for (int i = 0; i < n; i++)
		if (v[i] > m)
			m = v[i];
	return m;
}

double tl_threads_max(const struct tl_track *k, double *scratch)
{
	double max = 0;
	for (uint32_t i = 0; i < k->tl->nthreads; i++) {
		tl_rates(k, i, scratch);
		if (tl_max(scratch, k->w) > max)
			max = tl_max(scratch, k->w);
	}
	return max;
}

/* The selection's process (its thread's, or its pid; 0: none or a rank). */
static uint32_t sel_pid(const struct tl_track *k)
{
	const struct hp_pthread *t;
	if (!k->sel)
		return 0;
	if (k->sel->tid)
		return (t = app_thread_of(k->p, k->sel->tid)) ? t->pid : k->sel->pid;
	return k->sel->pid;
}

/* Whether process pid's memory readings are of the selection: its process,
 * or a process of its rank (a process's main thread has tid = pid). */
static int mem_kept(const struct tl_track *k, uint32_t pid)
{
	const struct hp_pthread *t;
	uint32_t want = sel_pid(k);
	if (want || (k->sel && (k->sel->tid || k->sel->pid)))
		return pid == want;
	if (!k->sel || !k->sel->run)
		return 1;
	return (t = app_thread_of(k->p, pid)) && k->p->runs[t->run].id == k->sel->run;
}

static int64_t sel_rank(const struct tl_track *k)
{
	for (uint32_t i = 0; k->sel && k->sel->run && i < k->p->nruns; i++)
		if (k->p->runs[i].id == k->sel->run)
			return k->p->runs[i].rank;
	return -1;
}

void tl_memory_label(const struct tl_track *k, char *buf, size_t len)
{
	uint32_t pid = sel_pid(k);
	int64_t rank = sel_rank(k);
	if (pid)
		snprintf(buf, len, "RSS pid %u", pid);
	else if (rank >= 0)
		snprintf(buf, len, "RSS rank %lld", (long long)rank);
	else
		snprintf(buf, len, "RSS");
}

uint64_t tl_duration(const struct tl_track *k)
{
	const struct hp_profile *p = k->p;
	uint32_t pid = k->sel && !k->sel->tid ? k->sel->pid : 0;
	for (uint32_t i = 0; !pid && k->sel && k->sel->run && i < p->nruns; i++)
		if (p->runs[i].id == k->sel->run && p->runs[i].duration_ns > 0)
			return (uint64_t)p->runs[i].duration_ns;
	for (uint32_t i = 0; pid && i < p->nprocesses; i++) {
		const struct hp_pprocess *q = &p->processes[i];
		uint64_t end = p->duration_ns && q->end_ns > p->duration_ns ? p->duration_ns : q->end_ns;
		if (q->pid == pid && end > q->start_ns)
			return end - q->start_ns;      /* within the recording */
	}
	return p->duration_ns;
}

void tl_describe(const struct tl_track *k, char *buf, size_t len)
{
	const struct hp_profile_filter *f = k->sel;
	size_t n = 0;
	int64_t rank = sel_rank(k);
	buf[0] = '\0';
	if (f && f->run && n < len)
		n += rank >= 0 ? (size_t)snprintf(buf + n, len - n, ", rank %lld", (long long)rank)
			       : (size_t)snprintf(buf + n, len - n, ", run %u", f->run);
	if (f && f->tid && n < len) {
		const struct hp_pthread *t = app_thread_of(k->p, f->tid);
		int64_t r = t && !f->run ? k->p->runs[t->run].rank : -1;
		n += (size_t)snprintf(buf + n, len - n, ", thread %u%s%s", f->tid,
				      t && t->comm ? " " : "", t && t->comm ? t->comm : "");
		if (r >= 0 && n < len)
			n += (size_t)snprintf(buf + n, len - n, " of rank %lld", (long long)r);
	}
	if (f && f->pid && n < len) {
		const char *comm = NULL;
		for (uint32_t i = 0; i < k->p->nprocesses; i++)
			if (k->p->processes[i].pid == f->pid)
				comm = k->p->processes[i].comm;
		snprintf(buf + n, len - n, ", process %u%s%s", f->pid, comm ? " " : "",
			 comm ? comm : "");
	}
}

/* Adds one process's RSS (its n readings m, in time order) to out, from
 * the column of its first reading to the column of its last: the largest
 * reading in a column, the previous one in a column without any. */
static void add_process(const struct tl_track *k, const struct hp_mem_reading *m, uint32_t n,
			double *one, double *out)
{
	int first = -1, last = -1;
	for (int c = 0; c < k->w; c++)
		one[c] = -1;
	for (uint32_t i = 0; i < n; i++) {
		int col = chart_axis_col(k->span, k->w, m[i].t_ns);
		col = col >= k->w ? k->w - 1 : col;
		if ((double)m[i].rss_bytes > one[col])
			one[col] = (double)m[i].rss_bytes;
		first = first < 0 ? col : first;
		last = col;
	}
	for (int c = first; c >= 0 && c <= last; c++) {
		if (c > first && one[c] < 0)
			one[c] = one[c - 1];
		out[c] = (out[c] < 0 ? 0 : out[c]) + one[c];
	}
}

/* The RSS of the kept processes summed per column. The readings come
 * ordered by process, then time (profile->memory): each process is added
 * over its own lifetime (until wave 17 a running sum over that order
 * added every earlier process's last reading to the later ones' columns). */
void tl_memory(const struct tl_track *k, double *out)
{
	const struct hp_profile *p = k->p;
	uint64_t end = p->duration_ns > k->tl->t_end ? p->duration_ns : k->tl->t_end;
	int w = k->w, last = chart_axis_col(k->span, w, end);
	double *one = malloc((size_t)(w > 0 ? w : 1) * sizeof(*one));
	for (int i = 0; i < w; i++)
		out[i] = -1;
	for (uint32_t i = 0, j; one && i < p->nmemory; i = j) {
		for (j = i; j < p->nmemory && p->memory[j].pid == p->memory[i].pid; j++)
			;
		if (mem_kept(k, p->memory[i].pid))
			add_process(k, p->memory + i, j - i, one, out);
	}
	free(one);
	for (int i = 1; i < w && i <= last; i++)  /* the latest reading holds until the end */
		if (out[i] < 0 && out[i - 1] >= 0)
			out[i] = out[i - 1];
}

/* run --off-cpu: the columns where thread row i spent more than half of
 * the time off the CPU (and ran little) are drawn as blocked. */
static void draw_blocked(const struct tl_track *k, struct tui_screen *s, struct tui_rect row,
			 uint32_t i, const double *v, double max)
{
	const struct hp_timeline *tl = k->tl;
	if (!tl->blocked_ns)
		return;
	for (int c = 0; c < row.w && c < k->w; c++) {
		uint32_t b0, b1;
		uint64_t off = 0;
		chart_axis_buckets(k->span, k->w, c, tl->bucket_ns, tl->nbuckets, &b0, &b1);
		for (uint32_t b = b0; b < b1; b++)
			off += tl->blocked_ns[(size_t)i * tl->nbuckets + b];
		if (b1 > b0 && 2 * off > (uint64_t)(b1 - b0) * tl->bucket_ns && v[c] < max / 2)
			screen_putc(s, row.y, row.x + c, TUI_OFFCPU, 0x2591);
	}
}

void tl_draw_threads(const struct tl_track *k, struct tui_screen *s, struct tui_rect r, int rows,
		     double max, double *scratch)
{
	const struct hp_timeline *tl = k->tl;
	int more = tl->nthreads > (uint32_t)rows && rows > 0;
	/* with more threads than rows, the last row says how many are not
	 * drawn (until wave 17 it was written over a thread's label, "+28
	 * more1", beside that thread's bars) */
	for (int i = 0; i < rows - more && (uint32_t)i < tl->nthreads; i++) {
		struct tui_rect row = { r.y + i, r.x + TL_LABEL_W, 1, k->w };
		const char *label = tl->tids[i] ? app_thread_label_of(k->p, tl->tids[i])
						 : "other threads";
		screen_put(s, r.y + i, r.x, TL_LABEL_W - 1, TUI_NORMAL, label);
		tl_rates(k, (uint32_t)i, scratch);
		chart_bars(s, row, scratch, k->w, max, TUI_CHART);
		draw_blocked(k, s, row, (uint32_t)i, scratch, max);
	}
	if (more)
		screen_printf(s, r.y + rows - 1, r.x, TL_LABEL_W - 1, TUI_DIM, "+%u more threads",
			      tl->nthreads - (uint32_t)rows + 1);
}

void tl_draw_block(struct tui_screen *s, struct tui_rect r, const char *label, const char *top,
		   const double *v, double max, int role)
{
	screen_put(s, r.y, r.x, TL_LABEL_W - 1, TUI_NORMAL, label);
	if (r.h > 1)
		screen_put(s, r.y + 1, r.x, TL_LABEL_W - 1, TUI_DIM, top);
	struct tui_rect bars = { r.y, r.x + TL_LABEL_W, r.h, r.w - TL_LABEL_W };
	chart_bars(s, bars, v, bars.w, max, role);
}

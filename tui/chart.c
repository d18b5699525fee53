/*
 * chart.c - bars, time axes and unit formatting for the memory and
 * timeline views (chart.h), and the common time axis on which two runs
 * are drawn side by side (the ranks comparison, the timeline in --diff).
 */
#include "tui/chart.h"

#include <stdio.h>
#include <string.h>

#include "tui/colors.h"

#define FULL_BLOCK 0x2588
#define LOWER_EIGHTH 0x2581           /* U+2581..U+2587: 1/8 .. 7/8 */

void chart_bars(struct tui_screen *s, struct tui_rect r, const double *v, int n, double max,
		int role)
{
	for (int c = 0; c < n && c < r.w; c++) {
		if (v[c] < 0 || max <= 0)
			continue;
		long eighths = (long)(v[c] / max * r.h * 8 + 0.5);
		if (v[c] > 0 && eighths == 0)
			eighths = 1;              /* something, however little, shows */
		for (int row = 0; row < r.h && eighths > 0; row++, eighths -= 8) {
			uint32_t ch = eighths >= 8 ? FULL_BLOCK : LOWER_EIGHTH + (uint32_t)eighths - 1;
			screen_putc(s, r.y + r.h - 1 - row, r.x + c, role, ch);
		}
	}
}

void chart_time(uint64_t ns, char *buf, size_t len)
{
	double s = (double)ns / 1e9;
	if (s >= 10)
		snprintf(buf, len, "%.1f s", s);
	else if (s >= 1)
		snprintf(buf, len, "%.2f s", s);
	else
		snprintf(buf, len, "%.0f ms", s * 1e3);
}

void chart_time_axis(struct tui_screen *s, int y, int x, int w, uint64_t t_end)
{
	char label[32];
	int next_free = x;
	for (int c = 0; c < w; c += 16) {
		if (c < next_free - x)
			continue;
		chart_time(t_end * (uint64_t)c / (uint64_t)(w ? w : 1), label, sizeof(label));
		if (screen_text_width(label) > w - c - 1)
			break;                    /* a cut label ("|100 m") reads wrong */
		screen_putc(s, y, x + c, TUI_DIM, '|');
		int n = screen_put(s, y, x + c + 1, w - c - 1, TUI_DIM, label);
		next_free = x + c + n + 2;
	}
}

void chart_bytes(double bytes, char *buf, size_t len)
{
	static const char *units[] = { "B", "KiB", "MiB", "GiB", "TiB" };
	int u = 0;
	while (bytes >= 1024 && u < 4) {
		bytes /= 1024;
		u++;
	}
	snprintf(buf, len, u ? "%.1f %s" : "%.0f %s", bytes, units[u]);
}

void chart_axis_buckets(uint64_t span, int w, int c, uint64_t bucket_ns, uint32_t nbuckets,
			uint32_t *b0, uint32_t *b1)
{
	uint64_t t0 = span * (uint64_t)c / (uint64_t)w, t1 = span * (uint64_t)(c + 1) / (uint64_t)w;
	uint64_t a = (t0 + bucket_ns - 1) / bucket_ns, b = (t1 + bucket_ns - 1) / bucket_ns;
	*b0 = (uint32_t)(a < nbuckets ? a : nbuckets);
	*b1 = (uint32_t)(b < nbuckets ? b : nbuckets);
}

int chart_axis_col(uint64_t span, int w, uint64_t t)
{
	if (!span || t >= span)
		return w;
	return (int)((double)t / (double)span * w);
}

void chart_axis_labels(struct tui_screen *s, int y, int x, int w, uint64_t span)
{
	char start[40], mid[40], end[40], t[32];
	chart_time(0, t, sizeof(t));
	snprintf(start, sizeof(start), "|%s", t);
	chart_time(span / 2, t, sizeof(t));
	snprintf(mid, sizeof(mid), "|%s", t);
	chart_time(span, t, sizeof(t));
	snprintf(end, sizeof(end), "%s|", t);
	int ns = (int)strlen(start), nm = (int)strlen(mid), ne = (int)strlen(end);
	if (ns + 1 + ne <= w) {
		screen_put(s, y, x, w, TUI_DIM, start);
		screen_put(s, y, x + w - ne, ne, TUI_DIM, end);
		if (w / 2 >= ns + 1 && w / 2 + nm + 1 <= w - ne)
			screen_put(s, y, x + w / 2, nm, TUI_DIM, mid);
	} else {
		screen_put(s, y, x, w, TUI_DIM, end);
	}
}

void chart_axis_window(struct tui_screen *s, int y, int x, int w, uint64_t span, uint64_t from,
		       uint64_t to, uint32_t ch)
{
	if (!span)
		return;
	int c0 = (int)((double)from / (double)span * w);
	int c1 = to ? (int)((double)to / (double)span * w + 0.999) : w;
	for (int c = c0 < 0 ? 0 : c0; c < c1 && c < w; c++)
		screen_putc(s, y, x + c, TUI_MARK, ch);
}

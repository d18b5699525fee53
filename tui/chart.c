/*
 * chart.c - bars, time axes and unit formatting for the memory and
 * timeline views (chart.h).
 */
#include "tui/chart.h"

#include <stdio.h>

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

/*
 * report_wall.h - the wall-clock part of the text report (run --off-cpu):
 * where the threads' time went on and off the CPU.
 *
 * report_wall_summary prints the totals (on-CPU, off-CPU by wait class,
 * wall) under the report's header; report_wall_print is `report --weight
 * off|wall`: functions by total and by self, lines by self, and each
 * thread's running vs blocked time, all weighed in nanoseconds of the
 * profile's "off-cpu" or "wall" column (profile.h).
 */
#ifndef HP_REPORT_WALL_H
#define HP_REPORT_WALL_H

#include <stdio.h>

struct hp_profile;

/* The totals, when the profile has off-CPU time; nothing otherwise.
 * selected: p holds a selection's samples (report --tid, --pid, --from,
 * --to), whose own totals these are: said so instead of "all threads". */
void report_wall_summary(FILE *out, const struct hp_profile *p, int selected);

/* weight: "off-cpu" or "wall"; selected as above. Returns 0, -1 on a write
 * error, or -ENOENT when the profile has no such column (not recorded). */
int report_wall_print(FILE *out, const struct hp_profile *p, const char *weight, unsigned limit,
		      int selected);

#endif

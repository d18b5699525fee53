/*
 * pct.h - part of whole as a percentage, 0 when whole is not positive
 * (the one definition the report, the ranks tables and the TUI print).
 */
#ifndef HP_PCT_H
#define HP_PCT_H

static inline double hp_pct(double part, double whole)
{
	return whole > 0 ? 100.0 * part / whole : 0.0;
}

#endif

/*
 * log.h - diagnostics on stderr. stdout is for the product only.
 *
 * hp_err/hp_warn/hp_info always print (info unless quiet). hp_debug prints
 * when its domain was enabled with --debug=DOMAIN[:LEVEL][,...], e.g.
 * --debug=unwind:2. Messages are lowercase: what failed, the object in
 * quotes, the cause.
 */
#ifndef HP_LOG_H
#define HP_LOG_H

#include <stdarg.h>

enum hp_log_domain {
	HP_DBG_RUN, HP_DBG_PERF, HP_DBG_UNWIND, HP_DBG_SYMS, HP_DBG_STORE,
	HP_DBG_MEM, HP_DBG_TUI, HP_DBG_NDOMAINS
};

extern int hp_debug_levels[HP_DBG_NDOMAINS];
extern int hp_quiet;

/* Parse "unwind:2,perf" into hp_debug_levels. Returns 0 or -EINVAL. */
int hp_log_parse_debug(const char *spec);

void hp_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void hp_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void hp_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void hp_debug_print(int domain, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define hp_debug(domain, level, ...) \
	do { if (hp_debug_levels[domain] >= (level)) hp_debug_print(domain, __VA_ARGS__); } while (0)

#endif

/*
 * log.c - stderr diagnostics with per-domain debug levels (see log.h).
 */
#include "common/log.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/textsafe.h"

int hp_debug_levels[HP_DBG_NDOMAINS];
int hp_quiet;

static const char *const domain_names[HP_DBG_NDOMAINS] = {
	"run", "perf", "unwind", "syms", "store", "mem", "tui",
};

static int set_domain(const char *name, size_t len, int level)
{
	if (len == 3 && !strncmp(name, "all", 3)) {
		for (int i = 0; i < HP_DBG_NDOMAINS; i++)
			hp_debug_levels[i] = level;
		return 0;
	}
	for (int i = 0; i < HP_DBG_NDOMAINS; i++) {
		if (strlen(domain_names[i]) == len && !strncmp(name, domain_names[i], len)) {
			hp_debug_levels[i] = level;
			return 0;
		}
	}
	return -EINVAL;
}

int hp_log_parse_debug(const char *spec)
{
	while (*spec) {
		size_t len = strcspn(spec, ":,");
		int level = 1;
		const char *next = spec + len;
		if (*next == ':') {
			char *end;
			level = (int)strtol(next + 1, &end, 10);
			next = end;
		}
		if (set_domain(spec, len, level) < 0)
			return -EINVAL;
		spec = *next == ',' ? next + 1 : next;
		if (*next && *next != ',')
			return -EINVAL;
	}
	return 0;
}

/* One line on stderr; what it quotes (paths, names from a profile) is
 * escaped, so a message never carries a terminal control sequence or
 * breaks into forged lines (textsafe.h). */
__attribute__((format(printf, 2, 0)))
static void vlog(const char *prefix, const char *fmt, va_list ap)
{
	char msg[4096];
	vsnprintf(msg, sizeof(msg), fmt, ap);
	textsafe_line(msg, sizeof(msg));
	fprintf(stderr, "hpprof: %s%s\n", prefix, msg);
}

void hp_err(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vlog("error: ", fmt, ap);
	va_end(ap);
}

void hp_warn(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vlog("warning: ", fmt, ap);
	va_end(ap);
}

void hp_info(const char *fmt, ...)
{
	va_list ap;
	if (hp_quiet)
		return;
	va_start(ap, fmt);
	vlog("", fmt, ap);
	va_end(ap);
}

void hp_debug_print(int domain, const char *fmt, ...)
{
	va_list ap;
	char prefix[32];
	snprintf(prefix, sizeof(prefix), "[%s] ", domain_names[domain]);
	va_start(ap, fmt);
	vlog(prefix, fmt, ap);
	va_end(ap);
}

/*
 * events.c - perf events by name: resolve, probe, open, read, scale
 * (events.h).
 *
 * Takes event names, produces struct hp_event. perf's generic names are
 * kept below as data: they encode the generic events with privilege
 * modifiers (u, k, h) - the defaults - group `hpprof list` and feed "did
 * you mean" suggestions. libpfm4, loaded on first need (pfmload.h), encodes
 * the rest (pfm_get_os_event_encoding, PFM_OS_PERF_EVENT_EXT): PMU-specific
 * names and the modifiers it documents.
 *
 * Opening, reading and scaling counting events live here; sampling rings
 * and records do not. libpfm4 keeps global state: call from one thread.
 */
#include "collector/events.h"


#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "collector/kaccess.h"
#include "collector/pfmload.h"
#include "common/error.h"
#include "common/grow.h"
#include "common/log.h"

/* ---- perf's generic event names (tables, in perf's order) ---- */

struct generic_event {
	const char *name;
	const char *alias;          /* NULL when none */
	uint64_t config;
};

static const struct generic_event hw_events[] = {
	{ "cycles",                  "cpu-cycles",           PERF_COUNT_HW_CPU_CYCLES },
	{ "instructions",            NULL,                   PERF_COUNT_HW_INSTRUCTIONS },
	{ "cache-references",        NULL,                   PERF_COUNT_HW_CACHE_REFERENCES },
	{ "cache-misses",            NULL,                   PERF_COUNT_HW_CACHE_MISSES },
	{ "branch-instructions",     "branches",             PERF_COUNT_HW_BRANCH_INSTRUCTIONS },
	{ "branch-misses",           NULL,                   PERF_COUNT_HW_BRANCH_MISSES },
	{ "bus-cycles",              NULL,                   PERF_COUNT_HW_BUS_CYCLES },
	{ "stalled-cycles-frontend", "idle-cycles-frontend", PERF_COUNT_HW_STALLED_CYCLES_FRONTEND },
	{ "stalled-cycles-backend",  "idle-cycles-backend",  PERF_COUNT_HW_STALLED_CYCLES_BACKEND },
	{ "ref-cycles",              NULL,                   PERF_COUNT_HW_REF_CPU_CYCLES },
};

static const struct generic_event sw_events[] = {
	{ "task-clock",       NULL,         PERF_COUNT_SW_TASK_CLOCK },
	{ "cpu-clock",        NULL,         PERF_COUNT_SW_CPU_CLOCK },
	{ "page-faults",      "faults",     PERF_COUNT_SW_PAGE_FAULTS },
	{ "minor-faults",     NULL,         PERF_COUNT_SW_PAGE_FAULTS_MIN },
	{ "major-faults",     NULL,         PERF_COUNT_SW_PAGE_FAULTS_MAJ },
	{ "context-switches", "cs",         PERF_COUNT_SW_CONTEXT_SWITCHES },
	{ "cpu-migrations",   "migrations", PERF_COUNT_SW_CPU_MIGRATIONS },
	{ "alignment-faults", NULL,         PERF_COUNT_SW_ALIGNMENT_FAULTS },
	{ "emulation-faults", NULL,         PERF_COUNT_SW_EMULATION_FAULTS },
	{ "cgroup-switches",  NULL,         PERF_COUNT_SW_CGROUP_SWITCHES },
	{ "dummy",            NULL,         PERF_COUNT_SW_DUMMY },
	{ "bpf-output",       NULL,         PERF_COUNT_SW_BPF_OUTPUT },
};

/* Cache names are <unit>-<op>s (accesses) and <unit>-<op>-misses, for the
 * operations perf considers valid for each unit. */
#define OP(x) (1u << PERF_COUNT_HW_CACHE_OP_##x)

static const struct cache_unit {
	const char *name;
	unsigned id;                /* PERF_COUNT_HW_CACHE_* */
	unsigned ops;               /* OP() mask */
} cache_units[] = {
	{ "L1-dcache", PERF_COUNT_HW_CACHE_L1D,  OP(READ) | OP(WRITE) | OP(PREFETCH) },
	{ "L1-icache", PERF_COUNT_HW_CACHE_L1I,  OP(READ) | OP(PREFETCH) },
	{ "LLC",       PERF_COUNT_HW_CACHE_LL,   OP(READ) | OP(WRITE) | OP(PREFETCH) },
	{ "dTLB",      PERF_COUNT_HW_CACHE_DTLB, OP(READ) | OP(WRITE) | OP(PREFETCH) },
	{ "iTLB",      PERF_COUNT_HW_CACHE_ITLB, OP(READ) },
	{ "branch",    PERF_COUNT_HW_CACHE_BPU,  OP(READ) },
	{ "node",      PERF_COUNT_HW_CACHE_NODE, OP(READ) | OP(WRITE) | OP(PREFETCH) },
};

static const struct cache_op {
	const char *verb, *plural;
} cache_ops[] = {
	[PERF_COUNT_HW_CACHE_OP_READ]     = { "load",     "loads" },
	[PERF_COUNT_HW_CACHE_OP_WRITE]    = { "store",    "stores" },
	[PERF_COUNT_HW_CACHE_OP_PREFETCH] = { "prefetch", "prefetches" },
};

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* The defaults, in the order perf stat prints them. */
static const char *const default_events[] = {
	"task-clock", "context-switches", "cpu-migrations", "page-faults",
	"cycles", "instructions", "cache-references", "cache-misses", "branch-misses",
};

/* A generic name with its encoding, as the iteration below yields it. */
struct generic_name {
	const char *name;
	const char *alias;
	enum hp_event_class cls;
	uint32_t type;
	uint64_t config;
};

typedef int (*generic_fn)(const struct generic_name *g, void *arg);

static int each_simple(const struct generic_event *tab, size_t n, enum hp_event_class cls,
		       uint32_t type, generic_fn fn, void *arg)
{
	for (size_t i = 0; i < n; i++) {
		struct generic_name g = { tab[i].name, tab[i].alias, cls, type, tab[i].config };
		int ret = fn(&g, arg);
		if (ret)
			return ret;
	}
	return 0;
}

static int each_cache(generic_fn fn, void *arg)
{
	for (size_t u = 0; u < NELEM(cache_units); u++) {
		for (unsigned op = 0; op < NELEM(cache_ops); op++) {
			if (!(cache_units[u].ops & (1u << op)))
				continue;
			for (unsigned miss = 0; miss <= 1; miss++) {
				char name[64];
				if (miss)
					snprintf(name, sizeof(name), "%s-%s-misses",
						 cache_units[u].name, cache_ops[op].verb);
				else
					snprintf(name, sizeof(name), "%s-%s",
						 cache_units[u].name, cache_ops[op].plural);
				uint64_t result = miss ? PERF_COUNT_HW_CACHE_RESULT_MISS
						       : PERF_COUNT_HW_CACHE_RESULT_ACCESS;
				struct generic_name g = {
					name, NULL, HP_EVCLASS_CACHE, PERF_TYPE_HW_CACHE,
					cache_units[u].id | (uint64_t)op << 8 | result << 16,
				};
				int ret = fn(&g, arg);
				if (ret)
					return ret;
			}
		}
	}
	return 0;
}

static int generic_each(generic_fn fn, void *arg)
{
	int ret = each_simple(hw_events, NELEM(hw_events), HP_EVCLASS_HARDWARE,
			      PERF_TYPE_HARDWARE, fn, arg);
	if (!ret)
		ret = each_cache(fn, arg);
	if (!ret)
		ret = each_simple(sw_events, NELEM(sw_events), HP_EVCLASS_SOFTWARE,
				  PERF_TYPE_SOFTWARE, fn, arg);
	return ret;
}

struct generic_lookup {
	const char *base;
	size_t len;
	struct generic_name found;  /* name/alias not valid after the walk */
};

static int match_generic(const struct generic_name *g, void *arg)
{
	struct generic_lookup *lk = arg;
	int hit = (strlen(g->name) == lk->len && !strncasecmp(g->name, lk->base, lk->len)) ||
		  (g->alias && strlen(g->alias) == lk->len &&
		   !strncasecmp(g->alias, lk->base, lk->len));
	if (hit)
		lk->found = *g;
	return hit;
}

/* Is base[0..len) one of perf's generic names? */
static int generic_find(const char *base, size_t len, struct generic_name *out)
{
	struct generic_lookup lk = { .base = base, .len = len };
	if (!generic_each(match_generic, &lk))
		return 0;
	*out = lk.found;
	return 1;
}

struct generic_user {
	int (*fn)(const char *, const char *, enum hp_event_class, void *);
	void *arg;
};

static int call_generic_user(const struct generic_name *g, void *arg)
{
	struct generic_user *u = arg;
	return u->fn(g->name, g->alias, g->cls, u->arg);
}

int events_foreach_generic(int (*fn)(const char *name, const char *alias,
				     enum hp_event_class cls, void *arg), void *arg)
{
	struct generic_user u = { fn, arg };
	return generic_each(call_generic_user, &u);
}

/* ---- libpfm4 ---- */

static const struct hp_pfm *pf;  /* libpfm4 once loaded (pfmload.h) */

static int pfm_ready(void)
{
	return pf || (pf = pfm_load(NULL)) != NULL;
}

static int pfm_plm(unsigned plm)
{
	int p = 0;
	if (plm & HP_EV_USER)
		p |= PFM_PLM3;
	if (plm & HP_EV_KERNEL)
		p |= PFM_PLM0;
	return p ? p : PFM_PLM3;
}

static enum hp_event_class class_of(uint32_t type)
{
	switch (type) {
	case PERF_TYPE_HARDWARE: return HP_EVCLASS_HARDWARE;
	case PERF_TYPE_HW_CACHE: return HP_EVCLASS_CACHE;
	case PERF_TYPE_SOFTWARE: return HP_EVCLASS_SOFTWARE;
	default:                 return HP_EVCLASS_PMU;
	}
}

/* Encode name with libpfm4 into ev->attr. Returns 0, -ENOENT when libpfm4
 * does not know the event, or -HP_EBADEVENT with why in err. */
static int pfm_encode(const char *name, unsigned plm, struct hp_event *ev,
		      char *err, size_t errlen)
{
	/* libpfm4 writes its own (possibly different) struct perf_event_attr:
	 * give it room beyond the kernel header's. */
	union {
		struct perf_event_attr attr;
		unsigned char room[512];
	} buf;
	pfm_perf_encode_arg_t arg;

	if (!pfm_ready())
		return -ENOENT;
	memset(&buf, 0, sizeof(buf));
	memset(&arg, 0, sizeof(arg));
	arg.attr = (void *)&buf.attr;
	arg.size = sizeof(arg);
	int ret = pf->get_os_event_encoding(name, pfm_plm(plm), PFM_OS_PERF_EVENT_EXT, &arg);
	if (ret == PFM_ERR_NOTFOUND)
		return -ENOENT;
	if (ret != PFM_SUCCESS) {
		snprintf(err, errlen, "%s", pf->strerror(ret));
		return -HP_EBADEVENT;
	}
	ev->attr = buf.attr;
	ev->attr.size = sizeof(ev->attr);
	ev->cls = class_of(ev->attr.type);
	return 0;
}

/* ---- the table fallback ---- */

/* perf-style modifiers after ':' — any of u, k, h; when present they
 * replace plm. Returns 0 or -HP_EBADEVENT. */
static int table_modifiers(const char *mods, struct perf_event_attr *attr, unsigned plm)
{
	if (!(plm & (HP_EV_USER | HP_EV_KERNEL)))
		plm = HP_EV_USER;
	attr->exclude_user = !(plm & HP_EV_USER);
	attr->exclude_kernel = !(plm & HP_EV_KERNEL);
	attr->exclude_hv = 1;
	if (!mods)
		return 0;
	if (!*mods)
		return -HP_EBADEVENT;
	attr->exclude_user = attr->exclude_kernel = attr->exclude_hv = 1;
	for (const char *m = mods; *m; m++) {
		switch (*m) {
		case 'u': attr->exclude_user = 0; break;
		case 'k': attr->exclude_kernel = 0; break;
		case 'h': attr->exclude_hv = 0; break;
		default: return -HP_EBADEVENT;
		}
	}
	return 0;
}

static int table_encode(const struct generic_name *g, const char *mods, unsigned plm,
			struct hp_event *ev)
{
	memset(&ev->attr, 0, sizeof(ev->attr));
	ev->attr.size = sizeof(ev->attr);
	ev->attr.type = g->type;
	ev->attr.config = g->config;
	ev->cls = g->cls;
	return table_modifiers(mods, &ev->attr, plm);
}

/* ---- adding events ---- */

void events_init(struct hp_event_set *set)
{
	memset(set, 0, sizeof(*set));
}

void events_release(struct hp_event_set *set)
{
	free(set->ev);
	events_init(set);
}

static int set_push(struct hp_event_set *set, const struct hp_event *ev)
{
	if (hp_grow((void **)&set->ev, &set->cap, set->n + 1, sizeof(*set->ev)))
		return -ENOMEM;
	set->ev[set->n++] = *ev;
	return 0;
}

static int unknown_event(struct hp_event_set *set, const char *name)
{
	char hint[HP_EVENT_NAME_MAX];
	if (!events_suggest(name, hint, sizeof(hint)))
		snprintf(set->error, sizeof(set->error),
			 "unknown event '%s' (did you mean '%s'?)", name, hint);
	else
		snprintf(set->error, sizeof(set->error),
			 "unknown event '%s' (`hpprof list` shows the events)", name);
	return -HP_EBADEVENT;
}

/* Resolve a name that is one of perf's generic names: the table when its
 * modifiers are only privilege levels (u, k, h: the defaults, without
 * loading libpfm4), else libpfm4's "perf" PMU (it decodes the others),
 * else the table's error. */
static int resolve_generic(const struct generic_name *g, const char *name, const char *mods,
			   unsigned plm, struct hp_event *ev, char *why, size_t whylen)
{
	char qualified[HP_EVENT_NAME_MAX + 8];
	int ret;
	if (!mods || strspn(mods, "ukh") == strlen(mods))
		ret = table_encode(g, mods, plm, ev);
	else {
		snprintf(qualified, sizeof(qualified), "perf::%s", name);
		ret = pfm_encode(qualified, plm, ev, why, whylen);
		if (ret != -ENOENT)
			return ret;
		ret = table_encode(g, mods, plm, ev);
	}
	if (ret)
		snprintf(why, whylen, "invalid modifier ':%s' (use u, k or h)", mods ? mods : "");
	return ret;
}

int events_add(struct hp_event_set *set, const char *name, unsigned plm)
{
	struct hp_event ev;
	struct generic_name g;
	char why[128] = "";
	int ret;

	size_t namelen = strlen(name);
	set->error[0] = '\0';
	if (!namelen || namelen >= sizeof(ev.name)) {
		snprintf(set->error, sizeof(set->error), "invalid event name '%.64s'", name);
		return -HP_EBADEVENT;
	}
	memset(&ev, 0, sizeof(ev));
	memcpy(ev.name, name, namelen + 1);

	const char *colon = strstr(name, "::") ? NULL : strchr(name, ':');
	size_t baselen = colon ? (size_t)(colon - name) : strlen(name);
	if (generic_find(name, baselen, &g))
		ret = resolve_generic(&g, name, colon ? colon + 1 : NULL, plm, &ev,
				      why, sizeof(why));
	else
		ret = pfm_encode(name, plm, &ev, why, sizeof(why));
	if (ret == -ENOENT)
		return unknown_event(set, name);
	if (ret) {
		snprintf(set->error, sizeof(set->error), "invalid event '%s': %s", name, why);
		return ret;
	}
	hp_debug(HP_DBG_PERF, 2, "event '%s': type %u config %#llx config1 %#llx",
		 name, ev.attr.type, (unsigned long long)ev.attr.config,
		 (unsigned long long)ev.attr.config1);
	ret = set_push(set, &ev);
	if (ret)
		snprintf(set->error, sizeof(set->error), "out of memory");
	return ret;
}

/* The next name of a comma list: [start, end) without surrounding blanks. */
static const char *next_name(const char *p, const char **start, size_t *len)
{
	const char *comma = strchr(p, ',');
	const char *end = comma ? comma : p + strlen(p);
	while (p < end && isspace((unsigned char)*p))
		p++;
	const char *e = end;
	while (e > p && isspace((unsigned char)e[-1]))
		e--;
	*start = p;
	*len = (size_t)(e - p);
	return comma ? comma + 1 : NULL;
}

int events_parse(struct hp_event_set *set, const char *list, unsigned plm)
{
	size_t first = set->n;
	const char *p = list;
	int ret = 0;

	while (p && !ret) {
		const char *start;
		size_t len;
		char name[HP_EVENT_NAME_MAX];
		p = next_name(p, &start, &len);
		if (!len || len >= sizeof(name)) {
			snprintf(set->error, sizeof(set->error),
				 len ? "event name too long in '%s'" : "empty event name in '%s'",
				 list);
			ret = -HP_EBADEVENT;
			break;
		}
		memcpy(name, start, len);
		name[len] = '\0';
		ret = events_add(set, name, plm);
	}
	if (ret)
		set->n = first;
	return ret;
}

int events_default(struct hp_event_set *set, unsigned plm)
{
	size_t first = set->n;
	for (size_t i = 0; i < NELEM(default_events); i++) {
		int ret = events_add(set, default_events[i], plm);
		if (ret) {
			set->n = first;
			return ret;
		}
	}
	return 0;
}

/* ---- privilege ---- */

unsigned events_default_plm(void)
{
	if (kaccess_kernel_allowed())
		return HP_EV_USER | HP_EV_KERNEL;
	return HP_EV_USER;
}

/* ---- probing and reasons ---- */

/* Does the kernel have a core PMU? x86 registers "cpu" (hybrid parts
 * "cpu_core"/"cpu_atom") with type PERF_TYPE_RAW; Arm names it "armv8_*". */
static int have_core_pmu(void)
{
	static int known = -1;       /* read once: asked for each event refused */
	DIR *d = known < 0 ? opendir("/sys/bus/event_source/devices") : NULL;
	struct dirent *de;
	if (known >= 0 || !d)
		return known >= 0 ? known : (known = 0);
	for (known = 0; !known && (de = readdir(d));)
		known = !strncmp(de->d_name, "cpu", 3) || !strncmp(de->d_name, "armv", 4);
	closedir(d);
	return known;
}

const char *events_reason(enum hp_event_class cls, int err, char *buf, size_t len)
{
	if (err < 0)
		err = -err;
	switch (err) {
	case ENOENT:
	case EOPNOTSUPP:
	case ENODEV:
		if (cls == HP_EVCLASS_SOFTWARE)
			snprintf(buf, len, "not supported by this kernel");
		else if (!have_core_pmu())
			snprintf(buf, len, "not supported on this machine "
				 "(no hardware PMU; virtualized?)");
		else
			snprintf(buf, len, "not supported on this machine "
				 "(the CPU's PMU has no such event)");
		break;
	case EACCES:
	case EPERM:
		if (geteuid() == 0)
			snprintf(buf, len, "not permitted even as root "
				 "(seccomp, container or lockdown policy?)");
		else
			snprintf(buf, len, "not permitted: /proc/sys/kernel/perf_event_paranoid "
				 "is %d; run as root or `sysctl kernel.perf_event_paranoid=1`",
				 kaccess_paranoid());
		break;
	case EINVAL:
		snprintf(buf, len, "invalid for this PMU");
		break;
	case EBUSY:
		snprintf(buf, len, "counter busy (in use by another tool or the NMI watchdog)");
		break;
	case EMFILE:
		snprintf(buf, len, "too many open files (raise `ulimit -n`)");
		break;
	case HP_ERINGMEM:
		snprintf(buf, len, "%s", hp_strerror(-HP_ERINGMEM));
		break;
	default:
		snprintf(buf, len, "%s", strerror(err));
		break;
	}
	return buf;
}

void events_mark_failed(struct hp_event *ev, int err)
{
	ev->available = 0;
	ev->err = err < 0 ? -err : err;
	events_reason(ev->cls, ev->err, ev->reason, sizeof(ev->reason));
	hp_debug(HP_DBG_PERF, 1, "event '%s' cannot open: %s (%s)", ev->name,
		 ev->reason, strerror(ev->err));
}

/* The scheduler raises these with its own (kernel) registers, which
 * exclude_kernel filters out every time (perf_sw_event_sched). */
int events_kernel_only(const struct perf_event_attr *a)
{
	return a->type == PERF_TYPE_SOFTWARE && a->exclude_kernel &&
	       (a->config == PERF_COUNT_SW_CONTEXT_SWITCHES ||
		a->config == PERF_COUNT_SW_CPU_MIGRATIONS ||
		a->config == PERF_COUNT_SW_CGROUP_SWITCHES);
}

const char *events_kernel_only_reason(char *buf, size_t len)
{
	char why[HP_EVENT_REASON_MAX];
	if (kaccess_kernel_allowed())
		snprintf(buf, len, "happens only in the kernel, which the event excludes "
			 "(drop ':u')");
	else
		snprintf(buf, len, "happens only in the kernel, which is %s",
			 kaccess_why_no_samples(why, sizeof(why)));
	return buf;
}

size_t events_probe(struct hp_event_set *set)
{
	size_t ok = 0;
	for (size_t i = 0; i < set->n; i++) {
		struct hp_event *ev = &set->ev[i];
		if (events_kernel_only(&ev->attr)) {
			/* It would open, and read 0 however often it happened. */
			ev->available = 0;
			ev->err = EACCES;
			events_kernel_only_reason(ev->reason, sizeof(ev->reason));
			continue;
		}
		int fd = events_open(ev, 0, -1, -1, HP_EVENTS_READ_FORMAT, HP_EVOPEN_DISABLED);
		if (fd < 0) {
			events_mark_failed(ev, fd);
			continue;
		}
		close(fd);
		ev->available = 1;
		ev->err = 0;
		ev->reason[0] = '\0';
		ok++;
	}
	return ok;
}

/* ---- opening, reading, scaling ---- */

void events_attr(const struct hp_event *ev, uint64_t read_format, unsigned flags,
		 struct perf_event_attr *out)
{
	*out = ev->attr;
	out->size = sizeof(*out);
	out->read_format = read_format;
	out->disabled = !!(flags & HP_EVOPEN_DISABLED);
	out->enable_on_exec = !!(flags & HP_EVOPEN_ENABLE_ON_EXEC);
	out->inherit = !!(flags & HP_EVOPEN_INHERIT);
}

int events_open(const struct hp_event *ev, pid_t pid, int cpu, int group_fd,
		uint64_t read_format, unsigned flags)
{
	struct perf_event_attr attr;
	events_attr(ev, read_format, flags, &attr);
	long fd = syscall(SYS_perf_event_open, &attr, pid, cpu, group_fd, PERF_FLAG_FD_CLOEXEC);
	return fd < 0 ? -errno : (int)fd;
}

void events_scale(uint64_t raw, uint64_t enabled_ns, uint64_t running_ns,
		  struct hp_count *out)
{
	out->raw = raw;
	out->enabled_ns = enabled_ns;
	out->running_ns = running_ns;
	out->counted = running_ns > 0;
	if (!out->counted) {
		out->value = 0;
		out->running_pct = 0;
		return;
	}
	if (running_ns < enabled_ns) {
		out->value = (double)raw * ((double)enabled_ns / (double)running_ns);
		out->running_pct = 100.0 * (double)running_ns / (double)enabled_ns;
	} else {
		out->value = (double)raw;
		out->running_pct = 100.0;
	}
}

int events_read(int fd, struct hp_count *out)
{
	uint64_t buf[3];
	ssize_t n;
	do
		n = read(fd, buf, sizeof(buf));
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	if (n != (ssize_t)sizeof(buf))
		return -EIO;
	events_scale(buf[0], buf[1], buf[2], out);
	return 0;
}

/* ---- libpfm4's PMU events ---- */

static void join_umasks(int idx, int nattrs, char *buf, size_t len)
{
	size_t used = 0;
	buf[0] = '\0';
	for (int a = 0; a < nattrs; a++) {
		pfm_event_attr_info_t ai;
		memset(&ai, 0, sizeof(ai));
		ai.size = sizeof(ai);
		if (pf->get_event_attr_info(idx, a, PFM_OS_NONE, &ai) != PFM_SUCCESS ||
		    ai.type != PFM_ATTR_UMASK)
			continue;
		int w = snprintf(buf + used, len - used, "%s%s", used ? ", " : "", ai.name);
		if (w < 0 || (size_t)w >= len - used) {
			snprintf(buf + (len > 4 ? len - 4 : 0), len > 4 ? 4 : len, "...");
			return;
		}
		used += (size_t)w;
	}
}

static int pmu_each_event(const pfm_pmu_info_t *pinfo,
			  int (*fn)(const struct hp_pmu_event *, void *), void *arg)
{
	for (int e = pinfo->first_event; e != -1; e = pf->get_event_next(e)) {
		pfm_event_info_t info;
		char umasks[1024];
		memset(&info, 0, sizeof(info));
		info.size = sizeof(info);
		if (pf->get_event_info(e, PFM_OS_NONE, &info) != PFM_SUCCESS)
			continue;
		join_umasks(e, info.nattrs, umasks, sizeof(umasks));
		struct hp_pmu_event pe = {
			.pmu = pinfo->name,
			.pmu_desc = pinfo->desc ? pinfo->desc : "",
			.generic = !strcmp(pinfo->name, "perf"),
			.event = info.name,
			.equiv = info.equiv,
			.desc = info.desc ? info.desc : "",
			.umasks = umasks,
		};
		int ret = fn(&pe, arg);
		if (ret)
			return ret;
	}
	return 0;
}

int events_foreach_pmu_event(int (*fn)(const struct hp_pmu_event *pe, void *arg), void *arg)
{
	int i;
	if (!pfm_ready())
		return -HP_EUNSUPPORTED;
	pfm_for_all_pmus(i) {
		pfm_pmu_info_t pinfo;
		memset(&pinfo, 0, sizeof(pinfo));
		pinfo.size = sizeof(pinfo);
		if (pf->get_pmu_info(i, &pinfo) != PFM_SUCCESS || !pinfo.is_present ||
		    !strcmp(pinfo.name, "perf_raw"))
			continue;
		int ret = pmu_each_event(&pinfo, fn, arg);
		if (ret)
			return ret;
	}
	return 0;
}

/* ---- "did you mean" ---- */

/* Levenshtein distance, ignoring case; both strings < HP_EVENT_NAME_MAX. */
static size_t edit_distance(const char *a, size_t la, const char *b, size_t lb)
{
	size_t row[2][HP_EVENT_NAME_MAX + 1];
	size_t *prev = row[0], *cur = row[1];
	for (size_t j = 0; j <= lb; j++)
		prev[j] = j;
	for (size_t i = 1; i <= la; i++) {
		cur[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t cost = tolower((unsigned char)a[i - 1]) !=
				      tolower((unsigned char)b[j - 1]);
			size_t best = prev[j - 1] + cost;
			if (prev[j] + 1 < best)
				best = prev[j] + 1;
			if (cur[j - 1] + 1 < best)
				best = cur[j - 1] + 1;
			cur[j] = best;
		}
		size_t *t = prev;
		prev = cur;
		cur = t;
	}
	return prev[lb];
}

struct suggest {
	const char *core;           /* the event part of the bad name */
	size_t len;
	size_t best_dist;
	char best[HP_EVENT_NAME_MAX];
	char best_pmu[64];          /* "" for generic names */
};

static void consider(struct suggest *s, const char *cand, const char *pmu)
{
	size_t lc = strlen(cand);
	if (lc >= HP_EVENT_NAME_MAX)
		return;
	size_t d = edit_distance(s->core, s->len, cand, lc);
	if (d < s->best_dist) {
		s->best_dist = d;
		snprintf(s->best, sizeof(s->best), "%s", cand);
		snprintf(s->best_pmu, sizeof(s->best_pmu), "%s", pmu);
	}
}

static int consider_generic(const struct generic_name *g, void *arg)
{
	consider(arg, g->name, "");
	if (g->alias)
		consider(arg, g->alias, "");
	return 0;
}

static int consider_pmu(const struct hp_pmu_event *pe, void *arg)
{
	if (!pe->generic)        /* perf's own spellings come from the table */
		consider(arg, pe->event, pe->pmu);
	return 0;
}

int events_suggest(const char *bad, char *buf, size_t len)
{
	struct suggest s = { .best_dist = (size_t)-1 };
	const char *sep = strstr(bad, "::");
	const char *core = sep ? sep + 2 : bad;
	const char *mods = strchr(core, ':');

	s.core = core;
	s.len = mods ? (size_t)(mods - core) : strlen(core);
	if (!s.len || s.len >= HP_EVENT_NAME_MAX)
		return -ENOENT;
	generic_each(consider_generic, &s);
	events_foreach_pmu_event(consider_pmu, &s);

	size_t limit = s.len / 3 < 1 ? 1 : s.len / 3 > 3 ? 3 : s.len / 3;
	if (s.best_dist > limit || s.best_dist == 0)
		return -ENOENT;
	snprintf(buf, len, "%s%s%s%s", sep && *s.best_pmu ? s.best_pmu : "",
		 sep && *s.best_pmu ? "::" : "", s.best, mods ? mods : "");
	return 0;
}

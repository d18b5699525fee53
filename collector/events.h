/*
 * events.h - perf events by name: resolve, probe, open, read, scale.
 *
 * A name is what users know: perf's generic names (`cycles`,
 * `cache-misses`, `LLC-load-misses`), software names (`page-faults`, `cs`,
 * `task-clock`) and libpfm4's PMU-specific names
 * (`amd64_fam19h_zen4::RETIRED_INSTRUCTIONS`), each optionally followed by
 * modifiers (`cycles:u`, `cs:k`). Names are resolved with libpfm4; a name
 * libpfm4 does not know but perf does (`alignment-faults`, `dummy`) comes
 * from a table of perf's generic events.
 *
 * Every event is probed with perf_event_open before use. One that cannot
 * open keeps its errno and a human reason, is reported once and shown as
 * n/a — never counted as 0.
 *
 * Produces struct hp_event (name + perf_event_attr + availability) and
 * struct hp_count (one scaled reading). Knows nothing about targets,
 * samples, rings or storage.
 */
#ifndef HP_EVENTS_H
#define HP_EVENTS_H

#include <linux/perf_event.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Privilege levels counted by names that carry no :u/:k modifier. */
enum {
	HP_EV_USER   = 1 << 0,   /* count in user space (exclude_user = 0) */
	HP_EV_KERNEL = 1 << 1,   /* count in the kernel (exclude_kernel = 0) */
};

/* What kind of event a name resolved to; `hpprof list` groups by it. */
enum hp_event_class {
	HP_EVCLASS_HARDWARE,     /* perf generic hardware: PERF_TYPE_HARDWARE */
	HP_EVCLASS_CACHE,        /* perf generic cache: PERF_TYPE_HW_CACHE */
	HP_EVCLASS_SOFTWARE,     /* kernel software counter: PERF_TYPE_SOFTWARE */
	HP_EVCLASS_PMU,          /* PMU-specific: PERF_TYPE_RAW or a dynamic PMU type */
};

#define HP_EVENT_NAME_MAX   128
#define HP_EVENT_REASON_MAX 192

/* One event. attr holds what the name says (type, config, config1/2,
 * exclude_user/kernel/hv, and period/precise when modifiers asked for
 * them); events_attr() adds what a particular use needs. */
struct hp_event {
	char name[HP_EVENT_NAME_MAX];     /* as written ("cs", "cycles:u") */
	struct perf_event_attr attr;
	enum hp_event_class cls;
	int available;                    /* 1 after a successful probe */
	int err;                          /* errno (positive) of the failed open, else 0 */
	char reason[HP_EVENT_REASON_MAX]; /* why it cannot open; "" when available */
};

/* An ordered list of events. Zero-initialize (or events_init) before use;
 * events_release frees it. */
struct hp_event_set {
	struct hp_event *ev;     /* n events in the order they were added */
	size_t n, cap;
	char error[256];         /* after a failed add/parse: what and why, e.g.
	                          * "unknown event 'cyclez' (did you mean 'cycles'?)" */
};

/* One counting reading, scaled for multiplexing. */
struct hp_count {
	uint64_t raw;            /* value as the kernel returned it */
	uint64_t enabled_ns;     /* PERF_FORMAT_TOTAL_TIME_ENABLED */
	uint64_t running_ns;     /* PERF_FORMAT_TOTAL_TIME_RUNNING */
	int counted;             /* 0 when the event never ran (running_ns == 0) */
	double value;            /* raw * enabled / running; raw when not multiplexed */
	double running_pct;      /* 100 * running / enabled: < 100 means multiplexed */
};

/* read_format that events_read() expects on a single (non-group) event. */
#define HP_EVENTS_READ_FORMAT \
	(PERF_FORMAT_TOTAL_TIME_ENABLED | PERF_FORMAT_TOTAL_TIME_RUNNING)

/* Flags for events_attr() and events_open(). */
enum {
	HP_EVOPEN_DISABLED       = 1 << 0, /* attr.disabled */
	HP_EVOPEN_ENABLE_ON_EXEC = 1 << 1, /* attr.enable_on_exec */
	HP_EVOPEN_INHERIT        = 1 << 2, /* attr.inherit: count the task's children too */
};

/* Privilege levels a plain name counts at here: user and kernel when
 * allowed (root, or perf_event_paranoid <= 1), else user only — as perf
 * stat does. Software events such as context-switches happen in the
 * kernel and would read 0 when counted in user space only: perf stat
 * prints that 0, events_probe() marks them not measured instead. */
unsigned events_default_plm(void);

void events_init(struct hp_event_set *set);

/* Free the events; the set is empty and reusable afterwards. */
void events_release(struct hp_event_set *set);

/* Resolve one name and append it (not yet probed). plm is HP_EV_USER |
 * HP_EV_KERNEL for names without modifiers. Returns 0, -ENOMEM, or
 * -HP_EBADEVENT with set->error saying why (unknown name with the closest
 * known one, invalid modifier, missing unit mask). */
int events_add(struct hp_event_set *set, const char *name, unsigned plm);

/* Append every name of a comma-separated list ("cycles,cs, page-faults";
 * blanks around names are ignored). On failure nothing from list is kept,
 * and the return and set->error are as for events_add. */
int events_parse(struct hp_event_set *set, const char *list, unsigned plm);

/* Append the default counters, in the order perf stat prints them:
 * task-clock, context-switches, cpu-migrations, page-faults, cycles,
 * instructions, cache-references, cache-misses, branch-misses. */
int events_default(struct hp_event_set *set, unsigned plm);

/* 1 for a software event the kernel raises only in kernel mode
 * (context-switches, cpu-migrations, cgroup-switches) opened with
 * exclude_kernel: it would read 0 however often it happened, so it is
 * not measured. */
int events_kernel_only(const struct perf_event_attr *a);
/* The reason such an event is not measured, and what would allow it.
 * Returns buf. */
const char *events_kernel_only_reason(char *buf, size_t len);

/* Try to open each event on the calling task (pid 0, cpu -1, disabled)
 * and close it again; sets available, err and reason (events_kernel_only
 * ones are not opened: unavailable, EACCES). Returns how many are
 * available. */
size_t events_probe(struct hp_event_set *set);

/* Mark ev unavailable because opening it failed with err (-errno or
 * errno); fills reason (see events_reason). */
void events_mark_failed(struct hp_event *ev, int err);

/* Human reason for a failed perf_event_open of an event of class cls:
 * ENOENT/EOPNOTSUPP/ENODEV "not supported on this machine (...)",
 * EACCES/EPERM "not permitted: ... perf_event_paranoid is N; ...",
 * EINVAL "invalid for this PMU", others strerror. Writes buf; returns it. */
const char *events_reason(enum hp_event_class cls, int err, char *buf, size_t len);

/* The attr to open ev with: ev->attr plus size, read_format and the
 * HP_EVOPEN_* flags. Callers add sampling fields (sample_type, period,
 * wakeup) before perf_event_open when they sample. */
void events_attr(const struct hp_event *ev, uint64_t read_format, unsigned flags,
		 struct perf_event_attr *out);

/* perf_event_open(events_attr(...), pid, cpu, group_fd, FD_CLOEXEC).
 * Returns the fd (caller closes) or -errno. */
int events_open(const struct hp_event *ev, pid_t pid, int cpu, int group_fd,
		uint64_t read_format, unsigned flags);

/* Read an event opened with HP_EVENTS_READ_FORMAT and scale it.
 * Returns 0, -errno, or -EIO on a short read. */
int events_read(int fd, struct hp_count *out);

/* Fill out from a raw value and its enabled/running times (also for
 * values taken from a PERF_FORMAT_GROUP read or a PERF_SAMPLE_READ). */
void events_scale(uint64_t raw, uint64_t enabled_ns, uint64_t running_ns,
		  struct hp_count *out);

/* The known name closest to bad by edit distance (ignoring case and
 * keeping bad's modifiers), into buf. Returns 0, or -ENOENT when nothing
 * is close enough to be a likely typo. */
int events_suggest(const char *bad, char *buf, size_t len);

/* Calls fn for each of perf's generic event names (hardware, cache,
 * software), in perf's order, with its alias ("cs" for
 * context-switches) or NULL. Stops at and returns fn's first non-zero
 * return; else 0. */
int events_foreach_generic(int (*fn)(const char *name, const char *alias,
				     enum hp_event_class cls, void *arg), void *arg);

/* One event of a PMU that libpfm4 detects on this machine. */
struct hp_pmu_event {
	const char *pmu;         /* libpfm4 PMU name: "amd64_fam19h_zen4", "perf" */
	const char *pmu_desc;    /* "AMD64 Fam19h Zen4" */
	int generic;             /* 1 for libpfm4's "perf" PMU (perf's generic events) */
	const char *event;       /* name within the PMU; "pmu::event" opens it */
	const char *equiv;       /* the event this name is an alias of, or NULL */
	const char *desc;        /* libpfm4's description, "" when none */
	const char *umasks;      /* unit masks, comma-separated ("" when none) */
};

/* Calls fn for every event of every PMU libpfm4 detects here (the raw
 * "perf_raw" pseudo-PMU excepted). Strings are valid during the call.
 * Returns fn's first non-zero return, -HP_EUNSUPPORTED when libpfm4
 * cannot initialize, else 0. */
int events_foreach_pmu_event(int (*fn)(const struct hp_pmu_event *pe, void *arg), void *arg);

#endif

/*
 * test_events.c - unit tests for collector/events: names to attrs,
 * "did you mean", probe classification, scaling, and a real count of a
 * software event. With --pmu it counts hardware events instead, and skips
 * (77) on machines without a hardware PMU.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "collector/events.h"
#include "common/error.h"
#include "hp_test.h"

/* Resolve one name in a fresh set; returns the set's first event. */
static int resolve(const char *name, unsigned plm, struct hp_event *out)
{
	struct hp_event_set set;
	events_init(&set);
	int ret = events_add(&set, name, plm);
	if (!ret)
		*out = set.ev[0];
	else
		fprintf(stderr, "events_add('%s'): %s\n", name, set.error);
	events_release(&set);
	return ret;
}

static void check_encoding(const char *name, uint32_t type, uint64_t config,
			   enum hp_event_class cls)
{
	struct hp_event ev;
	CHECK_EQ_INT(resolve(name, HP_EV_USER, &ev), 0);
	CHECK_EQ_INT(ev.attr.type, type);
	CHECK_EQ_INT(ev.attr.config, config);
	CHECK_EQ_INT(ev.cls, cls);
	CHECK_EQ_INT(ev.attr.size, sizeof(ev.attr));
	CHECK(!strcmp(ev.name, name));
}

static void test_generic_names(void)
{
	check_encoding("cycles", PERF_TYPE_HARDWARE, PERF_COUNT_HW_CPU_CYCLES, HP_EVCLASS_HARDWARE);
	check_encoding("instructions", PERF_TYPE_HARDWARE, PERF_COUNT_HW_INSTRUCTIONS,
		       HP_EVCLASS_HARDWARE);
	check_encoding("cache-misses", PERF_TYPE_HARDWARE, PERF_COUNT_HW_CACHE_MISSES,
		       HP_EVCLASS_HARDWARE);
	check_encoding("branches", PERF_TYPE_HARDWARE, PERF_COUNT_HW_BRANCH_INSTRUCTIONS,
		       HP_EVCLASS_HARDWARE);
	check_encoding("page-faults", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_PAGE_FAULTS,
		       HP_EVCLASS_SOFTWARE);
	check_encoding("faults", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_PAGE_FAULTS, HP_EVCLASS_SOFTWARE);
	check_encoding("context-switches", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_CONTEXT_SWITCHES,
		       HP_EVCLASS_SOFTWARE);
	check_encoding("cs", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_CONTEXT_SWITCHES, HP_EVCLASS_SOFTWARE);
	check_encoding("task-clock", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_TASK_CLOCK,
		       HP_EVCLASS_SOFTWARE);
	check_encoding("LLC-load-misses", PERF_TYPE_HW_CACHE,
		       PERF_COUNT_HW_CACHE_LL | PERF_COUNT_HW_CACHE_OP_READ << 8 |
		       PERF_COUNT_HW_CACHE_RESULT_MISS << 16, HP_EVCLASS_CACHE);
	check_encoding("L1-dcache-loads", PERF_TYPE_HW_CACHE, PERF_COUNT_HW_CACHE_L1D,
		       HP_EVCLASS_CACHE);
	/* Not known to libpfm4 4.13: from the table. */
	check_encoding("alignment-faults", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_ALIGNMENT_FAULTS,
		       HP_EVCLASS_SOFTWARE);
	check_encoding("dummy", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_DUMMY, HP_EVCLASS_SOFTWARE);
}

static void test_privilege(void)
{
	struct hp_event ev;
	CHECK_EQ_INT(resolve("page-faults", HP_EV_USER, &ev), 0);
	CHECK(!ev.attr.exclude_user && ev.attr.exclude_kernel);
	CHECK_EQ_INT(resolve("page-faults", HP_EV_USER | HP_EV_KERNEL, &ev), 0);
	CHECK(!ev.attr.exclude_user && !ev.attr.exclude_kernel);
	CHECK_EQ_INT(resolve("cycles:u", HP_EV_USER | HP_EV_KERNEL, &ev), 0);
	CHECK(!ev.attr.exclude_user && ev.attr.exclude_kernel);
	CHECK_EQ_INT(resolve("cs:k", HP_EV_USER, &ev), 0);
	CHECK(ev.attr.exclude_user && !ev.attr.exclude_kernel);
	/* Table path with modifiers. */
	CHECK_EQ_INT(resolve("alignment-faults:u", HP_EV_USER | HP_EV_KERNEL, &ev), 0);
	CHECK(!ev.attr.exclude_user && ev.attr.exclude_kernel);
	CHECK_EQ_INT(resolve("alignment-faults", HP_EV_USER | HP_EV_KERNEL, &ev), 0);
	CHECK(!ev.attr.exclude_user && !ev.attr.exclude_kernel);

	struct hp_event_set set;
	events_init(&set);
	CHECK_EQ_INT(events_add(&set, "alignment-faults:x", HP_EV_USER), -HP_EBADEVENT);
	CHECK(strstr(set.error, "invalid modifier ':x'"));
	CHECK_EQ_INT(set.n, 0);
	events_release(&set);
}

static void test_bad_names(void)
{
	struct hp_event_set set;
	events_init(&set);
	CHECK_EQ_INT(events_parse(&set, "page-faults,cyclez", HP_EV_USER), -HP_EBADEVENT);
	CHECK_EQ_INT(set.n, 0);
	CHECK(strstr(set.error, "'cyclez'") && strstr(set.error, "did you mean 'cycles'"));
	CHECK_EQ_INT(events_parse(&set, "cycles,,cs", HP_EV_USER), -HP_EBADEVENT);
	CHECK(strstr(set.error, "empty event name"));
	CHECK_EQ_INT(events_parse(&set, "xyzzy-plugh-quux", HP_EV_USER), -HP_EBADEVENT);
	CHECK(strstr(set.error, "hpprof list"));
	CHECK_EQ_INT(events_parse(&set, "instructions:ppp", HP_EV_USER), -HP_EBADEVENT);
	CHECK(strstr(set.error, "invalid event 'instructions:ppp'"));
	CHECK_EQ_INT(set.n, 0);
	/* Blanks around names are fine; order is kept. */
	CHECK_EQ_INT(events_parse(&set, " cycles , page-faults,cs ", HP_EV_USER), 0);
	CHECK_EQ_INT(set.n, 3);
	if (set.n == 3) {
		CHECK(!strcmp(set.ev[0].name, "cycles"));
		CHECK(!strcmp(set.ev[2].name, "cs"));
	}
	events_release(&set);
	CHECK_EQ_INT(set.n, 0);
}

static void check_suggest(const char *bad, const char *want)
{
	char buf[HP_EVENT_NAME_MAX];
	int ret = events_suggest(bad, buf, sizeof(buf));
	if (!want) {
		CHECK_EQ_INT(ret, -ENOENT);
		return;
	}
	CHECK_EQ_INT(ret, 0);
	if (!ret && strcmp(buf, want)) {
		fprintf(stderr, "suggest('%s') = '%s', want '%s'\n", bad, buf, want);
		CHECK(0);
	}
}

static void test_suggest(void)
{
	check_suggest("pagefaults", "page-faults");
	check_suggest("LLC-load-miss", "LLC-load-misses");
	check_suggest("cache-miss", "cache-misses");
	check_suggest("cyclez:u", "cycles:u");
	check_suggest("instrctions", "instructions");
	check_suggest("xyzzy-plugh-quux", NULL);
}

static void test_reasons(void)
{
	char buf[HP_EVENT_REASON_MAX];
	events_reason(HP_EVCLASS_HARDWARE, ENOENT, buf, sizeof(buf));
	CHECK(!strncmp(buf, "not supported on this machine", 29));
	events_reason(HP_EVCLASS_CACHE, -EOPNOTSUPP, buf, sizeof(buf));
	CHECK(!strncmp(buf, "not supported on this machine", 29));
	events_reason(HP_EVCLASS_HARDWARE, EACCES, buf, sizeof(buf));
	CHECK(!strncmp(buf, "not permitted", 13));
	if (geteuid() != 0)
		CHECK(strstr(buf, "perf_event_paranoid is"));
	events_reason(HP_EVCLASS_PMU, EINVAL, buf, sizeof(buf));
	CHECK(!strcmp(buf, "invalid for this PMU"));
	events_reason(HP_EVCLASS_SOFTWARE, EIO, buf, sizeof(buf));
	CHECK(!strcmp(buf, strerror(EIO)));
}

static void test_probe_defaults(void)
{
	struct hp_event_set set;
	events_init(&set);
	CHECK_EQ_INT(events_default(&set, events_default_plm()), 0);
	CHECK_EQ_INT(set.n, 9);
	size_t avail = events_probe(&set);
	CHECK(avail >= 2);      /* the software events always open (task-clock, page-faults) */
	for (size_t i = 0; i < set.n; i++) {
		struct hp_event *ev = &set.ev[i];
		if (ev->cls == HP_EVCLASS_SOFTWARE && events_kernel_only(&ev->attr)) {
			/* unprivileged: context-switches and cpu-migrations would read 0 */
			CHECK(!ev->available);
			CHECK(strstr(ev->reason, "happens only in the kernel") != NULL);
		} else if (ev->cls == HP_EVCLASS_SOFTWARE) {
			CHECK(ev->available);
			CHECK_EQ_INT(ev->err, 0);
			CHECK(!ev->reason[0]);
		} else if (!ev->available) {
			/* No PMU (as on the Firecracker VMs): a reason, never a count. */
			CHECK(ev->err != 0);
			CHECK(ev->reason[0]);
			if (ev->err == ENOENT || ev->err == EOPNOTSUPP || ev->err == ENODEV)
				CHECK(!strncmp(ev->reason, "not supported", 13));
		}
	}
	if (set.n == 9) {
		CHECK(!strcmp(set.ev[0].name, "task-clock"));
		CHECK(!strcmp(set.ev[4].name, "cycles"));
	}
	events_release(&set);
}

/* A scheduler event counted in user mode only would read 0 however often
 * it happened: not measured, with the reason and the way out. */
static void test_kernel_only(void)
{
	struct hp_event_set set;
	events_init(&set);
	CHECK_EQ_INT(events_parse(&set, "cs:u,cpu-migrations:u,page-faults:u,cs:k",
				  HP_EV_USER), 0);
	CHECK_EQ_INT(set.n, 4);
	if (set.n != 4)
		return;
	CHECK(events_kernel_only(&set.ev[0].attr));
	CHECK(events_kernel_only(&set.ev[1].attr));
	CHECK(!events_kernel_only(&set.ev[2].attr));     /* user-mode faults count */
	CHECK(!events_kernel_only(&set.ev[3].attr));
	events_probe(&set);
	CHECK(!set.ev[0].available && !set.ev[1].available);
	CHECK(strstr(set.ev[0].reason, "happens only in the kernel") != NULL);
	CHECK(set.ev[2].available);
	events_release(&set);
}

static void test_scale(void)
{
	struct hp_count c;
	events_scale(100, 200, 100, &c);
	CHECK(c.counted && c.value == 200.0 && c.running_pct == 50.0);
	events_scale(100, 200, 200, &c);
	CHECK(c.counted && c.value == 100.0 && c.running_pct == 100.0);
	events_scale(0, 200, 0, &c);
	CHECK(!c.counted);
}

/* Open page-faults on ourselves and touch 16 MiB of fresh 4 KiB pages. */
static void test_count_page_faults(void)
{
	struct hp_event_set set;
	struct hp_count c = { 0 };
	const size_t len = 16u << 20;
	events_init(&set);
	CHECK_EQ_INT(events_parse(&set, "page-faults", HP_EV_USER), 0);
	int fd = events_open(&set.ev[0], 0, -1, -1, HP_EVENTS_READ_FORMAT, 0);
	CHECK(fd >= 0);
	char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(p != MAP_FAILED);
	if (fd >= 0 && p != MAP_FAILED) {
		madvise(p, len, MADV_NOHUGEPAGE);
		for (size_t off = 0; off < len; off += 4096)
			p[off] = 1;
		CHECK_EQ_INT(events_read(fd, &c), 0);
		CHECK(c.counted);
		CHECK(c.raw >= len / 4096 - 16);
		CHECK(c.raw <= len / 4096 + 512);
	}
	if (p != MAP_FAILED)
		munmap(p, len);
	if (fd >= 0)
		close(fd);
	events_release(&set);
}

/* With a hardware PMU: cycles and instructions of a loop count > 0. */
static int test_pmu(void)
{
	struct hp_event_set set;
	events_init(&set);
	CHECK_EQ_INT(events_parse(&set, "cycles,instructions", HP_EV_USER), 0);
	if (events_probe(&set) < 2) {
		printf("SKIP: cycles/instructions cannot open: %s\n", set.ev[0].reason);
		events_release(&set);
		return 77;
	}
	int fds[2];
	struct hp_count c[2];
	for (int i = 0; i < 2; i++)
		fds[i] = events_open(&set.ev[i], 0, -1, -1, HP_EVENTS_READ_FORMAT, 0);
	volatile unsigned long x = 0;
	for (unsigned long i = 0; i < 10000000; i++)
		x += i;
	for (int i = 0; i < 2; i++) {
		CHECK(fds[i] >= 0);
		CHECK_EQ_INT(events_read(fds[i], &c[i]), 0);
		CHECK(c[i].counted && c[i].value > 1e6);
		close(fds[i]);
	}
	events_release(&set);
	return hp_test_result();
}

int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "--pmu"))
		return test_pmu();
	test_generic_names();
	test_privilege();
	test_bad_names();
	test_suggest();
	test_reasons();
	test_probe_defaults();
	test_kernel_only();
	test_scale();
	test_count_page_faults();
	return hp_test_result();
}

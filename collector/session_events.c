/*
 * session_events.c - the perf events of a session: one sampling leader
 * per online CPU on the target (inherit, enable_on_exec), the counters
 * (session_counters.c: its group when read with every sample, else one
 * group on the task), the page-fault sampler redirected into
 * the same ring; with --off-cpu the context-switch sampler, into a ring of
 * its own per CPU, and the SWITCH records, carried by a dummy event into a
 * switch ring of its own per CPU (both gated at high switch rates:
 * session_gate_set, session_records_set). The rings' sizes and mapping:
 * session_rings.c.
 *
 * Kernel mode: the sampler samples it when permitted (else it falls back
 * to user mode only and says why in the result), and records the kernel
 * part of the callchain (the user part is unwound from the stack copy)
 * when /proc/kallsyms shows the addresses that would name its frames.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "collector/events.h"
#include "collector/kaccess.h"
#include "collector/offcpu.h"
#include "collector/pyremote.h"
#include "collector/session_internal.h"
#include "common/error.h"
#include "common/clock.h"
#include "common/grow.h"
#include "common/log.h"

/* Wake the loop when a quarter of the ring is used. A sample takes the
 * room of the whole copy in the ring (64 KiB by default, however little
 * the kernel copied), so a quarter is 16 samples, 16 ms of one busy CPU at
 * 1 kHz, leaving 48 ms for the loop to drain before records are lost
 * (counted in lost_samples); perf record wakes at half. Every wake-up is
 * an interrupt in the target (irq_work) and a loop round in hpprof: at an
 * eighth, a julia run woke the loop 125 times a second. */
#define RING_WAKEUP(s) ((s)->ring_pages * 4096 / 4)

/* The off-CPU rings, per CPU, each waking the loop at a quarter: the
 * switch records' a quarter of a CPU ring (1 MiB by default, ~20,000
 * records of ~48 bytes: 100 ms of 100k switches a second, two records
 * each, with the records on throughout; above the stack budget they are
 * gated, on in ~5-10% of the time), the stacks' half of one (2 MiB, 128
 * switch-out samples of the 16 KiB copy). Until wave 10 both were 4 MiB
 * (the switch ring so since wave 7, when the records were not gated and a
 * 1 MiB one lost 27k records in one of 7 pingpong runs at load 10): the
 * kernel zeroes a ring's pages when it is mapped (0.6 ms per 4 MiB here)
 * and each page costs the loop a fault when it first reads it (1.7 ms per
 * 4 MiB in this VM): hpprof's own CPU for the julia kernel was +18 ms with
 * --off-cpu (median of 18 pairs), +9-11 ms with these (docs/offcpu.md,
 * "Wave 10"). */
#define SWITCH_RING_PAGES(s) ring_part_pages((s)->ring_pages, 4)
/* Attached, twice a CPU ring (8 MiB by default, ~500 stacks): the loop
 * of a loaded machine gets a CPU milliseconds late, the gate's "on"
 * period lasts as long, and at 100k switches a second 2 MiB lost up to
 * a fifth of its stacks (docs/offcpu.md, "Waits without a stack"); an
 * attach has no start-up budget to spend the zeroing against. Only with
 * the right to lock more (ring_may_grow: root, CAP_IPC_LOCK). */
#define STACK_RING_PAGES(s) ((s)->attach && ring_may_grow() \
			     ? (s)->ring_pages * 2 : ring_part_pages((s)->ring_pages, 2))

/* Stack bytes copied with a page-fault sample by default: fault samples
 * attribute memory growth to lines and call paths; their stacks are not
 * counted in complete_stacks (census.h: main-sampler samples). */
#define FAULT_STACK_SIZE 16384u

static long perf_event_open(struct perf_event_attr *attr, pid_t pid, int cpu, int group,
			    unsigned long flags)
{
	return syscall(SYS_perf_event_open, attr, pid, cpu, group, flags);
}

/* --- opening events --- */

static void base_attr(struct hp_session *s, struct perf_event_attr *a)
{
	const struct hp_session_opts *o = s->o;
	memset(a, 0, sizeof(*a));
	a->size = sizeof(*a);
	a->sample_type = s->sample_type;
	a->sample_regs_user = o->call_graph == HP_CG_DWARF ? HP_UNWIND_REGS_MASK : 0;
	a->sample_stack_user = o->call_graph == HP_CG_DWARF ? s->stack_size : 0;
	a->exclude_callchain_kernel = !s->kernel_chain;
	/* dwarf: the user part comes from unwinding the stack copy */
	a->exclude_callchain_user = o->call_graph == HP_CG_DWARF;
	a->exclude_hv = 1;
	a->inherit = 1;
	a->sample_id_all = 1;
	a->use_clockid = 1;
	a->clockid = CLOCK_MONOTONIC;
}

static void sampler_attr(struct hp_session *s, struct perf_event_attr *a)
{
	const struct hp_session_opts *o = s->o;
	base_attr(s, a);
	if (o->sampler) {
		a->type = o->sampler->type;
		a->config = o->sampler->config;
		a->config1 = o->sampler->config1;
		a->config2 = o->sampler->config2;
	} else {
		a->type = PERF_TYPE_SOFTWARE;
		a->config = PERF_COUNT_SW_CPU_CLOCK;
	}
	if (o->sampler_period) {
		a->sample_period = o->sampler_period;
	} else {
		a->freq = 1;
		a->sample_freq = o->freq;
	}
	a->disabled = 1;
	a->enable_on_exec = !s->attach;
	a->mmap = 1;
	a->mmap2 = 1;
	a->comm = 1;
	a->comm_exec = 1;
	a->task = 1;
	a->watermark = 1;
	a->wakeup_watermark = RING_WAKEUP(s);
	a->read_format = s->read_format;
}

void session_no_kernel_samples(struct hp_session *s)
{
	if (!s->res->kernel_samples)
		return;
	s->res->kernel_samples = 0;
	s->kernel_chain = 0;
	kaccess_why_no_samples(s->res->kernel_why, sizeof(s->res->kernel_why));
}

void session_kernel_access(struct hp_session *s)
{
	struct hp_session_result *res = s->res;
	res->kernel_samples = !s->o->no_perf;
	res->kernel_why[0] = '\0';
	s->kernel_chain = 0;
	/* the preload agent's run with off-CPU events: their switch-out
	 * samples are kernel-mode ones, taken when perf may sample the kernel */
	if (s->o->no_perf && s->o->off_cpu && !s->o->nattach && kaccess_kernel_allowed())
		res->kernel_samples = 1;
	else if (s->o->no_perf && s->o->off_cpu && !s->o->nattach)
		kaccess_why_no_samples(res->kernel_why, sizeof(res->kernel_why));
	if (!res->kernel_samples)
		return;
	s->kernel_chain = kaccess_kallsyms_visible();
	if (!s->kernel_chain)
		kaccess_why_no_symbols(res->kernel_frames_why, sizeof(res->kernel_frames_why));
}

int session_remember_id(struct hp_session *s, int fd, uint32_t kind, uint32_t index)
{
	uint64_t id;
	if (ioctl(fd, PERF_EVENT_IOC_ID, &id) < 0)
		return -errno;
	return hmap_put(&s->ids, id ? id : 1ull << 63, ((uint64_t)kind << 32) | index);
}

/* Open the sampler of one CPU; falls back to user-only sampling when kernel
 * sampling is not permitted. */
static int open_sampler(struct hp_session *s, pid_t pid, int cpu)
{
	struct perf_event_attr a;
	sampler_attr(s, &a);
	a.exclude_kernel = !s->res->kernel_samples;
	int fd = (int)perf_event_open(&a, pid, cpu, -1, PERF_FLAG_FD_CLOEXEC);
	if (fd < 0 && (errno == EACCES || errno == EPERM) && !a.exclude_kernel) {
		session_no_kernel_samples(s);
		a.exclude_kernel = 1;
		a.exclude_callchain_kernel = 1;
		fd = (int)perf_event_open(&a, pid, cpu, -1, PERF_FLAG_FD_CLOEXEC);
	}
	if (fd >= 0 && s->o->pyremote)          /* the BPF Python frame reader (pyremote.h) */
		pyremote_sampler_fd(s->o->pyremote, fd, PYBPF_CPU);
	return fd < 0 ? -errno : fd;
}

/* CPU ring r's switch ring, and its stack ring, while the events open
 * (session_internal.h). */
static struct hp_ring *switch_slot(struct hp_session *s, unsigned r)
{
	return &s->rings[s->nslots + r];
}

static struct hp_ring *stack_slot(struct hp_session *s, unsigned r)
{
	return &s->rings[2 * s->nslots + r];
}

/* fd, a switch event of CPU ring r, owns its own ring (own) or writes into
 * the switch ring that another one owns; when its own cannot be mapped
 * (perf_event_mlock_kb), into the CPU's ring as before wave 7. */
static int switch_output(struct hp_session *s, int fd, unsigned r, int own)
{
	struct hp_ring *sw = switch_slot(s, r);
	if (own && !s->offcpu_shared) {
		int err = ring_map(sw, fd, SWITCH_RING_PAGES(s));
		if (!err)
			return 0;
		hp_debug(HP_DBG_PERF, 1, "switch ring of cpu ring %u: %s; into the CPU's ring", r,
			 strerror(-err));
		memset(sw, 0, sizeof(*sw));
		if (s->offcpu_only)                /* no CPU ring to write into */
			return err;
	}
	return ioctl(fd, PERF_EVENT_IOC_SET_OUTPUT, sw->meta ? sw->fd : s->rings[r].fd) < 0 ? -errno
											  : 0;
}

/* The page-fault sampler of one CPU, into the CPU's ring. (From wave 8
 * to 9 it also carried the SWITCH records, one event less at every
 * switch; the records are gated now, and its fault samples must not be:
 * docs/offcpu.md, "Wave 9".) */
static void open_fault_sampler(struct hp_session *s, pid_t pid, int cpu, unsigned ring)
{
	struct perf_event_attr a;
	base_attr(s, &a);
	a.type = PERF_TYPE_SOFTWARE;
	a.config = PERF_COUNT_SW_PAGE_FAULTS;
	a.sample_period = s->o->fault_period;
	a.sample_type &= ~(uint64_t)PERF_SAMPLE_READ;
	/* Faults come in bursts (a first-touch loop: 4-5 samples a ms in a
	 * julia run): with the default copy, a smaller one, so that a burst
	 * takes a quarter of the ring room (FAULT_STACK_SIZE). */
	if (!s->o->stack_size && a.sample_stack_user > FAULT_STACK_SIZE)
		a.sample_stack_user = FAULT_STACK_SIZE;
	a.disabled = 1;
	a.enable_on_exec = !s->attach;
	/* A fault the kernel takes on the program's behalf (read() copying
	 * into a new buffer: 2/3 of sort's faults) counts only without
	 * exclude_kernel; its sample is charged to the user line that entered
	 * the kernel (docs/realworld.md, "Wave 17: the why columns"). */
	a.exclude_kernel = !s->res->kernel_samples;
	/* its count, with the times, is the page-faults counter's total
	 * (session_counters.c, faults_counter) */
	a.read_format = session_fault_format(s);    /* with its lost records (session_lost.c) */
	/* Without a watermark each fault sample would wake the loop: in a
	 * program's first-touch phase, every ~2 ms (strace of a julia run). */
	a.watermark = 1;
	a.wakeup_watermark = RING_WAKEUP(s);
	int fd = (int)perf_event_open(&a, pid, cpu, -1, PERF_FLAG_FD_CLOEXEC);
	s->fault_fds[ring] = fd;
	if (fd < 0) {
		hp_debug(HP_DBG_PERF, 1, "page-fault sampler on cpu %d: %s", cpu, strerror(errno));
		return;
	}
	int err = ioctl(fd, PERF_EVENT_IOC_SET_OUTPUT, s->rings[ring].fd) < 0 ? -errno : 0;
	if (!err)
		err = session_remember_id(s, fd, ID_FAULT, 0);
	if (!err)
		return;
	hp_debug(HP_DBG_PERF, 1, "page-fault sampler on cpu %d: %s", cpu, strerror(-err));
	close(fd);
	s->fault_fds[ring] = -1;
}

/* --off-cpu, per CPU: the SWITCH records (every switch of a thread, out
 * and in) time the off-CPU intervals: a dummy event with context_switch =
 * 1, owning the CPU's switch ring (switch_output); and the
 * context-switches event, period 1, whose samples give the stacks, into
 * the same ring. Its sample is taken in the kernel as the thread leaves
 * the CPU (so it needs kernel-mode sampling; without it the intervals have
 * no stacks). At high switch rates the session turns the stack samplers
 * off and on in random time slots (session_offgate.c; offcpu.h), and
 * the records with them, on until the intervals of an "on" slot have
 * ended. Frequency mode was tried (wave 7):
 * the kernel raises the period on any two switches a few microseconds
 * apart, so the io kernel, blocking ~100 times a second, lost stacks to
 * periods of 2-5 (docs/offcpu.md). */
static void offcpu_failed(struct hp_session *s, int err, int cpu, const char *what)
{
	if (!s->res->offcpu_err)
		s->res->offcpu_err = err;
	hp_debug(HP_DBG_PERF, 1, "%s on cpu %d: %s", what, cpu, strerror(-err));
}

/* The attributes the off-CPU events share: a software event of every
 * occurrence (period 1), no counters read, opened disabled (enabled at the
 * target's exec, or by the session when attaching). */
static void switch_attr(struct hp_session *s, struct perf_event_attr *a, uint64_t config)
{
	base_attr(s, a);
	a->type = PERF_TYPE_SOFTWARE;
	a->config = config;
	a->sample_period = 1;
	a->sample_type &= ~(uint64_t)PERF_SAMPLE_READ;
	a->read_format = s->lost_format;   /* its lost records (session_lost.c) */
	a->disabled = 1;
	a->enable_on_exec = !s->attach;
	a->exclude_kernel = !s->res->kernel_samples;
}

static int open_switch_records(struct hp_session *s, pid_t pid, int cpu, unsigned ring)
{
	struct perf_event_attr a;
	int own = !switch_slot(s, ring)->meta, err;
	switch_attr(s, &a, PERF_COUNT_SW_DUMMY);
	a.sample_stack_user = 0;
	a.sample_regs_user = 0;
	a.sample_type &= ~(uint64_t)(PERF_SAMPLE_STACK_USER | PERF_SAMPLE_REGS_USER);
	a.context_switch = 1;
	a.task = s->offcpu_only;           /* EXIT records: a thread's last interval dropped */
	a.watermark = 1;                   /* the ring's owner sets when it wakes the loop */
	a.wakeup_watermark = SWITCH_RING_PAGES(s) * 4096 / 4;
	int fd = (int)perf_event_open(&a, pid, cpu, -1, PERF_FLAG_FD_CLOEXEC);
	if (fd < 0) {
		offcpu_failed(s, -errno, cpu, "switch records");
		return -1;
	}
	if ((err = switch_output(s, fd, ring, own)) || (err = session_remember_id(s, fd, ID_OFFCPU, 0)) ||
	    (err = hp_grow((void **)&s->rec_fds, &s->rec_cap, s->nrec + 1, sizeof(*s->rec_fds)))) {
		offcpu_failed(s, err, cpu, "switch records");
		if (own && switch_slot(s, ring)->meta)
			ring_unmap(switch_slot(s, ring));
		close(fd);
		return -1;
	}
	s->rec_fds[s->nrec++] = fd;
	return fd;
}

/* fd, a stack sampler of CPU ring r, owns the stack ring (own) or writes
 * into it; without one, into the switch ring. */
static int stack_output(struct hp_session *s, int fd, unsigned r, int own)
{
	struct hp_ring *st = stack_slot(s, r), *sw = switch_slot(s, r);
	if (own && !s->offcpu_shared && ring_map(st, fd, STACK_RING_PAGES(s))) {
		hp_debug(HP_DBG_PERF, 1, "stack ring of cpu ring %u refused; into the switch ring", r);
		memset(st, 0, sizeof(*st));
	}
	if (st->meta && st->fd == fd)
		return 0;
	/* else into the stack ring another event owns, the switch ring, or
	 * (neither mapped) the CPU's ring, where the switch records went */
	int to = st->meta ? st->fd : sw->meta ? sw->fd : s->offcpu_only ? -1 : s->rings[r].fd;
	if (to < 0)
		return -ENOSPC;
	return ioctl(fd, PERF_EVENT_IOC_SET_OUTPUT, to) < 0 ? -errno : 0;
}

/* The SWITCH records' event, then the stack sampler. */
static void open_offcpu_sampler(struct hp_session *s, pid_t pid, int cpu, unsigned ring)
{
	struct perf_event_attr a;
	int err;
	s->offcpu_fds[ring] = -1;
	if ((s->swrec_fds[ring] = open_switch_records(s, pid, cpu, ring)) < 0)
		return;
	switch_attr(s, &a, PERF_COUNT_SW_CONTEXT_SWITCHES);
	/* Its own ring: a burst of stacks (an "on" slot drained late) may
	 * overflow it, never the switch records that time the intervals. */
	int own = !stack_slot(s, ring)->meta;
	a.watermark = 1;
	a.wakeup_watermark = STACK_RING_PAGES(s) * 4096 / 4;
	/* A thread that blocks is in a system call a few frames below its
	 * caller: with the default copy, the page-fault sampler's smaller one.
	 * A record takes the whole copy size in the ring, so at 100k switches
	 * a second the 64 KiB copy filled the rings (lost records) and cost
	 * the collector a 64 KiB read per switch (docs/offcpu.md). */
	if (!s->o->stack_size && a.sample_stack_user > FAULT_STACK_SIZE)
		a.sample_stack_user = FAULT_STACK_SIZE;
	int fd = (int)perf_event_open(&a, pid, cpu, -1, PERF_FLAG_FD_CLOEXEC);
	if (fd < 0) {
		offcpu_failed(s, -errno, cpu, "context-switch sampler");
		return;
	}
	if ((err = stack_output(s, fd, ring, own)) || (err = session_remember_id(s, fd, ID_OFFCPU, 0)) ||
	    (err = hp_grow((void **)&s->gate_fds, &s->gate_cap, s->ngate + 1,
			   sizeof(*s->gate_fds)))) {
		offcpu_failed(s, err, cpu, "context-switch sampler");
		if (own && stack_slot(s, ring)->meta)
			ring_unmap(stack_slot(s, ring));
		close(fd);
		return;
	}
	s->gate_fds[s->ngate++] = fd;
	s->offcpu_fds[ring] = fd;
	session_gate_init(s);       /* the gate steps in long drains too */
	if (s->o->pyremote)         /* the BPF Python frame reader, at each switch-out */
		pyremote_sampler_fd(s->o->pyremote, fd, PYBPF_OFFCPU);
}

/* A task's page-fault sampler and off-CPU events on the CPU of ring r
 * (their fds in fault_fds[r], swrec_fds[r], offcpu_fds[r], -1 when not
 * open). */
static void open_task_offcpu(struct hp_session *s, pid_t pid, int cpu, unsigned r)
{
	if (s->o->fault_period)
		open_fault_sampler(s, pid, cpu, r);
	if (s->o->off_cpu)
		open_offcpu_sampler(s, pid, cpu, r);
}

/* Turn the stack samplers on or off (all of them: children follow). */
static void enable_all(const int *fds, size_t n, int on)
{
	for (size_t i = 0; i < n; i++)
		ioctl(fds[i], on ? PERF_EVENT_IOC_ENABLE : PERF_EVENT_IOC_DISABLE, 0);
}

void session_gate_set(struct hp_session *s, int on)
{
	enable_all(s->gate_fds, s->ngate, on);
}

/* Turn the SWITCH records' events on or off (all of them). */
void session_records_set(struct hp_session *s, int on)
{
	enable_all(s->rec_fds, s->nrec, on);
}

/* Move the switch rings, then the stack rings, from their slots (nslots
 * + r, 2 nslots + r) to just after the CPU rings, where the drain and
 * the loop's poll see them. A ring moves to an index below its slot and
 * below every slot still to move (nrings + moved so far <= its own slot's
 * offset): no slot still to move is overwritten. */
static void pack_switch_rings(struct hp_session *s, unsigned nslots)
{
	s->nswitch = s->nswitch_rec = 0;
	for (unsigned k = 0; k < 2; k++)
		for (unsigned r = 0; r < nslots; r++) {
			struct hp_ring *sw = k ? stack_slot(s, r) : switch_slot(s, r);
			if (!sw->meta)
				continue;
			struct hp_ring moved = *sw;
			memset(sw, 0, sizeof(*sw));
			s->rings[s->nrings + s->nswitch++] = moved;
			s->nswitch_rec += !k;
		}
}

static int open_events_once(struct hp_session *s, pid_t pid)
{
	session_ring_sizes(s);
	int ncpu = session_event_cpus(s);
	int first_err = 0;
	for (int cpu = 0; cpu < ncpu; cpu++) {
		int fd = open_sampler(s, pid, cpu);
		if (fd < 0) {
			/* Offline CPUs refuse with ENODEV or EINVAL; keep going. */
			if (!first_err)
				first_err = fd;
			hp_debug(HP_DBG_PERF, 1, "sampler on cpu %d: %s", cpu, strerror(-fd));
			continue;
		}
		unsigned r = s->nrings;
		int err = session_map_ring(s, &s->rings[r], fd);
		if (!err && s->stack_size != session_stack_size_for(s)) {
			/* The first ring came out smaller: copy less per sample. */
			ring_unmap(&s->rings[r]);
			close(fd);
			s->stack_size = session_stack_size_for(s);
			if ((fd = open_sampler(s, pid, cpu)) < 0)
				return fd;
			err = session_map_ring(s, &s->rings[r], fd);
		}
		if (err) {
			close(fd);
			return err;
		}
		s->nrings++;
		session_remember_id(s, fd, ID_SAMPLER, 0);
		session_open_counters(s, pid, cpu, r, fd);
		s->fault_fds[r] = s->offcpu_fds[r] = s->swrec_fds[r] = -1;
		open_task_offcpu(s, pid, cpu, r);
	}
	if (!s->nrings)
		return first_err ? first_err : -HP_ENOPERF;
	session_counters_check_faults(s, pid);
	pack_switch_rings(s, s->nrings);
	s->res->stack_size = s->o->call_graph == HP_CG_DWARF ? s->stack_size : 0;
	return 0;
}

/* A ring refused after the first (the sizes fit the user's allowance, so
 * the user's other perf sessions hold part of it, which no interface
 * shows): every event again, with rings a quarter as large, down to the
 * smallest. The program has not run yet (it waits at its exec). */
int session_open_events(struct hp_session *s, pid_t pid)
{
	int err;
	while ((err = open_events_once(s, pid)) == -HP_ERINGMEM && s->ring_pages > RING_PAGES_LAST) {
		session_close_events(s);
		if (s->o->pyremote)
			pyremote_forget_sampler_fds(s->o->pyremote);
		s->ring_pages = ring_part_pages(s->ring_pages, 4);
		hp_debug(HP_DBG_PERF, 1, "a ring refused (the user's other perf sessions hold locked"
			 " memory); all again with %u pages", s->ring_pages);
	}
	return err;
}

int session_open_offcpu_events(struct hp_session *s, pid_t pid)
{
	int ncpu = session_event_cpus(s), offline = 0;
	s->offcpu_only = 1;
	session_ring_sizes(s);
	for (int cpu = 0; cpu < ncpu; cpu++) {
		int before = s->res->offcpu_err;
		open_offcpu_sampler(s, pid, cpu, s->noff++);
		/* an offline CPU refuses with ENODEV or EINVAL (as its sampler
		 * does in session_open_events): skipped when another opens */
		if (!before && (s->res->offcpu_err == -ENODEV || s->res->offcpu_err == -EINVAL)) {
			offline = s->res->offcpu_err;
			s->res->offcpu_err = 0;
		}
	}
	pack_switch_rings(s, s->noff);
	if (!s->nswitch) {
		if (!s->res->offcpu_err)
			s->res->offcpu_err = offline ? offline : -ENODEV;
		return s->res->offcpu_err;
	}
	return 0;
}

/* Keep fd of an attached thread's event for the end (-1 ignored). */
static int keep_extra(struct hp_session *s, int fd)
{
	if (fd < 0)
		return 0;
	if (hp_grow((void **)&s->extra_fds, &s->extra_cap, s->nextra + 1, sizeof(*s->extra_fds))) {
		close(fd);
		return -ENOMEM;
	}
	s->extra_fds[s->nextra++] = fd;
	return 0;
}

/* Another thread's sampler on the CPU of ring r: into that ring, with its
 * fault and off-CPU samplers (whose fds the ring's slots do not hold). */
static int open_task_extra(struct hp_session *s, pid_t tid, int cpu, unsigned r)
{
	int fd = open_sampler(s, tid, cpu), err;
	if (fd < 0)
		return fd;
	if (ioctl(fd, PERF_EVENT_IOC_SET_OUTPUT, s->rings[r].fd) < 0) {
		err = -errno;
		close(fd);
		return err;
	}
	session_remember_id(s, fd, ID_SAMPLER, 0);
	if ((err = keep_extra(s, fd)))
		return err;
	int saved_fault = s->fault_fds[r], saved_off = s->offcpu_fds[r], saved_rec = s->swrec_fds[r];
	s->fault_fds[r] = s->offcpu_fds[r] = s->swrec_fds[r] = -1;
	open_task_offcpu(s, tid, cpu, r);
	err = keep_extra(s, s->fault_fds[r]);
	if (!err)
		err = keep_extra(s, s->swrec_fds[r]);
	if (!err)
		err = keep_extra(s, s->offcpu_fds[r]);
	s->fault_fds[r] = saved_fault;
	s->offcpu_fds[r] = saved_off;
	s->swrec_fds[r] = saved_rec;
	return err;
}

static void enable(int fd)
{
	if (fd >= 0)
		ioctl(fd, PERF_EVENT_IOC_ENABLE, 0);
}

static int open_tasks_once(struct hp_session *s, const uint32_t *tids, size_t n)
{
	int ncpu = session_event_cpus(s), first_err = 0, err;
	session_ring_sizes(s);
	for (int cpu = 0; cpu < ncpu; cpu++) {
		unsigned r = s->nrings;
		size_t k = 0;
		int fd = -1;
		/* the first thread that opens holds the ring (a thread may be gone) */
		for (; k < n && fd < 0; k++)
			if ((fd = open_sampler(s, (pid_t)tids[k], cpu)) < 0 && !first_err)
				first_err = fd;
		if (fd < 0)
			continue;
		if ((err = session_map_ring(s, &s->rings[r], fd))) {
			close(fd);
			return err;
		}
		s->nrings++;
		session_remember_id(s, fd, ID_SAMPLER, 0);
		session_open_counters(s, (pid_t)tids[k - 1], cpu, r, fd);
		s->fault_fds[r] = s->offcpu_fds[r] = s->swrec_fds[r] = -1;
		open_task_offcpu(s, (pid_t)tids[k - 1], cpu, r);
		for (; k < n; k++)
			if ((err = open_task_extra(s, (pid_t)tids[k], cpu, r)) && err != -ESRCH)
				hp_debug(HP_DBG_PERF, 1, "thread %u on cpu %d: %s", tids[k], cpu,
					 strerror(-err));
	}
	if (!s->nrings)
		return first_err ? first_err : -HP_ENOPERF;
	pack_switch_rings(s, s->nrings);
	return 0;
}

static void enable_tasks(struct hp_session *s)
{
	/* The stack samplers first: a switch-out between the enabling of a
	 * thread's SWITCH records and of its stack sampler was an interval of
	 * the first "on" period without its stack (docs/offcpu.md, "Waits
	 * without a stack"); a sample before its records is dropped unused. */
	enable_all(s->gate_fds, s->ngate, 1);
	enable(session_task_counter_leader(s));
	for (unsigned r = 0; r < s->nrings; r++) {
		enable(s->rings[r].fd);
		enable(s->fault_fds[r]);
		enable(s->swrec_fds[r]);
		enable(s->offcpu_fds[r]);
	}
	for (size_t i = 0; i < s->nextra; i++)
		enable(s->extra_fds[i]);
	if (s->oc)                  /* the gate's first rate: over the time since */
		offcpu_records_on(s->oc, session_rel_time(s, hp_now_ns()));
}

/* As session_open_events: a ring refused after the first (another of the
 * user's perf sessions holds part of the allowance: a second hpprof of
 * an unprivileged user said "perf events are not available") is all
 * again with rings a quarter as large; a first ring that came out
 * smaller is all again with the stack copy it holds. */
int session_open_events_tasks(struct hp_session *s, const uint32_t *tids, size_t n)
{
	int err;
	for (;;) {
		err = open_tasks_once(s, tids, n);
		int shrunk = !err && s->stack_size != session_stack_size_for(s);
		if (!shrunk && (err != -HP_ERINGMEM || s->ring_pages <= RING_PAGES_LAST))
			break;
		session_close_events(s);
		if (s->o->pyremote)
			pyremote_forget_sampler_fds(s->o->pyremote);
		if (!shrunk)
			s->ring_pages = ring_part_pages(s->ring_pages, 4);
		hp_debug(HP_DBG_PERF, 1, "attach: all again with rings of %u pages", s->ring_pages);
	}
	if (!err)
		enable_tasks(s);
	return err;
}

void session_close_events(struct hp_session *s)
{
	for (size_t i = 0; i < s->nextra; i++)
		close(s->extra_fds[i]);
	free(s->extra_fds);
	s->extra_fds = NULL;
	free(s->gate_fds);                 /* the same fds as offcpu_fds[] and extras */
	s->gate_fds = NULL;
	s->ngate = s->gate_cap = 0;
	free(s->rec_fds);                  /* the same fds as swrec_fds[] and extras */
	s->rec_fds = NULL;
	s->nrec = s->rec_cap = 0;
	s->nextra = s->extra_cap = 0;
	for (unsigned r = 0; r < s->nrings; r++) {
		for (unsigned i = 0; i < s->o->ncounters; i++)
			if (s->counter_fds[r][i] >= 0)
				close(s->counter_fds[r][i]);
		if (s->fault_fds[r] >= 0)
			close(s->fault_fds[r]);
		ring_unmap(&s->rings[r]);
		close(s->rings[r].fd);
	}
	for (unsigned r = 0; r < session_offcpu_slots(s); r++) {
		if (s->offcpu_fds[r] >= 0)
			close(s->offcpu_fds[r]);
		if (s->swrec_fds[r] >= 0)
			close(s->swrec_fds[r]);
	}
	s->noff = 0;
	/* the switch and stack rings' fds are swrec_fds[], offcpu_fds[] */
	for (unsigned k = 0; k < s->nswitch; k++)
		ring_unmap(&s->rings[s->nrings + k]);
	for (unsigned r = 0; r < s->nslots; r++) {   /* an open that failed before packing */
		ring_unmap(switch_slot(s, r));
		ring_unmap(stack_slot(s, r));
	}
	s->nrings = s->nswitch = s->nswitch_rec = 0;
}

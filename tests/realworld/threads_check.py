#!/usr/bin/python3
"""Multi-threaded programs: hpprof per thread against perf
(docs/realworld.md, "Wave 20: multi-threaded programs").

  threads_check.py cpu --perf S.data --db S.db --speedscope S.json
      S: `perf record -e cpu-clock -F 2000 --call-graph dwarf -- hpprof run
         -F 2000 -o S.db TARGET`, one execution both tools sampled; S.json
         its `hpprof export --format speedscope`. Per thread: its share of
         the target's samples, its name, its top functions' shares of its
         user-space samples, and the speedscope profile of the thread.
  threads_check.py separate --perf B.data --perf2 D.data --db A.db
  threads_check.py stacks --db A.db
      A: `hpprof run -o A.db TARGET` alone, default options, between B and
         D: `perf record -e cpu-clock -F 2000 --call-graph dwarf -- TARGET`:
         each thread's share (shown: the program's split drifts), how many
         threads hold 1% or more; the complete stacks of each thread
         (issue #12's definition).
  threads_check.py gated --db W.db
      exit status 0 when W's switch records were gated (a switch rate over
      hpprof's stack budget: the intervals are weighted, not compared).
  threads_check.py offcpu --perf W.data --db W.db --hpprof BIN
      W: `perf record -e sched:sched_switch -a -g -- hpprof run -o W.db
         TARGET`, one execution: each thread's time off the CPU, preempted
         and asleep on a lock (a futex, an rwsem), from the kernel's
         sched_switch tracepoint, against `hpprof report --weight off --tid
         TID`.

Tolerances reuse compare.py's (3 pp + 3 binomial standard errors of the
difference of two shares); the off-CPU allowance is below, with its reason.
"""

import argparse
import collections
import json
import math
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import compare  # noqa: E402
import peers  # noqa: E402
from compare import check, pct, tolerance  # noqa: E402

TOP = 3                 # functions compared per thread
THREAD_MIN = 300        # user-space samples a thread needs for its functions to be compared
STACKS_MIN = 100        # samples a thread needs for its complete-stack share to be checked


# ---------------------------------------------------------------- one execution, CPU

def perf_threads(rows):
    """{tid: (samples, comm)} of the target's threads in perf's rows; the
    comm is the one with the most samples (a thread's rows before an exec
    carry the parent's name and are not the target's: compare.TOOL_COMMS)."""
    n, names = collections.Counter(), collections.defaultdict(collections.Counter)
    for r in rows:
        n[r.tid] += r.samples
        names[r.tid][r.comm] += r.samples
    return {t: (c, names[t].most_common(1)[0][0]) for t, c in n.items()}


def thread_shares(perf, hp_threads):
    """Each thread's samples as a share of the target's, both tools, and
    its name. Threads are matched by tid: the same execution."""
    print("# threads, one execution (perf record -- hpprof run): samples per thread")
    n_perf = sum(c for c, _ in perf.values())
    n_hp = sum(c for c, _ in hp_threads.values())
    print("  perf: %d samples in %d threads; hpprof (thread_profile): %d in %d threads"
          % (n_perf, len(perf), n_hp, len(hp_threads)))
    print("  %7s %7s %6s  %s" % ("perf%", "hpprof%", "tol", "thread (samples perf/hpprof, comm)"))
    for tid in sorted(set(perf) | set(hp_threads), key=lambda t: -perf.get(t, (0, ""))[0]):
        pc, pcomm = perf.get(tid, (0, None))
        hc, hcomm = hp_threads.get(tid, (0, None))
        pp, hpp = pct(pc, n_perf), pct(hc, n_hp)
        line = "%6.2f%% %6.2f%%" % (pp, hpp)
        if compare.too_few_to_compare(pc, n_perf, hc, n_hp):
            print("  info %s  %d: %d/%d, too few to be missed by chance in the other" %
                  (line, tid, pc, hc))
            continue
        # 3 pp + 3 standard errors of the difference (compare.tolerance)
        tol = tolerance(pp, n_perf, hpp, n_hp)
        check(abs(pp - hpp) <= tol, "%s %5.1fpp  %d (%d/%d, %s)" % (line, tol, tid, pc, hc, hcomm))
        if pcomm and hcomm:
            check(pcomm == hcomm, "thread %d's name: perf '%s', hpprof '%s'" % (tid, pcomm, hcomm))
    return n_perf, n_hp


def thread_functions(rows, leaves, tid, names):
    """One thread's top user-space functions, perf's named as hpprof is to
    name them (compare.perf_functions: unnamed code by FDE, aliases), as
    shares of the thread's user-space samples."""
    p_rows = [r for r in rows if r.tid == tid and not r.kernel]
    h_rows = [l for l in leaves if not peers.is_kernel_module(l.module)]
    n_perf, n_hp = sum(r.samples for r in p_rows), sum(l.samples for l in h_rows)
    if n_perf < THREAD_MIN:
        return
    print("  thread %d: %d user-space samples in perf, %d in hpprof" % (tid, n_perf, n_hp))
    check(n_hp > 0, "thread %d has user-space samples in hpprof" % tid)
    compare.check_top_functions(compare.perf_functions(p_rows, names),
                                compare.hpprof_functions(h_rows), n_perf, n_hp, TOP)


def speedscope_threads(path, hp_threads, perf, n_perf):
    """The speedscope export has one profile per thread ("<comm> tid
    <tid>", weights in ns): each thread's weight as a share of all
    profiles' weights, against perf's share of samples for the thread."""
    print("# speedscope export: one profile per thread, against perf")
    prof = json.load(open(path))["profiles"]
    w = {}
    for p in prof:
        m = re.search(r" tid (\d+)$", p["name"])
        check(m is not None, "speedscope profile '%s' names its thread" % p["name"])
        if m:
            w[int(m.group(1))] = sum(p.get("weights", []))
    total = sum(w.values())
    check(set(w) == {t for t, (c, _) in hp_threads.items() if c},
          "a profile for each thread with samples (%d)" % len(w))
    for tid, (pc, _) in sorted(perf.items(), key=lambda kv: -kv[1][0]):
        if pc < STACKS_MIN:
            continue
        pp, sp = pct(pc, n_perf), pct(w.get(tid, 0), total)
        tol = tolerance(pp, n_perf, sp, n_perf)
        check(abs(pp - sp) <= tol, "thread %d: perf %.2f%%, speedscope %.2f%% of the weight"
              " (tolerance %.1fpp)" % (tid, pp, sp, tol))


def cpu(args):
    hp = peers.HpDb(args.db)
    rows, lost = peers.perf_rows(args.perf)
    rows = [r for r in rows if r.comm not in compare.TOOL_COMMS]
    if lost or int(hp.info("lost_samples", 0) or 0):
        print("  note: samples lost: perf %d, hpprof %s" % (lost, hp.info("lost_samples")))
    perf = perf_threads(rows)
    hp_threads = {tid: (n, comm) for pid, tid, comm, n in
                  hp.q("SELECT pid, tid, comm, samples FROM thread_profile")}
    n_perf, _ = thread_shares(perf, hp_threads)
    check(len([t for t, (c, _) in perf.items() if c >= STACKS_MIN]) >= 2,
          "the program ran at least two threads of %d samples or more (perf): a "
          "multi-threaded run" % STACKS_MIN)
    print("# each thread's top %d user-space functions (shares of the thread's user-space"
          " samples), threads of %d samples or more" % (TOP, THREAD_MIN))
    leaves = hp.leaves(by_thread=True)
    names = compare.Names()
    for tid in sorted(perf, key=lambda t: -perf[t][0]):
        thread_functions(rows, leaves.get(tid, []), tid, names)
    speedscope_threads(args.speedscope, hp_threads, perf, n_perf)


# ---------------------------------------------------------------- separate runs

def separate(args):
    """perf alone, hpprof alone (default options), perf alone again:
    separate runs, with other tids. How the program splits its work
    between its threads drifts from run to run more than sampling does:
    zstd's two workers 55.77 / 43.65% in one perf run and 46.79 / 52.70%
    in the next; sort's main thread 48.0-63.5% in 9 perf runs, 49.4-69.6%
    in 6 of hpprof's (which thread merges is the scheduler's choice). So
    each thread's share is shown (threads in creation order: tids grow as
    a process makes threads), and compared only in the one execution both
    tools sample (cpu); here the check is that hpprof's run has as many
    threads with 1% of the samples or more as one of perf's."""
    print("# threads, separate runs (perf record; hpprof run, default options; perf again)")
    runs = []
    for path in (args.perf, args.perf2):
        n = collections.Counter()
        for r in peers.perf_rows(path)[0]:
            if r.comm not in compare.TOOL_COMMS:
                n[r.tid] += r.samples
        runs.append(sorted(n.items()))
    hp = peers.HpDb(args.db)
    runs.append(sorted(hp.q("SELECT tid, samples FROM thread_profile")))
    totals = [sum(c for _, c in r) for r in runs]
    for name, k in (("perf", 0), ("hpprof", 2), ("perf again", 1)):
        print("  info %s: %s" % (name, ", ".join("%.2f%%" % pct(c, totals[k]) for _, c in runs[k])))
    # A thread near 1% counts either way: 3 binomial standard errors at 1%
    # plus 0.25 pp of run-to-run drift (zstd's main thread: 0.85% and 0.92%
    # in perf's runs, 1.03% in hpprof's between them, in one CI-like run)
    def span(r, t):
        m = 3 * math.sqrt(0.01 * 0.99 / max(t, 1)) * 100 + 0.25
        return (sum(1 for _, c in r if pct(c, t) >= 1 + m),
                sum(1 for _, c in r if pct(c, t) >= 1 - m))
    (p1, p1x), (p2, p2x), (h, hx) = (span(r, t) for r, t in zip(runs, totals))
    check(any(h <= hi and lo <= hx for lo, hi in ((p1, p1x), (p2, p2x))),
          "threads with 1%% of the samples or more (those within the margin either way):"
          " perf %d-%d and %d-%d, hpprof %d-%d" % (p1, p1x, p2, p2x, h, hx))


# ---------------------------------------------------------------- complete stacks

def stacks(args):
    """Per thread, the samples whose outermost frame is an entry (the
    program's or a thread's start: compare.ENTRY_FRAMES, or the code at a
    module's ELF entry point, _start of a stripped executable), of those
    whose stack the kernel copied whole. A stack that stops at a page of
    the stack the kernel could not copy (samples.unwind = 4: a large frame
    whose middle page was never touched, docs/symbols.md "Holes") is the
    kernel's copy, not the unwinding: perf's copy stops there too (sort's
    strtold: 479 of perf's 573 samples of the helper thread with a short
    copy, 481 holes in hpprof's, the same execution). They are shown."""
    print("# complete stacks per thread (hpprof run alone, default options)")
    hp = peers.HpDb(args.db)
    names = compare.Names()
    comm = dict(hp.q("SELECT tid, comm FROM thread_profile"))
    holes = dict(hp.q("SELECT tid, COUNT(*) FROM samples WHERE event = 0 AND unwind = 4 "
                      "GROUP BY tid"))
    for tid, outer in sorted(hp.outermost_frames(by_thread=True).items(),
                             key=lambda kv: -sum(kv[1].values())):
        n = sum(outer.values())
        entry = sum(c for k, c in outer.items()
                    if peers.reaches_entry(names, compare.ENTRY_FRAMES, *k))
        whole = n - holes.get(tid, 0)
        shown = collections.Counter()
        for (fn, _, _), c in outer.items():
            shown[fn] += c
        line = "thread %d (%s): %d of %d samples reach an entry, %.1f%% of the %d copied whole" \
            " (%d stopped at a page the kernel could not copy); outermost: %s" % (
                tid, comm.get(tid, "?"), entry, n, pct(entry, whole), whole, n - whole,
                ", ".join("%s %.1f%%" % (f, pct(c, n)) for f, c in shown.most_common(3)))
        if whole < STACKS_MIN:
            print("  info " + line)
        else:
            check(pct(entry, whole) >= compare.COMPLETE_MIN,
                  line + " (>= %g%%)" % compare.COMPLETE_MIN)
    total = sum(n for (n,) in hp.q("SELECT samples FROM thread_profile"))
    check(total == int(hp.info("samples", 0)),
          "thread_profile's samples add up to run_info's: %d and %s" % (total, hp.info("samples")))


# ---------------------------------------------------------------- off-CPU

# An hpprof interval runs from its thread's PERF_RECORD_SWITCH out to its
# switch in. The kernel writes both after the sched_switch tracepoint (the
# switch-out in perf_event_task_sched_out, the switch-in in
# finish_task_switch, after the other task's switch-out), so an hpprof
# interval may be longer than the tracepoint's by part of the switch:
# hpprof's switch sample (its 16 KiB stack copy) and the outer perf's call
# chain. Measured where perf recorded every switch-in: +0.2 to +0.5 ms
# (sort's threads, 82-104 intervals; xz's main thread +0.3 ms in 99), ~4 us
# an interval; allowed: PER_SWITCH_US per interval, OFF_ALLOWANCE of the
# time and OFF_MIN_MS.
PER_SWITCH_US = 20
OFF_ALLOWANCE = 0.01
OFF_MIN_MS = 2.0

WAIT_RE = re.compile(r"  ([A-Za-z/ ]+?) ([0-9.]+) ms \(")


def hpprof_thread_off(hpprof, db, tid):
    """(off-CPU ms, {wait class: ms}) of one thread, as `hpprof report
    --weight off --tid TID` prints them."""
    out = subprocess.run([hpprof, "report", "--weight", "off", "--tid", str(tid), "-n", "1", db],
                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                         universal_newlines=True, check=True).stdout
    off, classes = None, {}
    for line in out.splitlines():
        m = re.match(r"\s+off-cpu\s+(\d+) ns", line)
        if m:
            off = int(m.group(1)) / 1e6
        if line.startswith("  off-CPU by wait:"):
            classes = {k: float(v) for k, v in WAIT_RE.findall(line[len("  off-CPU by wait:"):])}
    return off, classes


def off_check(who, what, iv, hp_ms):
    """hpprof's time against the sum of perf's intervals iv: a range where
    perf missed switch-ins (peers.sched_intervals), and where the thread
    was off the CPU in do_exit, which no per-task event sees on this
    kernel: the thread's PERF_RECORD_EXIT comes before exit_mmap frees the
    process's memory (xz: a worker's exit record at 4729.6 ms, its
    preemptions in exit_mmap for 8 ms after, seen by the tracepoint only).
    Beside a CPU loop, 1-4 such intervals of 0.01-3 ms in each of 5 runs
    looked at; they count from 0 to their time."""
    lo = sum(i.ns for i in iv if not i.exiting) / 1e6
    hi = sum(i.ns_max for i in iv) / 1e6
    missed = sum(1 for i in iv if i.ns != i.ns_max)
    exiting = [i for i in iv if i.exiting]
    tol = OFF_MIN_MS + PER_SWITCH_US * len(iv) / 1000.0 + OFF_ALLOWANCE * hi
    perf = "%.1f ms" % lo if lo == hi else "%.1f-%.1f ms" % (lo, hi)
    why = ["%d switch-ins not recorded" % missed] if missed else []
    why += ["%d in do_exit, %.1f ms" % (len(exiting), sum(i.ns_max for i in exiting) / 1e6)] \
        if exiting else []
    check(lo - tol <= hp_ms <= hi + tol, "%s %s: perf %s%s in %d intervals, hpprof %.1f ms,"
          " tolerance %.1f ms" % (who, what, perf, " (%s)" % ", ".join(why) if why else "",
                                  len(iv), hp_ms, tol))


def gated(args):
    """Exit status 0 when the run's switch records were gated (threads.sh
    then makes the run again), 1 when they were not."""
    hp = peers.HpDb(args.db)
    return 0 if hp.info("offcpu_intervals") is None else 1


def offcpu(args):
    hp = peers.HpDb(args.db)
    if hp.info("offcpu_intervals") is None:
        print("  info the switch records were gated (a high switch rate): the intervals"
              " are weighted, not compared one by one")
        return
    pid = hp.q("SELECT pid FROM processes ORDER BY start_ns LIMIT 1")[0][0]
    target = os.path.basename(hp.q("SELECT exe FROM processes WHERE pid = ?", pid)[0][0])
    res, comm = peers.sched_intervals(args.perf, pid)
    # before the exec the main thread is hpprof's child (comm hpprof):
    # hpprof records from the exec on
    res = {t: [i for i in iv if i.comm not in compare.TOOL_COMMS] for t, iv in res.items()}
    print("# off-CPU time per thread, one execution (perf record -e sched:sched_switch -a -g"
          " -- hpprof run): process %d" % pid)
    hp_tids = {t for (t,) in hp.q("SELECT tid FROM threads WHERE pid = ?", pid)}
    check(set(res) <= hp_tids, "every thread perf saw switch out (%d) is in hpprof's threads"
          " (%d)" % (len(res), len(hp_tids)))
    # run_info's offcpu_ns is every interval's exact time, stacks sampled or not
    off_check("all threads", "off the CPU (run_info offcpu_ns)",
              [i for iv in res.values() for i in iv],
              int(hp.info("offcpu_ns")) / 1e6)
    # the lock class comes from the switch-out's stack (analyzer/offcpu_class.c)
    stacks = "without stacks" not in (hp.info("off_cpu") or "")
    # above the stack budget the written intervals stand for the unwritten
    # ones too (weights: docs/offcpu.md): a thread's figures are estimates
    # (zstd beside a CPU loop: a worker's 4 futex waits of 179 ms shown as
    # 258 ms of lock)
    exact = not int(hp.info("offcpu_unsampled", 0) or 0)
    if not stacks or not exact:
        print("  info off-CPU %s: the threads' figures are shown, not compared"
              % hp.info("off_cpu"))
    for tid in sorted(res):
        off, classes = hpprof_thread_off(args.hpprof, args.db, tid)
        print("  thread %d (%s): hpprof's waits %s" % (tid, comm[tid], ", ".join(
            "%s %.1f ms" % kv for kv in classes.items()) or "none"))
        check(off is not None, "thread %d has off-CPU time in hpprof's report" % tid)
        check(comm[tid] == target, "thread %d's name at its last switch: '%s', the program's"
              " '%s'" % (tid, comm[tid], target))
        if off is None or not exact:
            continue
        iv = res[tid]
        pre = [i for i in iv if i.state.startswith("R")]
        lock = [i for i in iv if not i.state.startswith("R") and i.lock]
        who = "thread %d" % tid
        off_check(who, "off the CPU", iv, off)
        off_check(who, "preempted (state R at the switch-out)", pre, classes.get("preempted", 0.0))
        if stacks:
            off_check(who, "asleep on a lock (futex, rwsem; hpprof: lock)", lock,
                      classes.get("lock", 0.0))


# ---------------------------------------------------------------- main

def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    c = sub.add_parser("cpu")
    for a in ("perf", "db", "speedscope"):
        c.add_argument("--" + a, required=True)
    s = sub.add_parser("stacks")
    s.add_argument("--db", required=True)
    o = sub.add_parser("offcpu")
    for a in ("perf", "db", "hpprof"):
        o.add_argument("--" + a, required=True)
    a = sub.add_parser("separate")
    for x in ("perf", "perf2", "db"):
        a.add_argument("--" + x, required=True)
    g = sub.add_parser("gated")
    g.add_argument("--db", required=True)
    args = ap.parse_args()
    if args.cmd == "gated":
        return gated(args)
    {"cpu": cpu, "separate": separate, "stacks": stacks, "offcpu": offcpu}[args.cmd](args)
    return compare.verdict()


if __name__ == "__main__":
    sys.exit(main())

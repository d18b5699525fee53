#!/usr/bin/python3
"""The CPU checks of the realworld tier: hpprof against perf (allocations
against heaptrack: memory_check.py).

  compare.py cpu --same-perf A.data --same-db A.db \\
                 --alone-perf B.data --alone-perf2 D.data --alone-db C.db --alone-log C.err
      A: `perf record --call-graph dwarf -- hpprof run -o A.db TARGET`, one
         execution seen by both tools: user-space symbol shares.
      B, D: `perf record --call-graph dwarf -- TARGET` before and after C:
         `hpprof run -o C.db TARGET`, separate runs: kernel share (an outer
         perf changes the target's kernel time, so A cannot be used for it;
         B and D measure how much it drifts from run to run) and complete
         stacks.

Every check prints its figures, the tolerance and where the tolerance comes
from; the exit status is 1 when any check failed (all are run first).
Peers' files are read by peers.py. docs/realworld.md explains the method.
"""

import argparse
import collections
import math
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import peers  # noqa: E402

ALLOWANCE_PP = 3.0      # the stated allowance of issue #10, in percentage points
Z = 3.0                 # binomial standard errors added to it
COMPLETE_MIN = 95.0     # complete stacks, percent of samples
TOP = 5

# Frames that prove a stack reached the program's entry or a thread's start:
# the definition of a complete stack in issue #12. __libc_start_call_main
# (glibc >= 2.34) is the frame that calls main: Debian's programs are
# stripped, so reaching it is how a stack shows it got through main.
ENTRY_FRAMES = {"_start", "__libc_start_main", "__libc_start_main_impl",
                "__libc_start_call_main", "main", "clone", "clone3",
                "start_thread", "_dl_start_user",
                # Go: where its runtime's own traceback stops (funcFlag_TOPFRAME:
                # a goroutine's goexit, the main thread's rt0_go, a thread's
                # mstart; funcFlag_SPWRITE: the switches to g0's stack), and the
                # clone that starts a thread (realworld_go)
                "runtime.goexit.abi0", "runtime.rt0_go.abi0", "runtime.mstart.abi0",
                "runtime.clone.abi0", "runtime.systemstack.abi0", "runtime.mcall",
                "runtime.morestack.abi0"}

# Processes in the outer perf's data that are not the target: hpprof itself
# (and the target's child before exec, still named hpprof) and perf's own child.
TOOL_COMMS = ("hpprof", "perf-exec", "perf")

failures = []

# Kernel functions where a cpu-clock sample taken at the task's switch-in
# lands (same_execution): finish_task_switch when the task slept or yielded;
# __schedule, and irqentry_exit_to_user_mode just after schedule() returns
# with interrupts enabled, when a timer interrupt preempted it (CI run 101,
# beside a CPU loop: hpprof 11 of 17 kernel samples in
# irqentry_exit_to_user_mode under asm_sysvec_apic_timer_interrupt, perf 2
# of 29). Each of the two samplers of one task has its own timer phase, so
# under preemption one lands there more (CI run 90, beside a CPU loop: perf
# 16 of 26 kernel samples in finish_task_switch, hpprof 1 of 14): the
# samplers' own artifact, not a difference in what the program did.
# Compared by name without the compiler's .isra/.part suffix.
SCHED_IN = {"finish_task_switch", "__schedule", "irqentry_exit_to_user_mode"}
# The same holds for all the work the kernel does at an interrupt's exit in
# the task's context (softirqs, a preemption, rseq's fix-ups): a sampler
# sees it only when its timer fires in that window, which depends on its
# phase against the interrupt, and the interrupts that cause most of it
# are the samplers' own (their hrtimers; the irq_work that wakes a ring's
# reader, after which the reader preempts the task on a busy machine).
# CI run 109 (quiet): perf 18 of 900 kernel samples, hpprof 0 of 900, the
# totals equal; 60 local runs beside two helpers' builds: perf 28 against
# hpprof 6, 21 of perf's in finish_task_switch under asm_sysvec_irq_work,
# 13 against 3 (handle_softirqs 9 against 0), and the other way round, 4
# against 17 (sched_balance_* and handle_softirqs under the timer
# interrupt). A kernel sample whose stack entered the kernel by an
# interrupt (peers.KERNEL_ENTRY, innermost entry) is such a landing.
INTERRUPT_ENTRIES = ("asm_sysvec_", "asm_common_interrupt", "asm_spurious_interrupt")


def switch_in(name):
    return norm(name).split(".")[0] in SCHED_IN


def landing(name, entry):
    """A kernel sample that landed at a switch-in or an interrupt's exit:
    each sampler's own (SCHED_IN, INTERRUPT_ENTRIES)."""
    return switch_in(name) or (entry or "").startswith(INTERRUPT_ENTRIES)


def check(ok, text):
    print("  %-4s %s" % ("ok" if ok else "FAIL", text))
    if not ok:
        failures.append(text)
    return ok


def verdict():
    """A check script's exit status: 1 when a check failed (said), else 0."""
    if failures:
        print("%d check(s) failed" % len(failures))
        return 1
    print("all checks passed")
    return 0


def tolerance(p1, n1, p2, n2):
    """ALLOWANCE_PP + Z standard errors of the difference of two independent
    binomial shares (percent), with the pooled share as p.

    For separate runs the two shares are independent estimates. In the one
    execution both tools sample, their cpu-clock timers are both enabled at
    the target's exec and tick at the same rate, so they tend to sample the
    same instants (sample counts agree to a few): the independent-sampling
    error is then an upper bound."""
    if not n1 or not n2:
        return float("inf")
    p = (p1 * n1 + p2 * n2) / (100.0 * (n1 + n2))
    return ALLOWANCE_PP + Z * 100.0 * math.sqrt(p * (1 - p) * (1.0 / n1 + 1.0 / n2))


def pct(n, d):
    return 100.0 * n / d if d else 0.0


def norm(name):
    """A function name with perf's and hpprof's spelling differences taken
    out: the @VERSION perf prints after versioned symbols (cfree@GLIBC_2.2.5)
    and a C++ parameter list (perf prints none; hpprof may). Mangled names
    stay mangled: demangling is something hpprof must do (issue #12.2)."""
    name = name.split("@", 1)[0].strip()
    if name.endswith(")") and not name.endswith("operator()"):
        depth = 0
        for i in range(len(name) - 1, -1, -1):
            depth += {")": 1, "(": -1}.get(name[i], 0)
            if depth == 0:
                return name[:i] if i > 0 else name
    return name


# ---------------------------------------------------------------- user symbols

class Names:
    """ElfNames per dso, loaded once."""

    def __init__(self):
        self.cache = {}

    def __call__(self, path):
        if path not in self.cache:
            self.cache[path] = peers.ElfNames(path)
        return self.cache[path]


KERNEL = "[kernel]"     # one module name for perf's [kernel.kallsyms] and hpprof's [kernel]


def perf_functions(rows, names):
    """perf's rows grouped into functions the way hpprof is meant to name
    them (the mapping where hpprof is more precise than perf):

    - unnamed code: perf has one row per sampled address; hpprof names the
      .eh_frame FDE that contains it, `module+0xSTART` (issue #12.4). perf's
      addresses are summed per FDE and given that name.
    - a named symbol keeps perf's name; the names hpprof may give the same
      code are its aliases (symbols at the same address: pread64 and
      __libc_pread, __memmove_* and __memcpy_*), as perf shows them
      (demangled without parameters), and the symbol's extent is kept to
      say where hpprof put those samples.
    - kernel symbols are taken as perf names them (from kallsyms).
    Returns {(module basename, name): {'samples', 'aliases', 'extents'}}."""
    groups = {}
    raw = collections.defaultdict(set)
    for r in rows:
        if r.kernel:
            base, key, ext = KERNEL, norm(r.sym), None
        else:
            elf = names(r.dso)
            base, addr = elf.base, elf.vaddr(r.addr)
            if r.sym.startswith("0x") or r.sym == "[unknown]":
                ext = elf.fde(addr) or (addr, addr + 1)
                key = "%s+0x%x" % (elf.base, ext[0])
            else:
                ext = elf.symbol_extent(addr) or (addr, addr + 1)
                key = norm(r.sym)
                raw[(base, key)] |= elf.aliases(addr)
        g = groups.setdefault((base, key), {"samples": 0, "aliases": {key}, "extents": set()})
        g["samples"] += r.samples
        if ext:
            g["extents"].add(ext)
    shown = peers.demangle(set().union(*raw.values()) if raw else set())
    for k, al in raw.items():
        groups[k]["aliases"] |= {norm(shown[a]) for a in al}
    return groups


def hpprof_functions(leaves):
    """hpprof's samples per (module basename, function name).

    hpprof's name for a sample is its innermost frame, an inlined function
    when the address lies in an inline expansion (hpprof reads DWARF; perf
    sorts by ELF symbol): it is compared by the function that contains the
    inline chain, the outermost frame of the location (issue #10: inline
    frames are hpprof being more precise; tcache_get inside malloc)."""
    by_name = collections.Counter()
    for l in leaves:
        base = KERNEL if peers.is_kernel_module(l.module) else os.path.basename(l.module)
        by_name[(base, norm(l.outer_function))] += l.samples
    return by_name


def same_execution(perf_data, db):
    """perf's top user-space and kernel functions of the one execution both
    tools sampled, each as a share of that space's samples (the outer perf
    changes how much kernel time there is, not which instants both see)."""
    hp = peers.HpDb(db)
    rows, lost = peers.perf_rows(perf_data, entries=True)
    rows = [r for r in rows if r.comm not in TOOL_COMMS]
    leaves = hp.leaves_by_entry()
    if lost or int(hp.info("lost_samples", 0) or 0):
        print("  note: samples lost: perf %d, hpprof %s" % (lost, hp.info("lost_samples")))
    unseen = {r.tid for r in rows} - hp.threads()
    if unseen:
        print("  note: perf sampled %d threads hpprof has no record of (%d samples)"
              % (len(unseen), sum(r.samples for r in rows if r.tid in unseen)))
    # each sampler's own landings (switch-ins, interrupts' exits) are
    # shown, not compared, and left out of both tools' kernel functions
    p_land = [r for r in rows if r.kernel and landing(r.sym, r.entry)]
    h_land = [l for l in leaves if l.entry and landing(l.outer_function, l.entry)]
    rows = [r for r in rows if not (r.kernel and landing(r.sym, r.entry))]
    leaves = [l for l in leaves if not (l.entry and landing(l.outer_function, l.entry))]
    groups = perf_functions(rows, Names())
    by_name = hpprof_functions(leaves)
    all_perf = sum(r.samples for r in rows) + sum(r.samples for r in p_land)
    all_hp = sum(l.samples for l in leaves) + sum(l.samples for l in h_land)
    for space, kernel in (("user-space", False), ("kernel", True)):
        print("# %s functions, one execution (perf record --call-graph dwarf -- hpprof run)" % space)
        p_rows = [r for r in rows if r.kernel == kernel]
        h_rows = [l for l in leaves if peers.is_kernel_module(l.module) == kernel]
        n_perf, n_hp = sum(r.samples for r in p_rows), sum(l.samples for l in h_rows)
        if kernel:
            print("  info landings at a switch-in (%s) or an interrupt's exit (%s*), each"
                  " sampler's own: perf %d, hpprof %d"
                  % (", ".join(sorted(SCHED_IN)), "*, ".join(INTERRUPT_ENTRIES),
                     sum(r.samples for r in p_land), sum(l.samples for l in h_land)))
        print("  perf: %d %s samples of %d in the target's processes%s; hpprof: %d of %d"
              % (n_perf, space, all_perf, ", without the landings" if kernel else "",
                 n_hp, all_hp))
        if too_few_to_compare(n_perf, all_perf, n_hp, all_hp):
            print("  info too few %s samples to compare: the tool without one would have"
                  " had one by chance" % space)
            continue
        if not check(n_perf > 0 and n_hp > 0, "both tools have %s samples" % space):
            # what the other tool saw there (its files are kept: lib.sh's fail)
            print("  info perf's: %s; hpprof's: %s" % (
                ", ".join("%s %d" % kv for kv in top_counts((r.sym, r.samples) for r in p_rows)),
                ", ".join("%s %d" % kv for kv in top_counts((l.function, l.samples) for l in h_rows))))
        if not n_perf or not n_hp:
            continue
        mine = {k: g for k, g in groups.items() if (k[0] == KERNEL) == kernel}
        print("  %7s %7s %6s  %s" % ("perf%", "hpprof%", "tol", "function (module)"))
        check_top_functions(mine, by_name, n_perf, n_hp, TOP, None if kernel else
                            lambda g, base: where_hpprof_put(g, base, h_rows, n_hp))
        # Beyond the top 5: how much of hpprof's time is under a name perf
        # also uses (small functions can differ by less than the allowance).
        named = sum(n for (b, name), n in by_name.items()
                    if (b == KERNEL) == kernel and any(
                        b == gb and name in g["aliases"] for (gb, _), g in mine.items()))
        top_hp = ["%s %.2f%%" % (name, pct(n, n_hp)) for (b, name), n in by_name.most_common()
                  if (b == KERNEL) == kernel][:3]
        print("  info %.1f%% of hpprof's %s samples are under a name perf gives the same code;"
              " hpprof's top: %s" % (pct(named, n_hp), space, ", ".join(top_hp)))


def top_counts(pairs, n=8):
    """The n names with the most samples of (name, samples) pairs."""
    c = collections.Counter()
    for name, k in pairs:
        c[name] += k
    return c.most_common(n)


def check_top_functions(groups, by_name, n_perf, n_hp, top, where=None):
    """perf's top functions of groups (perf_functions) against hpprof's
    samples under the names perf gives that code (by_name:
    hpprof_functions), as shares of n_perf and n_hp samples: each within
    3 pp + 3 binomial standard errors of the difference (tolerance()).
    where(g, base): a text to print after a function's line."""
    for (base, key), g in sorted(groups.items(), key=lambda kv: -kv[1]["samples"])[:top]:
        hn = sum(n for (b, name), n in by_name.items() if b == base and name in g["aliases"])
        pp, hpp = pct(g["samples"], n_perf), pct(hn, n_hp)
        tol = tolerance(pp, n_perf, hpp, n_hp)
        check(abs(pp - hpp) <= tol, "%6.2f%% %6.2f%% %5.1fpp  %s (%s)%s"
              % (pp, hpp, tol, key, base, where(g, base) if where else ""))


def where_hpprof_put(g, base, hp_leaves, n_hp):
    """For the report: hpprof's names for the samples whose address lies in
    the code perf attributed to this function."""
    names = collections.Counter()
    for l in hp_leaves:
        if os.path.basename(l.module) == base and \
                any(s <= l.addr < e for s, e in g["extents"]):
            names[l.function] += l.samples
    if not names:
        return "\n         hpprof has no sample at these addresses"
    parts = ["%s %.2f%%" % (n, pct(c, n_hp)) for n, c in names.most_common(4)]
    more = len(names) - 4
    return "\n         hpprof's names there: " + ", ".join(parts) + \
        (", and %d more" % more if more > 0 else "")


# ---------------------------------------------------------------- kernel share

def too_few_to_compare(k1, n1, k2, n2):
    """Whether one tool's k = 0 samples of a kind is plausible beside the
    other's: its expected count at the other's share is below 9 (Poisson:
    P(0) = e^-9, 1 in 8,100). A program with a 0.3% kernel share gives ~3
    kernel samples of ~900 (CI run 102, rust legacy: perf 3 of 877, hpprof
    0 of 877, which happens by chance in 1 of 20 runs)."""
    if k1 and k2 or not k1 and not k2:
        return False
    expected = k1 * n2 / n1 if k1 else k2 * n1 / n2
    return expected < 9


def samplers_own(name):
    """A kernel function whose self time is the samplers' own rather than the
    program's: the switch-in landings and the perf events' code (their work
    at each switch and fault: perf_swevent_event, perf_output_sample...).
    Under hpprof's events (off-CPU's switch samples, the fault sampler) a
    fork-heavy program spends more of it: make beside a CPU loop, kernel
    9.38% under hpprof against 7.65% under perf, the rest 6.83% in both
    (docs/realworld.md, "Wave 19: fork-heavy programs' kernel share")."""
    return switch_in(name) or "perf" in name


def perf_kernel_share(perf_data):
    """(the program's kernel samples, all kernel samples, all samples)."""
    rows = [r for r in peers.perf_rows(perf_data)[0] if r.comm not in TOOL_COMMS]
    kernel = [r for r in rows if r.kernel]
    return (sum(r.samples for r in kernel if not samplers_own(r.sym)),
            sum(r.samples for r in kernel), sum(r.samples for r in rows))


def hpprof_kernel_share(db):
    hp = peers.HpDb(db)
    funcs = hp.kernel_functions()
    return (sum(n for f, n in funcs.items() if not samplers_own(f)), sum(funcs.values()),
            int(hp.info("samples", 0)))


def kernel_share(perf_data, perf_data2, db):
    """hpprof's run lies between two perf runs of the program. The program's
    kernel share drifts with the machine (a CI's parallel tests: gcc went
    from 7.9% under perf to 13.4% in the next run, 2026-12-06), so hpprof's
    share is compared with the range of perf's two, widened by the sampling
    tolerance: a difference the program's own drift explains is not
    hpprof's. Compared: the program's own kernel work, without the
    samplers' own functions (samplers_own; CI run 98, make: hpprof 15.25%
    against perf's 10.44% and 10.32% in all), which are shown."""
    print("# kernel share, separate runs (perf record --call-graph dwarf; hpprof run; perf again)")
    (k1, all1, n1), (k2, all2, n2) = perf_kernel_share(perf_data), perf_kernel_share(perf_data2)
    k_hp, all_hp, n_hp = hpprof_kernel_share(db)
    print("  info all kernel samples: perf %.2f%% and %.2f%%, hpprof %.2f%%; of them the"
          " samplers' own (switch-in, perf events' code): perf %.2f%% and %.2f%%, hpprof %.2f%%"
          % (pct(all1, n1), pct(all2, n2), pct(all_hp, n_hp), pct(all1 - k1, n1),
             pct(all2 - k2, n2), pct(all_hp - k_hp, n_hp)))
    p1, p2, hpp = pct(k1, n1), pct(k2, n2), pct(k_hp, n_hp)
    lo, hi = min(p1, p2), max(p1, p2)
    # independent binomial estimates: 3 pp + 3 standard errors of the
    # difference (tolerance() above), against the nearer of perf's runs
    near_p, near_n = (p1, n1) if abs(p1 - hpp) <= abs(p2 - hpp) else (p2, n2)
    tol = tolerance(near_p, near_n, hpp, n_hp)
    inside = lo - tol <= hpp <= hi + tol
    check(n_hp > 0 and inside,
          "the program's kernel work: perf %.2f%% (%d/%d) and %.2f%% (%d/%d), hpprof %.2f%% "
          "(%d/%d), tolerance %.1fpp" % (p1, k1, n1, p2, k2, n2, hpp, k_hp, n_hp, tol))


# ---------------------------------------------------------------- complete stacks

def complete_stacks(db, run_log):
    print("# complete stacks (hpprof run alone)")
    hp = peers.HpDb(db)
    n = int(hp.info("samples", 0))
    stored = hp.info("complete_stacks")
    if stored is None:
        check(False, "run_info has no complete_stacks")
    else:
        check(pct(int(stored), n) >= COMPLETE_MIN, "run_info complete_stacks %s of %d = %.1f%% (>= %g%%)"
              % (stored, n, pct(int(stored), n), COMPLETE_MIN))
    # stacks the kernel's copy cut short: completed from a later sample of
    # the same frame, or left as they were (docs/symbols.md, "Holes")
    print("  info %s joined with a later sample's callers, %s stopped at a stack page "
          "the kernel could not copy" % (hp.info("joined_stacks", 0), hp.info("hole_stacks", 0)))
    printed = None
    for line in open(run_log):
        if "complete stacks" in line:
            printed = line.split("% complete stacks")[0].rsplit(" ", 1)[-1]
    if stored is not None:
        # hpprof never rounds to 100.0% while a stack is incomplete, nor to
        # 0.0% while one is complete (docs/symbols.md, "Complete stacks")
        want = pct(int(stored), n)
        if int(stored) < n and want >= 99.95:
            want = 99.9
        elif int(stored) > 0 and want < 0.05:
            want = 0.1
        check(printed is not None and abs(float(printed) - want) < 0.051,
              "run printed %s%% complete stacks, run_info says %s of %d = %.1f%% (one definition, #12.5)"
              % (printed, stored, n, want))
    names = Names()

    def is_entry(fn, module, addr):
        return peers.reaches_entry(names, ENTRY_FRAMES, fn, module, addr)

    outer = hp.outermost_frames()
    entry = sum(c for k, c in outer.items() if is_entry(*k))
    check(pct(entry, n) >= COMPLETE_MIN,
          "stacks that reach an entry (_start, __libc_start_main, main, clone, start_thread, "
          "...: issue #12's definition) computed from the stored stacks: %.1f%% (>= %g%%)"
          % (pct(entry, n), COMPLETE_MIN))
    shown = collections.Counter()
    for (fn, module, addr), c in outer.items():
        shown["%s%s" % (fn, " (entry)" if is_entry(fn, module, addr) else "")] += c
    print("         hpprof's outermost frames: " + ", ".join(
        "%s %.1f%%" % (f, pct(c, n)) for f, c in shown.most_common(4)))


# ---------------------------------------------------------------- main

def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    c = sub.add_parser("cpu")
    for a in ("same-perf", "same-db", "alone-perf", "alone-perf2", "alone-db", "alone-log"):
        c.add_argument("--" + a, required=True)
    args = ap.parse_args()
    same_execution(args.same_perf, args.same_db)
    kernel_share(args.alone_perf, args.alone_perf2, args.alone_db)
    complete_stacks(args.alone_db, args.alone_log)
    return verdict()


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""hpprof run --alloc against heaptrack on the same command (issue 13).

  memory_check.py --db D.db --heaptrack H.zst --shim SHIM.so --target PROG

Compares calls to allocation functions, leaked allocations and bytes, the
heap peak and the temporary allocations. Each tool's own start-up
allocations (made by code that its LD_PRELOAD library brings into the
target and the target itself would not load) are taken out and named:
for heaptrack, the allocations whose stack has a frame in such a library;
for hpprof, the same over its alloc_stacks. heaptrack's figures are
computed by replaying its data file (the events in the order they
happened) with the same definitions heaptrack_print uses; the replay of
every event is first checked against heaptrack_print's own summary.

The dynamic loader's allocations (dlopen: link maps, scope arrays) have
sizes that depend on how many libraries are loaded, and each tool loads
its own: the heap peak is compared without the bytes the loader held at
that moment (named with their count, which must agree).

Definitions (heaptrack's, docs/memory.md): peak = the highest heap in use;
temporary = a free right after the last allocation (no free between) when
that allocation had the freed block's size and stack.
Reads only: zstdcat's output, ldd, heaptrack_print's summary, the database.
"""
import argparse
import collections
import os
import re
import sqlite3
import subprocess
import sys

failures = []


def check(ok, what):
    print("  %s %s" % ("ok  " if ok else "FAIL", what))
    if not ok:
        failures.append(what)


def ldd(path):
    """Basenames of the libraries the dynamic loader maps for path."""
    res = subprocess.run(["ldd", path], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                         universal_newlines=True)
    out = set()
    for line in res.stdout.splitlines():
        f = line.split()
        if f:
            out.add(os.path.basename(f[2] if len(f) > 2 and f[1] == "=>" else f[0]))
    return out


def own_modules(preload, target):
    """What a tool's preload library brings in that the target would not load."""
    return ({os.path.basename(preload)} | ldd(preload)) - ldd(target)


def loader(module):
    """Whether code of this module is the dynamic loader's."""
    return os.path.basename(module or "").startswith("ld-linux")


def first_own(mods, own):
    """The first module of a stack (innermost first) that is a tool's, or None."""
    for m in mods:
        b = os.path.basename(m or "")
        for o in own:
            if b and (b == o or b.startswith(o + ".")):
                return o
    return None


class Replay:
    """Totals of an allocation event sequence, heaptrack's definitions.
    An allocation's kind is heaptrack's allocation info: (size, stack).
    quirk: do as heaptrack_print does, which after a free sets its "last
    allocation" to 0, a valid kind index, so a free of a block of kind 0
    right after another free also counts as temporary (this replay must
    match heaptrack_print's summary to the unit to show it reads the file
    right; the comparison with hpprof uses the definition proper)."""

    def __init__(self, quirk=False):
        self.allocs = self.temporary = self.live = self.peak = self.blocks = 0
        self.loader = self.loader_at_peak = self.loader_allocs = 0
        self.quirk = quirk
        self.last = 0 if quirk else None   # the last allocation's kind; None after a free

    def alloc(self, size, kind, loader=False):
        self.allocs += 1
        self.blocks += 1
        self.live += size
        if loader:
            self.loader += size
            self.loader_allocs += 1
        if self.live > self.peak:
            self.peak, self.loader_at_peak = self.live, self.loader
        self.last = kind

    def free(self, size, kind, loader=False):
        if self.last == kind:
            self.temporary += 1
        self.last = 0 if self.quirk else None
        self.blocks -= 1
        self.live -= size
        if loader:
            self.loader -= size

    def totals(self):
        return {"allocs": self.allocs, "leaked_allocs": self.blocks, "leaked_bytes": self.live,
                "peak": self.peak, "temporary": self.temporary,
                "peak_without_loader": self.peak - self.loader_at_peak,
                "loader_allocs": self.loader_allocs}


STACK_DEPTH = 12     # innermost frames that name a stack in the per-stack comparison


class Frames:
    """A stack's innermost frames, as both tools can name them: the
    target's own frames by their address in its ELF file (setarch -R: a
    PIE sits at the kernel's fixed base in both runs), other frames by
    their module (libraries sit at other addresses under each tool)."""

    def __init__(self, target):
        self.target = os.path.realpath(target)
        with open(self.target, "rb") as f:
            pie = f.read(18)[16] == 3                       # e_type ET_DYN
        self.base = 0x555555554000 if pie else 0
        self.real = {}

    def real_path(self, module):
        if module not in self.real:            # heaptrack names the link, hpprof the file
            self.real[module] = os.path.realpath(module) if module else "?"
        return self.real[module]

    def frame(self, module, addr, absolute):
        path = self.real_path(module)
        if path == self.target:
            return "%x" % (addr - self.base if absolute else addr)
        return os.path.basename(path)


def stack_diff(hp, ht, names, limit=12):
    """Print the stacks whose allocation counts differ, largest first."""
    keys = [k for k in set(hp) | set(ht) if hp.get(k, (0, 0))[0] != ht.get(k, (0, 0))[0]]
    keys.sort(key=lambda k: -abs(hp.get(k, (0, 0))[0] - ht.get(k, (0, 0))[0]))
    print("  # stacks whose calls differ (innermost %d frames; the target's by address,"
          " others by module): %d" % (STACK_DEPTH, len(keys)))
    for k in keys[:limit]:
        (ha, hb), (ta, tb) = hp.get(k, (0, 0)), ht.get(k, (0, 0))
        print("  #   hpprof %d calls %d bytes, heaptrack %d calls %d bytes: %s" % (
            ha, hb, ta, tb, " < ".join(names.get(f, f) for f in k)))


def heaptrack(path, own, frames=None):
    """Replays of heaptrack's file: every event, and the target's only;
    with frames, the target's calls and bytes per stack (Frames)."""
    proc = subprocess.Popen(["zstdcat", path], stdout=subprocess.PIPE,
                            universal_newlines=True, errors="replace")
    strings, ips, traces, kinds = [None], [None], [None], []
    trace_own = {}
    every, target = Replay(quirk=True), Replay()
    named = collections.Counter()
    per_stack = collections.defaultdict(lambda: [0, 0])
    for line in proc.stdout:
        tag, _, rest = line.rstrip("\n").partition(" ")
        if tag == "+" or tag == "-":
            kind = int(rest, 16)
            size, trace, mine, ld, _ = kinds[kind]
            if tag == "+":
                every.alloc(size, kind)
                if mine:
                    named[mine] += 1
                else:
                    target.alloc(size, kind, ld)
                    if frames:
                        st = per_stack[kinds[kind][4]]
                        st[0] += 1
                        st[1] += size
            else:
                every.free(size, kind)
                if not mine:
                    target.free(size, kind, ld)
        elif tag == "s":
            strings.append(rest.partition(" ")[2])
        elif tag == "i":
            f = [int(x, 16) for x in rest.split()]
            ips.append((strings[f[1]] if len(f) > 1 else None, f[0]))
        elif tag == "t":
            ip, parent = (int(x, 16) for x in rest.split())
            traces.append((ip, parent))
        elif tag == "a":
            size, trace = (int(x, 16) for x in rest.split())
            if trace not in trace_own:
                mods, t = [], trace
                while t:
                    ip, t = traces[t]
                    mods.append(ips[ip])
                key = tuple(frames.frame(m, a, True) for m, a in mods[:STACK_DEPTH]) \
                    if frames else None
                mods = [m for m, a in mods]
                trace_own[trace] = (first_own(mods, own), bool(mods) and loader(mods[0]), key)
            kinds.append((size, trace) + trace_own[trace])
    if proc.wait() != 0:
        sys.exit("zstdcat %s exited %d" % (path, proc.returncode))
    return every.totals(), target.totals(), named, per_stack


def heaptrack_print(path):
    out = subprocess.run(["heaptrack_print", "-f", path, "-p", "0", "-a", "0", "-T", "0"],
                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                         universal_newlines=True).stdout
    num = lambda key: int(re.search(key + r": (\d+)", out).group(1))
    return {"allocs": num("calls to allocation functions"),
            "temporary": num("temporary memory allocations")}


def hpprof(db, own, frames=None):
    """hpprof's totals without its own allocations, and those named; with
    frames, the target's calls and bytes per stack (Frames) and the
    function names of those frames."""
    c = sqlite3.connect(db)
    info = dict(c.execute("SELECT key, value FROM run_info"))
    mod, addr = {}, {}
    for i, m, a in c.execute("SELECT l.id, m.path, l.addr FROM locations l LEFT JOIN modules m"
                             " ON m.id = l.module_id"):
        mod[i], addr[i] = m, a
    node = {i: (p, l) for i, p, l in c.execute("SELECT id, parent, location_id FROM stack_nodes")}
    tot = collections.Counter()
    named = collections.Counter()
    per_stack = collections.defaultdict(lambda: [0, 0])
    locs_seen = set()
    own_peak = own_temp = loader_peak = 0
    for stack, a, b, lb, la, pb, tmp in c.execute(
            "SELECT stack_id, allocs, bytes, leaked_bytes, leaked_allocs, peak_bytes, temporary"
            " FROM alloc_stacks"):
        mods, locs, n = [], [], stack
        while n:
            n, loc = node[n]
            mods.append(mod.get(loc))
            locs.append(loc)
        mine = first_own(mods, own)
        if frames and not mine:
            st = per_stack[tuple(frames.frame(mod.get(l), addr.get(l, 0), False)
                                 for l in locs[:STACK_DEPTH])]
            st[0] += a
            st[1] += b
            locs_seen.update(locs[:STACK_DEPTH])
        if mine:
            named[mine] += a
            own_peak += pb
            own_temp += tmp
            continue
        tot["allocs"] += a
        tot["leaked_allocs"] += la
        tot["leaked_bytes"] += lb
        tot["temporary"] += tmp
        if mods and loader(mods[0]):
            tot["loader_allocs"] += a
            loader_peak += pb
    tot["peak"] = int(info.get("heap_peak_bytes", -1)) - own_peak
    tot["peak_without_loader"] = tot["peak"] - loader_peak
    names = {}
    if frames:
        fname = dict(c.execute("SELECT lf.location_id, f.name FROM location_frames lf"
                               " JOIN functions f ON f.id = lf.function_id WHERE lf.depth = 0"))
        for l in locs_seen:
            k = frames.frame(mod.get(l), addr.get(l, 0), False)
            if k != os.path.basename(mod.get(l) or "?") and l in fname:
                names[k] = "%s %s" % (k, fname[l])
    return tot, named, info, per_stack, names


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    for a in ("db", "heaptrack", "shim", "target"):
        ap.add_argument("--" + a, required=True)
    ap.add_argument("--peak-allowance", type=float, default=0.0,
                    help="heap peaks may differ by this fraction (the caller says why)")
    ap.add_argument("--temp-allowance", type=int, default=0,
                    help="temporary counts may differ by this many (the caller says why)")
    args = ap.parse_args()
    print("# allocations: hpprof run --alloc against heaptrack, same command")
    ht_own = own_modules("/usr/lib/heaptrack/libheaptrack_preload.so", args.target)
    frames = Frames(args.target)
    every, ht, ht_named, ht_stacks = heaptrack(args.heaptrack, ht_own, frames)
    printed = heaptrack_print(args.heaptrack)
    check((every["allocs"], every["temporary"]) == (printed["allocs"], printed["temporary"]),
          "heaptrack's file replayed here agrees with heaptrack_print: %d calls, %d temporary"
          % (printed["allocs"], printed["temporary"]))
    hp_own = own_modules(args.shim, args.target)
    hp, hp_named, info, hp_stacks, names = hpprof(args.db, hp_own, frames)
    check(int(info.get("alloc_dropped", 0)) == 0, "hpprof dropped no allocation event")
    for tool, named in (("heaptrack", ht_named), ("hpprof", hp_named)):
        print("  removed, %s's own start-up allocations: %s" % (tool, ", ".join(
            "%d under %s" % (n, m) for m, n in sorted(named.items())) or "none"))
    print("  named: the dynamic loader's allocations (sizes depend on the libraries"
          " each tool loads): hpprof %d, heaptrack %d" % (hp["loader_allocs"], ht["loader_allocs"]))
    for key, what in (("allocs", "calls to allocation functions"),
                      ("leaked_allocs", "leaked allocations"), ("leaked_bytes", "leaked bytes"),
                      ("loader_allocs", "the dynamic loader's allocations")):
        check(hp[key] == ht[key], "%s: hpprof %d, heaptrack %d" % (what, hp[key], ht[key]))
        if key == "allocs" and hp[key] != ht[key]:
            # which stacks: one that only one tool has (a frame of its own that
            # the module rule missed) or the same stack with other counts (the
            # program made other calls, or one tool lost or doubled events)
            stack_diff(hp_stacks, ht_stacks, names)
    room = args.temp_allowance
    check(abs(hp["temporary"] - ht["temporary"]) <= room,
          "temporary allocations: hpprof %d, heaptrack %d (%s)" % (
              hp["temporary"], ht["temporary"], "allowed: %d" % room if room else "equal"))
    key = "peak_without_loader"
    room = int(args.peak_allowance * ht[key])
    check(abs(hp[key] - ht[key]) <= room, "heap peak bytes, without the loader's: hpprof %d,"
          " heaptrack %d (%s)" % (hp[key], ht[key], "equal" if not room else
                                  "allowed: %d bytes" % room))
    bpe = int(info.get("alloc_stream_bytes", 0)) / max(1, int(info.get("alloc_stream_events", 1)))
    print("  # the stream: %.2f bytes per allocation event" % bpe)
    if failures:
        print("%d check(s) failed" % len(failures))
        return 1
    print("all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())

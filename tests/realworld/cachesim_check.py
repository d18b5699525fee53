#!/usr/bin/python3
"""Simulated caches: hpprof run --cache-sim against valgrind's own reading
of the same Cachegrind output (docs/realworld.md, "Wave 17: the why
columns").

  cachesim_check.py --db H.db --cg-dir DIR [--hpprof BIN] [--no-lines FUNC]
      H: `hpprof run --cache-sim --cache-sim-out DIR -o H.db TARGET`;
      DIR: the cachegrind.out.PID files valgrind wrote for that run.

Both read one simulation, so every figure must be equal, no tolerance:
  1. each event's total: cg_annotate's PROGRAM TOTALS (summed over the
     processes: one file each) = hpprof's events;
  2. the top functions by Ir, every event: cg_annotate's rows (one per
     file:function; summed per function, as a function's code inlined from
     headers is listed under each file) = function_profile, the name
     demangled by c++filt, `???` = [unknown];
  3. each top function's module defines it (its ELF or debug symbols), and
     its file is the one of its own code: the outermost of addr2line's
     inline chain at its symbol's address (not the header whose inlined
     code holds most of its instructions);
  4. the top lines by Ir, every event: the cost lines of the file itself
     (summed per file, line, function; the file's sums per function are
     checked against cg_annotate's first) = line_profile;
  5. `hpprof annotate` of the top function with a source file shows the
     same sim_Ir per line, `hpprof report` names the simulated caches, and
     `hpprof annotate` of --no-lines FUNC (a function of a stripped
     library: no file, no line) says why it cannot list it.
"""

import argparse
import collections
import glob
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import peers  # noqa: E402
from compare import check, verdict  # noqa: E402

TOP = 10


def unversioned(name):
    return name.split("@", 1)[0]


# ---------------------------------------------------------------- valgrind's side

def cg_annotate(paths):
    """(events, totals, {(file, function): counts}) as cg_annotate prints
    them, summed over the files (one per process: cg_annotate 3.19 reads
    one at a time)."""
    events, totals, rows = None, None, collections.defaultdict(list)
    for path in paths:
        ev, t, r = cg_annotate_one(path)
        if events is not None and ev != events:
            raise RuntimeError("%s records %s, not %s" % (path, ev, events))
        events = ev
        totals = add(totals or [0] * len(t), t) if t else totals
        for k, v in r.items():
            rows[k] = add(rows[k] or [0] * len(v), v)
    return events, totals, dict(rows)


def add(a, b):
    return [x + y for x, y in zip(a, b)]


def cg_annotate_one(path):
    out = peers.run(["cg_annotate", "--threshold=0", "--auto=no", path])
    events, totals, rows = None, None, {}
    for line in out.splitlines():
        if line.startswith("Events recorded:"):
            events = line.split(":", 1)[1].split()
            continue
        if not events:
            continue
        text = re.sub(r"\(\s*[0-9.]+%\)", " ", line).split(None, len(events))
        if len(text) != len(events) + 1 or not all(re.fullmatch(r"[0-9,]+|\.", t)
                                                    for t in text[:-1]):
            continue
        counts = [0 if t == "." else int(t.replace(",", "")) for t in text[:-1]]
        if text[-1] == "PROGRAM TOTALS":
            totals = counts
        else:
            fl, _, fn = text[-1].partition(":")
            rows[(fl, fn)] = counts
    return events, totals, rows


def clean(path):
    """A fl= path as hpprof stores it: lexically clean, `???` none."""
    return None if path == "???" else os.path.normpath(path)


def cost_lines(paths, events):
    """{(file, line, fn): counts} from the cachegrind.out files themselves."""
    lines = collections.defaultdict(lambda: [0] * len(events))
    for path in paths:
        fl = fn = None
        with open(path, errors="replace") as f:
            for line in f:
                if line.startswith("fl="):
                    fl = clean(line[3:].strip())
                elif line.startswith("fn="):
                    fn = line[3:].strip()
                elif line[:1].isdigit():
                    v = [int(x) for x in line.split()]
                    k = (fl, v[0], fn)
                    lines[k] = add(lines[k], v[1:] + [0] * (len(events) - len(v) + 1))
    return lines


# ---------------------------------------------------------------- the checks

def own_file(module, raw):
    """The file of a function's own code per addr2line (binutils): the
    outermost frame of the inline chain at its symbol's address, read from
    the module's debug file when it has one. None when unknown."""
    elf = peers.ElfNames(module)
    starts = [a for a, _, n in elf.syms if unversioned(n) == raw]
    if not starts:
        return None
    for f in peers.ElfNames._debug_files(module) + [module]:
        out = peers.run(["addr2line", "-i", "-e", f, "0x%x" % starts[0]]).split()
        if out and not out[-1].startswith("??"):
            return out[-1].rsplit(":", 1)[0]
    return None


def same_file(a, b):
    """Two spellings of one file: equal, or one a tail of the other (the
    tools join the compilation directory differently)."""
    a, b = os.path.normpath(a), os.path.normpath(b)
    return a == b or a.endswith("/" + b) or b.endswith("/" + a)


def names_of(raw_names):
    """{raw fn= name: the name hpprof is to show}."""
    raw = sorted(set(raw_names))
    shown = peers.cxxfilt(sorted({unversioned(n) for n in raw}))
    return {r: "[unknown]" if r == "???" else shown[unversioned(r)] for r in raw}


def hp_rows(hp, view, keys, events):
    cols = ", ".join('COALESCE("sim_%s", 0)' % e for e in events)
    out = collections.defaultdict(lambda: [0] * len(events))
    for r in hp.q("SELECT %s, %s FROM %s" % (keys, cols, view)):
        k = r[:-len(events)]
        for i, x in enumerate(r[-len(events):]):
            out[k][i] += x
    return out


def check_totals(hp, events, totals, files):
    print("# totals (cg_annotate's PROGRAM TOTALS summed over the processes, hpprof's events)")
    check(hp.info("sim_processes") == str(len(files)),
          "run_info sim_processes %s = valgrind's files %d" % (hp.info("sim_processes"),
                                                                len(files)))
    for e, t in zip(events, totals):
        r = hp.q("SELECT total FROM events WHERE name = ?", "sim_" + e)
        check(r and r[0][0] == t, "sim_%s: valgrind %d, hpprof %s" % (e, t, r[0][0] if r else "-"))


def check_functions(hp, events, rows, modules_ok):
    print("# top %d functions by Ir, every event (cg_annotate summed per function)" % TOP)
    shown = names_of(fn for _, fn in rows)
    cg = collections.defaultdict(lambda: [0] * len(events))
    raw_of, mostly_inlined = {}, []
    for (fl, fn), v in rows.items():
        name = shown[fn]
        raw_of[name] = unversioned(fn)
        cg[name] = [a + b for a, b in zip(cg[name], v)]
    hpf = hp_rows(hp, "function_profile", "function", events)
    mods, files = collections.defaultdict(set), {}
    for fn, mod, fl in hp.q("SELECT function, module, file FROM function_profile"):
        mods[fn].add(mod)
        files[fn] = fl
    for name, v in sorted(cg.items(), key=lambda kv: -kv[1][0])[:TOP]:
        h = hpf.get((name,))
        diff = [e for e, a, b in zip(events, v, h or []) if a != b]
        check(h == v, "%12d %s%s" % (v[0], name[:100],
                                    "" if h == v else " hpprof: %s" % (
                                        "missing" if h is None else "differs in " + " ".join(diff))))
        if name != "[unknown]" and h is not None:
            ok = [m for m in mods[name] if m and raw_of[name] in modules_ok(m)]
            check(ok, "  defined in its module %s" % (sorted(mods[name]),))
            own = own_file(ok[0], raw_of[name]) if ok else None
            if own and files.get(name):
                check(same_file(files[name], own), "  its file %s is its own code's (%s)"
                      % (files[name], own))
                mine = [r for r in rows.items() if shown[r[0][1]] == name]
                most = max(mine, key=lambda r: r[1][0])[0][0]
                other = {fl: v[0] for (fl, _), v in mine if v[0] and not same_file(fl, own)}
                if not same_file(most, own):
                    mostly_inlined.append((name, own, most, sum(other.values()), v[0],
                                           len(other)))
    return cg, mostly_inlined


def check_lines(hp, events, lines, cg_functions):
    print("# top %d lines by Ir, every event (the cachegrind.out file's cost lines)" % TOP)
    shown = names_of(fn for _, _, fn in lines)
    per_fn = collections.defaultdict(lambda: [0] * len(events))
    ref = collections.defaultdict(lambda: [0] * len(events))
    for (fl, ln, fn), v in lines.items():
        name = shown[fn]
        per_fn[name] = [a + b for a, b in zip(per_fn[name], v)]
        if fl is not None and ln:
            ref[(fl, ln, name)] = [a + b for a, b in zip(ref[(fl, ln, name)], v)]
    check(dict(per_fn) == dict(cg_functions),
          "the file's cost lines sum, per function, to cg_annotate's rows")
    hpl = hp_rows(hp, "line_profile", "file, line, function", events)
    top = sorted(ref.items(), key=lambda kv: -kv[1][0])[:TOP]
    for k, v in top:
        h = hpl.get(k)
        check(h == v, "%12d %s:%d %s%s" % (v[0], k[0], k[1], k[2][:60],
                                           "" if h == v else " hpprof: %s" % h))
    return top


def check_commands(hpprof, db, top_lines, no_lines, mostly_inlined):
    print("# hpprof report and annotate")
    rep = subprocess.run([hpprof, "report", db], stdout=subprocess.PIPE,
                         universal_newlines=True).stdout
    for c in ("I1", "D1", "LL"):
        check("simulated %s cache:" % c in rep, "report names the simulated %s cache" % c)
    fl, _, fn = top_lines[0][0]
    ann = subprocess.run([hpprof, "annotate", db, fn], stdout=subprocess.PIPE,
                         universal_newlines=True).stdout.splitlines()
    head = next((i for i, l in enumerate(ann) if l.split()[:1] == ["sim_Ir"]), None)
    check(head is not None, "annotate '%s' lists per-line columns" % fn[:60])
    if head is not None:
        nline = ann[head].split().index("Line")
        per_line = {}
        for l in ann[head + 1:]:
            t = l.split()
            if len(t) > nline and all(x.isdigit() for x in t[:nline + 1]):
                per_line[int(t[nline])] = int(t[0])
        for (f, ln, name), v in top_lines:
            if name == fn and f == fl:
                check(per_line.get(ln) == v[0], "  line %d: sim_Ir %d, annotate %s"
                      % (ln, v[0], per_line.get(ln)))
    for name, own, most, elsewhere, ir, nother in mostly_inlined[:2]:
        out = subprocess.run([hpprof, "annotate", db, name], stdout=subprocess.PIPE,
                             universal_newlines=True).stdout.split("\n", 2)
        m = re.search(r"  \((.*?)\)  SIMULATED", out[0])
        check(m and same_file(m.group(1), own), "annotate '%s' lists its own file %s, not %s"
              " (most of its instructions, inlined): %s" % (name[:60], own, most, out[0][-80:]))
        note = "(%d of its %d sim_Ir are in code inlined from %d other files" % (
            elsewhere, ir, nother)
        check(len(out) > 1 and out[1].startswith(note), "  and says %s...)" % note)
    if no_lines:
        r = subprocess.run([hpprof, "annotate", db, no_lines], stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, universal_newlines=True)
        check(r.returncode != 0 and "no line information" in r.stderr,
              "annotate '%s' (no file, no line) says why: %s" % (no_lines, r.stderr.strip()))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--db", required=True)
    ap.add_argument("--cg-dir", required=True)
    ap.add_argument("--hpprof", required=True)
    ap.add_argument("--no-lines")
    args = ap.parse_args()
    files = sorted(glob.glob(os.path.join(args.cg_dir, "cachegrind.out.*")))
    check(files, "valgrind's files in %s: %d processes" % (args.cg_dir, len(files)))
    if not files:
        return 1
    hp = peers.HpDb(args.db)
    events, totals, rows = cg_annotate(files)
    check(events and totals, "cg_annotate printed the events and PROGRAM TOTALS")
    if not events or not totals:
        return 1
    check_totals(hp, events, totals, files)
    elves = {}

    def modules_ok(m):
        if m not in elves:
            elves[m] = {unversioned(n) for _, _, n in peers.ElfNames(m).syms}
        return elves[m]
    cg_functions, mostly_inlined = check_functions(hp, events, rows, modules_ok)
    top_lines = check_lines(hp, events, cost_lines(files, events), cg_functions)
    check_commands(args.hpprof, args.db, top_lines, args.no_lines, mostly_inlined)
    return verdict()


if __name__ == "__main__":
    sys.exit(main())

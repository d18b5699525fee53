#!/usr/bin/python3
"""hpprof annotate against perf on one execution both sampled (annotate.sh;
docs/realworld.md, "Wave 18: stat and annotate on real programs").

  annotate_check.py --perf same.data --db same.db --hpprof HPPROF
                    --module PATH [--function NAME]
  annotate_check.py cut --db prof.db --hpprof HPPROF
      every function name `hpprof report` cuts to fit its column ("..") is
      annotated as a user copies it, and the listing is of that row's
      function (its total share is the row's Total%).

The function is NAME, or the module's function with the most self samples
in hpprof's profile. hpprof's side is what `hpprof annotate` prints: its
source listing (Self per line) when the function has line information, and
its machine code (`--asm`, or by itself where there is no source). perf's
side is `perf annotate --stdio` (per instruction) and its `-l` summary (per
source line) for a function with a symbol; for stripped code, which perf
annotate cannot list (it has no symbol to annotate), perf report's rows,
one per sampled address.

Shares are of the function's user-space samples: perf puts a kernel sample
under the kernel function, hpprof under the instruction that entered the
kernel, shown apart as Kern% (its samples are taken out here). For perf's 5
hottest instructions and lines, hpprof's share must lie within 4 standard
errors of the difference of two binomial shares plus 0.5 pp (perf prints
its percentages to 0.01, and the two samplers' counts of one execution
differ by a few per thousand). 4, not 3: a test makes up to 10 such
comparisons, and P(any of 10 beyond 4 SE) is 0.06% where 3 SE would give
2.7% (seen: gzip's 0x4337, perf 5.11% against hpprof 2.73% of ~900
samples, 2.6 SE). Both tools sample the same execution: their cpu-clock
timers are enabled by the target's exec and tick at the same rate, and a
busy neighbour that slows one stretch of the program (a loaded 2-core
machine) slows it for both, so the program's own share of each
instruction is the same for both samplers; the timers' phases differ, so
in a loop of a few instructions they land independently, and the
binomial error of independent samples is what is left.
"""

import argparse
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import peers  # noqa: E402
from compare import TOOL_COMMS, check, verdict  # noqa: E402

Z = 4.0
ALLOW_PP = 0.5
TOP = 5

ROW = r"^\s*(\d+\.\d+)\s+(\d+\.\d+)\s+(?:(\d+\.\d+)\s+)?(\d+)\s+"
ASM_ROW = re.compile(ROW + r"([0-9a-f]+)\s\s+(\S.*)$")
SRC_ROW = re.compile(ROW + r"(\d+)  (.*)$")
HEADER = re.compile(r"^(.*?)  \((.*)\)  total ([\d.]+)% of (\d+) samples$")


def tol(p1, n1, p2, n2):
    """Z standard errors of the difference of two binomial shares (percent,
    pooled p) plus the allowance."""
    if not n1 or not n2:
        return float("inf")
    p = (p1 * n1 + p2 * n2) / (100.0 * (n1 + n2))
    return ALLOW_PP + Z * 100.0 * (p * (1 - p) * (1.0 / n1 + 1.0 / n2)) ** 0.5


def hp_annotate(hpprof, db, fn, asm):
    """(header match, {address or line: user samples}, text) of `hpprof
    annotate [--asm] db fn`."""
    argv = [hpprof, "annotate"] + (["--asm"] if asm else []) + [db, fn]
    res = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         universal_newlines=True)
    if res.returncode:
        raise RuntimeError("%s exited %d: %s" % (" ".join(argv), res.returncode, res.stderr))
    lines = res.stdout.splitlines()
    head = HEADER.match(lines[0])
    if not head:
        raise RuntimeError("unexpected first line of hpprof annotate: " + lines[0])
    n_all = int(head.group(4))
    rows, row_re = {}, ASM_ROW if asm or "extent from" in lines[0] else SRC_ROW
    for line in lines[1:]:
        m = row_re.match(line)
        if not m:
            continue
        samples, key = int(m.group(4)), m.group(5)
        kern = round(float(m.group(3)) * n_all / 100.0) if m.group(3) else 0
        rows[int(key, 16) if row_re is ASM_ROW else int(key)] = samples - kern
    return head, rows, res.stdout


def perf_annotate(perf_data, sym):
    """({address: samples}, {line: samples}, samples) from perf annotate
    --stdio -l of sym (percentages of its samples, 'local period')."""
    out = peers.run(["perf", "annotate", "-i", perf_data, "--stdio", "--stdio-color",
                     "never", "-l", sym])
    m = re.search(r"\((\d+) samples, percent: local period\)", out)
    if not m:
        raise RuntimeError("perf annotate printed no sample count for %s" % sym)
    n = int(m.group(1))
    ins, lines = {}, {}
    for pct, addr in re.findall(r"^\s*(\d+\.\d+) :\s+([0-9a-f]+):", out, re.M):
        ins[int(addr, 16)] = float(pct) * n / 100.0
    summary = out.split("Percent |", 1)[0]
    for pct, path, line in re.findall(r"^\s*(\d+\.\d+) (\S+?):(\d+)\s*$", summary, re.M):
        key = (os.path.basename(path), int(line))
        lines[key] = lines.get(key, 0.0) + float(pct) * n / 100.0
    return ins, lines, n


def perf_addresses(perf_data, module, lo, hi):
    """{ELF address: samples} of the target's samples in [lo, hi) of module
    (perf report's rows, one per address in unnamed code)."""
    rows, _ = peers.perf_rows(perf_data)
    elf = peers.ElfNames(module)
    out = {}
    for r in rows:
        if r.comm in TOOL_COMMS or r.kernel or os.path.basename(r.dso) != os.path.basename(module):
            continue
        a = elf.vaddr(r.addr)
        if lo <= a < hi:
            out[a] = out.get(a, 0) + r.samples
    return out


def compare(what, perf, hp, fmt):
    """perf's TOP hottest keys: hpprof's share of the function's user
    samples against perf's; and the hottest key the same, unless perf's
    two hottest are within the tolerance of each other."""
    n_p, n_h = sum(perf.values()), sum(hp.values())
    print("# %s: perf %d samples in the function, hpprof %d (user space)" % (what, n_p, n_h))
    check(n_p > 0 and n_h > 0, "%s: both tools have samples in the function" % what)
    if not n_p or not n_h:
        return
    top = sorted(perf, key=lambda k: -perf[k])[:TOP]
    print("  %7s %7s %6s  %s" % ("perf%", "hpprof%", "tol", what))
    for k in top:
        pp, hpp = 100.0 * perf[k] / n_p, 100.0 * hp.get(k, 0) / n_h
        t = tol(pp, n_p, hpp, n_h)
        check(abs(pp - hpp) <= t, "%6.2f%% %6.2f%% %5.2fpp  %s" % (pp, hpp, t, fmt(k)))
    hot_h = max(hp, key=lambda k: hp[k])
    p1 = 100.0 * perf[top[0]] / n_p
    p2 = 100.0 * perf[top[1]] / n_p if len(top) > 1 else 0.0
    check(hot_h == top[0] or p1 - p2 <= tol(p1, n_p, p2, n_p),
          "the hottest %s: hpprof %s, perf %s" % (what.split()[0], fmt(hot_h), fmt(top[0])))


def hottest(db, module):
    hp = peers.HpDb(db)
    r = hp.q("SELECT function FROM function_profile WHERE module = ? "
             "ORDER BY self_samples DESC LIMIT 1", module)
    if not r:
        raise RuntimeError("no function of %s in %s" % (module, db))
    return r[0][0]


def report_functions(hpprof, db):
    """(Function, Total%) of report's hot functions, in order."""
    out = peers.run([hpprof, "report", db])
    part = out.split("Hot functions", 1)[1].split("\n\n", 1)[0].splitlines()
    rows = [re.split(r"\s{2,}", line.strip()) for line in part
            if re.match(r"^\s*\d+\.\d+\s", line)]
    return [(r[4], r[1]) for r in rows]


def cut_names(argv):
    ap = argparse.ArgumentParser()
    ap.add_argument("--db", required=True)
    ap.add_argument("--hpprof", required=True)
    a = ap.parse_args(argv)
    shown = report_functions(a.hpprof, a.db)
    cut = [(s, t) for s, t in shown if ".." in s]
    print("# %d of report's %d hot functions are cut to fit" % (len(cut), len(shown)))
    check(len(cut) > 0, "report cuts some names (g++'s templates)")
    for s, total in cut:
        res = subprocess.run([a.hpprof, "annotate", a.db, s], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, universal_newlines=True)
        head = HEADER.match(res.stdout.split("\n", 1)[0]) if not res.returncode else None
        got = "total %s%%" % head.group(3) if head else \
            "exit %d: %s" % (res.returncode, res.stderr.strip()[:120])
        check(got == "total %s%%" % total,
              "annotate '%s': %s (the row: total %s%%)" % (s, got, total))
    return verdict()


def call_targets(hpprof, db, module):
    """In the machine code of the module's functions with the most total
    samples (callers; the first of the 5 largest that has one), a direct
    call to unnamed code that starts an FDE names it as the profile does
    (MODULE+0xSTART), the name to annotate next, and that name annotates
    (when the target has samples: annotate lists sampled functions)."""
    hp = peers.HpDb(db)
    elf = peers.ElfNames(module)
    base = os.path.basename(module)
    for (fn,) in hp.q("SELECT function FROM function_profile WHERE module = ? "
                      "ORDER BY total_samples DESC LIMIT 5", module):
        _, _, text = hp_annotate(hpprof, db, fn, asm=True)
        calls = re.findall(r"\scall\w*\s+0x([0-9a-f]+)(?: <([^>]*)>)?\s*$", text, re.M)
        unnamed = sorted({(int(t, 16), n) for t, n in calls if not elf.aliases(int(t, 16))
                          and (elf.fde(int(t, 16)) or (0,))[0] == int(t, 16)})
        print("# calls in %s: %d direct, %d to unnamed code at an FDE's start" %
              (fn, len(calls), len(unnamed)))
        if unnamed:
            break
    check(len(unnamed) > 0, "a direct call to unnamed code in the 5 largest callers")
    for t, n in unnamed:
        want = "%s+0x%x" % (base, t)
        check(n == want, "call 0x%x is named <%s> (want <%s>)" % (t, n, want))
    sampled = [n for (n,) in hp.q("SELECT function FROM function_profile WHERE module = ?",
                                  module)]
    targets = ["%s+0x%x" % (base, t) for t, _ in unnamed if "%s+0x%x" % (base, t) in sampled]
    if targets:               # annotate lists functions with samples only
        name = targets[0]
        res = subprocess.run([hpprof, "annotate", db, name], stdout=subprocess.DEVNULL,
                             stderr=subprocess.PIPE, universal_newlines=True)
        check("no function" not in res.stderr,
              "annotate %s (a call's target): %s" % (name, res.stderr.strip()[:100] or "ok"))


def main():
    if sys.argv[1:2] == ["cut"]:
        return cut_names(sys.argv[2:])
    ap = argparse.ArgumentParser()
    ap.add_argument("--perf", required=True)
    ap.add_argument("--db", required=True)
    ap.add_argument("--hpprof", required=True)
    ap.add_argument("--module", required=True)
    ap.add_argument("--function")
    a = ap.parse_args()
    fn = a.function or hottest(a.db, a.module)
    head, rows, text = hp_annotate(a.hpprof, a.db, fn, asm=False)
    print(text[:3000])
    if "extent from" in head.group(2):
        # no source: the listing is the machine code; perf report per address
        m = re.search(r", 0x([0-9a-f]+)-0x([0-9a-f]+), extent from", head.group(2))
        lo, hi = int(m.group(1), 16), int(m.group(2), 16)
        check("no line information" in text.splitlines()[1],
              "the listing says why it shows machine code: %s" % text.splitlines()[1][:100])
        compare("instructions of %s" % fn, perf_addresses(a.perf, a.module, lo, hi), rows,
                lambda k: "%x" % k)
        call_targets(a.hpprof, a.db, a.module)
        return verdict()
    ins, lines, n = perf_annotate(a.perf, fn)
    base = os.path.basename(head.group(2).split(",")[0])
    compare("lines of %s" % fn, lines, {(base, k): v for k, v in rows.items()},
            lambda k: "%s:%d" % k)
    _, asm_rows, asm_text = hp_annotate(a.hpprof, a.db, fn, asm=True)
    compare("instructions of %s" % fn, ins, asm_rows, lambda k: "%x" % k)
    return verdict()


if __name__ == "__main__":
    sys.exit(main())

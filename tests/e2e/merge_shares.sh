#!/bin/sh
# The shares that annotate, report --kernel, the public views
# (function_profile, line_profile) and the callgrind export give a merge of
# runs sampled at different rates weigh each sample by its own run's
# period: the CPU time it stands for.
#
# A = the calibration kernel at 1000 Hz (user time: calib_a, calib_b,
# calib_c get 60/30/10 of its work); B = the first-touch fixture at 4000 Hz
# (one page fault per page: mostly kernel time), each about 0.3 s of CPU;
# M = merge(A, B). Counting samples gives B's 4x denser samples 4x the
# weight: calib_a ~12% of M instead of ~30%, the kernel ~80% instead of ~45%.
# Checks:
#   1. exact arithmetic (each figure printed with 2 decimals: 0.005): every
#      share in M = sum over runs of n_r x period_r / sum of N_r x period_r,
#      n_r the row's samples in run r alone (its own output; a percentage
#      printed for run r alone gives n_r = pct x N_r / 100 exactly while
#      N_r < 10000), for
#        - annotate calib_a and touch_pages: each line's Self%, Total%,
#          Kern% and the header's total; the same of each instruction of
#          annotate --asm (when the machine code can be read here);
#        - report --kernel -n 0: "Kernel time", every kernel function's
#          Self% and Total% (rows summed over both runs: the kernel
#          functions of the two programs are the same), every line's
#          Kernel% and Self%;
#        - function_profile's self_pct and total_pct, line_profile's
#          self_pct, every row (by function and module; file and line);
#        - callgrind: the first event is cpu_time, its summary N_A x 1 ms +
#          N_B x 0.25 ms, and each function's self cost n_A x 1e6 + n_B x
#          2.5e5 ns (exact);
#   2. against the programs' own clocks (getrusage: calib's cpu_s,
#      first_touch's user_s + sys_s of its loops): w = cpu_A / (cpu_A +
#      cpu_B) is A's time share;
#        - annotate's calib_a lines' Self% summed = 60% x w, within 4 sd of
#          the binomial split (sqrt(p (1 - p) / n_calib) x w) + 4 sd of w
#          from samples (w (1 - w) sqrt(1/N_A + 1/N_B), times p) + 1.5 pp
#          (time outside calib's timed work: start-up, exit) + the runs'
#          time unseen by their samples (tests/e2e/unseen.py, u_r of run
#          r's task-clock: w from samples may be off by w (1 - w) (u_A +
#          u_B), times p);
#        - report --kernel's kernel time = (f_A cpu_A + f_B cpu_B) / (cpu_A
#          + cpu_B), f_r run r's own kernel fraction of its samples: within
#          4 sd of w from samples ((f_r - K) sqrt(1/N_r), weighted) + 1.5 pp
#          + |f_A - f_B| w (1 - w) (u_A + u_B). Not the programs' sys_s: the
#          kernel's split of CPU time into user and system is tick-sampled,
#          and on this kind of VM (page faults through the host) first_touch's
#          sys_s share swung 33-50% between runs whose sampled kernel share
#          stayed 42-44%;
#      and counting samples must miss both by more than the tolerance (the
#      test tells time from counts).
# The kernel checks need kernel-mode samples with kernel frames (root):
# without them the rest is checked and the test exits 77 saying why.
# usage: merge_shares.sh FIRST_TOUCH     env: HPPROF, HP_SRC, HP_BUILD
. "$HP_SRC/tests/e2e/lib.sh"
FT=${1:?usage: merge_shares.sh FIRST_TOUCH}
need_kernel calib
PY=/usr/bin/python3.11
[ -x "$PY" ] || skip "Debian's python3.11 is not installed"
"$HPPROF" run -q --no-off-cpu -F 1000 -o a.db -k calib -- --rounds 6000 >a.out 2>&1 ||
	{ cat a.out; fail "run A (calib at 1000 Hz)"; }
# B about half of A's CPU time, however slow this machine's page faults (a
# VM of this kind: 13 us a page, 1.7 s for 128 MiB x 4, five times A, and
# the time shares and the counts came too near to tell apart): sized from
# a bare 16 MiB probe, 8..128 MiB x 4
cpu_a=$(truth a.out process main cpu_s)
"$FT" 16 1 >probe.out 2>&1 || { cat probe.out; fail "first_touch 16 1 (the probe)"; }
mib=$(awk -v a="$cpu_a" '/user_s/ { for (i = 1; i < NF; i++) if ($i == "user_s") u = $(i + 1);
	else if ($i == "sys_s") s = $(i + 1) }
	END { m = (u + s > 0) ? int(a / 2 / ((u + s) / 16) / 4) : 32;
	      print (m < 8 ? 8 : m > 128 ? 128 : m) }' probe.out)
note "B: first_touch $mib MiB x 4 (probe: $(cat probe.out))"
"$HPPROF" run -q --no-off-cpu -F 4000 -o b.db "$FT" "$mib" 4 >b.out 2>&1 ||
	{ cat b.out; fail "run B (first_touch at 4000 Hz)"; }
"$HPPROF" merge -q -o m.db a.db b.db || fail "merge"
for d in a b m; do
	q $d.db "SELECT value FROM run_info WHERE key = 'samples'" >$d.n
	for fn in calib_a touch_pages; do   # B has no calib_a, A no touch_pages
		"$HPPROF" annotate $d.db $fn >$d.$fn.txt 2>/dev/null || : >$d.$fn.txt
		"$HPPROF" annotate --asm $d.db $fn >$d.$fn.asm 2>$d.$fn.asm.err || : >$d.$fn.asm
	done
	"$HPPROF" report --kernel -n 0 $d.db >$d.kernel.txt || fail "report --kernel $d"
	q $d.db "SELECT function, COALESCE(module, ''), self_samples, total_samples, self_pct,
		total_pct FROM function_profile" >$d.functions
	# by module too: two programs' _start (no file, line 0) are two rows
	# (CI run 170: each with one sample, the second overwrote the first)
	q $d.db "SELECT COALESCE(file, ''), COALESCE(line, 0), function, COALESCE(module, ''),
		self_samples, self_pct FROM line_profile" >$d.lines
done
"$HPPROF" export -f callgrind -o m.callgrind m.db || fail "export -f callgrind"
# the time the samples did not see (analyzer/unseen.h) adds up in a merge
for k in unseen_ns unseen_partial_ns; do
	ua=$(q a.db "SELECT value FROM run_info WHERE key = '$k'")
	ub=$(q b.db "SELECT value FROM run_info WHERE key = '$k'")
	if [ -n "$ua" ] && [ -n "$ub" ]; then
		assert_eq "merged $k" "$(q m.db "SELECT value FROM run_info WHERE key = '$k'")" $((ua + ub))
	else
		note "$k not in both runs (no kernel-mode samples?): its sum not checked"
	fi
done
kf=$(q b.db "SELECT value FROM run_info WHERE key = 'kernel_frames'")
cpu_b=$(sed -n 's/.* user_s \([0-9.]*\) sys_s \([0-9.]*\).*/\1 \2/p' b.out)
[ -n "$cpu_a" ] && [ -n "$cpu_b" ] || fail "no CPU clocks from the programs"
"$PY" - "$kf" "$cpu_a" $cpu_b <<'PYEOF' || exit $?
import math, os, re, sys
sys.path.insert(0, os.path.join(os.environ["HP_SRC"], "tests", "e2e"))
from mergerates import fail, share
from unseen import unseen_share
kf = sys.argv[1]
cpu_a = float(sys.argv[2])
cpu_b = float(sys.argv[3]) + float(sys.argv[4])  # user_s + sys_s
RUNS, NS = ("a", "b"), (1000000, 250000)     # the runs' periods, ns
N = [int(open(d + ".n").read()) for d in RUNS]
if max(N) >= 10000: fail("too many samples to read counts back from 2 decimals:", N)
TOL = 0.005 + 1e-9                           # 2 decimals
checked = {}
def near(what, got, counts):
    want = share(counts, N, NS)
    if got is None or abs(got - want) > TOL:
        fail(what, got, "!= samples x their run's period:", round(want, 4), "counts", counts)
    checked[what.split()[0]] = checked.get(what.split()[0], 0) + 1
def count(pct, d):  # a run's own share back to its samples
    return round(pct * N[RUNS.index(d)] / 100) if pct is not None else 0
PCT = r"(\d+\.\d\d)"
def annotate(path):
    """The header's total and, by line number (or address: --asm), Self%,
    Total%, Kern% (None when blank) and Samples."""
    lines, total = {}, None
    for s in open(path):
        m = re.match(r"\S+\s+\(.*\)\s+total %s%% of \d+ samples$" % PCT, s.rstrip())
        if m: total = float(m.group(1))
        m = re.match(r"\s*%s\s+%s\s+(?:%s\s+)?(\d+)\s+(\S+)\s" % (PCT, PCT, PCT), s)
        if m:
            g = m.groups()
            lines[g[4]] = (float(g[0]), float(g[1]), float(g[2]) if g[2] else None, int(g[3]))
    return total, lines
# 1. annotate, source lines and instructions
for fn, ext in (("calib_a", "txt"), ("touch_pages", "txt"), ("calib_a", "asm"), ("touch_pages", "asm")):
    runs = {d: annotate("%s.%s.%s" % (d, fn, ext)) for d in RUNS + ("m",)}
    tm, lm = runs["m"]
    if not lm and ext == "asm":
        print("# annotate --asm %s not checked: %s" % (fn, open("m.%s.asm.err" % fn).read().strip()))
        continue
    if not lm: fail("annotate", fn, "listed no line with samples")
    near("annotate %s total" % fn, tm, [count(runs[d][0], d) for d in RUNS])
    for line, (s, t, k, n) in lm.items():
        own = [runs[d][1].get(line) for d in RUNS]
        near("annotate %s:%s Self%%" % (fn, line), s, [count(o and o[0], d) for o, d in zip(own, RUNS)])
        near("annotate %s:%s Total%%" % (fn, line), t, [o[3] if o else 0 for o in own])
        if k is not None:
            near("annotate %s:%s Kern%%" % (fn, line), k, [count(o and o[2], d) for o, d in zip(own, RUNS)])
# 2. the views
def table(path, key, cols):
    out = {}
    for s in open(path):
        f = s.rstrip("\n").split("|")
        out[tuple(f[:key])] = [float(x) if x else None for x in f[key:key + cols]]
    return out
for view, key, cols in (("functions", 2, 4), ("lines", 4, 2)):
    own = [table("%s.%s" % (d, view), key, cols) for d in RUNS]
    for k, v in table("m." + view, key, cols).items():
        o = [x.get(k, [0] * cols) for x in own]
        near("%s %s self_pct" % (view, "/".join(k)), v[cols // 2], [x[0] for x in o])
        if view == "functions":
            near("%s %s total_pct" % (view, "/".join(k)), v[3], [x[1] for x in o])
# 3. callgrind: self costs by (object, function)
events, summary, cself, ob, fn, in_call = None, None, {}, None, None, False
names = {}
def name(kind, v):
    m = re.match(r"\((\d+)\)(?: (.*))?$", v)
    if m.group(2) is not None: names[(kind, m.group(1))] = m.group(2)
    return names[(kind, m.group(1))]
for s in open("m.callgrind"):
    s = s.rstrip("\n")
    if s.startswith("events: "): events = s.split()[1:]
    elif s.startswith("summary: "): summary = [int(x) for x in s.split()[1:]]
    elif s.startswith("ob="): ob = name("ob", s[3:])
    elif s.startswith("fn="): fn, in_call = name("fn", s[3:]), False
    elif s.startswith("cob="): name("ob", s[4:])
    elif s.startswith(("cfn=", "cfi=", "cfl=")): name("fn" if s[1:3] == "fn" else "fl", s[4:])
    elif s.startswith(("fl=", "fi=", "fe=")): name("fl", s[3:])
    elif s.startswith("calls="): in_call = True
    elif s and s[0].isdigit():
        if not in_call:
            key = (ob, fn)
            cself[key] = cself.get(key, 0) + int(s.split()[1])
        in_call = False
if not events or events[:2] != ["cpu_time", "Samples"]: fail("callgrind events", events)
t_all = sum(n * w for n, w in zip(N, NS))
if summary[:2] != [t_all, sum(N)]: fail("callgrind summary", summary[:2], "!=", [t_all, sum(N)])
own = [table("%s.functions" % d, 2, 4) for d in RUNS]
for (mod, f), ns in cself.items():
    key = (f, "" if mod == "???" else mod)
    want = sum(int(x.get(key, [0])[0]) * w for x, w in zip(own, NS))
    if ns != want: fail("callgrind", f, mod, "self cpu_time", ns, "!= its samples x period", want)
print("# exact checks:", ", ".join("%s %d" % kv for kv in sorted(checked.items())),
      "; callgrind functions %d" % len(cself))
# 4. against the programs' clocks
w = cpu_a / (cpu_a + cpu_b)
ta, la = annotate("m.calib_a.txt")
got = sum(s for s, _, _, _ in la.values())
n_calib = sum(int(x[0]) for k, x in own[0].items() if k[0].startswith("calib_"))
p = 0.6
U = [unseen_share(d + ".db") for d in RUNS]   # of each run's task-clock
tol = 100 * (4 * math.sqrt(p * (1 - p) / n_calib) * w
             + 4 * p * w * (1 - w) * math.sqrt(1 / N[0] + 1 / N[1])
             + p * w * (1 - w) * sum(U)) + 1.5
counts = 100 * p * N[0] / (N[0] + N[1])
print("# calib_a's lines in M: %.2f%%; clocks: %.2f%% +- %.2f (counting samples: %.2f%%);"
      " cpu_s A %.3f, B %.3f; unseen by the samples %.1f%%, %.1f%%"
      % (got, 100 * p * w, tol, counts, cpu_a, cpu_b, 100 * U[0], 100 * U[1]))
if abs(got - 100 * p * w) > tol: fail("annotate calib_a lines", got, "vs the clocks'", 100 * p * w)
unseen_tol = 100 * p * w * (1 - w) * sum(U)
if abs(counts - 100 * p * w) <= tol:
    if abs(counts - 100 * p * w) > tol - unseen_tol:
        # the host's steal widened the tolerance past the gap (CI run 172:
        # 30.7% of B's CPU time unseen): this run cannot tell them apart
        print("SKIP: the samples did not see %.1f%% and %.1f%% of the runs' CPU time (a"
              " host's steal): time and counts cannot be told apart" % (100 * U[0], 100 * U[1]))
        sys.exit(77)
    fail("the runs are too alike to tell time from counts")
if kf != "yes":
    print("SKIP: no kernel frames in run B (kernel_frames: %s): report --kernel's truth not checked" % kf)
    sys.exit(77)
def kernel_time(path):
    for s in open(path):
        m = re.match(r"Kernel time: %s%% of the \S+( time)? \((\d+) of (\d+)" % PCT, s)
        if m: return float(m.group(1)), int(m.group(3)), int(m.group(4))
    return None, 0, 0
def ktables(path):
    funcs, lines, part = {}, {}, None
    for s in open(path):
        if s.startswith("Kernel functions"): part = funcs
        elif s.startswith("Lines that entered"): part = lines
        elif part is funcs:     # the name, then "  entered from" (2 spaces or more)
            m = re.match(r"\s*%s\s+%s\s+(\d+)\s+(\d+)\s+(.*)" % (PCT, PCT), s)
            if m: funcs[re.split(r"\s{2,}", m.group(5))[0]] = (
                float(m.group(1)), float(m.group(2)), int(m.group(3)), int(m.group(4)))
        elif part is lines:     # "file:line function", then the kernel functions
            m = re.match(r"\s*%s\s+(\d+)\s+%s\s+(.*)" % (PCT, PCT), s)
            if m: lines[re.split(r"\s{2,}", m.group(4).rstrip())[0]] = (
                float(m.group(1)), int(m.group(2)), float(m.group(3)))
    return funcs, lines
def line_self(i, loc):
    """A line not in run i's kernel table entered no kernel there, but its
    user-mode samples still count in the merge's Self% (CI: __getrlimit,
    1 kernel sample in A, 1 user sample in B): its line_profile row. A
    line without source is its function's name alone (CI run 177: ld.so's
    _start, 2 samples in B's table, A's only in its line_profile)."""
    m = re.match(r"(.*):(\d+) (\S+)$", loc)
    want = m.groups() if m else ("", "0", loc)
    rows = [v for (f, l, fn, _), v in own_lines[i].items()
            if (os.path.basename(f), l, fn) == want]
    return sum(int(v[0]) for v in rows)
own_lines = [table("%s.lines" % d, 4, 2) for d in RUNS]
kt = {d: kernel_time(d + ".kernel.txt") for d in RUNS + ("m",)}
near("kernel time", kt["m"][0], [kt[d][1] for d in RUNS])
kf_, kl_ = zip(*(ktables(d + ".kernel.txt") for d in RUNS + ("m",)))
for f, (s, t, _, _) in kf_[2].items():
    near("kernel-function %s Self%%" % f, s, [x.get(f, (0, 0, 0, 0))[2] for x in kf_[:2]])
    near("kernel-function %s Total%%" % f, t, [x.get(f, (0, 0, 0, 0))[3] for x in kf_[:2]])
for loc, (k, _, s) in kl_[2].items():
    near("kernel-line %s Kernel%%" % loc, k, [x.get(loc, (0, 0))[1] for x in kl_[:2]])
    near("kernel-line %s Self%%" % loc, s, [count(x[loc][2], d) if loc in x else
                                            line_self(i, loc) for i, (x, d) in
                                            enumerate(zip(kl_[:2], RUNS))])
if not kf_[2] or not kl_[2]: fail("report --kernel listed no kernel function or line")
F = [kt[d][1] / N[i] for i, d in enumerate(RUNS)]   # each run's kernel fraction
truth = 100 * (F[0] * cpu_a + F[1] * cpu_b) / (cpu_a + cpu_b)
T = [n * w_ for n, w_ in zip(N, NS)]          # each run's time from its samples
K, sd2 = kt["m"][0] / 100, 0
for i, d in enumerate(RUNS):                  # var of K = sum T_r f_r / sum T_r, f_r given
    sd2 += (T[i] / sum(T)) ** 2 * (F[i] - K) ** 2 / N[i]
tol = 100 * (4 * math.sqrt(sd2) + abs(F[0] - F[1]) * w * (1 - w) * sum(U)) + 1.5
counts = 100 * (kt["a"][1] + kt["b"][1]) / sum(N)
print("# kernel time in M: %.2f%%; clocks: %.2f%% +- %.2f (counting samples: %.2f%%);"
      " runs' kernel fractions %.3f, %.3f" % (kt["m"][0], truth, tol, counts, F[0], F[1]))
if abs(kt["m"][0] - truth) > tol: fail("kernel time", kt["m"][0], "vs the clocks'", truth)
if abs(counts - truth) <= tol:
    if abs(counts - truth) > tol - 100 * abs(F[0] - F[1]) * w * (1 - w) * sum(U):
        print("SKIP: the samples did not see %.1f%% and %.1f%% of the runs' CPU time (a"
              " host's steal): the kernel's time and counts cannot be told apart"
              % (100 * U[0], 100 * U[1]))
        sys.exit(77)
    fail("the runs are too alike to tell time from counts (kernel)")
print("# checked: %d exact shares" % sum(checked.values()))
PYEOF
echo PASS

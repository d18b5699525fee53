# Shared helpers for the shell tests (sourced). Env from CTest:
#   HPPROF  the hpprof binary    HP_SRC  source tree    HP_BUILD  build tree
set -u
: "${HPPROF:?HPPROF must point at the hpprof binary}"
KDIR="$HP_BUILD/kernels"
T=$(mktemp -d "${TMPDIR:-/tmp}/hpprof-test.XXXXXX")
trap 'rm -rf "$T"' EXIT
cd "$T"

fail() { echo "FAIL: $*" >&2; exit 1; }
skip() { echo "SKIP: $*"; exit 77; }
note() { echo "# $*"; }

# nobody_copy [FILE...]: for a test that runs something as user nobody
# (root does it through setpriv). Copies hpprof, the preload library beside
# it and each FILE (a file or a directory) into $T/nb/, readable and
# runnable by all: the build and source trees may be where nobody cannot
# go - a clone in root's home (mode 0700) on a fresh machine. Sets
# NB_HPPROF; a FILE's copy is $T/nb/BASENAME.
nobody_copy() {
	chmod 755 "$T" && mkdir -p "$T/nb" || fail "cannot make $T/nb"
	cp -R "$HPPROF" "$@" "$T/nb/" || fail "cannot copy hpprof and $* for user nobody"
	for _so in "$(dirname "$HPPROF")"/libhpprof_*.so; do
		[ ! -e "$_so" ] || cp "$_so" "$T/nb/" || fail "cannot copy $_so for user nobody"
	done
	chmod -R a+rX "$T/nb"
	NB_HPPROF="$T/nb/$(basename "$HPPROF")"
}

# as_nobody FXDIR: for a test run as user nobody when it runs as root
# (perf_event_paranoid applies to nobody): sets as (the setpriv prefix,
# empty when not root), hp (the hpprof to run) and fx (FXDIR as nobody
# reads it: nobody_copy's copy); the working directory is made writable
# by all.
as_nobody() {
	as= hp=$HPPROF fx=$1
	if [ "$(id -u)" = 0 ]; then
		command -v setpriv >/dev/null || skip "setpriv is not installed (util-linux)"
		as="setpriv --reuid=65534 --regid=65534 --clear-groups"
		nobody_copy "$1"
		hp=$NB_HPPROF fx="$T/nb/$(basename "$1")"
		chmod 777 .
	fi
}

# q DB SQL: one value (or rows) from sqlite3
q() { sqlite3 -batch -noheader "$1" "$2"; }
# fn_total_pct DB FUNCTION: the largest total % of a function of that
# name (0 when none): the samples with it on the stack, the kernel's under
# it included. A test's "the program spends its time in F" is F's total:
# on a machine busy with other work the kernel's preemption runs in F's
# stead, and F's self % fell to 89% in a CI run beside a build (wave 26).
# fn_share_in DB FUNCTION COMM: the % of the samples of the processes
# named COMM (an exec'd program's last name) with FUNCTION on the stack:
# "the program spends its time in F" where its run has other processes
# (a shell, mount, cp, chroot): their few ms are a larger part when the
# machine steals the program's samples (CI run 162 beside a CPU loop: 230
# samples for 0.3 s of CPU, in_root_work 87.8% of the whole run's).
fn_share_in() {
	_c="s.tid IN (SELECT tid FROM threads WHERE pid IN (SELECT pid FROM processes
	    WHERE comm = '$3'))"
	awk -v h="$(stack_hits "$1" "f.name = '$2'" "$_c")" -v n="$(samples_where "$1" "$_c")" \
		'BEGIN { printf "%.2f\n", n ? 100 * h / n : 0 }'
}
# fn_rows DB FUNCTION: its rows in function_profile
fn_total_pct() {
	q "$1" "SELECT COALESCE(MAX(total_pct), 0) FROM function_profile WHERE function = '$2'"
}
fn_rows() { q "$1" "SELECT COUNT(*) FROM function_profile WHERE function = '$2'"; }

# assert_ge NAME VALUE MIN   (floating point)
assert_ge() {
	awk -v v="$2" -v m="$3" 'BEGIN { exit !(v + 0 >= m + 0) }' ||
		fail "$1 = $2, expected >= $3"
	note "$1 = $2 (>= $3)"
}
assert_le() {
	awk -v v="$2" -v m="$3" 'BEGIN { exit !(v + 0 <= m + 0) }' ||
		fail "$1 = $2, expected <= $3"
	note "$1 = $2 (<= $3)"
}
assert_eq() {
	[ "$2" = "$3" ] || fail "$1 = '$2', expected '$3'"
	note "$1 = $2"
}
assert_contains() {  # assert_contains NAME FILE TEXT
	grep -q -- "$3" "$2" || { cat "$2" >&2; fail "$1: '$3' not found"; }
}
assert_not_contains() {  # assert_not_contains NAME FILE TEXT
	! grep -q -- "$3" "$2" || { cat "$2" >&2; fail "$1: '$3' found"; }
}

need_kernel() {
	[ -x "$KDIR/hp-$1" ] || fail "kernel hp-$1 is not built ($KDIR)"
}

# Line numbers of a source file that carry a marker comment, as "a,b,c".
marker_lines() {
	grep -n -- "$2" "$1" | cut -d: -f1 | paste -sd, -
}

command -v sqlite3 >/dev/null || skip "sqlite3 is not installed (scripts/install-deps.sh)"

# ---- Ground truth from the kernels' own measurements -----------------------
# Every kernel prints "truth" lines (kernels/README.md, "Truth lines"): CPU
# time and page faults per phase, per worker, per timed function and for the
# whole process, measured in the run being profiled. docs/testing.md says
# how the checks below use them.

# truth FILE SCOPE NAME KEY [PID]: the value of KEY on the first truth line
# with that scope and name (and pid); empty when there is none.
truth() {
	awk -v s="$2" -v n="$3" -v k="$4" -v p="${5:-}" '$1 == "truth" {
		split("", f)
		for (i = 2; i <= NF; i++) { j = index($i, "="); f[substr($i, 1, j - 1)] = substr($i, j + 1) }
		if (f["scope"] == s && f["name"] == n && (p == "" || f["pid"] == p)) { print f[k]; exit }
	}' "$1"
}

# truth_sum FILE SCOPE KEY [NAME_REGEX] [PID]: KEY summed over the truth
# lines of that scope (names matching the extended regex, pid); 0 if none.
truth_sum() {
	awk -v s="$2" -v k="$3" -v n="${4:-.}" -v p="${5:-}" '$1 == "truth" {
		split("", f)
		for (i = 2; i <= NF; i++) { j = index($i, "="); f[substr($i, 1, j - 1)] = substr($i, j + 1) }
		if (f["scope"] == s && f["name"] ~ n && (p == "" || f["pid"] == p)) sum += f[k]
	} END { printf "%.6f\n", sum }' "$1"
}

# truth_startup FILE [PID]: CPU seconds of the process outside every phase
# and worker thread: exec, the dynamic loader, libc start-up (before main).
truth_startup() {
	pid=${2:-$(truth "$1" process main pid)}
	awk -v a="$(truth "$1" process main cpu_s "$pid")" -v b="$(truth_sum "$1" phase cpu_s . "$pid")" \
	    -v c="$(truth_sum "$1" thread cpu_s . "$pid")" 'BEGIN { d = a - b - c; printf "%.6f\n", (d > 0 ? d : 0) }'
}

# K_SIGMA: how many binomial standard errors a share may be off. A `make
# test` makes about a hundred such checks; at 4 SE a correct profiler fails
# one of them with probability ~6e-5 (two-sided normal tail), i.e. well
# under 1% of `make test` runs, while a real error of a few SE is caught.
K_SIGMA=4

# check_share WHAT HITS N LO HI SKID [UNSEEN]
#   HITS of N samples fell in a region whose true share of the CPU time is
#   between LO and HI (fractions, from truth lines: a share known exactly
#   has LO = HI). Passes when HITS/N lies within K_SIGMA binomial standard
#   errors sqrt(p(1-p)/N) plus SKID percentage points of [LO, HI]; SKID is
#   the allowance for what sampling cannot resolve, stated at each call.
#   UNSEEN (percentage points, unseen_pp) is added where the truth is the
#   program's own CPU clock: the time the samples did not see.
check_share() {
	awk -v w="$1" -v h="$2" -v n="$3" -v lo="$4" -v hi="$5" -v skid="$6" -v un="${7:-0}" \
		-v k="$K_SIGMA" 'BEGIN {
		if (n <= 0) { printf "# %s: no samples\n", w; exit 1 }
		obs = 100 * h / n
		p = lo > 0.5 ? lo : hi < 0.5 ? hi : 0.5     # the largest p(1-p) in [lo, hi]
		se = 100 * sqrt(p * (1 - p) / n); tol = k * se + skid + un
		printf "# %s: %.2f%% (%d of %d samples); truth %.2f..%.2f%%, tolerance %.2f pp = %d x SE %.2f + skid %.2f%s\n",
			w, obs, h, n, 100 * lo, 100 * hi, tol, k, se, skid,
			(un > 0 ? sprintf(" + unseen %.2f", un) : "")
		exit !(obs >= 100 * lo - tol && obs <= 100 * hi + tol)
	}' || fail "$1: outside the tolerance"
}

# unseen_pp DB [SECONDS]: the allowance, in percentage points of a share
# of the program's CPU time by its own clocks, for the time the run's
# samples did not see (hpprof's run_info unseen_ns; a host's steal, which
# this kind of VM does not report): U / (T - U) x 100, T the run's CPU
# time or SECONDS when the share is of a part of the run (the workers'
# CPU time); 0 when hpprof could not say. tests/e2e/unseen.py computes it,
# for the Python checks too.
unseen_pp() {
	python3 "$HP_SRC/tests/e2e/unseen.py" "$1" ${2:+"$2"}
}
# unseen_pp_max DB...: unseen_pp's largest over runs pooled into one share
# (sum U / sum (T - U) is at most the largest of the runs' U / (T - U)).
unseen_pp_max() {
	for _db; do unseen_pp "$_db"; done | awk '$1 > m { m = $1 } END { printf "%.2f\n", m }'
}
# unseen_s DB: that time itself, in seconds (0 when hpprof could not say):
# for a check of a sample count against a CPU time by the program's clock.
unseen_s() {
	python3 "$HP_SRC/tests/e2e/unseen.py" --seconds "$1"
}

# Samples whose innermost Python frame is FUNCTION, as "total beneath_at_line":
# beneath = a native frame is inside it, at_line = the frame is on LINE.
# The CPU sampler's only: the checks that use it are of where CPU time
# went. Not the off-CPU samples (a launched Python's waits since wave 14),
# nor the page-fault samples, which carry Python frames too: one in
# deep_leaf (its recursion growing the stack) was counted among the CPU
# samples python_truncated counts (CI run 155: 1051 cut, 1052 counted).
innermost_python() {
	q "$1" "WITH RECURSIVE walk(s, node, depth) AS (
		SELECT rowid, stack_id, 0 FROM samples WHERE stack_id != 0
		AND event = (SELECT id FROM events WHERE role = 'sampler')
		UNION ALL SELECT s, parent, depth + 1 FROM walk JOIN stack_nodes ON id = node
		WHERE parent != 0),
	  py AS (SELECT s, depth, location_id FROM walk JOIN stack_nodes n ON n.id = node
		JOIN locations l ON l.id = n.location_id JOIN modules m ON m.id = l.module_id
		WHERE m.path LIKE '[python] %'),
	  leaf AS (SELECT s, min(depth) AS d FROM py GROUP BY s),
	  inner AS (SELECT py.s, py.depth, f.name, lf.line FROM py JOIN leaf ON leaf.s = py.s
		AND leaf.d = py.depth JOIN location_frames lf ON lf.location_id = py.location_id
		JOIN functions f ON f.id = lf.function_id)
	SELECT count(*), coalesce(sum(depth > 0 AND line = $3), 0) FROM inner WHERE name = '$2'"
}

# share_within NAME GOT WANT N ALLOW: a share GOT (0..1) of N samples
#   against the truth WANT: |GOT - WANT| <= 3*sqrt(WANT(1-WANT)/N) + ALLOW,
#   ALLOW the allowance stated at each call; fails otherwise.
share_within() {
	awk -v g="$2" -v w="$3" -v n="$4" -v a="$5" 'BEGIN {
		tol = 3 * sqrt(w * (1 - w) / n) + a; d = g - w; if (d < 0) d = -d
		printf "# %s: %.4f vs truth %.4f (n=%d, tolerance %.4f)\n", "'"$1"'", g, w, n, tol
		exit !(d <= tol) }' || fail "$1: $2 is not within tolerance of $3 (n=$4)"
}

# plus_unseen ALLOWANCE DB [SECONDS]: a share_within allowance (a
# fraction) plus the time DB's samples did not see, unseen_pp's, as a
# fraction: for shares whose truth is the program's own CPU clock.
plus_unseen() {
	awk -v a="$1" -v u="$(unseen_pp "$2" "${3:-}")" 'BEGIN { printf "%.4f\n", a + u / 100 }'
}

# ratio A B: A / B with 4 decimals (0 when B is 0).
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.4f\n", b ? a / b : 0 }'; }

# samples_where DB [COND]: main-sampler samples s (of threads matching COND,
# an SQL condition on s, e.g. "s.tid IN (...)").
samples_where() {
	q "$1" "SELECT COUNT(*) FROM samples s WHERE s.event = 0 AND (${2:-1})"
}

# pid_cond PID: the SQL condition "sample s is from a thread of PID".
pid_cond() { echo "s.tid IN (SELECT tid FROM threads WHERE pid = $1)"; }

# stack_hits DB FUNC_COND [COND]: main-sampler samples (matching COND) whose
# stack holds a frame - inlined frames included - of a function matching
# FUNC_COND, an SQL condition on f (functions) and m (modules).
stack_hits() {
	q "$1" "WITH RECURSIVE st(id) AS (SELECT DISTINCT s.stack_id FROM samples s
	          WHERE s.event = 0 AND (${3:-1})),
	        walk(top, node) AS (SELECT id, id FROM st
	          UNION ALL SELECT w.top, n.parent FROM walk w
	          JOIN stack_nodes n ON n.id = w.node WHERE n.parent != 0),
	        hit(id) AS (SELECT DISTINCT w.top FROM walk w
	          JOIN stack_nodes n ON n.id = w.node
	          JOIN location_frames lf ON lf.location_id = n.location_id
	          JOIN functions f ON f.id = lf.function_id
	          LEFT JOIN modules m ON m.id = f.module_id WHERE $2)
	        SELECT COUNT(*) FROM samples s WHERE s.event = 0 AND (${3:-1})
	          AND s.stack_id IN (SELECT id FROM hit)"
}

# check_workers DB OUT SKID: every worker of a parallel kernel (truth lines
# scope=thread, or one process line per forked worker) holds its share of
# the workers' samples: the share of their CPU time the kernel measured.
# A thread or process that was starved on a loaded machine has a small CPU
# time and, rightly, few samples.
check_workers() {
	ws=$(awk '$1 == "truth" {
		split("", f)
		for (i = 2; i <= NF; i++) { j = index($i, "="); f[substr($i, 1, j - 1)] = substr($i, j + 1) }
		if ((f["scope"] == "thread" || f["scope"] == "process") && f["name"] ~ /^worker/)
			print f["name"], f["scope"], f["pid"], f["tid"], f["cpu_s"]
	}' "$2")
	[ -n "$ws" ] || fail "$2: no truth lines of workers"
	busy=$(echo "$ws" | awk '{ s += $5 } END { printf "%.6f\n", s }')
	cond=$(echo "$ws" | awk '{ printf "%s%s", (NR > 1 ? " OR " : ""), ($2 == "thread" ? "s.tid = " $4 : "s.tid IN (SELECT tid FROM threads WHERE pid = " $3 ")") }')
	nw=$(samples_where "$1" "$cond")
	[ -n "$nw" ] || fail "$1: cannot count the workers' samples"
	un=$(unseen_pp "$1" "$busy")
	echo "$ws" | while read -r name scope pid tid cpu; do
		if [ "$scope" = thread ]; then c="s.tid = $tid"; else c=$(pid_cond "$pid"); fi
		check_share "$name ($scope $tid): share of the workers' samples" \
			"$(samples_where "$1" "$c")" "$nw" "$(ratio "$cpu" "$busy")" "$(ratio "$cpu" "$busy")" \
			"$3" "$un"
	done || exit 1
}

# check_faults DB OUT: hpprof's page-faults counter for the run against the
# kernel's own count (minflt + majflt of its process line, plus its forked
# workers'). The kernel's getrusage starts at the launcher's fork and
# hpprof's counter at exec: the faults in between (the launcher's
# copy-on-write pages, exec; ~40 here) are the kernel's alone, the exit
# after its last line hpprof's alone; 250 faults allow for both.
check_faults() {
	k=$(awk '$1 == "truth" && / scope=process / {
		for (i = 2; i <= NF; i++) if ($i ~ /^(minflt|majflt)=/) s += substr($i, 8)
	} END { print s + 0 }' "$2")
	h=$(q "$1" "SELECT total FROM events WHERE name = 'page-faults' AND measured = 1")
	[ -n "$h" ] || fail "$1: the page-faults counter was not measured"
	d=$((h - k))
	note "page faults: hpprof $h, kernel $k (difference $d, allowed +-250)"
	[ "${d#-}" -le 250 ] || fail "page faults: hpprof $h, the kernel counted $k"
}

# check_present WHAT HITS EXPECTED: a region the truth says takes EXPECTED
# samples (share x samples) must have some. With EXPECTED >= 10 a correct
# profiler shows none with probability e^-10 (Poisson); a smaller
# expectation (a machine fast enough to make the region tiny) is noted and
# not asserted.
check_present() {
	if awk -v e="$3" 'BEGIN { exit !(e < 10) }'; then
		note "$1: $2 samples; expected only $3, too few to assert"
		return 0
	fi
	note "$1: $2 samples (expected about $3)"
	[ "$2" -ge 1 ] || fail "$1: no sample where the truth expects $3"
}

# deep_named DB ND: deep_recursion.py's deep_leaf, innermost Python frame
# of ND samples of DB, is named in >= 95% of the samples it ran in, less 3
# sigma: the CPU samples marked cut (a Python chain deeper than the frames
# read: deep_leaf's 200, and the recursion's descent below 128), not its
# clock share of the samples, which the time the samples did not see moves
# (CI run 184 beside a CPU loop: 492 named, 502 cut by run_info
# python_truncated, but ~557 by the clock share, 0.5754 against the
# samples' 0.5083). python_run.sh's deep and python_attach.sh's.
deep_named() {
	_cut=$(q "$1" "SELECT COUNT(*) FROM samples WHERE unwind = 3
		AND event = (SELECT id FROM events WHERE role = 'sampler')")
	awk -v a="$2" -v e="$_cut" 'BEGIN { x = 0.95 - 3 * sqrt(0.95 * 0.05 / (e > 0 ? e : 1))
		printf "# deep_leaf named in %d of the %d samples marked cut (%.3f, at least %.3f)\n", a, e, e ? a / e : 0, x
		exit !(e > 0 && a / e >= x) }' || fail "deep_leaf is not named in its samples"
}

# wait_ready FILE WHAT: wait up to 60 s for a line starting with READY in
# FILE (the Python fixtures print it once running), else fail.
wait_ready() {
	_w=0
	while ! grep -q '^READY' "$1" 2>/dev/null; do
		_w=$((_w + 1)); [ $_w -lt 600 ] || fail "$2 did not start"
		sleep 0.1
	done
}

# wait_asleep PID FILE MARK N WHAT: wait up to 30 s until FILE (PID's
# output) holds MARK and N threads of PID are asleep (S in their stat),
# else fail: the fixtures whose threads are asleep when hpprof attaches.
wait_asleep() {
	_w=0
	until grep -q "$3" "$2" && [ "$(cat /proc/$1/task/*/stat | awk '$3 == "S"' | wc -l)" = "$4" ]; do
		sleep 0.05; _w=$((_w + 1)); [ $_w -lt 600 ] || fail "$5: its $4 threads never slept"
	done
}

# wait_exec PID NAME: wait up to 60 s until process PID runs NAME (its
# comm), i.e. a program started in the background has exec'd; else fail.
# Not a fixed sleep: on a loaded machine the exec can take longer.
wait_exec() {
	_w=0
	while [ "$(cat "/proc/$1/comm" 2>/dev/null)" != "$2" ]; do
		_w=$((_w + 1)); [ $_w -lt 600 ] || fail "process $1 never became $2"
		sleep 0.1
	done
}

# fake_python312 PY OUT: a copy of CPython 3.11 PY at OUT whose Py_Version
# datum says 3.12.2 (0x030c02f0), for the "not supported" paths. Returns 1
# when nm/readelf cannot locate the datum.
fake_python312() {
	_off=$(python3 - "$1" <<'PYEOF'
import subprocess, sys
syms = subprocess.run(["nm", "-D", "--defined-only", sys.argv[1]], capture_output=True, text=True).stdout
addr = next(int(l.split()[0], 16) for l in syms.splitlines() if l.split()[-1] == "Py_Version")
hdrs = subprocess.run(["readelf", "-lW", sys.argv[1]], capture_output=True, text=True).stdout
for l in hdrs.splitlines():
    f = l.split()
    if f and f[0] == "LOAD":
        o, v, fs = int(f[1], 16), int(f[2], 16), int(f[4], 16)
        if v <= addr < v + fs:
            print(o + addr - v)
PYEOF
)
	[ -n "$_off" ] || return 1
	cp "$1" "$2" && chmod +x "$2" || fail "cannot copy $1 to $2"
	printf '\360\002\014\003\000\000\000\000' |
		dd of="$2" bs=1 seek="$_off" conv=notrunc 2>/dev/null || fail "cannot patch $2"
}

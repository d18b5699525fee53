#!/bin/sh
# The TUI on real programs (wave 17, docs/realworld.md "Wave 17: the TUI
# on real programs"): what `hpprof tui` shows, read off a tmux screen, is
# the database's figure, and the database's is the peer's.
#   memory: xz -9 -T1 on 1 MiB under --alloc and heaptrack (memory_lib.sh:
#     calls, leaks, heap peak and temporaries equal, memory_check.py), then
#     the memory view (6): the heap chart's "heap peak" is run_info's
#     heap_peak_bytes (heaptrack's, by the check before), the header's own
#     peak is process_profile's, the sites line has alloc_sites' count,
#     bytes and leaks, and the heap curve is there from the allocation on
#     (xz allocates its encoders before it compresses: the heap reaches 90%
#     of its peak before the run's median CPU sample, by the program's order
#     of work; not "in the first quarter of the run", which CI run 131 broke
#     with 170 ms of the loader waiting on the disk before xz ran at all);
#     at 80x24 the labels are whole.
#   CPU: python3.11 work.py under hpprof and, separately, perf record: the
#     functions view's top row (self and total samples) is function_profile's,
#     and its Self% is perf's share of the same symbol within 3 standard
#     errors of the difference of two binomial shares (n = each tool's
#     samples) plus 2 points for the drift between two runs.
. "$HP_SRC/tests/realworld/memory_lib.sh"
need xz xz-utils
need sqlite3 sqlite3
need /usr/bin/python3.11 python3.11
need perf linux-perf
TUI_TMP="$T/tmux"
mkdir -p "$TUI_TMP"
. "$HP_SRC/tests/e2e/tui_lib.sh"          # skips (77) without tmux
trap 'tui_stop; rw_cleanup' EXIT
perf record -q -e cpu-clock -o probe.data -- true >/dev/null 2>&1 ||
	skip "perf record cannot sample here (kernel.perf_event_paranoid=$(cat /proc/sys/kernel/perf_event_paranoid 2>/dev/null))"
q() { sqlite3 alloc.db "$1"; }
# bytes as the TUI writes them (tui/chart.c chart_bytes)
bytes() { awk -v b="$1" 'BEGIN { u = "B"; split("KiB MiB GiB TiB", n, " ");
	for (i = 1; b >= 1024 && i <= 4; i++) { b /= 1024; u = n[i] }
	if (u == "B") printf "%.0f B", b; else printf "%.1f %s", b, u }'; }
screen_has() {  # screen_has FILE TEXT WHAT
	grep -qF -- "$2" "$1" || { cat "$1"; fail "$3: '$2' is not on the screen"; }
	note "ok: $3: $2"
}

"$PY" "$HP_SRC/tests/realworld/gen.py" text input.txt 1 || fail "cannot generate the input"
mem_compare ":" xz -9 -T1 -c input.txt   # -T2: a TLS block of the loader, whose size depends on the tool, leaks in the thread (16 B apart)

# --- report --memory on xz -T2: its worker threads run in liblzma, which
# the preload library also loads (libunwind needs it). The faults charged
# to "hpprof's own" are at most those whose stack has a frame of the
# preload library or of ld.so (its libraries' initializers), counted here
# (until wave 17: 96.5% of the faults, the worker's).
"$HPPROF" run -q --alloc -o t2.db -- xz -9 -T2 -c input.txt >/dev/null 2>t2.err ||
	{ tail -5 t2.err >&2; fail "hpprof run --alloc xz -T2 exited $?"; }
"$HPPROF" report --memory t2.db >t2.txt 2>&1 || fail "report --memory t2.db exited $?"
own=$(awk '/hpprof.s own \(/ { print $1 }' t2.txt)
bound=$("$PY" - t2.db <<'PYEOF'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
ev = db.execute("SELECT id FROM events WHERE name = 'page-faults:sampled'").fetchone()[0]
period = int(db.execute("SELECT value FROM run_info WHERE key = 'fault_period'").fetchone()[0])
parent = dict(db.execute("SELECT id, parent FROM stack_nodes"))
loc_of = dict(db.execute("SELECT id, location_id FROM stack_nodes"))
tool = {r[0] for r in db.execute(
    "SELECT l.id FROM locations l JOIN modules m ON m.id = l.module_id"
    " WHERE m.path LIKE '%libhpprof_alloc%' OR m.path LIKE '%/ld-linux%'")}
def has_tool(node):
    while node:
        if loc_of[node] in tool:
            return True
        node = parent[node]
    return False
print(period * sum(has_tool(s) for (s,) in db.execute(
    "SELECT stack_id FROM samples WHERE event = ?", (ev,))))
PYEOF
)
[ -n "$own" ] || own=0
[ "$own" -le "$bound" ] || { sed -n '/Lines that grew/,/^$/p' t2.txt; fail "report --memory charges $own faults of xz -T2 to hpprof's own; at most $bound have a frame of the preload library or ld.so"; }
note "ok: report --memory, xz -T2: $own faults hpprof's own, at most $bound by the stacks"

# --- the memory view against alloc.db (= heaptrack's figures, checked above)
peak=$(q "SELECT value FROM run_info WHERE key = 'heap_peak_bytes'")
pid=$(q "SELECT pid FROM process_profile ORDER BY peak_rss_bytes DESC LIMIT 1")
own=$(q "SELECT peak_rss_bytes FROM process_profile WHERE pid = $pid")
nsites=$(q "SELECT count(*) FROM alloc_sites")
total=$(q "SELECT sum(bytes) FROM alloc_sites")
leaked=$(q "SELECT sum(leaked_bytes) FROM alloc_sites")
mid=$(q "SELECT t_ns FROM samples WHERE event = 0 ORDER BY t_ns
	LIMIT 1 OFFSET (SELECT count(*) / 2 FROM samples WHERE event = 0)")
[ -n "$mid" ] || fail "no CPU samples in alloc.db"
early=$(q "SELECT count(*) FROM memory_timeline WHERE heap_bytes >= 0.9 * $peak AND t_ns <= $mid")
[ "$early" -gt 0 ] || fail "the heap timeline reaches 90% of the peak ($peak B) only after the median CPU sample (t = $mid ns)"
tui_start "$HPPROF" tui --view memory alloc.db
tui_wait_for "Allocation sites"
tui_screen >memory.txt
screen_has memory.txt "heap peak $(bytes "$peak") at" "heap peak ($peak B)"
screen_has memory.txt "process $pid (xz)" "the process with the largest peak"
screen_has memory.txt "own peak $(bytes "$own")" "own peak ($own B)"
screen_has memory.txt "Allocation sites: $nsites, $(bytes "$total") allocated, $(bytes "$leaked") never freed" \
	"sites ($total B, $leaked B leaked)"
# the heap chart's bottom row (the one labelled 0 under the heap label;
# │ and ▁ are | and _ where the locale is not UTF-8, as under LC_ALL=C)
row=$(sed -n '/^heap /,$p' memory.txt | grep -m1 -E '^ *0(│|[|])')
first=$(printf '%s\n' "$row" | sed -E 's/^ *0(│|[|])//' | cut -c1-20 | sed 's/▁//g' | tr -d ' _')
[ -n "$first" ] || { cat memory.txt; fail "the heap chart is empty in its first 20 columns"; }
note "ok: the heap curve is drawn from the start: '$first'"
tmux_ resize-window -t t -x 80 -y 24
sleep 0.5
tui_wait_for "heap peak"
tui_screen >memory80.txt
grep -Eq "heap peak [0-9.]+ (B|KiB|MiB|GiB) at [0-9.]+ m?s" memory80.txt ||
	{ cat memory80.txt; fail "80x24: the heap peak label is cut"; }
grep -E '^ +\|0 ms' memory80.txt | grep -Eq 'm?s$' ||
	{ cat memory80.txt; fail "80x24: the time axis ends in a cut label"; }
note "ok: 80x24: labels whole"
tui_keys q
tui_wait_exit >/dev/null
tui_stop

# --- the functions view against function_profile and perf
"$PY" "$HP_SRC/tests/realworld/gen.py" python work.py 60000 || fail "cannot generate work.py"
"$HPPROF" run -q --python off -F 2000 -o cpu.db -- /usr/bin/python3.11 work.py >cpu.out 2>cpu.err ||
	{ tail -5 cpu.err >&2; fail "hpprof run exited $?"; }
perf record -q -e cpu-clock -F 2000 -o cpu.data -- /usr/bin/python3.11 work.py >perf.out 2>perf.err ||
	{ tail -5 perf.err >&2; fail "perf record exited $?"; }
tui_start "$HPPROF" tui --view functions cpu.db
tui_wait_for "Functions: self"
tui_screen >functions.txt
# the first row under the header: Self% Total% Self Total ... Function Module
set -- $(sed -n 3p functions.txt)
spct=$1 tpct=$2 self=$3 tot=$4
func=$(sqlite3 cpu.db "SELECT function FROM function_profile ORDER BY self_samples DESC, total_samples DESC LIMIT 1")
grep -qF "$func" functions.txt || { cat functions.txt; fail "the top function '$func' is not on the screen"; }
want=$(sqlite3 cpu.db "SELECT self_samples || ' ' || total_samples FROM function_profile WHERE function = '$func'")
[ "$self $tot" = "$want" ] || { cat functions.txt; fail "top row: self, total $self $tot, function_profile $want"; }
note "ok: top function $func: Self $self, Total $tot samples (function_profile: $want), Self% $spct"
n_hp=$(sqlite3 cpu.db "SELECT value FROM run_info WHERE key = 'samples'")
perf report -i cpu.data --stdio --no-children --sort sym -F overhead,sym 2>/dev/null >perf.txt
n_pf=$(perf report -i cpu.data --stdio --no-children --sort sym 2>/dev/null | sed -n 's/^# Samples: \([0-9]*\).*/\1/p')
pf=$(awk -v f="$func" '$3 == f { sub("%", "", $1); print $1; exit }' perf.txt)
[ -n "$pf" ] || { head -20 perf.txt; fail "perf has no sample in $func"; }
"$PY" - "$spct" "$n_hp" "$pf" "$n_pf" <<'PYEOF' || fail "the TUI's Self% of $func and perf's differ beyond the tolerance"
import math, sys
a, na, b, nb = float(sys.argv[1]) / 100, int(sys.argv[2]), float(sys.argv[3]) / 100, int(sys.argv[4])
se = math.sqrt(a * (1 - a) / na + b * (1 - b) / nb)    # two binomial shares
tol = 3 * se + 0.02                                     # + 2 points: two runs' drift
print("# TUI %.2f%% of %d samples, perf %.2f%% of %d: |diff| %.2f pp, tolerance %.2f pp"
      % (100 * a, na, 100 * b, nb, 100 * abs(a - b), 100 * tol))
sys.exit(abs(a - b) > tol)
PYEOF
tui_keys q
tui_wait_exit >/dev/null
echo "PASS"

#!/bin/sh
# The target's exit status is hpprof's; a crash keeps samples and the signal;
# Ctrl-C stops the target and still writes a complete database.
. "$HP_SRC/tests/e2e/lib.sh"
need_kernel julia

"$HPPROF" run -q -o e.db sh -c 'exit 3'
assert_eq "exit status passed through" "$?" 3
assert_eq "run_info exit_status" "$(q e.db "SELECT value FROM run_info WHERE key='exit_status'")" 3

# The program sees argv[0] as the user wrote it, as from a shell (and perf
# record): a name found in PATH stays the name (a multi-call program such
# as xz/unxz chooses what to do by it), a path stays that path.
"$HPPROF" run -q -o a0.db cat /proc/self/cmdline | tr '\0' ' ' >a0.txt
assert_eq "argv[0] of a program found in PATH" "$(cat a0.txt)" "cat /proc/self/cmdline "
"$HPPROF" run -q -o a0.db "$(command -v cat)" /proc/self/cmdline | tr '\0' ' ' >a0.txt
assert_eq "argv[0] of a program given by its path" "$(cat a0.txt)" \
	"$(command -v cat) /proc/self/cmdline "

# -e given twice counts both lists, as perf record does (the last one
# alone was kept, silently)
"$HPPROF" run -q -e task-clock -e page-faults -o e2.db true
assert_eq "events of -e task-clock -e page-faults" \
	"$(q e2.db "SELECT COUNT(*) FROM events WHERE name IN ('task-clock', 'page-faults') AND measured")" 2

# A target that crashes after doing work: its samples and the signal are kept.
"$HPPROF" run -q -o crash.db sh -c "$KDIR/hp-julia --width 500 >crash.out; kill -SEGV \$\$"
st=$?
assert_eq "crash exit status (128+SIGSEGV)" "$st" 139
sig=$(q crash.db "SELECT value FROM run_info WHERE key='signal'")
case "$sig" in *egmentation*) note "signal recorded: $sig";; *) fail "signal not recorded: '$sig'";; esac
n=$(q crash.db "SELECT total_samples FROM function_profile WHERE function='calculate_z'")
# the kernel's compute phase at 1000 samples per CPU second (its truth line)
check_present "crash: calculate_z samples kept" "${n:-0}" \
	"$(awk -v t="$(truth crash.out phase compute cpu_s)" 'BEGIN { printf "%d", t * 1000 }')"

# Ctrl-C (SIGINT to hpprof): the target stops, the database is complete.
# The interrupt comes once the target has used 0.5 s of CPU (its utime +
# stime in /proc, in clock ticks), not after a fixed wall time that a
# loaded machine may spend elsewhere.
"$HPPROF" run -q -o int.db -k julia -- --width 2000 --repeat 100 >/dev/null 2>err.txt &
hp=$!
hz=$(getconf CLK_TCK)
i=0
while :; do
	kid=$(pgrep -P $hp | head -1)
	ticks=$( [ -n "$kid" ] && awk '{ print $14 + $15 }' /proc/$kid/stat 2>/dev/null || echo 0)
	[ "${ticks:-0}" -ge $((hz / 2)) ] && break
	i=$((i + 1))
	[ $i -le 1200 ] || { kill $hp; fail "the target did not reach 0.5 s of CPU within 120 s"; }
	sleep 0.1
done
kill -INT $hp
wait $hp
st=$?
assert_eq "interrupted exit status (128+SIGINT)" "$st" 130
assert_eq "run_info interrupted" "$(q int.db "SELECT value FROM run_info WHERE key='interrupted'")" 1
# 0.5 s of CPU at 1000 Hz: 500 samples expected before the interrupt; at
# least half of them must be in the database (perf's frequency mode takes
# a few ms to settle its period; nothing else may be lost)
n=$(q int.db "SELECT total_samples FROM function_profile WHERE function='main'")
assert_ge "interrupted: samples under main" "${n:-0}" 250
"$HPPROF" report int.db >/dev/null || fail "report of the interrupted run"

# Frame-pointer mode still runs (no frame pointers here: shallow stacks).
"$HPPROF" run -q -o fp.db --call-graph fp -k julia -- --width 500 >fp.out || fail "fp run"
tot=$(q fp.db "SELECT total_samples FROM function_profile WHERE function='calculate_z'")
# calculate_z calls nothing: its total samples (its own and the kernel's
# taken while it was interrupted: timer and other interrupts, preemption)
# are the compute phase's share of the CPU time (truth lines: the thread's
# clock counts the kernel's time too); skid 1 pp for the phase boundaries.
# Not its self samples: in wave 9 at load ~10-25, 25% of this short run's
# samples were in the kernel (pvm_irq_enable) above calculate_z, and its
# self share was 58-66% against a truth of 84-85%.
note "fp: $(q fp.db "SELECT self_samples FROM function_profile WHERE function='calculate_z'") of" \
	"calculate_z's $tot samples are its own, the rest the kernel's"
proc=$(truth fp.out process main cpu_s)
comp=$(truth fp.out phase compute cpu_s)
check_share "fp: calculate_z total" "$tot" "$(samples_where fp.db)" "$(ratio "$comp" "$proc")" \
	"$(ratio "$comp" "$(awk -v a="$proc" -v b="$(truth_startup fp.out)" 'BEGIN { print a - b }')")" 1
# --raw keeps every record undecoded: a SAMPLE row per sample (with its
# 16 KiB stack copy), the MMAP2 records, and a normal profile beside them.
"$HPPROF" run -q --raw -o raw.db -k julia -- --width 300 >/dev/null || fail "--raw run"
n=$(q raw.db "SELECT value FROM run_info WHERE key='samples'")
r=$(q raw.db "SELECT COUNT(*) FROM raw_records WHERE type = 9")
assert_ge "raw SAMPLE records (>= samples, $n)" "$r" "$n"
assert_ge "raw MMAP2 records" "$(q raw.db "SELECT COUNT(*) FROM raw_records WHERE type = 10")" 1
assert_ge "bytes per raw sample (stack copy kept)" \
	"$(q raw.db "SELECT MIN(length(record)) FROM raw_records WHERE type = 9")" 16384
assert_eq "no raw records without --raw" "$(q fp.db "SELECT COUNT(*) FROM raw_records")" 0
echo "PASS"

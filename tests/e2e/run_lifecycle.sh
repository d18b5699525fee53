#!/bin/sh
# The target's exit status is hpprof's; a crash keeps samples and the signal;
# Ctrl-C stops the target and still writes a complete database.
. "$HP_SRC/tests/e2e/lib.sh"
need_kernel julia

"$HPPROF" run -q -o e.db sh -c 'exit 3'
assert_eq "exit status passed through" "$?" 3
assert_eq "run_info exit_status" "$(q e.db "SELECT value FROM run_info WHERE key='exit_status'")" 3

# A target that crashes after doing work: its samples and the signal are kept.
"$HPPROF" run -q -o crash.db sh -c "$KDIR/hp-julia --width 400 >/dev/null; kill -SEGV \$\$"
st=$?
assert_eq "crash exit status (128+SIGSEGV)" "$st" 139
sig=$(q crash.db "SELECT value FROM run_info WHERE key='signal'")
case "$sig" in *egmentation*) note "signal recorded: $sig";; *) fail "signal not recorded: '$sig'";; esac
n=$(q crash.db "SELECT total_samples FROM function_profile WHERE function='calculate_z'")
assert_ge "crash: samples kept" "${n:-0}" 20

# Ctrl-C (SIGINT to hpprof): the target stops, the database is complete.
"$HPPROF" run -q -o int.db -k julia -- --width 4000 >/dev/null 2>err.txt &
hp=$!
sleep 1.5
kill -INT $hp
wait $hp
st=$?
assert_eq "interrupted exit status (128+SIGINT)" "$st" 130
assert_eq "run_info interrupted" "$(q int.db "SELECT value FROM run_info WHERE key='interrupted'")" 1
# (1.5 s in, a loaded machine may still be in set-up: count all samples)
n=$(q int.db "SELECT total_samples FROM function_profile WHERE function='main'")
assert_ge "interrupted: samples under main" "${n:-0}" 200
"$HPPROF" report int.db >/dev/null || fail "report of the interrupted run"

# Frame-pointer mode still runs (no frame pointers here: shallow stacks).
"$HPPROF" run -q -o fp.db --call-graph fp -k julia -- --width 300 >/dev/null || fail "fp run"
self=$(q fp.db "SELECT self_pct FROM function_profile WHERE function='calculate_z'")
assert_ge "fp: calculate_z self%" "$self" 80
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

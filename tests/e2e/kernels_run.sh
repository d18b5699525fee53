#!/bin/sh
# kernels_run.sh [--expect REGEX] KERNEL [ARGS...]
# Runs $HP_BUILD/kernels/hp-KERNEL ARGS. Passes when it exits 0 and prints
# its validation line "KERNEL: ... OK" (and, with --expect, a line matching
# the extended REGEX), and its truth lines (kernels/README.md) add up: a
# process line, phases whose CPU time is within the process's.
set -u
expect=
if [ "${1:-}" = --expect ]; then
	expect=$2
	shift 2
fi
kernel=$1
shift
bin=${HP_BUILD:?HP_BUILD is not set}/kernels/hp-$kernel
[ -x "$bin" ] || { echo "FAIL: $bin is not built (cmake --build . --target kernels)"; exit 1; }

out=$("$bin" "$@" 2>&1)
rc=$?
printf '%s\n' "$out"
if [ $rc -ne 0 ]; then
	echo "FAIL: hp-$kernel $* exited with status $rc"
	exit 1
fi
if ! printf '%s\n' "$out" | grep -q "^$kernel: .* OK\$"; then
	echo "FAIL: hp-$kernel $* printed no validation line '$kernel: ... OK'"
	exit 1
fi
if [ -n "$expect" ] && ! printf '%s\n' "$out" | grep -Eq "$expect"; then
	echo "FAIL: hp-$kernel $* printed no line matching '$expect'"
	exit 1
fi
# The truth lines of the main process: every field present, and its phases
# and threads (each read on its own clock) within the process's CPU time -
# 1 ms for clock granularity and rounding.
if ! printf '%s\n' "$out" | awk -v k="$kernel" '
	$1 == "truth" {
		split("", f)
		for (i = 2; i <= NF; i++) { j = index($i, "="); f[substr($i, 1, j - 1)] = substr($i, j + 1) }
		for (key in want) if (!(key in f)) { print "FAIL: truth line without " key ": " $0; bad = 1 }
		if (f["kernel"] != k) next     # forkexec: lines of the exec-ed child
		if (f["scope"] == "process" && f["name"] == "main") { proc = f["cpu_s"]; pid = f["pid"] }
		else if (f["scope"] == "phase" || f["scope"] == "thread") part[f["pid"]] += f["cpu_s"]
	}
	BEGIN { split("kernel scope name pid tid cpu_s minflt majflt", w); for (i in w) want[w[i]] = 1 }
	END {
		if (proc == "") { print "FAIL: no truth line of the main process"; exit 1 }
		if (part[pid] > proc + 0.001) { printf "FAIL: phases and threads %.6f s > process %.6f s\n", part[pid], proc; exit 1 }
		exit bad
	}'; then
	exit 1
fi
echo "PASS"

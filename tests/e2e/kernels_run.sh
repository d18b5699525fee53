#!/bin/sh
# kernels_run.sh [--expect REGEX] KERNEL [ARGS...]
# Runs $HP_BUILD/kernels/hp-KERNEL ARGS. Passes when it exits 0 and prints
# its validation line "KERNEL: ... OK" (and, with --expect, a line matching
# the extended REGEX).
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
echo "PASS"

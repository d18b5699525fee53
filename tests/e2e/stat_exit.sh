#!/bin/sh
# hpprof stat's exit status: the program's (128+N for signal N), 127 for a
# missing program, 126 for one that cannot run, 2 for usage errors, 1 when
# the output cannot be written.
# env: HPPROF
set -u
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
failures=0

# expect CODE PATTERN -- ARGS: exit status CODE, stderr matching PATTERN ("" = any)
expect() {
	code=$1 pat=$2
	shift 3
	"$HPPROF" stat "$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	if [ $rc != "$code" ]; then
		echo "FAIL: hpprof stat $*: exit $rc, want $code"; cat "$tmp/err"
		failures=$((failures + 1))
	elif [ -n "$pat" ] && ! grep -q -- "$pat" "$tmp/err"; then
		echo "FAIL: hpprof stat $*: stderr lacks '$pat'"; cat "$tmp/err"
		failures=$((failures + 1))
	fi
}

printf 'not a program\n' >"$tmp/noexec"
expect 0   ""                                 -- -e page-faults true
expect 3   "exited with status 3"             -- -r 2 -e page-faults sh -c 'exit 3'
expect 143 "killed by signal 15"              -- -e page-faults sh -c 'kill -TERM $$'
expect 127 "cannot execute 'no-such-program-hp'" -- no-such-program-hp
expect 126 "Permission denied"                -- "$tmp/noexec"
expect 126 "Is a directory"                   -- "$tmp"
printf 'echo hi\n' >"$tmp/noshebang" && chmod +x "$tmp/noshebang"
expect 126 "'#!' line: name its interpreter"   -- "$tmp/noshebang"
expect 2   "did you mean 'page-faults'"       -- -e pagefaults true
expect 2   "invalid repeat count"             -- -r 0 true
expect 2   "no program to run"                -- -e page-faults
expect 2   "unknown option"                   -- --bogus true
expect 1   "cannot open output"               -- -o "$tmp/no/such/dir/x" true
"$HPPROF" stat -e page-faults sh -c 'exit 3' 2>&1 >/dev/null |
	grep -q 'command exited with status 3 in run 1' ||
	{ echo "FAIL: the table lacks the exit status line"; failures=$((failures + 1)); }
exit $((failures > 0))

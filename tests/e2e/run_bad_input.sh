#!/bin/sh
# Bad input: one clear message, non-zero exit, nothing overwritten.
. "$HP_SRC/tests/e2e/lib.sh"

expect_fail() {  # expect_fail NAME EXPECTED_STATUS MESSAGE_REGEX CMD...
	name=$1 want=$2 msg=$3
	shift 3
	"$@" >out.txt 2>err.txt
	st=$?
	[ "$st" -ne 0 ] || fail "$name: exit status 0"
	[ "$want" = any ] || [ "$st" -eq "$want" ] || { cat err.txt; fail "$name: exit $st, expected $want"; }
	grep -Eq "$msg" err.txt || { cat err.txt; fail "$name: message does not match '$msg'"; }
	[ "$(grep -c 'error' err.txt)" -le 1 ] || { cat err.txt; fail "$name: more than one error line"; }
	note "$name: exit $st: $(head -1 err.txt)"
}

expect_fail "missing program" 127 "cannot run './nope'.*no such file" "$HPPROF" run ./nope
printf 'hello\n' > notexec.txt
expect_fail "non-executable file" 126 "not an executable" "$HPPROF" run ./notexec.txt
mkdir adir
expect_fail "directory" 126 "is a directory" "$HPPROF" run ./adir
printf 'echo hi\n' >noshebang.sh && chmod +x noshebang.sh   # what a shell runs with /bin/sh
expect_fail "script without #!" 126 "Exec format error.*'#!' line: name its interpreter before it" \
	"$HPPROF" run ./noshebang.sh
expect_fail "unknown kernel" 127 "unknown kernel 'nosuch'" "$HPPROF" run -k nosuch
expect_fail "no program" 2 "no program to run" "$HPPROF" run
expect_fail "bad option value" 2 "invalid value" "$HPPROF" run -F abc /bin/true
expect_fail "unwritable output" 1 "cannot write output" "$HPPROF" run -o /nonexistent-dir/x.db /bin/true
[ ! -e hpprof.db ] || fail "a failed run left hpprof.db behind"

# A program on a noexec mount: the mount is the reason, not its mode (wave
# 24: the message said "chmod +x it" for a file that had its x bits).
if [ "$(id -u)" = 0 ] && mkdir nx && mount -t tmpfs -o noexec,size=1m tmpfs nx 2>/dev/null; then
	trap 'umount "$T/nx" 2>/dev/null; rm -rf "$T"' EXIT
	cp /bin/true nx/t && chmod 755 nx/t || fail "cannot copy /bin/true to the noexec mount"
	expect_fail "noexec mount" 126 "cannot run './nx/t': is on a file system mounted noexec" \
		"$HPPROF" run ./nx/t
	expect_fail "noexec mount (stat)" 126 "mounted noexec" "$HPPROF" stat ./nx/t
	umount nx
else
	note "noexec mount: not checked (needs root and a tmpfs mount)"
fi

# A file that is not ours is never overwritten.
printf 'precious data\n' > precious.db
sum=$(md5sum precious.db)
expect_fail "foreign output" 1 "not an hpprof database.*not overwriting" "$HPPROF" run -o precious.db /bin/true
[ "$(md5sum precious.db)" = "$sum" ] || fail "precious.db was modified"

# Reading: missing, garbage, foreign SQLite, newer schema.
expect_fail "missing db" 1 "cannot open database 'missing.db'" "$HPPROF" report missing.db
expect_fail "garbage db" 1 "not an hpprof database" "$HPPROF" report precious.db
sqlite3 foreign.db "CREATE TABLE t(x); INSERT INTO t VALUES (1);"
expect_fail "foreign sqlite db" 1 "not an hpprof database" "$HPPROF" report foreign.db
expect_fail "directory as db" 1 "cannot open database" "$HPPROF" report adir

"$HPPROF" run -q -o new.db /bin/true || fail "run /bin/true"
sqlite3 new.db "PRAGMA user_version = 999"
expect_fail "newer db" 1 "newer hpprof" "$HPPROF" report new.db

# An existing profile is kept as .old, not destroyed.
"$HPPROF" run -q /bin/true || fail "first run"
"$HPPROF" run -q /bin/true 2>err.txt || fail "second run"
[ -f hpprof.db ] && [ -f hpprof.db.old ] || fail "hpprof.db.old was not kept"
"$HPPROF" report hpprof.db.old >/dev/null || fail "hpprof.db.old is not readable"
echo "PASS"

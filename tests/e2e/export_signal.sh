#!/bin/sh
# Ctrl-C (SIGINT) or SIGTERM during `export -o` and `merge -o`: hpprof dies
# of the signal as before (status 128 + N), the destination is untouched
# and no temporary is left behind (wave 15: DEST.hpprof-tmp.XXXXXX, the
# partial output - and a merge's -wal and -shm - stayed). The process is
# stopped once its temporary exists, so the signal lands while it writes.
# usage: export_signal.sh HP_SYNTH     env: HPPROF, HP_SRC, HP_BUILD
. "$HP_SRC/tests/e2e/lib.sh"
synth=$1
"$synth" s.db 200000 >/dev/null || fail "hp_synth"
# sh without job control starts background jobs with SIGINT ignored (and
# hpprof keeps an ignored SIGINT ignored, as `nohup` wants): reset it.
env --default-signal=INT true 2>/dev/null || skip "env has no --default-signal (coreutils < 8.31)"

# interrupt SIG DEST COMMAND...: run COMMAND in the background, stop it once
# DEST's temporary exists, send SIG, check what is left.
interrupt() {
	sig=$1 dest=$2; shift 2
	[ -e "$dest" ] || echo precious >"$dest"
	cp "$dest" before
	env --default-signal=INT "$@" &
	pid=$!
	i=0
	until ls "$dest".hpprof-tmp.* >/dev/null 2>&1; do
		i=$((i + 1))
		[ $i -lt 3000 ] && kill -0 $pid 2>/dev/null ||
			{ wait $pid; fail "$*: no temporary seen while it ran (status $?)"; }
		sleep 0.01
	done
	kill -STOP $pid
	kill -$sig $pid
	kill -CONT $pid
	wait $pid
	st=$?
	note "$sig during '$*': status $st"
	case $sig in INT) want=130 ;; TERM) want=143 ;; esac
	[ "$st" -eq $want ] || fail "$* killed by SIG$sig: status $st, expected $want"
	cmp -s before "$dest" || fail "SIG$sig during '$*' changed $dest"
	left=$(ls -A | grep hpprof-tmp | tr '\n' ' ')
	[ -z "$left" ] || fail "SIG$sig during '$*' left '$left' behind"
}
interrupt INT out.json "$HPPROF" export -f chrome -o out.json s.db
interrupt TERM out.json "$HPPROF" export -f chrome -o out.json s.db
cp s.db t.db
"$HPPROF" merge -q -o m.db s.db t.db || fail "merge"     # an hpprof database to --force over
interrupt INT m.db "$HPPROF" merge -q --force -o m.db s.db t.db
echo PASS

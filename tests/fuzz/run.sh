#!/bin/sh
# run.sh TARGET FUZZER [SECONDS]: fuzz one target for a fixed budget (the
# bench tier; make fuzz). The corpus grows in $HP_BUILD/fuzz/TARGET/corpus
# from the committed one (tests/fuzz/corpus/TARGET) and, for db_file, small
# real profiles made here (the fixture, reduced). Passes when the fuzzer
# found no crash, leak, timeout or sanitizer report in the budget; prints
# its statistics and how many new inputs it kept.
#
#   HP_FUZZ_SECONDS  budget per target (default 60; issue 15 asks for 600)
#   HP_FUZZ_JOBS     parallel fuzzing processes (default 1)
#
# To fold what a run found into the regression corpus (the unit tier's
# replay_TARGET), minimize it into the committed directory:
#   FUZZER -merge=1 tests/fuzz/corpus/TARGET $HP_BUILD/fuzz/TARGET/corpus
# (db_file's corpus is packed: unpack tests/fuzz/corpus/db_file.tar.xz into a
# directory, merge into it, pack it again with tar -cJf.)
set -u
name=$1 bin=$2
secs=${3:-${HP_FUZZ_SECONDS:-60}}
: "${HP_SRC:?}" "${HP_BUILD:?}"
work=$HP_BUILD/fuzz/$name
mkdir -p "$work/corpus" "$work/seeds" "$work/artifacts"
rm -f "$work/artifacts/"*
opts="-timeout=30 -rss_limit_mb=2500 -close_fd_mask=3 -print_final_stats=1"
case $name in
db_file)
	# a real profile, cut down to a few samples and 512-byte pages
	if [ ! -s "$work/seeds/export.db" ]; then
		sh "$HP_SRC/tests/golden/fixture.sh" load export "$work/seeds/full.db" || exit 1
		sqlite3 "$work/seeds/full.db" "DELETE FROM samples WHERE rowid % 20 != 0;
			DELETE FROM memory WHERE rowid % 20 != 0; PRAGMA page_size = 512; VACUUM;" || exit 1
		mv "$work/seeds/full.db" "$work/seeds/export.db"
	fi
	opts="$opts -max_len=131072" ;;
db_sql)
	opts="$opts -max_len=4096 -dict=$HP_SRC/tests/fuzz/db_sql.dict" ;;
perf_record)
	opts="$opts -max_len=8192" ;;
ehframe)
	# a static binary's whole .eh_frame
	[ -s "$work/seeds/julia-static" ] || objcopy -O binary --only-section=.eh_frame \
		"$HP_BUILD/kernels/hp-julia-static" "$work/seeds/julia-static" 2>/dev/null
	opts="$opts -max_len=65536" ;;
esac
committed=$HP_SRC/tests/fuzz/corpus/$name
if [ -f "$committed.tar.xz" ]; then
	rm -rf "$work/committed"
	mkdir -p "$work/committed"
	tar -xJf "$committed.tar.xz" -C "$work/committed" || exit 1
	committed=$work/committed
fi
before=$(ls "$work/corpus" | wc -l)
jobs=${HP_FUZZ_JOBS:-1}
[ "$jobs" -gt 1 ] && opts="$opts -jobs=$jobs -workers=$jobs"
# shellcheck disable=SC2086
"$bin" $opts -max_total_time="$secs" -artifact_prefix="$work/artifacts/" \
	"$work/corpus" "$committed" "$work/seeds" >"$work/log.txt" 2>&1
st=$?
after=$(ls "$work/corpus" | wc -l)
grep -E '^stat::|^#[0-9]+.*DONE' "$work/log.txt" | tail -n 8
echo "fuzz $name: ${secs}s, exit $st, corpus $before -> $after inputs, artifacts: $(ls "$work/artifacts" | wc -l)"
if [ "$st" -ne 0 ] || [ -n "$(ls "$work/artifacts")" ]; then
	tail -n 60 "$work/log.txt"
	echo "FAIL: fuzz $name found a problem: $work/artifacts"
	exit 1
fi
echo "PASS"

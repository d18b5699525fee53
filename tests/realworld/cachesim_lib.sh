# Shared part of the realworld cache-simulation tests (sourced after
# lib.sh): hpprof run --cache-sim against valgrind's cg_annotate on the same
# Cachegrind output (cachesim_check.py, docs/realworld.md "Wave 17: the
# why columns").

# rw_cachesim [--no-lines FUNC] CMD [ARGS...]: one run under hpprof run
# --cache-sim (valgrind's files kept), then cachesim_check.py. The caches
# are the book's machine's (docs/cache-sim.md): the same simulation on
# every machine, whatever its CPUID says.
rw_cachesim() {
	nolines=
	if [ "$1" = --no-lines ]; then nolines=$2; shift 2; fi
	rw_need valgrind valgrind
	rw_need cg_annotate valgrind
	note "target: $*"
	rw_reset
	rw_step hpprof "$HPPROF" run --cache-sim --cache-sim-out cg \
		--sim-I1 32K,8,64 --sim-D1 32K,8,64 --sim-LL 20M,20,64 -o sim.db -- "$@"
	# with more than one process, the summary says there is a file each
	n=$(ls cg/cachegrind.out.* | wc -l)
	[ "$n" -le 1 ] || grep -q "one cachegrind.out.PID per process" hpprof.err ||
		fail "$n processes simulated; run's summary names one file: $(grep "files are" hpprof.err)"
	"$PY" "$RW/cachesim_check.py" --db sim.db --cg-dir cg --hpprof "$HPPROF" \
		${nolines:+--no-lines "$nolines"} ||
		fail "hpprof and cg_annotate disagree on $1 (the checks marked FAIL above)"
	echo "PASS"
}

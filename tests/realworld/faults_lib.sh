# Shared part of the realworld page-fault tests (sourced after lib.sh):
# hpprof's fault columns against perf and /usr/bin/time (faults_check.py,
# docs/realworld.md "Wave 17: the why columns").

# rw_faults CMD [ARGS...]: two runs under /usr/bin/time (the drift between
# runs), one under perf record -e page-faults -c 1 (every fault), one under
# hpprof run (its default fault sampler); then faults_check.py.
rw_faults() {
	rw_need perf linux-perf
	rw_need /usr/bin/time time
	perf record -q -e page-faults -c 1 -o "$T/probe.data" -- true >/dev/null 2>&1 ||
		skip "perf record cannot sample page faults here (kernel.perf_event_paranoid=$(cat /proc/sys/kernel/perf_event_paranoid 2>/dev/null))"
	note "target: $*"
	for i in 1 2; do
		rw_reset
		rw_step time$i /usr/bin/time -f "minor %R" -o minor$i.txt -- "$@"
	done
	rw_reset
	rw_step perf perf record -q -e page-faults -c 1 -g -o faults.data -- "$@"
	rw_reset
	# the default fault period (32): what users get. Smaller ones overflow
	# the ring in a burst of faults on a loaded machine (xz -9 at period 8:
	# 1233 samples lost of ~2100; sort at 1: 954 of 3066), which is
	# reported, and allowed for in the shares (faults_check.py)
	rw_step hpprof "$HPPROF" run --python off -o faults.db -- "$@"
	# kernel-mode faults (read() into a fresh buffer) count only where
	# hpprof may sample the kernel
	! grep -q "kernel time not sampled" hpprof.err ||
		skip "hpprof cannot sample in kernel mode here: $(grep "kernel time not sampled" hpprof.err)"
	"$PY" "$RW/faults_check.py" --perf faults.data --db faults.db \
		--time-minor "$(sed -n 's/^minor //p' minor1.txt)" "$(sed -n 's/^minor //p' minor2.txt)" ||
		fail "hpprof and perf disagree on $1's page faults (the checks marked FAIL above)"
	echo "PASS"
}

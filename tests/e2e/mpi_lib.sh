# Shared by the MPI tests (sourced after lib.sh; docs/mpi.md). Skips (77)
# without Open MPI's mpirun or the MPI kernel, and runs jobs the way this
# machine allows: 4 ranks on 2 shared cores.

command -v mpirun >/dev/null 2>&1 ||
	skip "mpirun is not installed (openmpi-bin: scripts/install-deps.sh)"
mpirun --version 2>/dev/null | grep -q "Open MPI" ||
	skip "these tests drive Open MPI's mpirun; $(command -v mpirun) is another MPI's"
[ -x "$KDIR/hp-mpi-pi" ] ||
	skip "hp-mpi-pi is not built: CMake found no MPI (libopenmpi-dev: scripts/install-deps.sh)"

# mpirun_np N PROGRAM ARGS...: N ranks of PROGRAM. As root Open MPI refuses
# to start without --allow-run-as-root; more ranks than cores need
# --oversubscribe (Open MPI then yields the core while a rank waits);
# --bind-to none lets the scheduler move the ranks, instead of pinning them
# in pairs to the 2 cores. stdin is not the rank's.
mpirun_np() {
	n=$1
	shift
	root=
	[ "$(id -u)" = 0 ] && root=--allow-run-as-root
	# shellcheck disable=SC2086
	mpirun $root --oversubscribe --bind-to none -np "$n" "$@" </dev/null
}

# rank_truth OUT RANK SCOPE NAME KEY: KEY of the truth line of that rank
# (the kernel appends rank=R to its calls and process lines).
rank_truth() {
	awk -v r="$2" -v s="$3" -v n="$4" -v k="$5" '$1 == "truth" {
		split("", f)
		for (i = 2; i <= NF; i++) { j = index($i, "="); f[substr($i, 1, j - 1)] = substr($i, j + 1) }
		if (f["rank"] == r && f["scope"] == s && f["name"] == n) { print f[k]; exit }
	}' "$1"
}

# rank_mpi_cpu OUT RANK: CPU seconds the rank spent inside its MPI calls
# (MPI_Init, MPI_Allreduce, MPI_Finalize: the kernel times each).
rank_mpi_cpu() {
	awk -v r="$2" '$1 == "truth" {
		split("", f)
		for (i = 2; i <= NF; i++) { j = index($i, "="); f[substr($i, 1, j - 1)] = substr($i, j + 1) }
		if (f["rank"] == r && f["scope"] == "calls" && f["name"] ~ /^MPI_/) s += f["cpu_s"]
	} END { printf "%.6f\n", s }' "$1"
}

# mpi_two_jobs SAMPLES ROUNDS: the before/after pair of the diff tests, two
# 4-rank jobs of hp-mpi-pi recorded by hpprof: a with --skew 2 (rank 0
# throws twice the darts of each other rank), b with --skew 1; waits
# busy-poll (mpi_yield_when_idle=0) so that MPI time is CPU time the
# samples see. Each job must print its validation line; its per-rank files
# (a.R.db) are merged into a.db and b.db (outputs in a.out, b.out).
mpi_two_jobs() {
	OMPI_MCA_mpi_yield_when_idle=0
	export OMPI_MCA_mpi_yield_when_idle
	for job in a:2 b:1; do
		name=${job%%:*} skew=${job#*:}
		mpirun_np 4 "$HPPROF" run -q -o "$name.%r.db" "$KDIR/hp-mpi-pi" --skew "$skew" \
			--samples "$1" --rounds "$2" >"$name.out" 2>"$name.err" ||
			{ cat "$name.err" "$name.out" >&2; fail "mpirun of job $name (--skew $skew)"; }
		grep -q "^mpi-pi: .* OK$" "$name.out" ||
			{ cat "$name.out" >&2; fail "job $name: no validation line"; }
		"$HPPROF" merge -o "$name.db" "$name.0.db" "$name.1.db" "$name.2.db" "$name.3.db" \
			2>"$name.merge" || { cat "$name.merge" >&2; fail "merge of job $name"; }
	done
}

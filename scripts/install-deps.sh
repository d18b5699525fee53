#!/bin/sh
# Install the Debian packages hpprof needs to build, test and benchmark
# (grouped below by what needs them).
# Skips apt-get entirely when everything is already present.
set -eu

PKGS="build-essential cmake pkg-config
libunwind-dev libpfm4-dev libdw-dev libelf-dev libsqlite3-dev libncurses-dev
libiberty-dev xz-utils libbz2-dev liblzma-dev
libc6-dbg sqlite3 tmux jq python3 zlib1g-dev bc go-md2man man-db
protobuf-compiler valgrind linux-perf heaptrack
libcapstone-dev hyperfine"
# Python frames and JIT maps: python3.11 runs the Python kernels and the frame
# tests (python3.11-dev: the headers the offset table is checked against;
# python3-numpy: diffusion-numpy); nodejs writes the /tmp/perf-PID.map the
# perfmap test reads.
PKGS="$PKGS python3.11 python3.11-dev python3-numpy nodejs"
# The BPF Python frame reader of attached processes (collector/pybpf.h):
# libbpf loads it (linked statically), clang compiles it (-target bpf).
PKGS="$PKGS libbpf-dev clang"
# MPI jobs (docs/mpi.md): Open MPI's mpirun and headers build and run the
# hp-mpi-pi kernel and the MPI tests; golang-go's `go tool pprof` reads back
# the rank labels of the pprof export.
PKGS="$PKGS openmpi-bin libopenmpi-dev golang-go"
# Memory truths (tests/e2e/memory_*.sh, tests/realworld/memory_*.sh):
# /usr/bin/time, heaptrack's zstd files, setarch.
PKGS="$PKGS time zstd util-linux"
# The realworld tier profiles these Debian programs (tests/realworld/).
PKGS="$PKGS gcc make git binutils"
# ... and programs it builds in other languages (Debian's cargo and rustc
# 1.63; a rustup toolchain earlier on PATH is used where there is one);
# rust-src: the Rust standard library's sources that annotate shows for
# std functions (realworld_rust_src, analyzer/srcpath_rust.c).
PKGS="$PKGS cargo rustc rust-src"
PKGS="$PKGS g++"
PKGS="$PKGS gfortran"
PKGS="$PKGS gdc"
PKGS="$PKGS openjdk-17-jdk-headless"
# Fuzzing (make fuzz, docs/reliability.md): clang's libFuzzer.
PKGS="$PKGS clang libclang-rt-14-dev"

missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
		missing="$missing $p"
done

if [ -z "$missing" ]; then
	exit 0
fi

echo "install-deps: installing:$missing" >&2
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null

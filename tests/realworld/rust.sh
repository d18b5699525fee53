#!/bin/sh
# A Rust program (tests/fixtures/rwlang/rust: generics, closures, trait
# objects, std iterators, a panic-free hot loop) built by cargo in release
# mode with debug info, then profiled by hpprof and perf (rw_cpu, lib.sh).
#   $1 = legacy (rustc's default symbol mangling) or v0
# cargo and rustc: Debian's (scripts/install-deps.sh; 1.63, so the crate
# uses nothing newer) or a rustup toolchain on PATH or in ~/.cargo/bin; the
# test skips without either. No crate is downloaded (--offline, no
# dependencies).
MANGLING=${1:-legacy}
CARGO=$(command -v cargo 2>/dev/null || echo "$HOME/.cargo/bin/cargo")
# rustup's proxies find their toolchains through HOME, which lib.sh replaces
export RUSTUP_HOME="${RUSTUP_HOME:-$HOME/.rustup}" CARGO_HOME="${CARGO_HOME:-$HOME/.cargo}"
. "$HP_SRC/tests/realworld/lib.sh"
[ -x "$CARGO" ] || skip "cargo is not installed (scripts/install-deps.sh installs Debian's)"
"$CARGO" --version >/dev/null 2>&1 || skip "cargo does not run ($CARGO --version failed)"
cp -r "$HP_SRC/tests/fixtures/rwlang/rust" src
case $MANGLING in
legacy) flags="" ;;    # rustc's default (naming it needs -Z unstable-options)
v0) flags="-C symbol-mangling-version=v0" ;;
*) fail "unknown mangling $MANGLING" ;;
esac
RUSTFLAGS="$flags" rw_step build "$CARGO" build --release --offline -q --manifest-path src/Cargo.toml --target-dir target
BIN=$T/target/release/rwrust
note "$("$CARGO" --version), mangling $MANGLING"
RW_NAMES=rwrust rw_cpu "$BIN" 10

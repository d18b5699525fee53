#!/bin/sh
# `hpprof annotate` of Rust standard library functions shows their source
# from a rust-src (analyzer/srcpath_rust.c, docs/symbols.md "Source files"):
# the fixture of realworld_rust (tests/fixtures/rwlang/rust) built by each
# toolchain here - the cargo on PATH (rustup's where there is one) and
# Debian's cargo with Debian's rustc - profiled, then the std function
# with the most samples annotated (rust_src_check.py). Where that
# toolchain's rust-src is installed, every listed line with samples must be
# the line of the rust-src file; where it is not, annotate must name the
# rustc commit whose rust-src it wanted. Skips (77) with the reasons when
# no toolchain's rust-src was found (rustup: `rustup component add
# rust-src`; Debian: the rust-src package, scripts/install-deps.sh).
CARGO=$(command -v cargo 2>/dev/null || echo "$HOME/.cargo/bin/cargo")
export RUSTUP_HOME="${RUSTUP_HOME:-$HOME/.rustup}" CARGO_HOME="${CARGO_HOME:-$HOME/.cargo}"
. "$HP_SRC/tests/realworld/lib.sh"
checked=0
reasons=""

# one LABEL CARGO [RUSTC]: build, profile, annotate, check.
one() {
	label=$1 cargo=$2 rustc=${3:-}
	cp -r "$HP_SRC/tests/fixtures/rwlang/rust" "src_$label"  # each its own Cargo.lock
	if [ -n "$rustc" ]; then
		RUSTC=$rustc rw_step "build_$label" "$cargo" build --release --offline -q \
			--manifest-path "src_$label/Cargo.toml" --target-dir "target_$label"
	else
		rw_step "build_$label" "$cargo" build --release --offline -q \
			--manifest-path "src_$label/Cargo.toml" --target-dir "target_$label"
	fi
	rw_step "run_$label" "$HPPROF" run -q --python off -F "$FREQ" -o "$label.db" -- \
		"$T/target_$label/release/rwrust" 5
	"$PY" "$RW/rust_src_check.py" "$label.db" "$label" >"check_$label.out"
	rc=$?
	cat "check_$label.out"
	case $rc in
	0) checked=$((checked + 1)) ;;
	77) reasons="$reasons; $label: $(sed -n 's/^SKIP: //p' "check_$label.out")" ;;
	*) fail "$label: annotate of a std function (above)" ;;
	esac
}

if [ -x "$CARGO" ] && "$CARGO" --version >/dev/null 2>&1; then
	note "$("$CARGO" --version) ($CARGO), $(rustc --version 2>/dev/null)"
	one path "$CARGO"
else
	reasons="; no cargo on PATH"
fi
# Debian's toolchain, when it is not the one above
if [ -x /usr/bin/cargo ] && [ -x /usr/bin/rustc ] &&
   [ "$(readlink -f "$(command -v rustc 2>/dev/null)")" != /usr/bin/rustc ]; then
	note "Debian's $(/usr/bin/rustc --version)"
	one debian /usr/bin/cargo /usr/bin/rustc
fi
[ "$checked" -gt 0 ] || skip "no toolchain's std source was found${reasons}"
[ -z "$reasons" ] || note "not checked${reasons}"
echo "PASS"

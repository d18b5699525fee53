#!/bin/sh
# Stripped code is grouped by function: a --strip-all copy of the
# calibration kernel (no .symtab, its calib_* functions not exported) shows
# three rows, each named MODULE+0xSTART after the .eh_frame FDE of one
# calib function - START is that function's address in the unstripped
# kernel (nm) - with the CPU split 60/30/10 that calib's own step counts
# give.
#
# Tolerance: a share p of n samples has a binomial standard error
# sqrt(p(1-p)/n); 3 of them, plus 1 pp for what is not calib work (start
# up, the kernel), is allowed. The shares are of the three rows' samples.
. "$HP_SRC/tests/e2e/lib.sh"
need_kernel calib
objcopy --strip-all "$KDIR/hp-calib" calib || fail "objcopy"
nm calib >/dev/null 2>&1 && [ -n "$(nm calib 2>/dev/null)" ] && fail "calib still has symbols"
"$HPPROF" run -q -o s.db ./calib --rounds 10000 >calib.out || fail "hpprof run"
cat calib.out
set -- $(sed -n 's/.*steps a \([0-9]*\) b \([0-9]*\) c \([0-9]*\).*/\1 \2 \3/p' calib.out)
[ $# -eq 3 ] || fail "calib printed no step counts"
sa=$1 sb=$2 sc=$3
n=0
for f in a b c; do
	addr=$(nm "$KDIR/hp-calib" | awk -v f="calib_$f" '$3 == f { sub(/^0+/, "", $1); print $1 }')
	[ -n "$addr" ] || fail "no calib_$f in the unstripped kernel"
	eval "name_$f=calib+0x$addr"
	eval "self_$f=\$(q s.db \"SELECT self_samples FROM function_profile WHERE function = 'calib+0x$addr'\")"
	eval "v=\$self_$f"
	[ -n "$v" ] || fail "no row 'calib+0x$addr' (calib_$f)"
	n=$((n + v))
done
# No other row of the stripped module: every address is inside one of its FDEs.
rows=$(q s.db "SELECT COUNT(*) FROM function_profile WHERE module = '$T/calib' AND self_samples > 0
	       AND function NOT IN ('$name_a', '$name_b', '$name_c')")
note "other rows of calib with self samples: $rows"
top=$(q s.db "SELECT group_concat(function, ' ') FROM (SELECT function FROM function_profile
	      ORDER BY self_samples DESC LIMIT 3)")
assert_eq "the three hottest rows" "$top" "$name_a $name_b $name_c"
for f in a b c; do
	eval "v=\$self_$f s=\$s$f"
	awk -v v="$v" -v n="$n" -v s="$s" -v t=$((sa + sb + sc)) -v f="calib_$f" 'BEGIN {
		p = s / t; got = v / n; tol = 3 * sqrt(p * (1 - p) / n) + 0.01
		printf "# %s: %.2f%% of %d samples, truth %.2f%%, tolerance %.2f pp\n",
		       f, 100 * got, n, 100 * p, 100 * tol
		d = got - p; if (d < 0) d = -d
		exit d > tol }' || fail "calib_$f share out of tolerance"
done
echo "PASS"

#!/bin/sh
# kernels_variants.sh KERNEL:VARIANT...
# The variant list tests/e2e/kernels.cmake runs must be exactly the variants
# each kernel's --help lists, so a new variant cannot go untested.
set -u
fail=0
kernels=$(for kv in "$@"; do echo "${kv%%:*}"; done | sort -u)
for k in $kernels; do
	bin=${HP_BUILD:?HP_BUILD is not set}/kernels/hp-$k
	listed=$("$bin" --help | sed -n '/^variants:$/,/^$/{/^  /p}' | awk '{print $1}' | sort | tr '\n' ' ')
	tested=$(for kv in "$@"; do [ "${kv%%:*}" = "$k" ] && echo "${kv#*:}"; done | sort | tr '\n' ' ')
	if [ "$listed" != "$tested" ]; then
		echo "FAIL: hp-$k --help lists [$listed], kernels.cmake tests [$tested]"
		fail=1
	fi
done
[ $fail -eq 0 ] && echo PASS
exit $fail

#!/bin/sh
# Kernel frames on a first-touch loop (tests/fixtures/kernel/first_touch.c),
# as root. Truths by construction: every page the loop writes is a fresh
# anonymous page (huge pages declined), so each write takes one page fault
# in which the kernel allocates and zeroes 4 KiB - the program counts these
# faults itself (getrusage) - while the user-space work is one byte per page.
#   1. a page-fault kernel function is on >= 5% of the stacks;
#   2. >= 90% of the page-fault counter is on the TOUCH line (kernel-mode
#      samples charge it to the user line that entered the kernel);
#   3. kernel frames are innermost, beneath the touching frame, in the
#      folded and pprof exports (pprof: in the [kernel.kallsyms] mapping).
. "$HP_SRC/tests/e2e/lib.sh"
FT=${1:?usage: kernel_first_touch.sh FIRST_TOUCH}
[ "$(id -u)" = 0 ] || skip "needs root: kernel-mode samples and kernel symbols (docs/symbols.md)"
SRC="$HP_SRC/tests/fixtures/kernel/first_touch.c"
TOUCH=$(marker_lines "$SRC" "/\* TOUCH \*/")

"$HPPROF" run --counters-per-sample -o ft.db "$FT" 128 4 >out.txt 2>err.txt ||
	{ cat err.txt; fail "hpprof run"; }
cat out.txt
kf=$(q ft.db "SELECT value FROM run_info WHERE key = 'kernel_frames'")
case "$kf" in
yes) ;;
"no ("*) skip "kernel frames are not permitted on this machine even as root: $kf" ;;
*) fail "run_info kernel_frames = '$kf'" ;;
esac
! grep -q "kernel time not sampled\|kernel functions not recorded" err.txt ||
	fail "run printed a kernel note although kernel frames were recorded"

pages=$(sed -n 's/.* pages \([0-9]*\) .*/\1/p' out.txt)
faults=$(sed -n 's/.* faults \([0-9]*\) .*/\1/p' out.txt)
# the fixture's premise: one fault per page written (getrusage)
assert_ge "page faults the program counted itself" "$faults" "$pages"
n=$(q ft.db "SELECT value FROM run_info WHERE key = 'samples'")
assert_ge "samples" "$n" 200

# 1. The page-fault path of the kernel on >= 5% of the stacks: total_pct
# of the page-fault entry point (asm_exc_page_fault / exc_page_fault on
# x86, do_page_fault / handle_mm_fault elsewhere).
pf=$(q ft.db "SELECT MAX(total_pct) FROM function_profile WHERE module = '[kernel.kallsyms]'
              AND (function LIKE '%page_fault%' OR function LIKE '%handle_mm_fault%')")
note "kernel functions: $(q ft.db "SELECT function || ' ' || ROUND(self_pct, 1) || '/' ||
	ROUND(total_pct, 1) FROM function_profile WHERE module = '[kernel.kallsyms]'
	ORDER BY total_pct DESC LIMIT 6" | paste -sd, -)"
assert_ge "% of stacks with a page-fault kernel function" "${pf:-0}" 5

# 2. The page-fault counter (read with every sample: --counters-per-sample,
# kernel-mode ones included) on the touching line: >= 90% of all it counted. What may land
# elsewhere: the program's start-up faults (a few hundred), and the faults
# counted between a round's last sample and the next sample, which is
# outside the loop (<= 1 sample period, ~1 ms of faults, per round boundary;
# with 4 rounds of >= 40 ms each that is < 5%).
line_pf=$(q ft.db "SELECT SUM(\"page-faults\") FROM line_profile
                   WHERE file LIKE '%first_touch.c' AND line = $TOUCH")
all_pf=$(q ft.db "SELECT SUM(\"page-faults\") FROM line_profile")
[ -n "$all_pf" ] && [ "$all_pf" -gt 0 ] || fail "page-faults not measured"
share=$(awk -v a="${line_pf:-0}" -v b="$all_pf" 'BEGIN { printf "%.4f", a / b }')
assert_ge "share of the page-fault counter on the TOUCH line ($TOUCH)" "$share" 0.90
assert_ge "page faults on the TOUCH line vs the program's own count" \
	"$(awk -v a="${line_pf:-0}" -v f="$faults" 'BEGIN { printf "%.4f", a / f }')" 0.90
kern_line=$(q ft.db "SELECT COUNT(*) FROM line_profile WHERE module = '[kernel.kallsyms]'")
assert_eq "line_profile rows of kernel functions" "$kern_line" 0

# The report says the same: the touching line holds the kernel's time.
"$HPPROF" report --kernel ft.db >kernel.txt || fail "report --kernel"
assert_contains "report --kernel names the touching line" kernel.txt "first_touch.c:$TOUCH touch_pages"

# 3. Exports: kernel frames innermost, the first one right beneath
# touch_pages. Folded stacks carry names only: a kernel function is
# recognized by a name no user function has (a kernel "memset" and libc's
# would be ambiguous: such frames are not counted); the pprof check below
# tells kernel frames by their mapping and checks every sample.
q ft.db "SELECT DISTINCT function FROM function_profile WHERE module = '[kernel.kallsyms]'
         EXCEPT SELECT function FROM function_profile WHERE module != '[kernel.kallsyms]'" \
	>kfuncs.txt
"$HPPROF" export -f folded -o ft.folded ft.db || fail "export folded"
awk -v n="$n" '
	NR == FNR { k[$0] = 1; next }
	{
		cnt = $NF; sub(/ [0-9]+$/, ""); m = split($0, f, ";")
		for (i = 2; i <= m; i++)
			if (f[i] in k) { if (f[i - 1] == "touch_pages") under += cnt; break }
	}
	END {
		printf "# folded: %d of %d samples have a kernel frame right beneath touch_pages\n", under, n
		exit !(under * 100 >= 5 * n)
	}' kfuncs.txt ft.folded || fail "folded: kernel frames beneath touch_pages on < 5% of the samples"

command -v protoc >/dev/null 2>&1 || skip "protoc (protobuf-compiler) is not installed: pprof not decoded (the rest passed)"
"$HPPROF" export -f pprof -o ft.pb.gz ft.db || fail "export pprof"
gzip -dc ft.pb.gz | protoc --proto_path="$HP_SRC/tests/fixtures" \
	--decode=perftools.profiles.Profile profile.proto >pb.txt || fail "protoc cannot decode"
python3 - pb.txt "$n" <<'PY' || fail "pprof: kernel frames"
import re, sys
text, n = open(sys.argv[1]).read(), int(sys.argv[2])
blocks = re.findall(r"^(\w+) \{\n(.*?)^\}", text, re.M | re.S)
strings = re.findall(r'^string_table: "(.*)"$', text, re.M)
def field(b, name):
    m = re.search(r"^  %s: (\d+)" % name, b, re.M)
    return int(m.group(1)) if m else 0
maps = {field(b, "id"): strings[field(b, "filename")] for k, b in blocks if k == "mapping"}
funcs = {field(b, "id"): strings[field(b, "name")] for k, b in blocks if k == "function"}
locs = {}
for k, b in blocks:
    if k == "location":
        fs = [int(f) for f in re.findall(r"function_id: (\d+)", b)]
        locs[field(b, "id")] = (maps.get(field(b, "mapping_id"), ""), [funcs[f] for f in fs])
under = 0
for k, b in blocks:
    if k != "sample":
        continue
    ids = [int(x) for x in re.findall(r"^  location_id: (\d+)", b, re.M)]  # leaf first
    value = int(re.search(r"^  value: (\d+)", b, re.M).group(1))
    kern = [locs[i][0].startswith("[kernel") for i in ids]
    if True in kern:
        first_user = kern.index(False) if False in kern else len(ids)
        if True in kern[first_user:]:
            print("FAIL: pprof: a kernel location above a user one"); sys.exit(1)
        if first_user < len(ids) and "touch_pages" in locs[ids[first_user]][1]:
            under += value
print("# pprof: %d of %d samples have [kernel.kallsyms] locations right beneath touch_pages"
      % (under, n))
sys.exit(0 if under * 100 >= 5 * n else 1)
PY
echo "PASS"

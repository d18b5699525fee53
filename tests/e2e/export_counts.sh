#!/bin/sh
# Samples that stand for no CPU time are exported as counts, never as
# invented nanoseconds: a run sampled on page faults (-s page-faults -c N)
# (-s page-faults -c N). pprof then has no "cpu" (and no "wall") sample
# type - its samples are counts, the default type - and speedscope's unit
# is "none", one per sample. Before wave 15 both weighed each sample
# duration / samples ns: a page-fault run "used" its whole duration of CPU.
# A cpu-clock run keeps "cpu" = samples x period, and a merge of runs
# sampled at different rates (1000 and 3000 Hz) weighs each sample by its
# own run's period: "cpu" = the runs' samples x period summed (it was
# counts only until wave 16; e2e merge_rates checks the shares).
# usage: export_counts.sh     env: HPPROF, HP_SRC, HP_BUILD
. "$HP_SRC/tests/e2e/lib.sh"
need_kernel diffusion
command -v python3 >/dev/null 2>&1 || skip "python3 is not installed"
command -v protoc >/dev/null 2>&1 || skip "protoc (protobuf-compiler) is not installed"
k() { "$HPPROF" run -q "$@" -k diffusion -- --variant lists --size 192 --steps 40 >/dev/null 2>&1; }
k -o pf.db -s page-faults -c 8 || fail "run -s page-faults"
k -o a.db -F 1000 || fail "run at 1000 Hz"
k -o b.db -F 3000 || fail "run at 3000 Hz"
"$HPPROF" merge -q -o ab.db a.db b.db 2>/dev/null || fail "merge"

# check DB COUNTS(1: counts only, 0: cpu time, 2: cpu time of runs at
# different rates, the expected total given as the third argument)
check() {
	"$HPPROF" export -f pprof -o "$1.pb.gz" "$1" || fail "pprof export of $1"
	gzip -dc "$1.pb.gz" | protoc --proto_path="$HP_SRC/tests/fixtures" \
		--decode=perftools.profiles.Profile profile.proto >"$1.pb.txt" || fail "protoc $1"
	"$HPPROF" export -f speedscope -o "$1.ss.json" "$1" || fail "speedscope export of $1"
	n=$(q "$1" "SELECT COUNT(*) FROM samples WHERE event = 0")
	p=$(q "$1" "SELECT value FROM run_info WHERE key = 'cpu_sample_ns'")
	python3 - "$1" "$2" "$n" "${p:-0}" "${3:-0}" <<'PY' || exit 1
import json, re, sys
db, counts, n, period = sys.argv[1], sys.argv[2] == "1", int(sys.argv[3]), int(sys.argv[4])
mixed = int(sys.argv[5]) if sys.argv[2] == "2" else 0
def fail(*a):
    print("FAIL:", db, *a); sys.exit(1)
text = open(db + ".pb.txt").read()
strings = re.findall(r'^string_table: "(.*)"$', text, re.M)
blocks = re.findall(r"^(\w+) \{\n(.*?)^\}", text, re.M | re.S)
types = [strings[int(re.search(r"type: (\d+)", b).group(1))] for k, b in blocks if k == "sample_type"]
dflt = re.search(r"^default_sample_type: (\d+)", text, re.M)
dflt = strings[int(dflt.group(1))] if dflt else types[0]
sums = [0] * len(types)
for k, b in blocks:
    if k == "sample":
        for i, v in enumerate(re.findall(r"^  value: (-?\d+)", b, re.M)):
            sums[i] += int(v)
ss = json.load(open(db + ".ss.json"))
units = {p["unit"] for p in ss["profiles"]}
weights = sum(sum(p["weights"]) for p in ss["profiles"])
print("#", db, "pprof types", types, "default", dflt, "sums", sums[:2], "speedscope", units, weights)
if sums[0] != n: fail("pprof samples", sums[0], "!=", n)
if counts:
    if "cpu" in types or "wall" in types: fail("pprof has a time type for counts:", types)
    if dflt != "samples": fail("pprof default type", dflt)
    if units != {"none"} or weights != n: fail("speedscope", units, weights, "for", n, "samples")
elif mixed:
    if types[1] != "cpu" or sums[1] != mixed: fail("pprof cpu", types, sums[1], "!=", mixed)
    if units != {"nanoseconds"} or weights != mixed: fail("speedscope", units, weights, "!=", mixed)
else:
    if types[1] != "cpu" or sums[1] != n * period: fail("pprof cpu", types, sums[1], "!=", n, "x", period)
    if units != {"nanoseconds"} or weights != n * period: fail("speedscope", units, weights)
PY
}
check pf.db 1 || exit 1
ns() { q "$1" "SELECT COUNT(*) * (SELECT value FROM run_info WHERE key = 'cpu_sample_ns')
	FROM samples WHERE event = 0"; }
check ab.db 2 $(($(ns a.db) + $(ns b.db))) || exit 1
check a.db 0 || exit 1
check b.db 0 || exit 1
echo PASS

#!/bin/sh
# Every `hpprof export` format read back by a real consumer, with totals
# equal to the database's: callgrind_annotate (valgrind), protoc --decode
# (pprof, with tests/fixtures/profile.proto), python3's json/csv/xml
# parsers and jq. Consumers that are not installed are skipped, and said so.
# usage: export_readback.sh fixture       the golden fixture database
#        export_readback.sh kernel        a fresh `hpprof run` of hp-julia
#                                         (threads) and hp-diffusion (lists)
# env: HPPROF, HP_SRC, HP_BUILD
set -u
command -v python3 >/dev/null 2>&1 || { echo "SKIP: python3 is not installed"; exit 77; }
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
fail=0

make_dbs() {
	case $1 in
	fixture)
		command -v sqlite3 >/dev/null 2>&1 ||
			{ echo "SKIP: the sqlite3 shell is not installed"; exit 77; }
		sh "$HP_SRC/tests/golden/fixture.sh" load export "$tmp/a.db" || exit 1
		dbs=a ;;
	kernel)
		k=$HP_BUILD/kernels
		[ -x "$k/hp-julia" ] && [ -x "$k/hp-diffusion" ] ||
			{ echo "SKIP: the kernels are not built ($k)"; exit 77; }
		"$HPPROF" run -q -o "$tmp/a.db" "$k/hp-julia" --variant threads --threads 2 --repeat 3 \
			>/dev/null 2>"$tmp/run.err" || { cat "$tmp/run.err"; exit 1; }
		"$HPPROF" run -q -o "$tmp/b.db" "$k/hp-diffusion" --variant lists --size 512 --steps 150 \
			>/dev/null 2>"$tmp/run.err" || { cat "$tmp/run.err"; exit 1; }
		dbs="a b" ;;
	*)
		echo "usage: export_readback.sh fixture|kernel"; exit 2 ;;
	esac
}

# Samples of the database: the sum of thread_profile, i.e. every
# main-sampler sample (the views are read back through export json).
db_samples() {
	"$HPPROF" export -f json --view thread_profile "$1" |
		python3 -c 'import json,sys; print(sum(r["samples"] for r in json.load(sys.stdin)["thread_profile"]))'
}

bad() {
	echo "FAIL: $*"
	fail=1
}

check_folded() {
	"$HPPROF" export -f folded -o "$tmp/x.folded" "$1" || { bad "folded export"; return; }
	got=$(awk '{ s += $NF } END { print s + 0 }' "$tmp/x.folded")
	[ "$got" = "$2" ] || bad "folded: $got samples, the database has $2"
}

check_callgrind() {
	command -v callgrind_annotate >/dev/null 2>&1 ||
		{ echo "note: callgrind_annotate (valgrind) is not installed: callgrind not read back"; return; }
	"$HPPROF" export -f callgrind -o "$tmp/x.cg" "$1" || { bad "callgrind export"; return; }
	callgrind_annotate --inclusive=yes "$tmp/x.cg" >"$tmp/cg.txt" 2>&1 ||
		{ bad "callgrind_annotate rejects the file"; cat "$tmp/cg.txt"; return; }
	python3 - "$tmp/cg.txt" "$2" "$1" "$HPPROF" <<'PY' || fail=1
import json, re, subprocess, sys
text, total, db, hpprof = open(sys.argv[1]).read(), int(sys.argv[2]), sys.argv[3], sys.argv[4]
num = lambda s: int(s.replace(",", ""))
m = re.search(r"^\s*([\d,]+)\s.*PROGRAM TOTALS", text, re.M)
if not m or num(m.group(1)) != total:
    print("FAIL: callgrind_annotate totals", m and m.group(1), "!= database", total); sys.exit(1)
# inclusive cost of each function (first column) = its total samples
views = json.loads(subprocess.run([hpprof, "export", "-f", "json", "--view", "function_profile", db],
                                  capture_output=True, check=True).stdout)["function_profile"]
want = {}
for r in views:
    want[r["function"]] = want.get(r["function"], 0) + r["total_samples"]
rows = re.findall(r"^\s*([\d,]+)\s.*?\s(\S+):(\S+) \[", text, re.M)
seen = 0
for cost, _file, fn in rows:
    if fn in want and want[fn] == num(cost):
        seen += 1
if seen < min(3, len(want)):
    print("FAIL: callgrind_annotate inclusive costs match total_samples for only", seen, "functions")
    print(text[:3000]); sys.exit(1)
print("callgrind_annotate: totals", total, "and", seen, "inclusive costs agree")
PY
}

check_pprof() {
	"$HPPROF" export -f pprof -o "$tmp/x.pb.gz" "$1" || { bad "pprof export"; return; }
	gzip -t "$tmp/x.pb.gz" || { bad "pprof output is not gzip"; return; }
	command -v protoc >/dev/null 2>&1 ||
		{ echo "note: protoc (protobuf-compiler) is not installed: pprof not decoded"; return; }
	gzip -dc "$tmp/x.pb.gz" | protoc --proto_path="$HP_SRC/tests/fixtures" \
		--decode=perftools.profiles.Profile profile.proto >"$tmp/pb.txt" ||
		{ bad "protoc cannot decode the pprof output"; return; }
	python3 - "$tmp/pb.txt" "$2" "$3" <<'PY' || fail=1
import re, sys
text, total, want_inline = open(sys.argv[1]).read(), int(sys.argv[2]), sys.argv[3] == "1"
# top-level messages of protoc's text format
blocks = re.findall(r"^(\w+) \{\n(.*?)^\}", text, re.M | re.S)
strings = re.findall(r'^string_table: "(.*)"$', text, re.M)
samples = [b for k, b in blocks if k == "sample"]
locs = {int(re.search(r"^  id: (\d+)", b, re.M).group(1)): b for k, b in blocks if k == "location"}
funcs = {int(re.search(r"^  id: (\d+)", b, re.M).group(1)): b for k, b in blocks if k == "function"}
types = [b for k, b in blocks if k == "sample_type"]
def fail(*a):
    print("FAIL: pprof:", *a); sys.exit(1)
if not strings or strings[0] != "": fail("string_table[0] is not empty")
tnames = [strings[int(re.search(r"type: (\d+)", t).group(1))] for t in types]
if tnames[:2] != ["samples", "cpu"]: fail("sample types", tnames)
got = 0
for s in samples:
    vals = [int(v) for v in re.findall(r"^  value: (-?\d+)", s, re.M)]
    if len(vals) != len(types): fail("a sample has", len(vals), "values for", len(types), "types")
    got += vals[0]
    for l in re.findall(r"^  location_id: (\d+)", s, re.M):
        if int(l) not in locs: fail("sample points at missing location", l)
if got != total: fail("samples", got, "!= database", total)
inline = 0
for b in locs.values():
    lines = re.findall(r"function_id: (\d+)", b)
    inline += len(lines) > 1
    for f in lines:
        if int(f) not in funcs: fail("location line points at missing function", f)
if want_inline and not inline: fail("no location has an inline chain (several Line entries)")
print("pprof: protoc decodes", len(samples), "samples,", len(locs), "locations,", inline,
      "with inline chains; totals", got)
PY
}

check_json_formats() {
	for f in speedscope chrome json; do
		"$HPPROF" export -f $f -o "$tmp/x.$f.json" "$1" || { bad "$f export"; continue; }
		if command -v jq >/dev/null 2>&1; then
			jq -e . "$tmp/x.$f.json" >/dev/null || bad "jq rejects the $f output"
		fi
	done
	"$HPPROF" export -f csv -o "$tmp/x.csv" "$1" || bad "csv export"
	"$HPPROF" export -f svg -o "$tmp/x.svg" "$1" || bad "svg export"
	"$HPPROF" export -f folded -o "$tmp/stacks.folded" "$1" || bad "folded export"
	python3 - "$tmp" "$2" <<'PY' || fail=1
import csv, json, re, sys, xml.etree.ElementTree as ET
tmp, total = sys.argv[1], int(sys.argv[2])
def fail(*a):
    print("FAIL:", *a); sys.exit(1)
# speedscope: weights are ns, one period per sample
ss = json.load(open(tmp + "/x.speedscope.json"))
nframes = len(ss["shared"]["frames"])
period = None
got = 0
for p in ss["profiles"]:
    if p["type"] != "sampled" or len(p["samples"]) != len(p["weights"]): fail("speedscope profile", p["name"])
    for st in p["samples"]:
        if any(i < 0 or i >= nframes for i in st): fail("speedscope frame index out of range")
    got += sum(p["weights"])
ch = json.load(open(tmp + "/x.chrome.json"))
period = ch["otherData"]["sampling_period_ns"]
if got != total * period: fail("speedscope weights", got, "!=", total, "samples x", period, "ns")
# chrome: the top-level slices of each thread cover every sample once, and
# read as the readers read them - sorted by start, slices of equal start in
# the order of the file (speedscope; Perfetto for equal durations) - every
# slice nests under its caller: the names from a top-level slice down to
# any slice are a stack of the folded export (wave 15: the innermost slice
# came first, and every stack entered at one sample was read upside down).
stacks = set()
for line in open(tmp + "/stacks.folded"):
    fr = line.rsplit(" ", 1)[0].split(";")
    for i in range(1, len(fr) + 1):
        stacks.add(tuple(fr[:i]))
threads = {}
for i, e in enumerate(ch["traceEvents"]):
    if e["ph"] == "X":
        threads.setdefault((e["pid"], e["tid"]), []).append((round(e["ts"] * 1000), i, e))
got = upside = 0
for evs in threads.values():
    evs.sort(key=lambda x: (x[0], x[1]))
    open_ = []            # (end ns, name) of the enclosing slices
    for ts, i, e in evs:
        end = ts + round(e["dur"] * 1000)
        if end <= ts: fail("chrome slice of no duration", e)
        while open_ and open_[-1][0] <= ts:
            open_.pop()
        if not open_:
            got += e["args"]["samples"]
        elif end > open_[-1][0]:
            fail("chrome slices overlap without nesting", e)
        open_.append((end, e["name"]))
        if tuple(n for _, n in open_) not in stacks:
            upside += 1
            if upside <= 3: print("not a stack:", ";".join(n for _, n in open_)[:400])
if upside: fail("chrome:", upside, "slices nest under a frame that is not their caller")
if got != total: fail("chrome top-level slices cover", got, "samples, not", total)
names = {e["args"]["name"] for e in ch["traceEvents"] if e["ph"] == "M" and e["name"] == "thread_name"}
if not names: fail("chrome has no thread names")
# json views and csv
views = json.load(open(tmp + "/x.json.json"))
for v in ("run_info", "function_profile", "line_profile", "thread_profile", "memory_timeline"):
    if v not in views: fail("json lacks view", v)
if sum(r["samples"] for r in views["thread_profile"]) != total: fail("json thread_profile")
if sum(r["self_samples"] for r in views["function_profile"]) != total: fail("json function_profile self")
if sum(r["self_samples"] for r in views["line_profile"]) != total: fail("json line_profile self")
rows = list(csv.DictReader(open(tmp + "/x.csv", newline="")))
if sum(int(r["self_samples"]) for r in rows) != total: fail("csv function_profile self")
# svg: well-formed XML, the root frame holds every sample, frames have tooltips
root = ET.parse(tmp + "/x.svg").getroot()
ns = "{http://www.w3.org/2000/svg}"
titles = [t.text for t in root.iter(ns + "title")]
allf = [t for t in titles if t.startswith("all (")]
if not allf or int(re.match(r"all \((\d+) ", allf[0]).group(1)) != total: fail("svg root frame", allf)
if not any("hot line:" in t for t in titles): fail("svg tooltips have no hot line")
if root.find(ns + "script") is None: fail("svg has no script")
print("json formats: speedscope, chrome, views, csv and svg agree on", total, "samples")
PY
}

make_dbs "${1:-}"
for d in $dbs; do
	db=$tmp/$d.db
	total=$(db_samples "$db") || { bad "cannot read $db"; continue; }
	[ "$total" -gt 0 ] || { bad "$db has no samples"; continue; }
	inline=0
	[ "$1" = fixture ] && inline=1
	echo "== $1 $d: $total samples"
	check_folded "$db" "$total"
	check_callgrind "$db" "$total"
	check_pprof "$db" "$total" $inline
	check_json_formats "$db" "$total"
done
exit $fail

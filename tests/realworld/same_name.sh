#!/bin/sh
# Two programs built one after the other under one name by Debian's gcc,
# each run right after its build (`gcc x.c -o prog && ./prog`, as a test
# suite or a benchmark script does): the linker gives the name to a new
# file, and the second program's records name a file its name opens while
# the run holds the first under it (docs/symbols.md, "A name can also be
# given to another file"). The truth, by construction: each program spends
# its CPU time in its own work function (alpha_work, beta_work), so of each
# process's samples >= 90% have it on the stack (its exec and start are the
# rest). perf record on the same command line is noted beside it: perf
# names modules at report time, from the name's last file.
. "$HP_SRC/tests/realworld/lib.sh"
rw_need gcc gcc
cat >alpha.c <<'EOF'
#include <stdio.h>
double alpha_work(double x)
{
	for (long i = 0; i < 100000000; i++)
		x = x * 1.0000001 + 1e-9;
	return x;
}
int main(void) { printf("%g\n", alpha_work(1)); return 0; }
EOF
cat >beta.c <<'EOF'
#include <stdio.h>
static int pad[64];
double beta_pad(double x) { return x + pad[3]; }
double beta_work(double x)
{
	for (long i = 0; i < 100000000; i++)
		x = x * 1.0000002 + 2e-9;
	return x;
}
int main(void) { printf("%g\n", beta_work(beta_pad(1))); return 0; }
EOF
printf '%s\n' "gcc -O1 -g -o prog alpha.c && ./prog" "gcc -O1 -g -o prog beta.c && ./prog" >build_run.sh

rw_step hpprof "$HPPROF" run -o h.db -- sh build_run.sh
set -- $(sqlite3 -batch -noheader h.db "SELECT pid FROM processes WHERE comm = 'prog' ORDER BY start_ns")
[ $# = 2 ] || fail "$# processes named prog, expected 2"
for pf in "$1 alpha_work" "$2 beta_work"; do
	set -- $pf
	r=$("$PY" - h.db "$1" "$2" <<'PY'
import sqlite3, sys
db, pid, fn = sys.argv[1], int(sys.argv[2]), sys.argv[3]
c = sqlite3.connect(db)
stacks = c.execute("""SELECT s.stack_id FROM samples s JOIN threads t ON t.tid = s.tid
    WHERE s.event = 0 AND t.pid = ?""", (pid,)).fetchall()
parent = dict(c.execute("SELECT id, parent FROM stack_nodes"))
names = {}
for nid, name, mod in c.execute("""SELECT n.id, f.name, m.path FROM stack_nodes n
        JOIN location_frames lf ON lf.location_id = n.location_id
        JOIN functions f ON f.id = lf.function_id JOIN modules m ON m.id = f.module_id"""):
    names.setdefault(nid, []).append((name, mod))
hits, module = 0, ""
for (sid,) in stacks:
    node = sid
    while node:
        got = [m for n, m in names.get(node, []) if n == fn]
        if got:
            hits, module = hits + 1, got[0]
            break
        node = parent.get(node, 0)
print(hits, len(stacks), module)
PY
)
	set -- $1 $2 $r
	note "pid $1: $3 of its $4 samples in $2 (module ${5:-none}${6:+ $6}${7:+ $7})"
	[ "$4" -gt 0 ] && [ $((100 * $3)) -ge $((90 * $4)) ] ||
		fail "pid $1's samples in $2: $3 of $4, expected >= 90%"
done

if command -v perf >/dev/null 2>&1 &&
	perf record -q -e cpu-clock -g -o p.data -- sh build_run.sh >perf.out 2>perf.err; then
	note "perf record -g on the same command line: $(perf report -i p.data --stdio --no-children -q \
		--sort dso,sym -g none 2>/dev/null | awk '$NF ~ /^(alpha|beta)_work$/ {
			printf "%s%s %s %s", sep, $1, $2, $NF; sep = ", " }')"
fi
echo "PASS"

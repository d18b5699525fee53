#!/bin/sh
# `hpprof run` whose stdout and stderr are a pipe nobody reads (the shell's
# `hpprof run PROG 2>&1 | head -3` once head has its lines): run's product
# is the database, not stdout, so a closed stdout must not end it. hpprof
# records to the end, finishes the file and exits with the program's
# status. Before wave 20 the SIGPIPE of its next note on stderr ended
# hpprof at once with status 0 (the rule of commands that write their
# product on stdout, cli_pipe.sh): the profile was left unfinished
# ("duration: unknown", its stacks unresolved) and the status was 0.
# Deterministic: the read end is closed before hpprof starts; the program
# writes nothing and exits 7, so its status is known by construction.
# `merge` (its product the merged file) is checked the same way below.
# usage: run_closed_pipe.sh     env: HPPROF
. "$HP_SRC/tests/e2e/lib.sh"
command -v python3 >/dev/null || skip "python3 is not installed (scripts/install-deps.sh)"

python3 - "$HPPROF" >got.txt 2>err.txt <<'PY' || { cat err.txt; fail "cannot run hpprof into a closed pipe"; }
import os, subprocess, sys
r, w = os.pipe()
os.close(r)
prog = "i=0; while [ $i -lt 200000 ]; do i=$((i+1)); done; exit 7"
p = subprocess.run([sys.argv[1], "run", "-o", "p.db", "--", "sh", "-c", prog],
                   stdout=w, stderr=w)
print(p.returncode if p.returncode >= 0 else 128 - p.returncode)
PY
status=$(cat got.txt)
[ "$status" = 7 ] || fail "hpprof run into a closed pipe exited '$status', expected the program's 7"
note "hpprof run into a closed pipe: exit 7, the program's"
[ -f p.db ] || fail "hpprof run into a closed pipe wrote no p.db"
"$HPPROF" report p.db >rep.txt 2>rep.err || { cat rep.err; fail "hpprof report p.db"; }
sed -n '1,8s/^/# /p' rep.txt
grep -q unfinished rep.txt && fail "the profile written into a closed pipe is unfinished"
assert_contains "report p.db" rep.txt "exit status: 7"

# merge likewise (its product is the merged file): before wave 20 its first
# note ended it with status 0 and no file written.
cp p.db q.db
python3 - "$HPPROF" >got.txt 2>err.txt <<'PY' || { cat err.txt; fail "cannot run hpprof merge into a closed pipe"; }
import os, subprocess, sys
r, w = os.pipe()
os.close(r)
p = subprocess.run([sys.argv[1], "merge", "-o", "m.db", "p.db", "q.db"], stdout=w, stderr=w)
print(p.returncode if p.returncode >= 0 else 128 - p.returncode)
PY
status=$(cat got.txt)
[ "$status" = 0 ] || fail "hpprof merge into a closed pipe exited '$status'"
[ -f m.db ] || fail "hpprof merge into a closed pipe exited 0 and wrote no m.db"
"$HPPROF" report m.db >mrep.txt 2>mrep.err || { cat mrep.err; fail "hpprof report m.db"; }
assert_contains "report m.db" mrep.txt "p.db, q.db"
note "hpprof merge into a closed pipe: exit 0, m.db holds both runs"
echo "PASS"

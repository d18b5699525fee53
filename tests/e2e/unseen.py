"""unseen.py - the CPU time a run's samples did not see, for the tests that
compare sample counts with a program's own CPU clocks (diff_time.sh,
merge_shares.sh, kernels_run.sh, ...): import it from $HP_SRC/tests/e2e.

    sys.path.insert(0, os.path.join(os.environ["HP_SRC"], "tests", "e2e"))
    from unseen import unseen
    u, tc = unseen("a.db")     # seconds: unseen, and the CPU time it is of

Why: on a virtual machine whose host takes the CPU away (the host's steal
time, which this kind of machine does not report: /proc/stat's steal stays
0), the program's clocks and task-clock run on while the sampler's timer
does not fire; when the CPU comes back, one sample stands for the whole
gap. CI run 166's diff_time: task-clock 1.728 s, samples x period 1.536 s,
and the 0.19 s fell in work_b, whose clock said x0.66 where its samples
said x0.96. That time may fall in any function, so a check of a
function's samples against its clock allows it, stated beside the check.
On a quiet machine it is a period or two per thread (a thread's last
partial period).

The figure is hpprof's own, run_info unseen_ns (analyzer/unseen.h):
task-clock - (samples + lost) x period under perf (e2e_run_julia checks
that arithmetic), the periods beyond the usual of the preload agent's
timers under the agent (of the program's rusage).
"""
import sqlite3


def unseen(db):
    """(unseen, cpu) in seconds for the run in db: cpu is its task-clock,
    or under the agent the program's rusage (user_s + sys_s); (0, 0) when
    hpprof could not say (then nothing is allowed)."""
    c = sqlite3.connect(db)
    kv = dict(c.execute("SELECT key, value FROM run_info WHERE key IN"
                        " ('user_s', 'sys_s', 'unseen_ns', 'event:task-clock')"))
    c.close()
    if kv.get("unseen_ns") is None:
        return 0.0, 0.0
    tc = kv.get("event:task-clock") or ""
    if tc.startswith("measured: "):
        cpu = float(tc.split()[1]) / 1e9
    else:
        cpu = float(kv.get("user_s") or 0) + float(kv.get("sys_s") or 0)
    return int(kv["unseen_ns"]) / 1e9, cpu


def unseen_share(db):
    """The part of the run's task-clock its samples did not see, 0..1."""
    u, tc = unseen(db)
    return u / tc if tc > 0 else 0.0

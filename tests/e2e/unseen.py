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
import sys


def unseen(db):
    """(unseen, cpu) in seconds for the run in db: cpu is its task-clock,
    or under the agent the program's rusage (user_s + sys_s); (0, 0) when
    hpprof could not say (then nothing is allowed).

    The Python agent's sigtrap events (docs/python.md) fire exactly once
    per period of the thread's CPU time, the kernel's included
    (kernel_samples yes); hpprof's figure is the periods their handler
    found on the thread's clock beyond the events' overflows. The rusage
    less samples x period also holds the interpreter's start-up before the
    events open (an upper bound): the larger of the two is allowed, as
    before the handler counted (CI run 171: kernel_lines.py's in_kernel
    0.653 of the samples, 0.4725 by its clock)."""
    c = sqlite3.connect(db)
    kv = dict(c.execute("SELECT key, value FROM run_info WHERE key IN"
                        " ('user_s', 'sys_s', 'unseen_ns', 'event:task-clock', 'sampling',"
                        " 'kernel_samples', 'samples', 'cpu_sample_ns')"))
    c.close()
    if kv.get("unseen_ns") is None:
        return 0.0, 0.0
    u = int(kv["unseen_ns"]) / 1e9
    rusage = float(kv.get("user_s") or 0) + float(kv.get("sys_s") or 0)
    if kv.get("sampling") == "preload agent (Python frames)" and \
            kv.get("kernel_samples") == "yes":
        seen = int(kv.get("samples") or 0) * float(kv.get("cpu_sample_ns") or 0) / 1e9
        u = max(u, rusage - seen)
    tc = kv.get("event:task-clock") or ""
    cpu = float(tc.split()[1]) / 1e9 if tc.startswith("measured: ") else rusage
    return u, cpu


def unseen_share(db):
    """The part of the run's task-clock its samples did not see, 0..1."""
    u, tc = unseen(db)
    return u / tc if tc > 0 else 0.0


def unseen_pp(db, seconds=None):
    """The allowance in percentage points of a share of the program's CPU
    time by its own clocks (lib.sh unseen_pp): all of the unseen time U may
    have fallen in or out of the region, U / (T - U) x 100, T the run's CPU
    time or `seconds` when the share is of a part of the run; 100 when U is
    half of T or more; 0 when there is none or hpprof could not say."""
    u, t = unseen(db)
    if u <= 0:
        return 0.0
    if seconds is not None:
        t = seconds
    return 100 * u / (t - u) if t > 2 * u else 100.0


if __name__ == "__main__":
    if sys.argv[1] == "--seconds":    # unseen.py --seconds DB: unseen's U, in seconds
        print("%.6f" % unseen(sys.argv[2])[0])
    else:                             # unseen.py DB [SECONDS]: unseen_pp's, 2 decimals
        print("%.2f" % unseen_pp(sys.argv[1], float(sys.argv[2]) if len(sys.argv) > 2 else None))

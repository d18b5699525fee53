"""kcommon_py.py - what the Python kernels share with the C kernels (kcommon.c):
the same command line (--variant, --small, --help, --OPTION N or
--OPTION=N, numbers as 1000, 0x10 or 1e8), the same --help layout, the same
validation line "<kernel>: <message> OK|FAILED" and exit status (0 valid,
1 validation failed, 2 usage error), the per-thread CPU clock, and the same
truth lines as the C kernels' ktruth.c (format: kernels/README.md, "Truth
lines"): "truth kernel=K scope=S name=N pid=P tid=T cpu_s=.. minflt=..
majflt=.." for phases, timed calls and the whole process.

Imported by julia.py, diffusion.py and diffusion_numpy.py from their own
directory; it is not a kernel itself.
"""
import os
import resource
import sys
import threading
import time


class Spec:
    """A kernel's command line: name as in hp-NAME, summary, book source,
    variants as (name, help) with the default first, options as
    (name, help) taking a positive integer, and notes for --help."""

    def __init__(self, name, summary, source, variants, options, notes=None):
        self.name = name
        self.summary = summary
        self.source = source
        self.variants = variants
        self.options = options
        self.notes = notes

    def usage(self, out):
        out.write(f"usage: hp-{self.name} [--variant NAME] [--small] [options]\n")
        out.write(f"{self.summary} ({self.source})\n\nvariants:\n")
        for i, (name, text) in enumerate(self.variants):
            out.write(f"  {name:<16} {text}{' [default]' if i == 0 else ''}\n")
        out.write("\noptions:\n")
        out.write(f"  {'--variant NAME':<24} one of the variants above\n")
        out.write(f"  {'--small':<24} test size (well under 0.5 s)\n")
        for name, text in self.options:
            out.write(f"  {'--' + name + ' N':<24} {text}\n")
        out.write(f"  {'--help':<24} this text\n")
        if self.notes:
            out.write(f"\n{self.notes}\n")

    def error(self, message):
        sys.stderr.write(f"hp-{self.name}: {message} (try --help)\n")
        sys.exit(2)


def parse_count(text):
    """A positive integer: "1000", "0x10" or an integral "1e8"; 0 if not."""
    try:
        value = int(text, 0)
    except ValueError:
        try:
            f = float(text)
        except ValueError:
            return 0
        value = int(f) if f == int(f) and 1 <= f <= 9.2e18 else 0
    return value if value >= 1 else 0


def parse(spec, argv):
    """Returns (variant name, small, {option: value or 0}); exits 0 after
    --help and 2 on a usage error, as kargs_parse does."""
    variant = spec.variants[0][0]
    small = False
    values = {name: 0 for name, _ in spec.options}
    i = 1
    while i < len(argv):
        arg = argv[i]
        if arg in ("--help", "-h"):
            spec.usage(sys.stdout)
            sys.exit(0)
        if arg == "--small":
            small = True
            i += 1
            continue
        if not arg.startswith("--"):
            spec.error(f"unexpected argument '{arg}'")
        name, eq, value = arg[2:].partition("=")
        if name != "variant" and name not in values:
            spec.error(f"unknown option '{arg}'")
        if not eq:
            if i + 1 >= len(argv):
                spec.error(f"option '{arg}' needs a value")
            value = argv[i + 1]
            i += 1
        i += 1
        if name == "variant":
            variant = value
        else:
            values[name] = parse_count(value)
            if not values[name]:
                spec.error(f"invalid value '{value}': expected a positive integer")
    if variant not in [name for name, _ in spec.variants]:
        spec.error(f"unknown variant '{variant}'")
    return variant, small, values


def validate(kernel, ok, message):
    """Prints the validation line; returns the exit status."""
    print(f"{kernel}: {message} {'OK' if ok else 'FAILED'}", flush=True)
    return 0 if ok else 1


def clock():
    """Seconds on the monotonic clock."""
    return time.monotonic()


def thread_cputime():
    """CPU seconds used by the calling thread."""
    return time.thread_time()


# ---- truth lines (the C kernels' ktruth.c, in Python) ----------------------

def truth_now():
    """The calling thread's (cpu seconds, minor faults, major faults): the
    clock first, as ktruth_now does."""
    cpu = time.thread_time()
    ru = resource.getrusage(resource.RUSAGE_THREAD)
    return cpu, ru.ru_minflt, ru.ru_majflt


def truth_since(start):
    """The counters since start: faults first, the clock last."""
    ru = resource.getrusage(resource.RUSAGE_THREAD)
    cpu = time.thread_time()
    return cpu - start[0], ru.ru_minflt - start[1], ru.ru_majflt - start[2]


def truth_print(kernel, scope, name, t, extra=None, tid=None):
    """One truth line for the figures t = (cpu, minflt, majflt)."""
    tid = threading.get_native_id() if tid is None else tid
    line = (f"truth kernel={kernel} scope={scope} name={name} pid={os.getpid()} tid={tid}"
            f" cpu_s={t[0]:.6f} minflt={t[1]} majflt={t[2]}")
    print(line + (" " + extra if extra else ""), flush=True)


class Phases:
    """The main thread's phases: each phase() ends the one that began at
    the previous call (the first at construction) and prints it."""

    def __init__(self, kernel):
        self.kernel = kernel
        self.mark = truth_now()

    def phase(self, name):
        truth_print(self.kernel, "phase", name, truth_since(self.mark))
        self.mark = truth_now()


class Calls:
    """Time inside every call of one function, summed (scope calls)."""

    def __init__(self, name):
        self.name = name
        self.sum = [0.0, 0, 0]
        self.calls = 0

    def end(self, start):
        d = truth_since(start)
        for i in range(3):
            self.sum[i] += d[i]
        self.calls += 1

    def print(self, kernel):
        if self.calls:
            truth_print(kernel, "calls", self.name, tuple(self.sum), f"calls={self.calls}")


def truth_process(kernel, name="main"):
    """The whole process so far: every thread's CPU time
    (CLOCK_PROCESS_CPUTIME_ID, start-up included), faults, user and system."""
    ru = resource.getrusage(resource.RUSAGE_SELF)
    t = (time.process_time(), ru.ru_minflt, ru.ru_majflt)
    truth_print(kernel, "process", name, t, f"user_s={ru.ru_utime:.6f} sys_s={ru.ru_stime:.6f}")

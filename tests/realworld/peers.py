"""What the peers and hpprof say about one execution, as plain Python data.

The realworld tier (docs/realworld.md) compares hpprof with perf and
heaptrack on programs nobody here wrote. This module only reads: perf's
report, heaptrack's data file, an hpprof database and ELF files (through
binutils' readelf and c++filt). The checks themselves are in compare.py.

  perf_rows(perf.data)            perf report's rows: thread, dso, symbol, samples; lost
  HpDb(path)                      queries on an hpprof database
  ElfNames(path)                  symbols, FDEs and the names perf gives them
  heaptrack_totals(file.zst, own)  heaptrack's records, the tool's own apart
"""

import bisect
import collections
import os
import re
import sqlite3
import subprocess

KERNEL_MODULES = ("[kernel", )    # hpprof: [kernel]; perf and #12: [kernel.kallsyms]


def is_kernel_module(path):
    return path.startswith(KERNEL_MODULES)


def run(argv):
    """Run a tool and return its stdout (stderr is dropped: perf chats there).
    readelf's status is not checked: it exits 1 after a warning about one
    section (libc.so.6's program interpreter) having printed the rest."""
    res = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                         universal_newlines=True, errors="replace")
    if res.returncode != 0 and argv[0] != "readelf":
        raise RuntimeError("%s exited %d" % (" ".join(argv), res.returncode))
    return res.stdout


# ---------------------------------------------------------------- perf

PerfRow = collections.namedtuple("PerfRow", "tid comm dso kernel addr sym samples entry",
                                 defaults=(None,))

# The kernel's entry points, innermost first along a kernel stack: an
# interrupt's (asm_sysvec_*, asm_common_interrupt), an exception's
# (asm_exc_page_fault...) or a system call's. A kernel sample's entry is the
# innermost of them: a softirq run at an interrupt's exit during a page
# fault is the interrupt's. (As a perf report --parent regex.)
KERNEL_ENTRY = r"^asm_sysvec_|^asm_common_interrupt|^asm_spurious_interrupt|^asm_exc_|^entry_SYSCALL"


def perf_rows(perf_data, entries=False):
    """(rows, lost): perf report's per-thread symbol rows, as a user reads
    them, and the samples perf says it lost. With entries, the kernel rows
    are split by the kernel entry their stack went through (PerfRow.entry,
    KERNEL_ENTRY; "[other]" when none).

    `--sort pid,comm,dso,sym -v`: perf's `pid` key is the thread id, `-v`
    gives the dso's full path and, before the symbol, one address inside it
    (map-relative, a file offset: ElfNames.vaddr makes it the ELF address
    hpprof stores). Symbols are perf's
    own: demangled without parameters, versioned ones with their @VERSION,
    unnamed code as one row per address (`0x...`)."""
    keys = "pid,comm,dso,sym" + (",parent" if entries else "")
    out = run(["perf", "report", "-i", perf_data, "--stdio", "--no-children",
               "-g", "none", "--no-inline", "--sort", keys, "-F", "sample," + keys,
               "-t", "|", "-v"] + (["-p", KERNEL_ENTRY] if entries else []))
    rows, lost = [], 0
    sym_re = re.compile(r"^(0x[0-9a-f]+)\s+\S*\s*\[(.)\] (.*?)\s*$")
    for line in out.splitlines():
        if line.startswith("# Total Lost Samples:"):
            lost = int(line.split(":")[1])
        if not line.strip() or line.startswith("#"):
            continue
        f = line.split("|", 5 if entries else 4)
        if len(f) != (6 if entries else 5):
            continue
        samples, pidcomm, comm, dso, symf = f[:5]
        entry = f[5].strip() if entries else None
        m = sym_re.match(symf.strip())
        if not m:
            raise RuntimeError("unexpected perf report line: " + line)
        addr, mode, sym = int(m.group(1), 16), m.group(2), m.group(3)
        rows.append(PerfRow(int(pidcomm.split(":")[0]), comm.strip(), dso.strip(),
                            mode != ".", addr, sym, int(samples), entry))
    return rows, lost


# ---------------------------------------------------------------- hpprof

Leaf = collections.namedtuple("Leaf", "pid module addr function outer_function samples entry",
                              defaults=(None,))


class HpDb:
    """An hpprof database. The public views (docs/schema.md) serve what they
    can; per-sample facts they aggregate away (the process of a sample, the
    function that contains an inlined leaf, the outermost frame of a stack)
    come from the internal tables, all in this class, so a schema change
    touches one place."""

    def __init__(self, path):
        self.path = path
        self.db = sqlite3.connect("file:%s?mode=ro" % path, uri=True)

    def q(self, sql, *args):
        return self.db.execute(sql, args).fetchall()

    def info(self, key, default=None):
        r = self.q("SELECT value FROM run_info WHERE key = ?", key)
        return r[0][0] if r else default

    def threads(self):
        return {t for (t,) in self.q("SELECT tid FROM threads")}

    # A location l's module (that of its outermost frame's function where no
    # module covers it: JIT code), address, innermost and outermost function.
    LOCATION = """
            COALESCE(m.path, (SELECT fm.path FROM location_frames lf
                              JOIN functions f ON f.id = lf.function_id
                              JOIN modules fm ON fm.id = f.module_id
                              WHERE lf.location_id = l.id ORDER BY lf.depth DESC LIMIT 1),
                     '?'), l.addr,
            (SELECT f.name FROM location_frames lf JOIN functions f ON f.id = lf.function_id
              WHERE lf.location_id = l.id ORDER BY lf.depth ASC LIMIT 1),
            (SELECT f.name FROM location_frames lf JOIN functions f ON f.id = lf.function_id
              WHERE lf.location_id = l.id ORDER BY lf.depth DESC LIMIT 1)"""

    def leaves(self, event=0, by_thread=False):
        """Samples of one event (default the main sampler's; the page-fault
        sampler's: event_id("pagefault")) grouped by their innermost location: the
        process, the module, the ELF address, the innermost function (an
        inlined one when the address is inside an inline expansion) and the
        outermost one of the inline chain (the function whose code it is).
        JIT code lies in no module (module_id 0): its module is the one of
        the function a perf map named it by, "[jit] /tmp/perf-PID.map".
        by_thread: {tid: [Leaf]}, each thread's own."""
        where = self.locations()
        pid = dict(self.q("SELECT tid, pid FROM threads"))
        counts = collections.defaultdict(collections.Counter)
        for tid, lid, n in self.q("""
                SELECT s.tid, n.location_id, COUNT(*) FROM samples s
                LEFT JOIN stack_nodes n ON n.id = s.stack_id
                WHERE s.event = ? GROUP BY s.tid, n.location_id""", event):
            counts[tid if by_thread else None][(pid.get(tid), lid)] += n

        def as_leaves(c):
            return [Leaf(p, *where.get(lid, ("?", None, "?", "?")), n) for (p, lid), n in c.items()]
        if by_thread:
            return {tid: as_leaves(c) for tid, c in counts.items()}
        return as_leaves(counts[None])

    def locations(self):
        """{location id: (module, address, innermost function, outermost
        function)}, as leaves() gives them."""
        return {lid: (mod, addr, fn or "?", outer or fn or "?") for lid, mod, addr, fn, outer in self.q(
            "SELECT l.id, " + self.LOCATION + " FROM locations l LEFT JOIN modules m ON m.id = l.module_id")}

    def leaves_by_entry(self, event=0):
        """leaves(), with each kernel leaf split by the kernel entry its stack
        went through (Leaf.entry: the innermost frame from the leaf outwards
        whose function matches KERNEL_ENTRY, as perf report --parent finds
        it; "[other]" when none, None for a user-space leaf)."""
        pattern = re.compile(KERNEL_ENTRY)
        nodes = dict((i, (p, l)) for i, p, l in self.q("SELECT id, parent, location_id FROM stack_nodes"))
        locs = self.locations()

        def entry_of(node):
            while node in nodes and is_kernel_module(locs.get(nodes[node][1], ("?",))[0]):
                if pattern.search(locs[nodes[node][1]][3]):
                    return locs[nodes[node][1]][3]
                node = nodes[node][0]
            return "[other]"

        counts = collections.Counter()
        for pid, stack, n in self.q("""SELECT t.pid, s.stack_id, COUNT(*) FROM samples s
                                       LEFT JOIN threads t ON t.tid = s.tid
                                       WHERE s.event = ? GROUP BY t.pid, s.stack_id""", event):
            mod, addr, fn, outer = locs.get(nodes.get(stack, (0, 0))[1], ("?", None, "?", "?"))
            entry = entry_of(stack) if is_kernel_module(mod) else None
            counts[Leaf(pid, mod, addr, fn, outer, 0, entry)] += n
        return [l._replace(samples=n) for l, n in counts.items()]

    def event_id(self, role):
        """(id, total) of the event of this role in the events table, or None."""
        r = self.q("SELECT id, total FROM events WHERE role = ? AND measured = 1", role)
        return r[0] if r else None

    def kernel_functions(self):
        """{kernel function: self samples} from the function_profile view."""
        return dict(self.q("SELECT function, SUM(self_samples) FROM function_profile "
                           "WHERE module LIKE '[kernel%' GROUP BY function"))

    def outermost_frames(self, by_thread=False):
        """{(function, module, address) of the outermost frame: samples}
        over main-sampler samples (the function is the outermost of the
        location's inline chain; '(no stack)' when a sample has none).
        by_thread: {tid: that Counter}, each thread's own."""
        parent, loc = {}, {}
        for i, p, l in self.q("SELECT id, parent, location_id FROM stack_nodes"):
            parent[i], loc[i] = p, l
        where = {i: (m, a) for i, m, a in self.q("""
            SELECT l.id, COALESCE(m.path, '?'), l.addr FROM locations l
            LEFT JOIN modules m ON m.id = l.module_id""")}
        name = dict(self.q("""
            SELECT lf.location_id, f.name FROM location_frames lf
            JOIN functions f ON f.id = lf.function_id
            WHERE lf.depth = (SELECT MAX(depth) FROM location_frames x
                              WHERE x.location_id = lf.location_id)"""))
        out = collections.defaultdict(collections.Counter)
        for tid, sid, n in self.q("SELECT tid, stack_id, COUNT(*) FROM samples WHERE event = 0 "
                                  "GROUP BY tid, stack_id"):
            node = sid
            while node and parent.get(node):
                node = parent[node]
            l = loc.get(node)
            m, a = where.get(l, ("?", 0))
            out[tid if by_thread else None][(name.get(l, "(no stack)"), m, a)] += n
        return out if by_thread else out[None]

# ---------------------------------------------------------------- ELF

class ElfNames:
    """The functions of one ELF file as perf would name them: symbols of the
    file and of its separate debug file (build-id under /usr/lib/debug, as
    perf and hpprof look them up), demangled without parameters, and the
    .eh_frame FDEs that give unnamed code its extent (issue #12)."""

    def __init__(self, path):
        self.path = path
        self.base = os.path.basename(path)
        self.syms = []                      # (start, end, raw name)
        for f in [path] + self._debug_files(path):
            self.syms += self._symbols(f)
        self.syms.sort()
        self.starts = [s for s, e, n in self.syms]
        self.by_start = collections.defaultdict(set)
        for s, e, n in self.syms:
            self.by_start[s].add(n)
        self._fdes = None
        # the ELF entry point: _start in an executable, named or not
        h = run(["readelf", "-hW", path]) if os.path.exists(path) else ""
        m = re.search(r"Entry point address:\s+(0x[0-9a-f]+)", h)
        self.entry = int(m.group(1), 16) if m else None
        # LOAD segments (file offset, vaddr, size in the file)
        ph = run(["readelf", "-lW", path]) if os.path.exists(path) else ""
        self.loads = [(int(o, 16), int(v, 16), int(fs, 16)) for o, v, fs in re.findall(
            r"^\s*LOAD\s+(0x[0-9a-f]+)\s+(0x[0-9a-f]+)\s+0x[0-9a-f]+\s+(0x[0-9a-f]+)", ph, re.M)]

    def vaddr(self, perf_addr):
        """The ELF address of an address perf reports for this dso. perf
        reports map-relative addresses, ip - map start + map offset: a file
        offset. It equals the ELF address in a shared library whose code is
        laid out at its file offset, but not in a non-PIE executable
        (python3.11, cc1 at 0x400000), where hpprof and the symbol table
        use the ELF address."""
        for off, va, size in self.loads:
            if off <= perf_addr < off + size:
                return perf_addr - off + va
        return perf_addr

    @staticmethod
    def _debug_files(path):
        out = run(["readelf", "-n", path]) if os.path.exists(path) else ""
        m = re.search(r"Build ID: ([0-9a-f]{2})([0-9a-f]+)", out)
        cand = []
        if m:
            cand.append("/usr/lib/debug/.build-id/%s/%s.debug" % m.groups())
        return [c for c in cand if os.path.exists(c)]

    @staticmethod
    def _symbols(path):
        if not os.path.exists(path):
            return []
        syms = []
        for line in run(["readelf", "-sW", path]).splitlines():
            f = line.split()
            if len(f) < 8 or f[3] not in ("FUNC", "IFUNC") or f[6] == "UND":
                continue
            start, size = int(f[1], 16), int(f[2], 0)
            syms.append((start, start + max(size, 1), f[7]))
        return syms

    def _covering(self, addr):
        """Symbols (start, end, name) that contain addr. Functions do not
        nest, so only the symbols starting at the closest start at or below
        addr are candidates, and a few before them (zero-size ones)."""
        i = bisect.bisect_right(self.starts, addr)
        out = []
        for s, e, n in self.syms[max(0, i - 64):i]:
            if s <= addr < e:
                out.append((s, e, n))
        return out

    def aliases(self, addr):
        """Raw names of the symbols that cover addr, and of every symbol
        that starts where they start (aliases such as pread64/__libc_pread)."""
        return {n for s, e, _ in self._covering(addr) for n in self.by_start[s]}

    def symbol_extent(self, addr):
        ext = [(s, e) for s, e, n in self._covering(addr)]
        return min(ext, key=lambda x: x[1] - x[0]) if ext else None

    def fde(self, addr):
        """(start, end) of the .eh_frame FDE that contains addr, or None."""
        if self._fdes is None:
            self._fdes = []
            out = run(["readelf", "-W", "--debug-dump=frames", self.path]) \
                if os.path.exists(self.path) else ""
            for m in re.finditer(r" FDE cie=\S+ pc=([0-9a-f]+)\.\.([0-9a-f]+)", out):
                self._fdes.append((int(m.group(1), 16), int(m.group(2), 16)))
            self._fdes.sort()
        i = bisect.bisect_right(self._fdes, (addr, float("inf"))) - 1
        if i >= 0 and self._fdes[i][0] <= addr < self._fdes[i][1]:
            return self._fdes[i]
        return None


def cxxfilt(names, *opts):
    """c++filt's demangling of each name (binutils' libiberty, as perf's)."""
    if not names:
        return {}
    res = subprocess.run(["c++filt"] + list(opts), input="\n".join(names) + "\n",
                         stdout=subprocess.PIPE, universal_newlines=True, check=True)
    return dict(zip(names, res.stdout.splitlines()))


CLONE_RE = re.compile(r"\.[a-z_]+(?:\.[0-9]+)*")
# gdc 12 mangles a `return scope` parameter "NkM"; binutils 2.40's c++filt
# reads only "MNk" (scope first): an "Nk" not right after a back
# reference's "Q" + upper-case digits
NKM_RE = re.compile(r"(?<![A-Z])((?:(?!Q)[A-Z])*)NkM")
FORTRAN_RE = re.compile(r"^__([a-z][a-z0-9_.]*?)_MOD_(.+)$")


def demangle(names):
    """{raw: the name hpprof is to show}: C++ and Rust (legacy and v0) names
    as perf shows them (demangled without parameters); D names, which perf 6.1 leaves
    mangled, as c++filt -s dlang shows them, a GCC clone suffix
    (.constprop.0) after the name as libiberty prints it after a C++ name
    (" [clone .constprop.0]"); gfortran's module procedures
    (__kernels_MOD_smooth), which perf and c++filt leave as they are, as gdb
    names them (kernels::smooth)."""
    names = sorted(set(names))
    out = {n: n for n in names}
    out.update(cxxfilt([n for n in names if n.startswith("_Z")], "-p"))
    # c++filt prints v0 crate disambiguators (rwrust[3c1c0]::f); perf and
    # rustc's demangler do not
    out.update({n: re.sub(r"\[[0-9a-f]+\]", "", d) for n, d in
                cxxfilt([n for n in names if n.startswith("_R")], "-p").items()})
    d = {n: n.split(".", 1) for n in names if re.match(r"_D([0-9]|main$)", n)}
    shown = cxxfilt(sorted({b for b, *_ in d.values()}), "-s", "dlang")
    # what c++filt leaves, with gdc 12's "NkM" in the order it reads; the
    # name stays mangled when a swap changed an identifier ("MNk" shown)
    left = {b: NKM_RE.sub(r"\1MNk", b) for b, v in shown.items() if v == b}
    for b, d2 in cxxfilt(sorted(set(left.values())), "-s", "dlang").items():
        for orig in [o for o, sw in left.items() if sw == b]:
            if d2 != b and "MNk" not in d2:
                shown[orig] = d2
    for n, parts in d.items():
        sfx = "." + parts[1] if len(parts) > 1 else ""
        clones = CLONE_RE.findall(sfx)
        if "".join(clones) == sfx and shown[parts[0]] != parts[0]:
            out[n] = shown[parts[0]] + "".join(" [clone %s]" % c for c in clones)
    for n in names:
        m = FORTRAN_RE.match(n)
        if m:
            out[n] = "%s::%s" % m.groups()
    return out


# ---------------------------------------------------------------- threads (wave 20)

SchedInterval = collections.namedtuple("SchedInterval", "out_ns ns ns_max state lock comm exiting")

# A switch-out asleep on a lock, by the kernel functions docs/offcpu.md's
# wait classes name: a futex (user-space locks, condition variables,
# joins) or a read-write semaphore's slow path (mmap_lock: zstd's worker
# mapping its buffers while another thread maps, 4.3 ms in
# rwsem_down_write_slowpath under vm_mmap_pgoff, CI run of stop 33).
KERNEL_LOCK_WAITS = ("futex_", "__futex", "do_futex", "__x64_sys_futex", "rwsem_down")

SWITCH_RE = re.compile(r"^\s*(-?\d+)/(-?\d+)\s+\[(\d+)\]\s+(\d+)\.(\d+):\s+prev_comm=(.*) "
                       r"prev_pid=(\d+) prev_prio=\S+ prev_state=(\S+) ==> next_comm=(.*) "
                       r"next_pid=(\d+) ")


def sched_intervals(perf_data, pid):
    """({tid: [SchedInterval]}, {tid: comm}): the off-CPU intervals of
    process pid's threads from `perf record -e sched:sched_switch -a -g`
    (the kernel's own tracepoint): from a thread's switch-out (prev_pid) to
    its next switch-in (next_pid), with the state it left in (R, R+:
    preempted; S, D: asleep), whether its kernel call chain at the
    switch-out waits on a lock (KERNEL_LOCK_WAITS) or is in do_exit (exiting), and its comm
    then (the parent's name before an exec). A switch-out never followed by a switch-in (the
    thread's exit, the end of the recording) is no interval. The comm of
    the second dict is the one at the thread's last switch-out.

    Some switches never reach perf: on a machine whose sandbox runs tasks
    outside perf's pid namespace, perf records the switch to such a task
    but not the one from it (here: tokio-rt-worker, 22 switches to it in
    one xz run, none from it). A thread switched in by such a task is seen
    switching out again without a switch-in: it came in on that CPU after
    the CPU's previous record, so the interval lies between ns (to that
    record) and ns_max (to the new switch-out); otherwise ns == ns_max."""
    out = subprocess.run(["perf", "script", "--ns", "-i", perf_data,
                          "-F", "pid,tid,cpu,time,trace,ip,sym"],
                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                         universal_newlines=True, errors="replace", check=True).stdout
    pending, comm, res = {}, {}, collections.defaultdict(list)
    last = {}                    # cpu: time of its previous record
    cur = None                   # the switch-out whose call chain is being read
    for line in out.splitlines():
        m = SWITCH_RE.match(line)
        if not m:
            f = line.split()    # a call chain's line: address, symbol
            if cur is not None and f and f[-1].startswith(KERNEL_LOCK_WAITS):
                cur[2] = True
            if cur is not None and f and f[-1] == "do_exit":
                cur[4] = True
            continue
        cpu = int(m.group(3))
        t_ns = int(m.group(4)) * 1000000000 + int(m.group(5).ljust(9, "0")[:9])
        cur = None
        prev, nxt = int(m.group(7)), int(m.group(10))
        if prev in pending:      # its switch-in was not recorded
            o = pending.pop(prev)
            res[prev].append(SchedInterval(o[0], max(0, last.get(cpu, o[0]) - o[0]),
                                           t_ns - o[0], *o[1:]))
        # an exiting thread's records carry tid -1 (its last switch-out)
        if int(m.group(1)) == pid and int(m.group(2)) in (prev, -1):
            cur = pending[prev] = [t_ns, m.group(8), False, m.group(6), False]
            comm[prev] = m.group(6)
        if nxt in pending:
            o = pending.pop(nxt)
            res[nxt].append(SchedInterval(o[0], t_ns - o[0], t_ns - o[0], *o[1:]))
        last[cpu] = t_ns
    return res, comm


def reaches_entry(elf_names, entry_frames, fn, module, addr):
    """Whether an outermost frame is the program's entry or a thread's
    start: a function of entry_frames (compare.ENTRY_FRAMES), or the code
    of its module's ELF entry point (_start of a stripped executable has
    no name: sqlite3+0xa7a0). elf_names(path) gives an ElfNames. (The
    test of compare.complete_stacks, for a caller per thread.)"""
    if fn in entry_frames:
        return True
    if module.startswith("[") or not os.path.exists(module):
        return False
    elf = elf_names(module)
    fde = elf.fde(addr)
    return elf.entry is not None and fde is not None and fde[0] == elf.entry

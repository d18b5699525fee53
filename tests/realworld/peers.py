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

PerfRow = collections.namedtuple("PerfRow", "tid comm dso kernel addr sym samples")


def perf_rows(perf_data):
    """(rows, lost): perf report's per-thread symbol rows, as a user reads
    them, and the samples perf says it lost.

    `--sort pid,comm,dso,sym -v`: perf's `pid` key is the thread id, `-v`
    gives the dso's full path and, before the symbol, one address inside it
    (map-relative, a file offset: ElfNames.vaddr makes it the ELF address
    hpprof stores). Symbols are perf's
    own: demangled without parameters, versioned ones with their @VERSION,
    unnamed code as one row per address (`0x...`)."""
    out = run(["perf", "report", "-i", perf_data, "--stdio", "--no-children",
               "-g", "none", "--no-inline", "--sort", "pid,comm,dso,sym",
               "-F", "sample,pid,comm,dso,sym", "-t", "|", "-v"])
    rows, lost = [], 0
    sym_re = re.compile(r"^(0x[0-9a-f]+)\s+\S*\s*\[(.)\] (.*?)\s*$")
    for line in out.splitlines():
        if line.startswith("# Total Lost Samples:"):
            lost = int(line.split(":")[1])
        if not line.strip() or line.startswith("#"):
            continue
        f = line.split("|", 4)
        if len(f) != 5:
            continue
        samples, pidcomm, comm, dso, symf = f
        m = sym_re.match(symf.strip())
        if not m:
            raise RuntimeError("unexpected perf report line: " + line)
        addr, mode, sym = int(m.group(1), 16), m.group(2), m.group(3)
        rows.append(PerfRow(int(pidcomm.split(":")[0]), comm.strip(), dso.strip(),
                            mode != ".", addr, sym, int(samples)))
    return rows, lost


# ---------------------------------------------------------------- hpprof

Leaf = collections.namedtuple("Leaf", "pid module addr function outer_function samples")


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

    def leaves(self):
        """Main-sampler samples grouped by their innermost location: the
        process, the module, the ELF address, the innermost function (an
        inlined one when the address is inside an inline expansion) and the
        outermost one of the inline chain (the function whose code it is)."""
        rows = self.q("""
            SELECT t.pid, COALESCE(m.path, '?'), l.addr,
                   (SELECT f.name FROM location_frames lf JOIN functions f ON f.id = lf.function_id
                     WHERE lf.location_id = l.id ORDER BY lf.depth ASC LIMIT 1),
                   (SELECT f.name FROM location_frames lf JOIN functions f ON f.id = lf.function_id
                     WHERE lf.location_id = l.id ORDER BY lf.depth DESC LIMIT 1),
                   COUNT(*)
            FROM samples s
            LEFT JOIN threads t ON t.tid = s.tid
            LEFT JOIN stack_nodes n ON n.id = s.stack_id
            LEFT JOIN locations l ON l.id = n.location_id
            LEFT JOIN modules m ON m.id = l.module_id
            WHERE s.event = 0
            GROUP BY t.pid, l.id""")
        return [Leaf(pid, mod, addr, fn or "?", outer or fn or "?", n)
                for pid, mod, addr, fn, outer, n in rows]

    def kernel_share(self):
        """(kernel samples, all samples) as the public function_profile view
        and run_info report them."""
        k = self.q("SELECT COALESCE(SUM(self_samples), 0) FROM function_profile "
                   "WHERE module LIKE '[kernel%'")[0][0]
        return k, int(self.info("samples", 0))

    def outermost_frames(self):
        """{(function, module, address) of the outermost frame: samples}
        over main-sampler samples (the function is the outermost of the
        location's inline chain; '(no stack)' when a sample has none)."""
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
        out = collections.Counter()
        for sid, n in self.q("SELECT stack_id, COUNT(*) FROM samples WHERE event = 0 "
                             "GROUP BY stack_id"):
            node = sid
            while node and parent.get(node):
                node = parent[node]
            l = loc.get(node)
            m, a = where.get(l, ("?", 0))
            out[(name.get(l, "(no stack)"), m, a)] += n
        return out

    def alloc_stacks(self):
        """[(allocs, leaked_allocs, leaked_bytes, peak_bytes, [module paths
        of the stack's frames], site_key)] from --alloc, one per allocating
        stack (peak_bytes: what the stack held at the global heap peak)."""
        parent, mod, name = {}, {}, {}
        for i, p, m, fn in self.q("""
                SELECT n.id, n.parent, COALESCE(m.path, '?'),
                       (SELECT f.name FROM location_frames lf JOIN functions f ON f.id = lf.function_id
                         WHERE lf.location_id = l.id ORDER BY lf.depth DESC LIMIT 1)
                FROM stack_nodes n JOIN locations l ON l.id = n.location_id
                LEFT JOIN modules m ON m.id = l.module_id"""):
            parent[i], mod[i], name[i] = p, m, fn
        out = []
        for sid, a, la, lb, pb in self.q("SELECT stack_id, allocs, leaked_allocs, "
                                         "leaked_bytes, peak_bytes FROM alloc_stacks"):
            mods, names, node = [], [], sid
            while node:
                mods.append(mod.get(node, "?"))
                names.append(name.get(node))
                node = parent.get(node, 0)
            out.append((a, la, lb, pb, mods, site_key(names[:SITE_FRAMES])))
        return out


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


def demangle(names):
    """{raw: as perf shows it}: C++ names demangled without parameters."""
    names = sorted(set(names))
    mangled = [n for n in names if n.startswith("_Z")]
    out = {n: n for n in names}
    if mangled:
        res = subprocess.run(["c++filt", "-p"], input="\n".join(mangled) + "\n",
                             stdout=subprocess.PIPE, universal_newlines=True, check=True)
        out.update(zip(mangled, res.stdout.splitlines()))
    return out


# ---------------------------------------------------------------- heaptrack

SITE_FRAMES = 3     # an allocation site, for diagnosis: its innermost frames' names


def site_key(names):
    """Names of a site's innermost frames, unnamed code as '?' (heaptrack
    has no name for it, hpprof names it module+0xADDR) and glibc's internal
    __GI_ aliases (heaptrack's DWARF names) as the symbol hpprof shows."""
    return tuple("?" if n is None or re.search(r"\+0x[0-9a-f]+$", n) else
                 n[len("__GI_"):] if n.startswith("__GI_") else n for n in names)


def heaptrack_totals(path, is_own):
    """Read heaptrack's (interpreted, zstd-compressed) data file, with the
    allocations whose stack is_own(module paths) says belong to a tool
    counted apart.

    Lines used (heaptrack's file format v3): `s LEN STR` string table, `i IP
    MODULE [FUNC FILE LINE]...` an instruction pointer with the string index
    of its module, `t IP PARENT` a trace node, `a SIZE TRACE` an allocation
    kind, `+ A` an allocation of kind A, `- A` a free of one, in the order
    they happened. Returns {'target': TOTALS, 'own': TOTALS, 'peak_all': B,
    'own_modules': Counter of the first tool module of own allocations},
    TOTALS = {'allocs', 'leaked_allocs', 'leaked_bytes', 'peak'} where
    target's peak is the heap peak replayed without the tool's allocations.
    heaptrack_print's figures are checked against these in compare.py."""
    proc = subprocess.Popen(["zstdcat", path], stdout=subprocess.PIPE,
                            universal_newlines=True, errors="replace")
    # strings, ips and traces are numbered from 1 (0 = none), allocation kinds from 0
    strings, ips, traces, kinds = [None], [None], [None], []
    trace_info = {}                         # trace -> (tool module or None, site)
    sites = collections.Counter()
    tot = {w: {"allocs": 0, "leaked_allocs": 0, "leaked_bytes": 0, "peak": 0}
           for w in ("target", "own")}
    live = {"target": 0, "all": 0}
    peak_all = 0
    own_modules = collections.Counter()
    for line in proc.stdout:
        tag, _, rest = line.rstrip("\n").partition(" ")
        if tag == "+" or tag == "-":
            size, own, site = kinds[int(rest, 16)]
            who = "own" if own else "target"
            sign = 1 if tag == "+" else -1
            if tag == "+":
                tot[who]["allocs"] += 1
                if own:
                    own_modules[own] += 1
                else:
                    sites[site] += 1
            tot[who]["leaked_allocs"] += sign
            tot[who]["leaked_bytes"] += sign * size
            live["all"] += sign * size
            peak_all = max(peak_all, live["all"])
            if not own:
                live["target"] += sign * size
                tot["target"]["peak"] = max(tot["target"]["peak"], live["target"])
        elif tag == "s":                    # s LENGTH STRING
            strings.append(rest.partition(" ")[2])
        elif tag == "i":                    # i IP MODULE [FUNCTION FILE LINE]...
            f = [int(x, 16) for x in rest.split()]
            ips.append((f[1], strings[f[2]] if len(f) > 2 else "?"))
        elif tag == "t":
            ip, parent = rest.split()
            traces.append((int(ip, 16), int(parent, 16)))
        elif tag == "a":
            size, trace = (int(x, 16) for x in rest.split())
            if trace not in trace_info:
                mods, names, t = [], [], trace
                while t:
                    ip, t = traces[t]
                    mods.append(strings[ips[ip][0]])
                    names.append(ips[ip][1])
                trace_info[trace] = (is_own(mods), site_key(names[:SITE_FRAMES]))
            kinds.append((size,) + trace_info[trace])
    if proc.wait() != 0:
        raise RuntimeError("zstdcat %s exited %d" % (path, proc.returncode))
    return {"target": tot["target"], "own": tot["own"], "peak_all": peak_all,
            "own_modules": own_modules, "sites": sites}


def heaptrack_print_totals(path):
    """heaptrack_print's own figures, exact: calls to allocation functions,
    and from its flame graphs with every suppression off, the leaked bytes
    and the bytes held at the heap peak (its summary prints rounded,
    suppressed figures)."""
    out = run(["heaptrack_print", "-f", path, "-p", "0", "-a", "0", "-T", "0",
               "-l", "0", "-s", "0", "-n", "0"])
    m = re.search(r"calls to allocation functions: (\d+)", out)
    res = {"allocs": int(m.group(1)) if m else None}
    for cost in ("leaked", "peak"):
        fg = "%s.%s.txt" % (path, cost)
        run(["heaptrack_print", "-f", path, "-p", "0", "-a", "0", "-T", "0", "-l", "0",
             "-s", "0", "-n", "0", "--disable-builtin-suppressions",
             "--disable-embedded-suppressions", "--flamegraph-cost-type", cost, "-F", fg])
        res[cost] = sum(int(line.rsplit(" ", 1)[1]) for line in open(fg))
    return res

#!/usr/bin/python3
"""After rust_src.sh's run of one toolchain's build: `hpprof annotate` of
the Rust standard library function with the most samples (a function whose
lines are in a file under library/: core, alloc, std) shows that file's
lines. Exit 0: the source was shown and each line with samples is the
line of the file read; 77 (SKIP: reason): no rust-src of that rustc here,
and annotate said which (for a /rustc/COMMIT path: the commit); 1: any
other outcome (no std function sampled, lines that are not the file's, a
missing source without its reason).

  rust_src_check.py DB LABEL
"""

import os
import re
import sqlite3
import subprocess
import sys

HEADER = re.compile(r"^(?P<fn>.*)  \((?P<file>[^,)]*)(, read from (?P<read>[^)]*))?\)  total ")
ROW = re.compile(r"^ *(?P<self>[0-9.]+) +[0-9.]+ +(?:[0-9.]+ +)?(?P<n>[0-9]+) +(?P<line>[0-9]+)  ?(?P<text>.*)$")
RUSTC = re.compile(r"^/rustc/([0-9a-f]{40})/")


def std_functions(db):
    con = sqlite3.connect("file:%s?mode=ro" % db, uri=True)
    rows = con.execute("SELECT function, file, SUM(self_samples) s FROM line_profile "
                       "WHERE file LIKE '%/library/%' GROUP BY function, file "
                       "ORDER BY s DESC LIMIT 5").fetchall()
    return rows


def check_listing(out, fn):
    """The listing's lines with samples against the file read."""
    lines = out.splitlines()
    m = HEADER.match(lines[0]) if lines else None
    if not m:
        return "no listing header: %r" % (lines[:1],)
    path = m.group("read") or m.group("file")
    with open(path, encoding="utf-8", errors="replace") as f:
        text = f.read().split("\n")
    sampled = 0
    for ln in lines[1:]:
        r = ROW.match(ln)
        if not r:
            continue
        n = int(r.group("line"))
        want = text[n - 1].rstrip() if 0 < n <= len(text) else None
        if want is None or r.group("text").rstrip() != want:
            return "line %d of %s is %r in the listing, %r in the file" % (
                n, path, r.group("text"), want)
        sampled += 1
    if not sampled:
        return "no line with samples listed"
    print("# %s: %d lines with samples, each the line of %s" % (fn, sampled, path))
    return None


def main():
    db, label = sys.argv[1], sys.argv[2]
    fns = std_functions(db)
    if not fns:
        print("FAIL: %s: no sample in a Rust std function (a file under library/)" % label)
        return 1
    fn, file, n = fns[0]
    print("# %s: %s (%d samples in %s)" % (label, fn, n, file))
    p = subprocess.run([os.environ["HPPROF"], "annotate", db, fn], capture_output=True,
                       text=True)
    if p.returncode:
        print("FAIL: annotate exited %d: %s" % (p.returncode, p.stderr.strip()))
        return 1
    out = p.stdout
    if "source file not found" in out or "no source:" in out or "source file not shown" in out:
        reason = next((ln for ln in out.splitlines() if "source file" in ln or "no source" in ln),
                      "")
        m = RUSTC.match(file)
        if m and "rustc commit %s" % m.group(1)[:12] not in reason:
            print("FAIL: %s: the source is missing and annotate does not say which rustc's "
                  "rust-src it wanted (commit %s): %s" % (label, m.group(1), reason))
            return 1
        print("# reason given: %s" % reason)
        print("SKIP: %s is not installed (%s)" % (
            "the rust-src of rustc commit %s" % m.group(1)[:12] if m else file,
            "rustup component add rust-src" if m else "Debian: apt-get install rust-src"))
        return 77
    err = check_listing(out, fn)
    if err:
        print("FAIL: %s: %s\n%s" % (label, err, out[:3000]))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

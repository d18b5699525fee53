#!/usr/bin/python3
"""After a realworld language test: no function of the program's own module
is shown mangled or with a Rust hash, whatever produced its name (symbol
table, DWARF inline scope), unless binutils' c++filt cannot demangle it
either, and no member function is shown without its class
("operator()<...>"). Prints the offenders and exits 1.

  names_check.py DB MODULE_BASENAME [--top N]

--top N: besides, none of the N functions with the most samples (any
module) is shown mangled, even where c++filt cannot demangle it either
(the D test: gdc 12's "Nk" names, which hpprof demangles itself).
"""

import os
import re
import sqlite3
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import peers  # noqa: E402

GLOBAL_OPERATOR = re.compile(r"operator (new|delete)(\[\])?\(")
MANGLED = re.compile(r"^(_Z|_R[A-Z]|_D[0-9]|__[a-z][a-z0-9_.]*_MOD_)|::h[0-9a-f]{16}\b")


def main():
    db, module = sys.argv[1], sys.argv[2]
    top = int(sys.argv[4]) if len(sys.argv) > 4 and sys.argv[3] == "--top" else 0
    con = sqlite3.connect("file:%s?mode=ro" % db, uri=True)
    tops = [n for (n,) in con.execute("SELECT function FROM function_profile "
                                      "ORDER BY total_samples DESC LIMIT ?", (top,))]
    top_bad = [n for n in tops if MANGLED.search(n)]
    if top:
        print("# names: %d of the %d functions with the most samples mangled" %
              (len(top_bad), len(tops)))
    for n in top_bad:
        print("  FAIL (among the top %d) %s" % (top, n))
    rows = con.execute("SELECT f.name, m.path FROM functions f JOIN modules m "
                       "ON m.id = f.module_id").fetchall()
    mine = [n for n, p in rows if os.path.basename(p) == module]
    left = [n for n in mine if MANGLED.search(n)]
    # hpprof demangles with libiberty, as perf and c++filt do: a name that
    # c++filt cannot demangle either is a limit of the library, not a fault
    # (gdc 12 mangles D's `return` parameters as "Nk", which binutils 2.40's
    # libiberty does not know: 785 of libgphobos' 16,571 D symbols)
    shown = peers.demangle(left)
    unknown = [n for n in left if shown[n] == n]
    bad = [n for n in left if n not in unknown]
    print("# names: %d functions of %s, %d mangled or with a hash, %d of them that c++filt "
          "cannot demangle either" % (len(mine), module, len(left), len(unknown)))
    for n in unknown[:5]:
        print("  info (c++filt leaves it too) %s" % n)
    for n in bad[:20]:
        print("  FAIL %s" % n)
    # a member function named without its class: DWARF's bare DW_AT_name
    # of a function without a linkage name (a lambda's operator()), which
    # hpprof qualifies by its scopes (analyzer/dwname.c). The global
    # allocation operators are no members: `operator delete(void*, unsigned
    # long)@plt`, the PLT stub a sample lands in now and then (CI run 76).
    bare = [n for n in mine if n.startswith("operator") and not GLOBAL_OPERATOR.match(n)]
    print("# names: %d member functions of %s without their class" % (len(bare), module))
    for n in bare[:5]:
        print("  FAIL %s" % n)
    return 1 if bad or bare or top_bad or not mine else 0


if __name__ == "__main__":
    sys.exit(main())

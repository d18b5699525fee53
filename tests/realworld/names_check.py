#!/usr/bin/python3
"""After a realworld language test: no function of the program's own module
is shown mangled or with a Rust hash, whatever produced its name (symbol
table, DWARF inline scope). Prints the offenders and exits 1.

  names_check.py DB MODULE_BASENAME
"""

import os
import re
import sqlite3
import sys

MANGLED = re.compile(r"^(_Z|_R[A-Z]|_D[0-9]|__[a-z][a-z0-9_.]*_MOD_)|::h[0-9a-f]{16}\b")


def main():
    db, module = sys.argv[1], sys.argv[2]
    con = sqlite3.connect("file:%s?mode=ro" % db, uri=True)
    rows = con.execute("SELECT f.name, m.path FROM functions f JOIN modules m "
                       "ON m.id = f.module_id").fetchall()
    mine = [n for n, p in rows if os.path.basename(p) == module]
    bad = [n for n in mine if MANGLED.search(n)]
    print("# names: %d functions of %s, %d mangled or with a hash" % (len(mine), module, len(bad)))
    for n in bad[:20]:
        print("  FAIL %s" % n)
    return 1 if bad or not mine else 0


if __name__ == "__main__":
    sys.exit(main())

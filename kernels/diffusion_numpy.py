#!/usr/bin/python3.11
"""diffusion_numpy.py (hpprof kernel diffusion-numpy) - the 2-D heat equation of
High Performance Python ch. 6 with NumPy, written here for hpprof.

Lesson: the time is in NumPy's C loops beneath a few Python lines, and
where the arrays come from matters: `temporaries` makes a fresh array for
every stencil term every step (np.roll, like the book's first NumPy
version: page faults and allocation frames), `inplace` writes the same
terms into arrays allocated once.

The same grid and the same order of operations as the C kernel's
temporaries and inplace variants (kernels/diffusion.c): four rolled copies
and -4u, summed left to right, so the numbers printed match. The check is
conservation of mass (book: 53.045 at N=1024, 13.52 at 512, 3.38 at 256).
Needs NumPy (Debian package python3-numpy).
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import kcommon_py as k  # noqa: E402

try:
    import numpy as np
except ImportError:
    np = None

DT, D = 0.1, 1.0
BOOK_MASS = {1024: 53.045, 512: 13.52, 256: 3.38}

SPEC = k.Spec(
    "diffusion-numpy", "2-D diffusion with NumPy: C loops under Python lines, temporaries or not",
    "HPP ch. 6",
    [("temporaries", "np.roll: a fresh array per stencil term every step (ex. 6-9)"),
     ("inplace", "the same terms written into arrays allocated once (ex. 6-14)")],
    [("size", "grid is N x N (default 1024, --small 256)"),
     ("steps", "time steps (default 100, --small 10)")],
    "The check is conservation of mass (book: 53.045 at N=1024, 13.52 at 512, 3.38 at 256).")


def laplacian_temporaries(u):
    """The five stencil terms, each a new array."""
    return [np.roll(u, 1, axis=0), np.roll(u, -1, axis=0),   # ALLOC: temporary term
            np.roll(u, 1, axis=1), np.roll(u, -1, axis=1),   # ALLOC: temporary term
            -4.0 * u]                                         # ALLOC: temporary term


def roll_into(u, shift, axis, out):
    """out = np.roll(u, shift, axis) without allocating (shift is +1 or -1)."""
    if axis == 0:
        out[shift:], out[:shift] = u[:-shift], u[-shift:]    # HOT: roll copy
    else:
        out[:, shift:], out[:, :shift] = u[:, :-shift], u[:, -shift:]  # HOT: roll copy
    return out


def laplacian_inplace(u, terms):
    """The same five terms into the arrays of terms."""
    roll_into(u, 1, 0, terms[0])
    roll_into(u, -1, 0, terms[1])
    roll_into(u, 1, 1, terms[2])
    roll_into(u, -1, 1, terms[3])
    np.multiply(u, -4.0, out=terms[4])                        # HOT: centre term
    return terms


def evolve(u, variant, terms, out):
    """One step: u + dt * D * (sum of the terms), summed left to right."""
    if variant == "temporaries":
        t = laplacian_temporaries(u)
        return u + DT * D * (t[0] + t[1] + t[2] + t[3] + t[4])   # HOT: stencil sum
    t = laplacian_inplace(u, terms)
    np.add(t[0], t[1], out=out)                               # HOT: stencil sum
    for term in t[2:]:
        np.add(out, term, out=out)                            # HOT: stencil sum
    np.multiply(out, DT * D, out=out)                         # HOT: stencil sum
    np.add(u, out, out=out)                                   # HOT: stencil sum
    return out


def total(u, square=False):
    """Sum (or sum of squares) cell by cell, row by row, as the C kernel sums
    (np.sum adds pairwise and would differ in the last digits)."""
    s = 0.0
    for v in u.ravel().tolist():
        s += v * v if square else v
    return s


def initial_grid(n):
    """The book's initial condition: zero except [0.4n, 0.5n)^2 = 0.005."""
    u = np.zeros((n, n))
    lo, hi = int(n * 0.4), int(n * 0.5)
    u[lo:hi, lo:hi] = 0.005
    return u


def run(variant, u, steps):
    """Runs the simulation from u; returns the final grid."""
    terms = [np.empty_like(u) for _ in range(5)] if variant == "inplace" else None
    spare = np.empty_like(u) if variant == "inplace" else None
    for _ in range(steps):
        nxt = evolve(u, variant, terms, spare)
        if variant == "inplace":
            spare = u
        u = nxt
    return u


def main(argv):
    phases = k.Phases("diffusion-numpy")
    variant, small, opt = k.parse(SPEC, argv)
    if np is None:
        sys.stderr.write("hp-diffusion-numpy: NumPy is not installed for this Python"
                         " (Debian package python3-numpy)\n")
        return 2
    n = opt["size"] or (256 if small else 1024)
    steps = opt["steps"] or (10 if small else 100)
    if n < 3:
        sys.stderr.write("hp-diffusion-numpy: --size must be at least 3\n")
        return 2
    u = initial_grid(n)
    m0 = total(u)
    phases.phase("setup")
    t0 = k.clock()
    u = run(variant, u, steps)
    elapsed = k.clock() - t0
    phases.phase("compute")
    m, e = total(u), total(u, square=True)
    print(f"diffusion: variant {variant} size {n} steps {steps}: {elapsed:.3f} s"
          f" ({elapsed * 1e9 / (n * n * steps):.2f} ns per cell update)")
    print(f"diffusion: sum of squares {e:.12e}")
    ok = abs(m - m0) <= 1e-9 * m0
    book = ""
    if n in BOOK_MASS:
        book = f", book {BOOK_MASS[n]:g}"
        ok = ok and abs(m0 - BOOK_MASS[n]) <= 1e-9 * BOOK_MASS[n]
    rc = k.validate("diffusion", ok, f"mass {m:.10f} (initial {m0:.10f}{book})")
    phases.phase("verify")
    del u
    phases.phase("teardown")
    k.truth_process("diffusion-numpy")
    return rc


if __name__ == "__main__":
    sys.exit(main(sys.argv))

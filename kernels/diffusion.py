#!/usr/bin/python3.11
"""diffusion.py (hpprof kernel diffusion-py) - the 2-D heat equation of High
Performance Python ch. 6 in pure Python (lists of lists), written here for
hpprof.

Lesson: the stencil line holds the time, and allocating a new grid every
step (lists) costs page faults and allocator frames that reusing two grids
(lists_prealloc) does not.

N x N grid, dt = 0.1, D = 1, periodic, zero except [0.4N, 0.5N)^2 = 0.005,
as the C kernel (kernels/diffusion.c); each cell update is computed in the
same order as its lists variants, so the numbers printed are the same. The
check is conservation of mass (book: 53.045 at N=1024, 13.52 at 512, 3.38
at 256).
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import kcommon_py as k  # noqa: E402

DT, D = 0.1, 1.0
BOOK_MASS = {1024: 53.045, 512: 13.52, 256: 3.38}

SPEC = k.Spec(
    "diffusion-py", "2-D diffusion in pure Python: the stencil line, a new grid per step or two",
    "HPP ch. 6",
    [("lists", "lists of lists, a new grid every step (ex. 6-3)"),
     ("lists_prealloc", "lists of lists, two grids reused (ex. 6-6)")],
    [("size", "grid is N x N (default 256, --small 128)"),
     ("steps", "time steps (default 100, --small 10)")],
    "The check is conservation of mass (book: 53.045 at N=1024, 13.52 at 512, 3.38 at 256).")


NEW_GRID_CALLS = k.Calls("new_grid")


def new_grid(n):
    """An n x n grid of zeros, one list per row (timed: truth line)."""
    start = k.truth_now()
    grid = [[0.0] * n for _ in range(n)]  # ALLOC: new grid
    NEW_GRID_CALLS.end(start)
    return grid


def evolve(grid, out, n):
    """One explicit step of du/dt = D * laplacian(u) into out."""
    for i in range(n):
        up, row, down, dst = grid[(i + n - 1) % n], grid[i], grid[(i + 1) % n], out[i]
        for j in range(n):
            xx = down[j] + up[j] - 2.0 * row[j]                      # HOT: stencil
            yy = row[(j + 1) % n] + row[(j + n - 1) % n] - 2.0 * row[j]  # HOT: stencil
            dst[j] = row[j] + D * (xx + yy) * DT                     # HOT: stencil
    return out


def initial_grid(n):
    """The book's initial condition: zero except [0.4n, 0.5n)^2 = 0.005."""
    grid = new_grid(n)
    lo, hi = int(n * 0.4), int(n * 0.5)
    for i in range(lo, hi):
        for j in range(lo, hi):
            grid[i][j] = 0.005
    return grid


def run(variant, grid, n, steps):
    """Runs the simulation from grid; returns the final grid."""
    spare = new_grid(n) if variant == "lists_prealloc" else None
    for _ in range(steps):
        if spare is None:
            grid = evolve(grid, new_grid(n), n)
        else:
            grid, spare = evolve(grid, spare, n), grid
    return grid


def total(grid, square=False):
    """Sum (or sum of squares) over the cells, row by row, as the C kernel sums."""
    s = 0.0
    for row in grid:
        for v in row:
            s += v * v if square else v
    return s


def main(argv):
    phases = k.Phases("diffusion-py")
    variant, small, opt = k.parse(SPEC, argv)
    n = opt["size"] or (128 if small else 256)
    steps = opt["steps"] or (10 if small else 100)
    if n < 3:
        sys.stderr.write("hp-diffusion-py: --size must be at least 3\n")
        return 2
    grid = initial_grid(n)
    m0 = total(grid)
    phases.phase("setup")
    t0 = k.clock()
    grid = run(variant, grid, n, steps)
    elapsed = k.clock() - t0
    phases.phase("compute")
    m, e = total(grid), total(grid, square=True)
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
    del grid
    phases.phase("teardown")
    NEW_GRID_CALLS.print("diffusion-py")
    k.truth_process("diffusion-py")
    return rc


if __name__ == "__main__":
    sys.exit(main(sys.argv))

#!/usr/bin/python3.11
"""julia.py (hpprof kernel julia-py) - the Julia set of High Performance Python
ch. 2 in pure Python: the program the book profiles with cProfile and
line_profiler before compiling it, written here for hpprof.

Lesson: the hot function (calculate_z) and its escape loop, line by line,
with the C code beneath the Python line: in the `complex` variant every
abs(z) is a call into the interpreter's C (complex abs -> libm hypot).

The grid is built as the C kernel (kernels/julia.c) builds it, so the
checksum (sum of the iteration counts) is the same: 33219980 at width
1000 (book), 334236 at 100, 1329666 at 200, 8306884 at 500.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import kcommon_py as k  # noqa: E402

X1, X2, Y1, Y2 = -1.8, 1.8, -1.8, 1.8
C_REAL, C_IMAG = -0.62772, -0.42193
BOOK_CHECKSUMS = {100: 334236, 200: 1329666, 500: 8306884, 1000: 33219980}

SPEC = k.Spec(
    "julia-py", "Julia set in pure Python: calculate_z line by line, C beneath abs()",
    "HPP ch. 2",
    [("complex", "complex numbers, abs(z) < 2: a C call (hypot) under the loop line"),
     ("expanded", "two floats per value, zr*zr + zi*zi < 4: bytecode only")],
    [("width", "grid width (default 1000, --small 100)"),
     ("iters", "maximum iterations per point (default 300)"),
     ("repeat", "passes over the grid (default 1)")],
    "The checksum is the sum of the iteration counts (book: 33219980 at width 1000).")


def axis(start, stop, step):
    """start, start+step, ... while on the near side of stop (the book's
    coordinate lists, built by repeated addition)."""
    values = []
    v = start
    while (v < stop) if step > 0 else (v > stop):
        values.append(v)
        v += step
    return values


def make_grid(width):
    """The z and c lists, row by row (y from Y2 down, x from X1 up)."""
    xs = axis(X1, X2, (X2 - X1) / width)
    ys = axis(Y2, Y1, (Y1 - Y2) / width)
    zs, cs = [], []
    for y in ys:
        for x in xs:
            zs.append(complex(x, y))
            cs.append(complex(C_REAL, C_IMAG))
    return len(xs), len(ys), zs, cs


def calculate_z(maxiter, zs, cs):
    """Iterations before |z| reaches 2, at most maxiter, for each point."""
    out = [0] * len(zs)
    for i in range(len(zs)):
        z, c, n = zs[i], cs[i], 0
        while abs(z) < 2 and n < maxiter:  # HOT: escape loop (complex)
            z = z * z + c                  # HOT: escape loop (complex)
            n += 1                         # HOT: escape loop (complex)
        out[i] = n
    return out


def calculate_z_expanded(maxiter, zs, cs):
    """The same with the real and imaginary parts as floats."""
    out = [0] * len(zs)
    for i in range(len(zs)):
        zr, zi, cr, ci, n = zs[i].real, zs[i].imag, cs[i].real, cs[i].imag, 0
        while zr * zr + zi * zi < 4.0 and n < maxiter:  # HOT: escape loop
            t = zr * zr - zi * zi + cr                  # HOT: escape loop
            zi = 2.0 * zr * zi + ci                     # HOT: escape loop
            zr = t                                      # HOT: escape loop
            n += 1                                      # HOT: escape loop
        out[i] = n
    return out


def main(argv):
    phases = k.Phases("julia-py")
    variant, small, opt = k.parse(SPEC, argv)
    width = opt["width"] or (100 if small else 1000)
    iters = opt["iters"] or 300
    repeat = opt["repeat"] or 1
    run = calculate_z if variant == "complex" else calculate_z_expanded

    nx, ny, zs, cs = make_grid(width)
    phases.phase("setup")
    t0 = k.clock()
    for _ in range(repeat):
        out = run(iters, zs, cs)
    elapsed = k.clock() - t0
    phases.phase("compute")

    total = sum(out)
    want = BOOK_CHECKSUMS.get(width) if iters == 300 else None
    if want is None:
        want = sum(calculate_z(iters, zs, cs))
    print(f"julia: variant {variant} width {width} ({nx}x{ny} points) iters {iters}"
          f" repeat {repeat}: {elapsed:.3f} s")
    print(f"julia: {total / len(zs):.1f} escape-loop iterations per point")
    rc = k.validate("julia", total == want, f"checksum {total} (expected {want})")
    phases.phase("verify")
    del zs, cs, out
    phases.phase("teardown")
    k.truth_process("julia-py")
    return rc


if __name__ == "__main__":
    sys.exit(main(sys.argv))

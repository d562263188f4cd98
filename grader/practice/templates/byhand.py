"""By hand: max/average pooling and convolution (cross-correlation vs true convolution, Sobel) of small matrices."""
from __future__ import annotations

import random

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from grader.i18n import N_
from grader.practice.templates import Draft, template
from grader.practice.text import grid, msg, num

SOBEL = {"Sobel x": ((-1, 0, 1), (-2, 0, 2), (-1, 0, 1)), "Sobel y": ((-1, -2, -1), (0, 0, 0), (1, 2, 1))}


def _windows(x: np.ndarray, k: int, stride: int) -> np.ndarray:
    """All k×k windows of ``x`` at ``stride`` (the definition of sliding a window), shape (H', W', k, k)."""
    return sliding_window_view(x, (k, k))[::stride, ::stride]


def _rows(a: np.ndarray) -> tuple[tuple[float, ...], ...]:
    return tuple(tuple(float(v) for v in row) for row in a)


@template("pool_by_hand", "byhand", N_("Pooling by hand"))
def pool_by_hand(rng: random.Random) -> Draft:
    """Max or average pooling of a 4×4–5×6 integer matrix; matrix key, tol 0.005 (averages to 2 decimals)."""
    k, s = rng.choice([(2, 2), (2, 2), (2, 1), (3, 1), (3, 2)])
    h = rng.choice([4, 5]) if (k, s) != (2, 2) else 4
    w = rng.choice([4, 5]) if (k, s) != (2, 2) else rng.choice([4, 6])
    x = np.array([[rng.randint(0, 9) for _ in range(w)] for _ in range(h)], dtype=float)
    kind = rng.choice(["max", "average"])
    win = _windows(x, k, s)
    out = win.max(axis=(2, 3)) if kind == "max" else win.mean(axis=(2, 3))
    prompt = (msg(N_("Apply {kind} pooling with a {k}×{k} window and stride {s} (no padding) to this matrix:"), kind=msg(N_("max") if kind == "max" else N_("average")), k=k, s=s),
              grid(x.tolist()),
              msg(N_("Give the output matrix, rows separated by ';' (e.g. 1 2; 3 4). Averages to 2 decimal places.")))
    top = win[0, 0]
    solution = (msg(N_("Slide the window by {s}; the top-left window is"), s=s), grid(top.tolist()),
                msg(N_("whose {kind} is {v}. The whole output:"), kind=msg(N_("max") if kind == "max" else N_("average")), v=num(float(out[0, 0]))),
                grid(np.round(out, 2).tolist()))
    return Draft(prompt, "matrix", _rows(out), solution, tol=0.005)


@template("conv_by_hand", "byhand", N_("Convolution by hand"))
def conv_by_hand(rng: random.Random) -> Draft:
    """Valid cross-correlation or true convolution of a 4×4/5×5 matrix with a 2×2/3×3 or Sobel kernel; matrix key, exact."""
    n = rng.choice([4, 4, 5])
    x = np.array([[rng.randint(0, 5) for _ in range(n)] for _ in range(n)], dtype=float)
    if rng.random() < 0.4:
        name = rng.choice(sorted(SOBEL))
        kernel = np.array(SOBEL[name], dtype=float)
    else:
        name = ""
        kk = rng.choice([2, 2, 3])
        while True:
            kernel = np.array([[rng.randint(-2, 2) for _ in range(kk)] for _ in range(kk)], dtype=float)
            if not np.array_equal(kernel, kernel[::-1, ::-1]):  # else the two operations agree
                break
    true_conv = rng.random() < 0.5
    applied = kernel[::-1, ::-1] if true_conv else kernel
    k = kernel.shape[0]
    out = (_windows(x, k, 1) * applied).sum(axis=(2, 3))
    op = msg(N_("true convolution (the kernel is flipped)") if true_conv else N_("cross-correlation (as deep-learning libraries compute it)"))
    prompt = (msg(N_("Compute the {op} of this input with the {name}kernel below, stride 1, no padding ('valid')."), op=op, name=f"{name} " if name else ""),
              msg(N_("Input:")), grid(x.tolist()), msg(N_("Kernel:")), grid(kernel.tolist()),
              msg(N_("Give the output matrix, rows separated by ';' (e.g. 1 2; 3 4).")))
    first = " + ".join(f"{num(float(a))}·{num(float(b))}" for a, b in zip(x[:k, :k].ravel(), applied.ravel()))
    solution = [msg(N_("Convolution flips the kernel in both axes first:")) if true_conv else msg(N_("Cross-correlation slides the kernel as it is:")),
                grid(applied.tolist()),
                msg(N_("Top-left output: {terms} = {v}"), terms=first, v=num(float(out[0, 0]))),
                msg(N_("The whole output:")), grid(out.tolist())]
    return Draft(prompt, "matrix", _rows(out), tuple(solution))

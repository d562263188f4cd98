"""Multiply–accumulate counts (MACs), FLOPs, and the depthwise-separable cost ratio."""
from __future__ import annotations

import random

from grader.i18n import N_
from grader.practice.layers import Conv
from grader.practice.templates import Draft, template
from grader.practice.text import msg, num


@template("conv_macs", "costs", N_("MACs and FLOPs of a convolution"))
def conv_macs(rng: random.Random) -> Draft:
    """MACs or FLOPs (2 per MAC) of a convolution, bias ignored; number, exact."""
    while True:
        c = rng.choice([3, 16, 32, 64, 128])
        f = rng.choice([16, 32, 64, 128, 256])
        n = rng.choice([7, 8, 14, 16, 28, 32, 56])
        k = rng.choice([1, 3, 3, 5])
        s = rng.choice([1, 1, 2])
        g = rng.choice([g for g in (1, 1, 2, 4) if c % g == 0 and f % g == 0])
        layer = Conv(c, f, k, stride=s, pad=k // 2, groups=g, bias=False)
        out = layer.out_shape((c, n, n))
        if min(out) >= 1:
            break
    flops = rng.random() < 0.4
    macs = layer.macs((c, n, n))
    prompt = (msg(N_("A convolution with {f} filters of {k}×{k}, stride {s}, padding {p}, groups {g} is applied to a {c}×{n}×{n} input (C×H×W, batch of one)."), f=f, k=k, s=s, p=k // 2, g=g, c=c, n=n),
              msg(N_("How many FLOPs does it take? Count a multiply–accumulate as 2 FLOPs and ignore the bias.") if flops else
                  N_("How many multiply–accumulate operations (MACs) does it take? Ignore the bias.")))
    solution = [msg(N_("Output shape {shape}; each output is a dot product of length (C/groups)·k·k = {length}."), shape=str(out), length=(c // g) * k * k),
                f"MACs = {out[0]}·{out[1]}·{out[2]} · {(c // g) * k * k} = {num(macs)}"]
    if flops:
        solution.append(f"FLOPs = 2 · MACs = {num(2 * macs)}")
    return Draft(prompt, "number", 2 * macs if flops else macs, tuple(solution))


@template("dwsep_ratio", "costs", N_("Depthwise-separable cost ratio"))
def dwsep_ratio(rng: random.Random) -> Draft:
    """Separable / standard cost in MACs (= 1/F + 1/k², MobileNet §3.1); number, tol 0.0005 (3 decimals)."""
    c = rng.choice([16, 32, 64, 128, 256, 512])
    f = rng.choice([8, 16, 32, 64, 128, 256, 512])
    k = rng.choice([3, 3, 5, 7])
    shape = (c, 14, 14)
    std = Conv(c, f, k, pad=k // 2, bias=False).macs(shape)
    sep = Conv(c, c, k, pad=k // 2, groups=c, bias=False).macs(shape) + Conv(c, f, 1, bias=False).macs(shape)
    ratio = sep / std
    prompt = (msg(N_("A standard {k}×{k} convolution from {c} to {f} channels (stride 1, same padding) is replaced by a depthwise separable one (depthwise {k}×{k}, then pointwise 1×1)."), k=k, c=c, f=f),
              msg(N_("What is the ratio of the separable cost to the standard cost in MACs? Give 3 decimal places.")))
    solution = (msg(N_("Per output pixel: depthwise C·k² + pointwise C·F, standard C·F·k² (MobileNet §3.1).")),
                f"(C·k² + C·F) / (C·F·k²) = 1/F + 1/k² = 1/{f} + 1/{k * k} = {ratio:.4f}")
    return Draft(prompt, "number", round(ratio, 6), solution, tol=0.0005)

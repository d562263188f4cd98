"""Output sizes of convolution and pooling, same padding, receptive field of a stack."""
from __future__ import annotations

import random

from grader.i18n import N_
from grader.practice.layers import receptive_field, window_count
from grader.practice.templates import Draft, template
from grader.practice.text import msg

CONV_FORMULA = "out = ⌊(in + 2·pad − dilation·(k − 1) − 1) / stride⌋ + 1"


@template("conv_output_size", "sizes", N_("Convolution output size"))
def conv_output_size(rng: random.Random) -> Draft:
    """(H', W') of a convolution with stride, padding and dilation; shape, exact."""
    while True:
        h = rng.choice([227, 224, 32, 28]) if rng.random() < 0.3 else rng.randint(5, 64)
        w = h if rng.random() < 0.5 else rng.randint(5, 64)
        k = rng.choice([1, 2, 3, 3, 5, 7, 11])
        s = rng.choice([1, 1, 2, 2, 3, 4])
        p = rng.randint(0, max(0, k // 2 + 1))
        d = 1 if rng.random() < 0.7 else rng.choice([2, 3])
        ho, wo = window_count(h, k, s, p, d), window_count(w, k, s, p, d)
        if ho >= 1 and wo >= 1:
            break
    prompt = (
        msg(N_("A convolution with a {k}×{k} kernel, stride {s}, padding {p} on each side and dilation {d} is applied to an input of height {h} and width {w}."), k=k, s=s, p=p, d=d, h=h, w=w),
        msg(N_("What is the output size (height, width)?")),
    )
    solution = (
        CONV_FORMULA,
        f"H' = ⌊({h} + 2·{p} − {d}·({k} − 1) − 1) / {s}⌋ + 1 = {ho}",
        f"W' = ⌊({w} + 2·{p} − {d}·({k} − 1) − 1) / {s}⌋ + 1 = {wo}",
        msg(N_("The dilated kernel spans {span} pixels; the output is ({ho}, {wo})."), span=d * (k - 1) + 1, ho=ho, wo=wo),
    )
    return Draft(prompt, "shape", (ho, wo), solution)


@template("pool_output_size", "sizes", N_("Pooling output size"))
def pool_output_size(rng: random.Random) -> Draft:
    """Output size of max pooling with stride, padding and ceil_mode (PyTorch's last-window rule); number, exact."""
    while True:
        n = rng.randint(4, 60)
        k = rng.choice([2, 2, 3, 3, 4])
        s = rng.choice([k, k, 1, 2, 3])
        p = rng.randint(0, k // 2) if rng.random() < 0.4 else 0
        ceil = rng.random() < 0.4
        out = window_count(n, k, s, p, 1, ceil)
        if out >= 1:
            break
    floor_out = window_count(n, k, s, p, 1, False)
    prompt = (
        msg(N_("A max pooling layer with a {k}×{k} window, stride {s}, padding {p} and ceil_mode={ceil} (as torch.nn.MaxPool2d) is applied to a {n}×{n} input."), k=k, s=s, p=p, ceil=ceil, n=n),
        msg(N_("What is the output size along one axis?")),
    )
    left, right = ("⌈", "⌉") if ceil else ("⌊", "⌋")
    solution = [f"out = {left}({n} + 2·{p} − {k}) / {s}{right} + 1"]
    if ceil and out == floor_out and (n + 2 * p - k) % s:
        solution.append(msg(N_("Rounding up would add a window that starts beyond the input and the left padding; PyTorch drops it.")))
    solution.append(msg(N_("The output size is {out}."), out=out))
    return Draft(prompt, "number", out, tuple(solution))


@template("same_padding", "sizes", N_("Same padding"))
def same_padding(rng: random.Random) -> Draft:
    """(before, after) padding for 'same' output at stride 1, extra after; shape, exact."""
    k = rng.randint(1, 7)
    d = rng.choice([1, 1, 2, 3])
    total = (d * (k - 1) + 1) - 1  # the span minus the one position that keeps the size
    before = total // 2
    prompt = (
        msg(N_("A stride-1 convolution has a {k}×{k} kernel with dilation {d}. How much zero padding (before, after) along one axis keeps the output size equal to the input size, with any extra row after, as PyTorch's padding='same' does?"), k=k, d=d),
    )
    solution = (
        msg(N_("The dilated kernel spans {span} pixels, so {total} extra pixels are needed in total."), span=d * (k - 1) + 1, total=total),
        f"before = ⌊{total} / 2⌋ = {before},  after = {total} − {before} = {total - before}",
    )
    return Draft(prompt, "shape", (before, total - before), solution)


@template("receptive_field", "sizes", N_("Receptive field of a stack"))
def receptive_field_q(rng: random.Random) -> Draft:
    """Receptive field of a stack of 2–4 (kernel, stride, dilation) layers; number, exact."""
    stack = []
    for _ in range(rng.randint(2, 4)):
        k = rng.choice([1, 2, 3, 3, 3, 5, 7])
        stack.append((k, rng.choice([1, 1, 2]), 1 if rng.random() < 0.75 else 2))
    rows = tuple(msg(N_("  {i}. kernel {k}×{k}, stride {s}, dilation {d}"), i=i, k=k, s=s, d=d) for i, (k, s, d) in enumerate(stack, start=1))
    prompt = (msg(N_("These layers are stacked, first layer first:")), *rows,
              msg(N_("How many input pixels (along one axis) does one output pixel of the last layer see?")))
    solution = [msg(N_("Add each layer's dilated kernel span minus one, times the product of the strides below it:")), "r0 = 1, j0 = 1"]
    jump = 1
    for i, (k, s, d) in enumerate(stack, start=1):
        r = receptive_field(stack[:i])
        solution.append(f"r{i} = r{i - 1} + {d}·({k} − 1)·{jump} = {r},  j{i} = {jump}·{s} = {jump * s}")
        jump *= s
    answer = receptive_field(stack)
    solution.append(msg(N_("The receptive field is {r}."), r=answer))
    return Draft(prompt, "number", answer, tuple(solution))

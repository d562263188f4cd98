"""Shapes through LSTM/GRU steps, multi-head attention and ViT patchify; LSTM/GRU/MHA parameter counts.

Shapes follow the project's contract (CS231n packing for LSTM: ``x @ Wx + prev_h @ Wh + b`` with
gates i, f, o, g; PyTorch ``nn.GRUCell`` for GRU; ``(N, T, E)`` batches for attention). Parameter
counts come from the layer definitions in :mod:`grader.practice.layers`, which the tests compare
with ``torch.nn.LSTM``, ``nn.GRU`` and ``nn.MultiheadAttention``.
"""
from __future__ import annotations

import random

from grader.i18n import N_
from grader.practice.layers import Linear, MultiHead, Recurrent, params
from grader.practice.templates import Draft, template
from grader.practice.text import msg, num


def _s(*dims) -> str:
    return "(" + ", ".join(map(str, dims)) + ("," if len(dims) == 1 else "") + ")"


@template("lstm_shapes", "sequence", N_("Shapes through an LSTM step"))
def lstm_shapes(rng: random.Random) -> Draft:
    """Shape of Wx, Wh, b, the packed gates, a gate or next_c in a CS231n LSTM step; shape, exact."""
    n, d, h = rng.randint(2, 64), rng.choice([10, 16, 32, 50, 100, 128, 300]), rng.choice([8, 20, 32, 64, 128, 256])
    what = rng.choice(["Wx", "Wh", "b", "a", "c", "gate"])
    shapes = {"Wx": (d, 4 * h), "Wh": (h, 4 * h), "b": (4 * h,), "a": (n, 4 * h), "c": (n, h), "gate": (n, h)}
    label = {"Wx": "Wx", "Wh": "Wh", "b": "b", "a": "a = x·Wx + prev_h·Wh + b", "c": "next_c", "gate": msg(N_("f (the forget gate)"))}[what]
    prompt = (msg(N_("An LSTM step takes x of shape ({n}, {d}) and prev_h, prev_c of shape ({n}, {h}); the four gates i, f, o, g are packed side by side in Wx, Wh and b (a = x·Wx + prev_h·Wh + b)."), n=n, d=d, h=h),
              msg(N_("What is the shape of {what}?"), what=label))
    solution = (msg(N_("Each of the 4 gates has H = {h} units, so the packed pre-activation has 4H = {h4} columns."), h=h, h4=4 * h),
                f"Wx {_s(d, 4 * h)}, Wh {_s(h, 4 * h)}, b {_s(4 * h)}, a {_s(n, 4 * h)}, i/f/o/g {_s(n, h)}, next_c/next_h {_s(n, h)}")
    return Draft(prompt, "shape", shapes[what], solution)


@template("gru_shapes", "sequence", N_("Shapes through a GRU step"))
def gru_shapes(rng: random.Random) -> Draft:
    """Shape of a ``nn.GRUCell`` weight, gate or next_h; shape, exact."""
    n, d, h = rng.randint(2, 64), rng.choice([10, 16, 32, 50, 100, 128]), rng.choice([8, 20, 32, 64, 128])
    what = rng.choice(["weight_ih", "weight_hh", "r", "next_h"])
    shapes = {"weight_ih": (3 * h, d), "weight_hh": (3 * h, h), "r": (n, h), "next_h": (n, h)}
    prompt = (msg(N_("torch.nn.GRUCell({d}, {h}) is applied to x of shape ({n}, {d}) and h of shape ({n}, {h}); its gates are r, z, n."), n=n, d=d, h=h),
              msg(N_("What is the shape of {what}?"), what=msg(N_("r (the reset gate)")) if what == "r" else what))
    solution = (msg(N_("The 3 gates are stacked along the first axis of PyTorch's weights: 3H = {h3}."), h3=3 * h),
                f"weight_ih {_s(3 * h, d)}, weight_hh {_s(3 * h, h)}, r/z/n {_s(n, h)}, next_h {_s(n, h)}")
    return Draft(prompt, "shape", shapes[what], solution)


@template("mha_shapes", "sequence", N_("Shapes through multi-head attention"))
def mha_shapes(rng: random.Random) -> Draft:
    """d_k (number) or the shape of split queries, attention weights or output of multi-head attention; exact."""
    heads = rng.choice([2, 4, 8, 12, 16])
    e = heads * rng.choice([8, 16, 32, 64])
    n, t, s = rng.randint(1, 32), rng.randint(2, 50), rng.randint(2, 50)
    what = rng.choice(["q_heads", "scores", "out", "d_k"])
    prompt = [msg(N_("Multi-head attention with embed_dim E = {e} and {h} heads gets a query of shape ({n}, {t}, {e}) and key/value of shape ({n}, {s}, {e}) (N, sequence, E)."), e=e, h=heads, n=n, t=t, s=s)]
    dk = e // heads
    shapes = {"q_heads": (n, heads, t, dk), "scores": (n, heads, t, s), "out": (n, t, e)}
    solution = (f"d_k = E / heads = {e} / {heads} = {dk}",
                f"Q, K, V → (N, heads, ·, d_k): Q {_s(n, heads, t, dk)}, K {_s(n, heads, s, dk)}",
                f"softmax(Q·Kᵀ / √d_k) {_s(n, heads, t, s)}, out {_s(n, t, e)}")
    if what == "d_k":
        prompt.append(msg(N_("What is d_k, the size of each head?")))
        return Draft(tuple(prompt), "number", dk, solution)
    label = {"q_heads": msg(N_("the queries split into heads (N, heads, T, d_k)")), "scores": msg(N_("the attention weights")), "out": msg(N_("the output"))}[what]
    prompt.append(msg(N_("What is the shape of {what}?"), what=label))
    return Draft(tuple(prompt), "shape", shapes[what], solution)


@template("vit_patchify", "sequence", N_("ViT patchify with the class token"))
def vit_patchify(rng: random.Random) -> Draft:
    """Tokens, patch matrix, token sequence (with the class token) or patch-embedding parameters of a ViT; exact."""
    p = rng.choice([4, 8, 14, 16, 32])
    size = p * rng.choice([2, 4, 7, 8, 14]) if p != 16 else rng.choice([224, 384, 64, 128])
    c, n, d = rng.choice([1, 3]), rng.randint(1, 64), rng.choice([64, 128, 192, 384, 768])
    patches = (size // p) ** 2
    what = rng.choice(["tokens", "patch_matrix", "sequence", "embed_params"])
    prompt = [msg(N_("A ViT splits a batch of {n} images of {c}×{s}×{s} into non-overlapping {p}×{p} patches, embeds each flattened patch with a linear layer to D = {d} (with bias), and prepends a class token."), n=n, c=c, s=size, p=p, d=d)]
    embed = Linear(c * p * p, d, name="patch_embed")
    solution = (f"({size} / {p})² = {size // p}² = {patches}", f"C·P·P = {c}·{p}·{p} = {c * p * p}",
                f"patchify {_s(n, patches, c * p * p)} → embed {_s(n, patches, d)} → + class token {_s(n, patches + 1, d)}",
                f"patch_embed: {c * p * p}·{d} + {d} = {num(params(embed))}")
    if what == "tokens":
        prompt.append(msg(N_("How many tokens does the encoder see per image, the class token included?")))
        return Draft(tuple(prompt), "number", patches + 1, solution)
    if what == "embed_params":
        prompt.append(msg(N_("How many learnable parameters does the patch embedding have?")))
        return Draft(tuple(prompt), "number", params(embed), solution)
    if what == "patch_matrix":
        prompt.append(msg(N_("What is the shape of the patchified batch, before the embedding (N, patches, C·P·P)?")))
        return Draft(tuple(prompt), "shape", (n, patches, c * p * p), solution)
    prompt.append(msg(N_("What is the shape of the token sequence after the class token is prepended?")))
    return Draft(tuple(prompt), "shape", (n, patches + 1, d), solution)


@template("seq_params", "sequence", N_("Parameters of LSTM, GRU and multi-head attention layers"))
def seq_params(rng: random.Random) -> Draft:
    """Parameters of an LSTM/GRU/RNN layer (PyTorch's two biases or CS231n's one) or of ``nn.MultiheadAttention``; exact."""
    kind = rng.choice(["lstm", "gru", "rnn", "mha"])
    if kind == "mha":
        heads = rng.choice([1, 2, 4, 8])
        e = heads * rng.choice([8, 16, 32, 64])
        layer = MultiHead(e, heads, bias=rng.random() < 0.7)
        prompt = (msg(N_("torch.nn.MultiheadAttention(embed_dim={e}, num_heads={h}, bias={b}): how many learnable parameters?"), e=e, h=heads, b=layer.bias),)
        solution = (msg(N_("Q, K, V and the output projection are each E×E (plus E biases each); the number of heads does not change the count.")),
                    *[f"{n} {s} = {num(_prod(s))}" for n, s in layer.weights().items()], f"Σ = {num(params(layer))}")
        return Draft(prompt, "number", params(layer), solution)
    gates = {"lstm": 4, "gru": 3, "rnn": 1}[kind]
    d, h = rng.choice([10, 16, 32, 64, 100, 128, 300]), rng.choice([16, 20, 32, 64, 128, 256])
    torch_style = rng.random() < 0.5
    layer = Recurrent(d, h, gates, biases=2 if torch_style else 1)
    name = {"lstm": "LSTM", "gru": "GRU", "rnn": "RNN"}[kind]
    if torch_style:
        prompt = (msg(N_("torch.nn.{name}(input_size={d}, hidden_size={h}) with one layer (two bias vectors, b_ih and b_hh): how many learnable parameters?"), name=name, d=d, h=h),)
    else:
        prompt = (msg(N_("A one-layer {name} in the CS231n packing (Wx, Wh and a single bias b) with input size {d} and hidden size {h}: how many learnable parameters?"), name=name, d=d, h=h),)
    solution = (msg(N_("{name} has {g} gate block(s) of H = {h} units each."), name=name, g=gates, h=h),
                *[f"{n} {s} = {num(_prod(s))}" for n, s in layer.weights().items()], f"Σ = {num(params(layer))}")
    return Draft(prompt, "number", params(layer), solution)


def _prod(s) -> int:
    out = 1
    for v in s:
        out *= v
    return out

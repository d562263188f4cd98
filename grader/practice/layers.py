"""Layer definitions: the one place practice questions get their numbers from.

Each layer is a frozen dataclass holding what defines it (channels, kernel, stride, ...) and
derives everything a question asks from that definition:

* **parameters** are the sizes of the tensors the layer owns (:meth:`weights`, the same tensors
  and shapes as the matching ``torch.nn`` module), summed — ``sum(p.numel() for p in m.parameters())``;
* **output sizes** come from counting the positions a window can take (:func:`window_count`),
  the definition of a sliding window rather than a closed-form formula;
* **MACs** are the number of outputs times the length of the dot product each one needs.

The tests build the ``torch.nn`` module of every layer and model defined here and check that the
parameter counts and output shapes agree, and that :func:`window_count` agrees with assignment 01's
reference solution where it is available.
"""
from __future__ import annotations

from dataclasses import dataclass
from math import prod
from typing import Union

Shape = tuple[int, ...]


def window_count(size: int, window: int, stride: int = 1, pad: int = 0, dilation: int = 1, ceil_mode: bool = False) -> int:
    """How many positions a sliding window takes along one axis (PyTorch's rules).

    A window spans ``dilation*(window-1)+1`` elements of the zero-padded axis and starts every
    ``stride`` elements. Without ``ceil_mode`` it must fit entirely. With ``ceil_mode`` (pooling)
    one more window is kept when elements are left over, unless it would start beyond the input
    and the left padding (``torch.nn.MaxPool2d``'s rule).

    Args:
        size: input length (H or W), ≥ 1.
        window: kernel or pool size, ≥ 1.
        stride: ≥ 1.
        pad: zeros on each side, ≥ 0.
        dilation: spacing between taps, ≥ 1.
        ceil_mode: round the count up (pooling only).
    Returns:
        The number of window positions (the output size), possibly 0 when nothing fits.
    Raises:
        ValueError: an argument is out of range.
    """
    if size < 1 or window < 1 or stride < 1 or pad < 0 or dilation < 1:
        raise ValueError("size, window, stride and dilation must be >= 1 and pad >= 0")
    padded = size + 2 * pad
    span = dilation * (window - 1) + 1
    if ceil_mode:
        # Starts up to one stride past the last full window still cover unseen elements.
        starts = range(0, max(0, padded - span + stride), stride)
        return len([s for s in starts if s < size + pad])
    return len(range(0, max(0, padded - span + 1), stride))


def _pair(v: int | tuple[int, int]) -> tuple[int, int]:
    return (v, v) if isinstance(v, int) else tuple(v)  # type: ignore[return-value]


@dataclass(frozen=True)
class Conv:
    """``torch.nn.Conv2d(cin, cout, k, stride, pad, dilation, groups, bias)`` on ``(C, H, W)`` inputs."""

    cin: int
    cout: int
    k: int | tuple[int, int]
    stride: int = 1
    pad: int = 0
    dilation: int = 1
    groups: int = 1
    bias: bool = True
    name: str = ""

    def weights(self) -> dict[str, Shape]:
        """Parameter tensors: ``weight (cout, cin/groups, kh, kw)`` and ``bias (cout,)``."""
        kh, kw = _pair(self.k)
        w = {"weight": (self.cout, self.cin // self.groups, kh, kw)}
        return w | ({"bias": (self.cout,)} if self.bias else {})

    def out_shape(self, shape: Shape) -> Shape:
        """``(C, H, W)`` → ``(cout, H', W')``; raises ValueError when the channels do not match."""
        c, h, w = shape
        if c != self.cin:
            raise ValueError(f"{self.name or 'conv'} expects {self.cin} channels, got {c}")
        kh, kw = _pair(self.k)
        return (self.cout, window_count(h, kh, self.stride, self.pad, self.dilation), window_count(w, kw, self.stride, self.pad, self.dilation))

    def macs(self, shape: Shape) -> int:
        """Multiply–accumulates on input ``shape``: outputs × ``(cin/groups)·kh·kw`` each."""
        kh, kw = _pair(self.k)
        return prod(self.out_shape(shape)) * (self.cin // self.groups) * kh * kw


@dataclass(frozen=True)
class Pool:
    """``torch.nn.MaxPool2d``/``AvgPool2d(k, stride, pad, ceil_mode)``; no parameters."""

    k: int
    stride: int | None = None
    pad: int = 0
    ceil_mode: bool = False
    kind: str = "max"
    name: str = ""

    def weights(self) -> dict[str, Shape]:
        """Parameter tensors by ``torch.nn`` name → shape (empty when the layer has none)."""
        return {}

    def out_shape(self, shape: Shape) -> Shape:
        """Output shape for an input ``shape`` ``(C, H, W)``; raises ValueError when the input does not fit."""
        c, h, w = shape
        s = self.stride or self.k
        return (c, window_count(h, self.k, s, self.pad, 1, self.ceil_mode), window_count(w, self.k, s, self.pad, 1, self.ceil_mode))

    def macs(self, shape: Shape) -> int:
        """Multiply–accumulates for one input of ``shape`` (0 for layers without weights)."""
        return 0


@dataclass(frozen=True)
class Linear:
    """``torch.nn.Linear(fin, fout, bias)``; flattens a ``(C, H, W)`` input first."""

    fin: int
    fout: int
    bias: bool = True
    name: str = ""

    def weights(self) -> dict[str, Shape]:
        """Parameter tensors by ``torch.nn`` name → shape (empty when the layer has none)."""
        return {"weight": (self.fout, self.fin)} | ({"bias": (self.fout,)} if self.bias else {})

    def out_shape(self, shape: Shape) -> Shape:
        """Output shape for an input ``shape`` ``(C, H, W)``; raises ValueError when the input does not fit."""
        if prod(shape) != self.fin:
            raise ValueError(f"{self.name or 'linear'} expects {self.fin} inputs, got {prod(shape)}")
        return (self.fout,)

    def macs(self, shape: Shape) -> int:
        """Multiply–accumulates for one input of ``shape`` (0 for layers without weights)."""
        return self.fin * self.fout


@dataclass(frozen=True)
class BatchNorm:
    """``torch.nn.BatchNorm2d(c)``: learnable γ and β (running statistics are buffers, not parameters)."""

    c: int
    name: str = ""

    def weights(self) -> dict[str, Shape]:
        """Parameter tensors by ``torch.nn`` name → shape (empty when the layer has none)."""
        return {"weight": (self.c,), "bias": (self.c,)}

    def out_shape(self, shape: Shape) -> Shape:
        """Output shape for an input ``shape`` ``(C, H, W)``; raises ValueError when the input does not fit."""
        return shape

    def macs(self, shape: Shape) -> int:
        """Multiply–accumulates for one input of ``shape`` (0 for layers without weights)."""
        return 0


@dataclass(frozen=True)
class Recurrent:
    """``torch.nn.LSTM``/``GRU``/``RNN`` (one layer) or, with ``biases=1``, the CS231n packing.

    ``gates`` is 4 (LSTM: i, f, o, g), 3 (GRU: r, z, n) or 1 (vanilla RNN). Weights:
    ``weight_ih (gates·H, D)``, ``weight_hh (gates·H, H)`` and one or two biases ``(gates·H,)``.
    """

    input_size: int
    hidden: int
    gates: int
    biases: int = 2
    name: str = ""

    def weights(self) -> dict[str, Shape]:
        """Parameter tensors by ``torch.nn`` name → shape (empty when the layer has none)."""
        g = self.gates * self.hidden
        w = {"weight_ih_l0": (g, self.input_size), "weight_hh_l0": (g, self.hidden)}
        names = ["bias_ih_l0", "bias_hh_l0"][: self.biases]
        return w | {n: (g,) for n in names}


@dataclass(frozen=True)
class MultiHead:
    """``torch.nn.MultiheadAttention(embed_dim, num_heads, bias)``: Q, K, V and output projections ``(E, E)``."""

    embed_dim: int
    num_heads: int
    bias: bool = True
    name: str = ""

    def weights(self) -> dict[str, Shape]:
        """Parameter tensors by ``torch.nn`` name → shape (empty when the layer has none)."""
        e = self.embed_dim
        w = {"in_proj_weight": (3 * e, e), "out_proj.weight": (e, e)}
        return w | ({"in_proj_bias": (3 * e,), "out_proj.bias": (e,)} if self.bias else {})


Layer = Union[Conv, Pool, Linear, BatchNorm, Recurrent, MultiHead]


def params(layer: Layer) -> int:
    """Number of learnable parameters of one layer: the summed sizes of its tensors (no buffers)."""
    return sum(prod(s) for s in layer.weights().values())


def trace(layers: list[Layer], shape: Shape) -> list[tuple[Layer, Shape, Shape]]:
    """Run shapes through a stack: ``(layer, input shape, output shape)`` per layer.

    Raises:
        ValueError: a layer does not fit its input (channels, features, or nothing left to slide on).
    """
    out = []
    for layer in layers:
        new = layer.out_shape(shape)
        if any(d < 1 for d in new):
            raise ValueError(f"{layer.name or layer} leaves an empty output for input {shape}")
        out.append((layer, shape, new))
        shape = new
    return out


def receptive_field(stack: list[tuple[int, int, int]]) -> int:
    """Receptive field of one output of a stack of ``(kernel, stride, dilation)`` layers (first layer first).

    Follows one output element down the stack: a layer maps output index ``i`` to the input
    indices ``i*stride ... i*stride + dilation*(kernel-1)``, so the covered interval is pushed
    through each layer from the top (the definition; Araujo et al., "Computing receptive fields
    of CNNs", Distill 2019).

    Args:
        stack: ``(kernel, stride, dilation)`` per layer, each ≥ 1.
    Returns:
        The field in input pixels, ≥ 1.
    """
    lo, hi = 0, 0
    for k, s, d in reversed(stack):
        lo, hi = lo * s, hi * s + d * (k - 1)
    return hi - lo + 1

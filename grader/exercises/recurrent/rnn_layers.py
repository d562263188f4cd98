"""Assignment 05, ``rnn_layers.py`` — vanilla RNN, LSTM and GRU: single steps and whole sequences, forward and backward.

Case grids (mistakes.md M8–M10, M29):

* every grid has N = 1, D = 1, H = 1 and (for sequences) T = 1 configurations; when such a
  case fails, the same check is re-run on a *probe* (the same configuration with every axis
  of size 1 grown to 2): if the probe passes, the bug is specific to size-1 axes and the
  failure is named ``squeeze_drops_batch`` (M10);
* sequence backward functions are checked through time: ``check_backward`` on
  ``rnn_forward``/``rnn_backward`` and ``lstm_forward``/``lstm_backward`` with respect to
  x, h0, Wx, Wh and b;
* upstream gradients (``dnext_h``, ``dnext_c``, ``dh``) are echoed back after the backward
  call and must be unchanged: an in-place ``dnext_c += ...`` is ``mutates_input`` with the
  ``dc = dnext_c + ...`` advice (M8);
* every output and gradient that differs from the reference is compared with the variants
  that ``solutions/05_recurrent/_variants.py`` lists for that function in ``IMITATES``
  (discovered there, so a variant added to it is used without touching this module): LSTM gate
  blocks read in another order (i, f, g, o = PyTorch; f, i, o, g; i, g, f, o = TF1) (M9), GRU
  reset before the matmul (Cho et al./d2l) and roles of z swapped (M29), and for backwards the
  exact gradients of those variant forwards (``backward_<name>``), so a backward consistent
  with a wrong forward is named too. Diagnosis names are the variant names; their messages live
  here only (students get the grader, not the solutions).

Sizes stay tiny (N ≤ 4, T ≤ 5, D ≤ 5, H ≤ 5) so that plain-loop code and the numerical
gradient checks finish far inside the 10 s limit.

The general mechanisms (size-1 probes, variant selection, named upstream gradients in the
no-mutation check) live in :mod:`grader.exercises.backward`, :mod:`grader.exercises.variants` and
:mod:`grader.exercises.checks`.
"""
from __future__ import annotations

from types import MappingProxyType
from typing import Any, Callable

import numpy as np

from grader.exercises import variants
from grader.exercises.backward import BackwardSpec, check_backward
from grader.exercises.context import Context, sentence
from grader.exercises.spec import Exercise, Topic
from grader.exercises.checks import distinct, with_size1_probe

ASSIGNMENT = "05_recurrent"

_IFGO_MSG = (
    "your gate slices match PyTorch's order i, f, g, o (nn.LSTM / nn.LSTMCell); this exercise packs "
    "the 4H columns as i, f, o, g (CS231n): take o = sigmoid(a[:, 2H:3H]) and g = tanh(a[:, 3H:4H]), "
    "and concatenate the gate gradients in the same i, f, o, g order in the backward pass"
)
_FIOG_MSG = (
    "your output matches the input and forget gates swapped: i must come from a[:, 0:H] and f from "
    "a[:, H:2H] (packing i, f, o, g), so that next_c = f * prev_c + i * g"
)
_IGFO_MSG = (
    "your gate slices match TensorFlow 1's BasicLSTMCell order i, j (= g), f, o; this exercise packs "
    "i, f, o, g (CS231n): i = a[:, 0:H], f = a[:, H:2H], o = a[:, 2H:3H], g = a[:, 3H:4H]"
)
_GRU_RESET_MSG = (
    "you apply the reset gate before the matrix product, n = tanh(x Wx_n + b_in + (r * h) Wh_n + b_hn) "
    "(Cho et al. 2014 / d2l.ai); this exercise follows PyTorch's nn.GRUCell, which applies it after: "
    "n = tanh(x Wx_n + b_in + r * (h Wh_n + b_hn)). Note that b_hn is inside the product with r"
)
_GRU_Z_MSG = (
    "your update gate weights the new and old state the other way round: this exercise (PyTorch "
    "nn.GRUCell) uses next_h = (1 - z) * n + z * prev_h, so z close to 1 keeps the old state"
)

# Diagnosis names are the variant names of solutions/05_recurrent/_variants.py (``backward_<name>``
# is the same misconception seen through a consistent backward). The messages live here only,
# since the solutions are not shipped to students.
MISCONCEPTIONS = MappingProxyType(
    {
        "lstm_gate_order_ifgo": _IFGO_MSG,
        "backward_lstm_gate_order_ifgo": _IFGO_MSG,
        "lstm_forward_gate_order_ifgo": _IFGO_MSG,
        "backward_lstm_forward_gate_order_ifgo": _IFGO_MSG,
        "lstm_gate_order_fiog": _FIOG_MSG,
        "backward_lstm_gate_order_fiog": _FIOG_MSG,
        "lstm_forward_gate_order_fiog": _FIOG_MSG,
        "backward_lstm_forward_gate_order_fiog": _FIOG_MSG,
        "lstm_gate_order_igfo": _IGFO_MSG,
        "backward_lstm_gate_order_igfo": _IGFO_MSG,
        "gru_reset_before_matmul": _GRU_RESET_MSG,
        "backward_gru_reset_before_matmul": _GRU_RESET_MSG,
        "gru_swapped_z": _GRU_Z_MSG,
        "backward_gru_swapped_z": _GRU_Z_MSG,
        "inplace_dnext_c": (
            "lstm_step_backward modified its argument dnext_c in place (e.g. `dnext_c += dnext_h * o * "
            "(1 - np.tanh(next_c)**2)`): the caller still needs it. Build a new array: "
            "`dc = dnext_c + dnext_h * o * (1 - tanh_c**2)`"
        ),
        "mutates_input": (
            "a function modified an upstream gradient or an input in place; treat arguments as "
            "read-only and write `a = a + b` (a new array) instead of `a += b`"
        ),
        "squeeze_drops_batch": (
            "your code fails or changes shape when N = 1 (or D = 1, T = 1): `.squeeze()` without an axis "
            "drops every axis of size 1, including the batch axis. Use `x[:, t, :]`, which keeps (N, D), "
            "or `np.squeeze(a, axis=1)`"
        ),
    }
)
TOPIC = Topic(ASSIGNMENT, MISCONCEPTIONS)

_GATES = {"rnn": 1, "lstm": 4, "gru": 3}

# (N, D, H) for single steps; (N, T, D, H) for sequences
_STEP_PUBLIC = [(3, 4, 5), (1, 3, 4), (2, 1, 3), (2, 3, 1)]
_STEP_HIDDEN = [(1, 1, 2), (4, 2, 3), (2, 5, 2)]
_SEQ_PUBLIC = [(2, 4, 3, 5), (1, 3, 4, 3), (3, 1, 2, 4), (2, 3, 1, 2)]
_SEQ_HIDDEN = [(1, 1, 1, 2), (3, 5, 2, 3), (2, 2, 4, 1)]
_N_RANDOM = 3


# ============================================================================================
# Cases
# ============================================================================================

def _random_step_cfg(rng: np.random.Generator) -> tuple:
    return (int(rng.integers(1, 5)), int(rng.integers(1, 6)), int(rng.integers(1, 6)))


def _random_seq_cfg(rng: np.random.Generator) -> tuple:
    return (int(rng.integers(1, 4)), int(rng.integers(1, 6)), int(rng.integers(1, 5)), int(rng.integers(1, 5)))


def _weights(rng: np.random.Generator, kind: str, D: int, H: int) -> dict:
    G = _GATES[kind]
    b_shape = (2, G * H) if kind == "gru" else (G * H,)
    return {
        "Wx": 0.6 * rng.standard_normal((D, G * H)),
        "Wh": 0.6 * rng.standard_normal((H, G * H)),
        "b": 0.3 * rng.standard_normal(b_shape),
    }


def _inputs(rng: np.random.Generator, kind: str, seq: bool, cfg: tuple, with_douts: bool) -> dict:
    if seq:
        N, T, D, H = cfg
        inputs = {"x": rng.standard_normal((N, T, D)), "h0": rng.standard_normal((N, H))}
    else:
        N, D, H = cfg
        inputs = {"x": rng.standard_normal((N, D)), "prev_h": rng.standard_normal((N, H))}
        if kind == "lstm":
            inputs["prev_c"] = rng.standard_normal((N, H))
    inputs.update(_weights(rng, kind, D, H))
    if with_douts:
        if seq:
            inputs["dh"] = rng.standard_normal((N, T, H))
        else:
            inputs["dnext_h"] = rng.standard_normal((N, H))
            if kind == "lstm":
                inputs["dnext_c"] = rng.standard_normal((N, H))
    return inputs


def _label(seq: bool, cfg: tuple) -> str:
    names = ("N", "T", "D", "H") if seq else ("N", "D", "H")
    return ", ".join(f"{n}={v}" for n, v in zip(names, cfg))


def _cases(kind: str, seq: bool, with_douts: bool) -> Callable[[np.random.Generator, bool], list]:
    def make(rng: np.random.Generator, hidden: bool) -> list:
        if seq:
            cfgs = list(_SEQ_PUBLIC) if not hidden else _SEQ_HIDDEN + [_random_seq_cfg(rng) for _ in range(_N_RANDOM)]
        else:
            cfgs = list(_STEP_PUBLIC) if not hidden else _STEP_HIDDEN + [_random_step_cfg(rng) for _ in range(_N_RANDOM)]
        out = []
        for cfg in cfgs:
            inputs = _inputs(rng, kind, seq, cfg, with_douts)
            if min(cfg) == 1:
                inputs["probe"] = _inputs(rng, kind, seq, tuple(max(d, 2) for d in cfg), with_douts)
                names = ("N", "T", "D", "H") if seq else ("N", "D", "H")
                inputs["size1_axes"] = " and ".join(f"{n} = 1" for n, d in zip(names, cfg) if d == 1)
            out.append((_label(seq, cfg), inputs))
        return out

    return make


# ============================================================================================
# Variants (grader side: ``ref`` is the reference namespace)
# ============================================================================================

_FORWARD_ARGS = {
    "rnn_step_forward": ("x", "prev_h", "Wx", "Wh", "b"),
    "lstm_step_forward": ("x", "prev_h", "prev_c", "Wx", "Wh", "b"),
    "gru_step_forward": ("x", "prev_h", "Wx", "Wh", "b"),
    "rnn_forward": ("x", "h0", "Wx", "Wh", "b"),
    "lstm_forward": ("x", "h0", "Wx", "Wh", "b"),
}
_FORWARD_OUTS = {
    "rnn_step_forward": ("next_h",),
    "lstm_step_forward": ("next_h", "next_c"),
    "gru_step_forward": ("next_h",),
    "rnn_forward": ("h",),
    "lstm_forward": ("h",),
}


def _forward_variants(ref: Any, name: str, inputs: dict) -> dict:
    """misconception → the forward's differentiable outputs (tuple) for a student holding it."""
    args = [inputs[a] for a in _FORWARD_ARGS[name]]
    nouts = len(_FORWARD_OUTS[name])
    return variants.outputs(ref, name, *args, pick=lambda result: tuple(result[:nouts]))


# ============================================================================================
# Forward exercises
# ============================================================================================

def _forward_exercise(name: str, kind: str, seq: bool, summary: str) -> Exercise:
    args = _FORWARD_ARGS[name]
    outs = _FORWARD_OUTS[name]

    def expect_one(ref: Any, inputs: dict) -> dict:
        result = getattr(ref, name)(*(inputs[a] for a in args))
        values = [np.asarray(result[i]) for i in range(len(outs))]
        variants = _forward_variants(ref, name, inputs)
        return {
            "outs": values,
            "variants": [distinct({d: v[i] for d, v in variants.items()}, values[i]) for i in range(len(outs))],
        }

    def expect(ref: Any, inputs: dict) -> dict:
        expected = expect_one(ref, inputs)
        if "probe" in inputs:
            expected["probe"] = expect_one(ref, inputs["probe"])
        return expected

    def check_one(ctx: Context, inputs: dict, expected: dict) -> None:
        values = [inputs[a] for a in args]
        reply = ctx.call(name, *values, send=[(i,) for i in range(len(outs))], echo_args=True)
        ctx.expect_unchanged(name, args, values, reply.args_after)
        for i, what in enumerate(outs):
            ctx.expect_close(what, reply.value[i], expected["outs"][i], variants=expected["variants"][i])

    return TOPIC.exercise(
        name,
        points=2,
        requires=(name,),
        make_cases=_cases(kind, seq, with_douts=False),
        expect=expect,
        check=with_size1_probe(check_one),
        summary=summary,
    )


# ============================================================================================
# Backward exercises
# ============================================================================================

_BACKWARD = {
    # backward: (forward, kind, seq, upstream gradient names, wrt (aligned with the return tuple))
    "rnn_step_backward": ("rnn_step_forward", "rnn", False, ("dnext_h",), ("x", "prev_h", "Wx", "Wh", "b")),
    "rnn_backward": ("rnn_forward", "rnn", True, ("dh",), ("x", "h0", "Wx", "Wh", "b")),
    "lstm_step_backward": ("lstm_step_forward", "lstm", False, ("dnext_h", "dnext_c"), ("x", "prev_h", "prev_c", "Wx", "Wh", "b")),
    "lstm_backward": ("lstm_forward", "lstm", True, ("dh",), ("x", "h0", "Wx", "Wh", "b")),
    "gru_step_backward": ("gru_step_forward", "gru", False, ("dnext_h",), ("x", "prev_h", "Wx", "Wh", "b")),
}

_HINTS = {
    "dh": sentence(
        "add the gradient from the next step into a new array, `dh[:, t, :] + dprev_h`, "
        "never `dh[:, t, :] += dprev_h`, which changes the caller's dh"
    ),
    "dnext_h": sentence("build new arrays from `dnext_h` (`da = dnext_h * (...)`) instead of updating it in place"),
}


def _backward_variants(ref: Any, name: str, inputs: dict) -> dict:
    """wrt name → {misconception → gradient of a student holding it, with a consistent backward}.

    Backward variants take the upstream gradients, then the forward's arguments.
    """
    forward, _, _, dnames, wrt = _BACKWARD[name]
    args = [inputs[d] for d in dnames] + [inputs[a] for a in _FORWARD_ARGS[forward]]
    return variants.gradients(ref, name, wrt, *args)


def _backward_exercise(name: str, summary: str) -> Exercise:
    forward, kind, seq, dnames, wrt = _BACKWARD[name]
    fargs = _FORWARD_ARGS[forward]
    nouts = len(dnames)

    def expect_one(ref: Any, inputs: dict) -> dict:
        res = getattr(ref, forward)(*(inputs[a] for a in fargs))
        grads = list(getattr(ref, name)(*(inputs[d] for d in dnames), res[-1]))
        variants = _backward_variants(ref, name, inputs)
        return {
            "outs": [np.asarray(res[i]) for i in range(nouts)],
            "grads": grads,
            "variants": {w: distinct(variants[w], g, nonzero=True) for w, g in zip(wrt, grads)},
        }

    def expect(ref: Any, inputs: dict) -> dict:
        expected = expect_one(ref, inputs)
        if "probe" in inputs:
            expected["probe"] = expect_one(ref, inputs["probe"])
        return expected

    spec = BackwardSpec(
        forward=forward,
        backward=name,
        wrt=wrt,
        grad_keys=tuple(range(len(wrt))),
        out_paths=tuple((i,) for i in range(nouts)),
        cache_path=(nouts,),
        dout_names=dnames,
        mutation_advice=MappingProxyType(_HINTS),
        mutation_diagnoses=MappingProxyType({"dnext_c": "inplace_dnext_c"}),
    )

    def check_one(ctx: Context, inputs: dict, expected: dict) -> None:
        check_backward(ctx, spec, {a: inputs[a] for a in fargs}, [inputs[d] for d in dnames], expected)

    return TOPIC.exercise(
        name,
        points=3,
        requires=(name, forward),
        make_cases=_cases(kind, seq, with_douts=True),
        expect=expect,
        check=with_size1_probe(check_one),
        summary=summary,
    )


EXERCISES = (
    _forward_exercise("rnn_step_forward", "rnn", False, "one tanh RNN step"),
    _backward_exercise("rnn_step_backward", "backward of one RNN step"),
    _forward_exercise("rnn_forward", "rnn", True, "tanh RNN over a sequence (N, T, D)"),
    _backward_exercise("rnn_backward", "backpropagation through time for the RNN"),
    _forward_exercise("lstm_step_forward", "lstm", False, "one LSTM step, gates packed i, f, o, g"),
    _backward_exercise("lstm_step_backward", "backward of one LSTM step"),
    _forward_exercise("lstm_forward", "lstm", True, "LSTM over a sequence, c0 = 0"),
    _backward_exercise("lstm_backward", "backpropagation through time for the LSTM"),
    _forward_exercise("gru_step_forward", "gru", False, "one GRU step (nn.GRUCell convention)"),
    _backward_exercise("gru_step_backward", "backward of one GRU step"),
)

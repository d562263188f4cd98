"""The two-way check of a backward function (DESIGN §4, "Gradients").

Every backward is checked against the reference backward *and* against numerical
differentiation of the student's own forward (:mod:`grader.gradcheck`), so the feedback can
say whether the forward or the backward is wrong, and for which gradient and index.

What stays the same for every case of an exercise (function names, what each gradient is the
gradient of, where the cache is) is one frozen :class:`BackwardSpec`; a case adds its inputs,
upstream gradients and expected values.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Mapping, Sequence

import numpy as np

from grader import compare as cmp
from grader import gradcheck
from grader.exercises.context import THROUGH_CACHE, UPSTREAM_GRADIENT, Context
from grader.exercises.expected import BackwardExpected
from grader.i18n import N_
from grader.runner.codec import Ref

_EMPTY: Mapping[str, str] = MappingProxyType({})

# Sentences of the blame (catalogue domain ``feedback``; feedback pages translate the lines they
# produce, see grader.report.phrases). Placeholders hold plain text, already formatted.
NOT_DIFFERENTIABLE = N_("(could not differentiate your forward numerically: {error})")
FORWARD_AT_FAULT = N_(
    "Your backward is consistent with your own forward (numerical check), but your forward is wrong ({problem}): "
    "fix {forward} first."
)
REFERENCE_ONLY = N_("Your backward agrees with the numerical derivative of your forward, yet {grads} differs from the reference.")
# (some gradients agree, public case) → sentence; a hidden case names the element, never the values.
BACKWARD_AT_FAULT = {
    (True, True): N_(
        "The numerical derivative of your own forward disagrees with your backward for {grads}; {agree} agree: at "
        "{grad}{where} your backward gives {analytic}, the numerical derivative of your forward {numeric}: the bug is in "
        "the backward pass."
    ),
    (False, True): N_(
        "The numerical derivative of your own forward disagrees with your backward for {grads}: at {grad}{where} your "
        "backward gives {analytic}, the numerical derivative of your forward {numeric}: the bug is in the backward pass."
    ),
    (True, False): N_(
        "The numerical derivative of your own forward disagrees with your backward for {grads}; {agree} agree (worst "
        "element probed: {grad}{where}): the bug is in the backward pass."
    ),
    (False, False): N_(
        "The numerical derivative of your own forward disagrees with your backward for {grads} (worst element probed: "
        "{grad}{where}): the bug is in the backward pass."
    ),
}
# What a backward that returns the wrong container is told.
NO_GRADIENT_FOR = N_("{backward} returned no gradient for {missing}: its dict must have the keys {keys}")
MUST_RETURN_DICT = N_("{backward} must return a dict of gradients with the keys {keys}; got {got}")
MUST_RETURN_TUPLE = N_("{backward} must return a tuple of {n} gradients ({names}); got {got}")
SEQUENCE_OF = N_("{type} of {n}")
SENTENCES = (gradcheck.OUTPUT_SHAPE, NOT_DIFFERENTIABLE, FORWARD_AT_FAULT, REFERENCE_ONLY, *BACKWARD_AT_FAULT.values(), NO_GRADIENT_FOR,
             MUST_RETURN_DICT, MUST_RETURN_TUPLE, SEQUENCE_OF)

@dataclass(frozen=True)
class BackwardSpec:
    """How one backward function is checked.

    Attributes:
        forward: the forward function's name (called with the case's ``inputs``, in order).
        backward: the backward function's name (called with the upstream gradients, then the cache).
        wrt: what each gradient is the gradient of, aligned with ``grad_keys``: an input name
            (``"x"``), or a path into a dict input (``("params", "w1")``, shown as ``dw1``).
        grad_keys: where each gradient is in the backward's return: an index, a dict key, or
            ``None`` for the returned value itself (a backward returning only ``dx``).
        out_paths: index paths of the differentiable outputs in the forward's return.
        cache_path: index path of the cache in the forward's return.
        dout_names: the upstream gradients' names for messages (default ``dout``, or
            ``dout0``, ``dout1``… for several), e.g. ``("dnext_h", "dnext_c")``.
        mutation_advice: argument name → advice when it was modified in place (see
            :meth:`Context.expect_unchanged`).
        mutation_diagnoses: argument name → a further misconception named when it was.
        mutable: input names or paths (``("bn_param", "running_mean")``) the forward may
            update in place by design.
    """

    forward: str
    backward: str
    wrt: tuple
    grad_keys: tuple
    out_paths: tuple = ((0,),)
    cache_path: tuple = (1,)
    dout_names: tuple[str, ...] | None = None
    mutation_advice: Mapping[str, str] = field(default_factory=lambda: _EMPTY)
    mutation_diagnoses: Mapping[str, str] = field(default_factory=lambda: _EMPTY)
    mutable: tuple = ()


def check_backward(ctx: Context, spec: BackwardSpec, inputs: Mapping[str, Any], douts: Sequence[np.ndarray], expected: BackwardExpected) -> None:
    """The two-way gradient check of one case.

    1. Run the student's forward on ``inputs`` (keeping its cache in the child) and their
       backward on ``douts`` and that cache.
    2. Compare every gradient with the reference (``expected["grads"]``).
    3. When one differs, differentiate the student's *own* forward numerically along random
       directions (:func:`grader.gradcheck.project`) to tell whether the forward or the
       backward is at fault, and localise the worst element (:func:`grader.gradcheck.localise`).

    Also fails (``mutates_input``) when the backward modified its upstream gradients or the
    arrays its forward was given (through the cache).

    Args:
        ctx: the case's context.
        spec: what is checked (see :class:`BackwardSpec`).
        inputs: forward arguments in order, name → value (arrays float64).
        douts: upstream gradients (arrays of the shapes of the outputs), aligned with ``spec.out_paths``.
        expected: reference ``outs`` and ``grads`` (aligned with ``spec.out_paths`` and
            ``spec.wrt``) and optional ``variants`` (``wrt`` entry or gradient name without
            the ``d`` → {misconception → variant gradient}).
    Raises:
        CaseFailed: with the diagnosis. Missing gradients are named (a dict lacking ``'w1'``,
            a tuple of the wrong length).
        StubNotImplemented: the forward or backward is still the stub.
        SessionAborted: the student's process is gone.
    """
    names = list(inputs)
    fwd = ctx.call(spec.forward, *inputs.values(), store="fwd", send=[*spec.out_paths])
    outs = list(fwd.value)
    fwd_problem = ""
    for i, (got, exp) in enumerate(zip(outs, expected["outs"])):
        res = cmp.compare(got, exp)
        if not res.ok:
            fwd_problem = cmp.describe(f"forward output {i}" if len(outs) > 1 else "forward output", res, show_values=False)
            break
    bwd = ctx.call(spec.backward, *douts, Ref("fwd", tuple(spec.cache_path)), echo_args=True, echo_stored=("fwd",))
    dout_names = spec.dout_names or [f"dout{i}" if len(douts) > 1 else "dout" for i in range(len(douts))]
    mutation = {"advice": spec.mutation_advice, "diagnoses": spec.mutation_diagnoses}
    ctx.expect_unchanged(spec.backward, list(dout_names), list(douts), bwd.args_after, role=UPSTREAM_GRADIENT, **mutation)
    stored = bwd.stored_after.get("fwd")
    if stored:
        ctx.expect_unchanged(THROUGH_CACHE.format(func=spec.backward), names, list(inputs.values()), stored[0], mutable=spec.mutable, **mutation)
    grads = [_gradient(ctx, spec, bwd.value, key) for key in spec.grad_keys]
    mismatched = []
    for entry, got, exp in zip(spec.wrt, grads, expected["grads"]):
        res = cmp.compare(got, exp)
        if not res.ok:
            mismatched.append((entry, got, res))
    if not mismatched:
        return
    entry, got, res = mismatched[0]
    message = cmp.describe(f"d{_leaf(entry)}", res, show_values=ctx.public)
    per_grad = expected.get("variants") or {}
    diagnoses = list(ctx.match_variants(got, per_grad.get(entry, per_grad.get(_leaf(entry), {}))))
    if res.problem in ("shape", "type", "dtype"):
        ctx.fail(message, *diagnoses)
    message += _blame(ctx, spec, inputs, grads, douts, mismatched, fwd_problem)
    ctx.fail(message, *diagnoses, error_map=ctx._error_map(f"d{_leaf(entry)}", res))


def _gradient(ctx: Context, spec: BackwardSpec, value: Any, key: Any) -> Any:
    """``value[key]`` (``value`` itself for ``None``), or a failure saying what is missing."""
    if key is None:
        return value
    try:
        return value[key]
    except (KeyError, IndexError, TypeError):
        pass
    grad_keys = spec.grad_keys
    keys = ", ".join(repr(k) for k in grad_keys if k is not None)
    if isinstance(key, str) and isinstance(value, dict):
        missing = [k for k in grad_keys if isinstance(k, str) and k not in value]
        ctx.fail(NO_GRADIENT_FOR.format(backward=spec.backward, missing=", ".join(map(repr, missing)), keys=keys))
    got = cmp.type_name(value)
    if isinstance(value, (tuple, list)):
        got = SEQUENCE_OF.format(type=got, n=len(value))
    if isinstance(key, str):
        ctx.fail(MUST_RETURN_DICT.format(backward=spec.backward, keys=keys, got=got))
    ctx.fail(MUST_RETURN_TUPLE.format(backward=spec.backward, n=len(grad_keys), names=", ".join(f"d{_leaf(w)}" for w in spec.wrt), got=got))


def _blame(ctx: Context, spec: BackwardSpec, inputs, grads, douts, mismatched, fwd_problem) -> str:
    """Explain whose fault a gradient mismatch is (see :func:`check_backward`)."""
    names = list(inputs)
    dense = {k: (np.asarray(v, dtype=np.float64) if isinstance(v, np.ndarray) else v) for k, v in inputs.items()}
    for entry in spec.wrt:
        if isinstance(entry, tuple):  # differentiated on its own, written back into its dict
            dense[entry] = np.asarray(_at(inputs, entry), dtype=np.float64)

    def evaluate(values: dict) -> list:
        args = {k: values[k] for k in names}
        for key, value in values.items():
            if isinstance(key, tuple):
                args[key[0]] = _replaced(args[key[0]], key[1:], value)
        reply = ctx.call(spec.forward, *args.values(), send=[*spec.out_paths])
        return [cmp.as_array(v) if cmp.as_array(v) is not None else np.full(1, np.nan) for v in reply.value]

    disagree = []
    try:
        for entry, grad in zip(spec.wrt, grads):
            p = gradcheck.project(evaluate, dense, entry, grad, douts, ctx.rng)
            if not p.ok:
                # A ReLU/max kink within one step of x fools a central difference;
                # blame the backward only if a ten times smaller step disagrees too.
                p = gradcheck.project(evaluate, dense, entry, grad, douts, ctx.rng, step_scale=0.1)
            if not p.ok:
                disagree.append((entry, grad))
    except ValueError as exc:
        return "\n" + NOT_DIFFERENTIABLE.format(error=exc)
    bad = ", ".join(f"d{_leaf(n)}" for n, *_ in mismatched)
    if not disagree:
        if fwd_problem:
            return "\n" + FORWARD_AT_FAULT.format(problem=fwd_problem, forward=spec.forward)
        return "\n" + REFERENCE_ONLY.format(grads=bad)
    entry, grad = disagree[0]
    loc = gradcheck.localise(evaluate, dense, entry, grad, douts, ctx.rng)
    failing = {m for m, _ in disagree}
    ok_names = [f"d{_leaf(n)}" for n in spec.wrt if n not in failing]
    fields = dict(
        grads=", ".join("d" + _leaf(n) for n, _ in disagree),
        agree=", ".join(ok_names),
        grad=f"d{_leaf(entry)}",
        where="[" + ", ".join(map(str, loc.index)) + "]",
        analytic=f"{loc.analytic:.6g}",
        numeric=f"{loc.numeric:.6g}",
    )
    template = BACKWARD_AT_FAULT[(bool(ok_names), ctx.public)]
    return "\n" + template.format(**fields)


def _leaf(entry: str | tuple) -> str:
    """The gradient name (without ``d``) of a ``wrt`` entry: ``"x"``, or a path's last key."""
    return entry if isinstance(entry, str) else str(entry[-1])


def _at(inputs: Mapping[str, Any], path: tuple) -> Any:
    """``inputs[path[0]][path[1]]…``."""
    value = inputs[path[0]]
    for key in path[1:]:
        value = value[key]
    return value


def _replaced(container: Any, path: tuple, value: Any) -> Any:
    """A copy of ``container`` (dicts, lists, tuples) with the entry at ``path`` set to ``value``."""
    if not path:
        return value
    if isinstance(container, dict):
        copy: Any = dict(container)
    else:
        copy = list(container)
    copy[path[0]] = _replaced(container[path[0]], path[1:], value)
    return tuple(copy) if isinstance(container, tuple) else copy

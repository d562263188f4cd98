"""Checks and expected-value helpers that several topic modules share, built on :mod:`base`.

Grader side (``expect``): :func:`distinct`, :func:`identifiable_variants` and
:func:`variant_names` pick the misconception variants worth comparing with on a case.
Student side (``check``): :func:`with_size1_probe` and :func:`diagnose_forward_too` wrap a
check to name one more misconception when it fails.
"""
from __future__ import annotations

from typing import Any, Callable, Mapping

import numpy as np

from grader.exercises.base import CaseFailed, Context

Check = Callable[[Context, dict, dict], None]


# -- expected values (grader side) ---------------------------------------------------------------

def distinct(variants: Mapping[str, Any], reference: Any, *, nonzero: bool = False) -> dict:
    """The variants whose value differs from the reference (a variant equal to it names nothing).

    Args:
        variants: misconception → what a student holding it returns (array of any shape, or
            ``None`` where it does not apply).
        reference: the right value.
        nonzero: also drop variants that are all zeros (a zero gradient, e.g. w.r.t. q when each
            query attends to a single key, is no evidence of any particular misconception).
    Returns:
        misconception → value, for the finite variants that differ from ``reference`` in
        shape or beyond ``rtol=1e-7, atol=1e-10``.
    """
    out = {}
    for name, value in variants.items():
        if value is None:
            continue
        v, r = np.asarray(value), np.asarray(reference)
        if not np.all(np.isfinite(v)) or (nonzero and not np.any(np.abs(v) > 1e-12)):
            continue
        if v.shape != r.shape or not np.allclose(v, r, rtol=1e-7, atol=1e-10):
            out[name] = value
    return out


def identifiable_variants(reference: np.ndarray, candidates: Mapping[str, Any]) -> dict:
    """The variants that exist, differ from the reference, and can be told apart on this case.

    Two misconceptions that give the same output on a case are both left out there: a case
    names a misconception only when its output identifies it (other cases tell them apart).

    Args:
        reference: the right value (any shape).
        candidates: misconception → variant value (``None`` where it does not apply).
    Returns:
        misconception → value as a float64 array; "same" means same shape and within
        ``rtol=1e-9, atol=1e-12``.
    """
    def same(a: np.ndarray, b: np.ndarray) -> bool:
        return a.shape == b.shape and bool(np.allclose(a, b, rtol=1e-9, atol=1e-12))

    found = {}
    for name, value in candidates.items():
        if value is not None and name not in found:
            value = np.asarray(value, dtype=np.float64)
            if not same(value, np.asarray(reference)):
                found[name] = value
    return {
        name: value for name, value in found.items()
        if not any(other != name and same(value, v) for other, v in found.items())
    }


def variant_names(ref: Any, function: str) -> tuple:
    """The variants that the reference's ``_variants.py`` declares (``IMITATES``) for ``function``.

    Args:
        ref: the reference namespace (``IMITATES`` maps variant name → imitated function).
        function: the graded function's name.
    Returns:
        Variant names, in declaration order (empty when there is no ``IMITATES``).
    """
    return tuple(name for name, imitated in getattr(ref, "IMITATES", {}).items() if imitated == function)


# -- wrapped checks (student side) ---------------------------------------------------------------

def with_size1_probe(check: Check, diagnosis: str = "squeeze_drops_batch") -> Check:
    """Wrap a check: when a case with an axis of size 1 fails, re-run it on ``inputs["probe"]``.

    The probe is the same configuration with every size-1 axis grown to 2 (fresh random
    values, its expected values under ``expected["probe"]``); ``inputs["size1_axes"]`` names
    the axes of size 1 for the message ("N = 1 and D = 1"). If the probe passes, the bug is
    specific to axes of size 1 — in practice ``squeeze()`` without an axis — and the failure
    gets ``diagnosis`` (whose message comes from the exercise's misconceptions).

    Args:
        check: ``(ctx, inputs, expected) -> None``, raising :class:`CaseFailed`.
        diagnosis: the misconception named when only the size-1 case fails.
    Returns:
        The wrapped check. It raises the original :class:`CaseFailed` when there is no probe,
        the probe fails too, or ``diagnosis`` is named already.
    """

    def wrapped(ctx: Context, inputs: dict, expected: dict) -> None:
        try:
            check(ctx, inputs, expected)
        except CaseFailed as failed:
            probe = inputs.get("probe")
            if probe is None or diagnosis in failed.diagnoses:
                raise
            try:
                check(ctx, probe, expected["probe"])
            except CaseFailed:
                raise failed from None
            text = ctx.exercise.misconceptions.get(diagnosis, diagnosis)
            raise CaseFailed(
                f"{failed.message}\nThe same check passes when every axis has size ≥ 2: the bug only shows with {inputs.get('size1_axes', 'an axis of size 1')}.\n→ {text}",
                (*failed.diagnoses, diagnosis),
                failed.error_map,
            ) from None

    return wrapped


def diagnose_forward_too(ctx: Context, check: Callable[[], None], forward: str, args: list, variants: Mapping[str, Any]) -> None:
    """Run a backward ``check``; when it fails, also name what is wrong with the student's forward.

    A backward exercise is usually failed because of a forward misconception (the student's
    backward being consistent with their own forward): the forward variants say which.

    Args:
        ctx: the case's context.
        check: ``() -> None``, the backward check (e.g. a closure over ``ctx.check_backward``).
        forward: the forward function, called with ``args``; output 0 is compared.
        args: the forward's arguments.
        variants: forward misconception → its output 0 (see :func:`identifiable_variants`).
    Raises:
        CaseFailed: ``check``'s failure, plus the forward misconceptions its output matches.
    """
    try:
        check()
    except CaseFailed as failed:
        if not variants:
            raise
        try:
            reply = ctx.call(forward, *args, send=[(0,)])
            names = [n for n in ctx.match_variants(reply.value[0], variants) if n not in failed.diagnoses]
        except CaseFailed:
            names = []
        if not names:
            raise
        message = failed.message + "".join(f"\n→ (your {forward}) {ctx.exercise.misconceptions.get(n, n)}" for n in names)
        raise CaseFailed(message, (*failed.diagnoses, *names), failed.error_map) from None

"""Checks and expected-value helpers that several topic modules share, built on
:mod:`~grader.exercises.context` and :mod:`~grader.exercises.variants`.

Grader side (``expect``): :func:`distinct` and :func:`identifiable_variants` are the names the
topic specs use for the one variant filter, :func:`grader.exercises.variants.identifiable`.
Student side (``check``): :func:`with_size1_probe` and :func:`diagnose_forward_too` wrap a
check to name one more misconception when it fails.
"""
from __future__ import annotations

from typing import Any, Callable, Mapping


from grader.exercises.context import Context, fragment, sentence
from grader.exercises.spec import CaseFailed
from grader.exercises.variants import identifiable, variant_names  # noqa: F401  (re-exported for topic specs)

Check = Callable[[Context, dict, dict], None]

# What :func:`with_size1_probe` adds to a failure (catalogue templates, domain ``feedback``).
ONLY_SIZE_1 = sentence("The same check passes when every axis has size ≥ 2: the bug only shows with {axes}.")
AN_AXIS_OF_SIZE_1 = fragment("an axis of size 1")


# -- expected values (grader side) ---------------------------------------------------------------

def distinct(candidates: Mapping[str, Any], reference: Any, *, nonzero: bool = False) -> dict:
    """The variants a case can name: :func:`grader.exercises.variants.identifiable` (the one filter)."""
    return identifiable(reference, candidates, nonzero=nonzero)


def identifiable_variants(reference: Any, candidates: Mapping[str, Any]) -> dict:
    """The variants a case can name: :func:`grader.exercises.variants.identifiable` (the one filter)."""
    return identifiable(reference, candidates)


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
            text = ctx.exercise.message(diagnosis)
            raise CaseFailed(
                f"{failed.message}\n{ONLY_SIZE_1.format(axes=inputs.get('size1_axes') or AN_AXIS_OF_SIZE_1)}\n→ {text}",
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
        message = failed.message + "".join(f"\n→ (your {forward}) {ctx.exercise.message(n)}" for n in names)
        raise CaseFailed(message, (*failed.diagnoses, *names), failed.error_map) from None

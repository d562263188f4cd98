"""Known-wrong variants: how the grader finds them, filters them and matches them.

The arrow points one way. ``solutions/<NN_topic>/_variants.py`` (instructor only, imports
nothing from ``grader``) holds ``variant_<name>`` functions and one table::

    IMITATES = {
        "flipped_kernel": "conv_forward_naive",                      # diagnosis = variant name
        "pad_one_side_after": ("conv_forward_naive", "pad_one_side"),  # several variants, one diagnosis
    }

mapping each variant to the reference function it imitates and, when it differs from the
variant's name, the misconception it is evidence of. A variant takes the imitated function's
arguments (a backward variant: the upstream gradient(s), then the forward's arguments) and
returns what a student holding the misconception returns. The messages for the diagnoses
live only in the grader's spec modules (:attr:`Exercise.misconceptions`); a variant added to
``IMITATES`` is picked up by every spec that asks for its function's variants
(:func:`imitations`), with no bookkeeping elsewhere.

One filter decides which variants a case can name (:func:`identifiable`, one tolerance,
:data:`SAME_RTOL`/:data:`SAME_ATOL`), and one matcher decides which variants a student's
value matches (:func:`matching`, the comparison tolerances of :mod:`grader.compare`).
"""
from __future__ import annotations

from typing import Any, Callable, Mapping

import numpy as np

from grader import compare as cmp

#: Two variant outputs (or a variant and the reference) closer than this are "the same":
#: far below any comparison tolerance, far above float64 rounding of the same formula.
SAME_RTOL = 1e-9
SAME_ATOL = 1e-12


def table(ref: Any) -> dict[str, tuple[str, str]]:
    """``IMITATES`` of a reference namespace, normalised: variant → (function, misconception).

    Args:
        ref: the reference namespace (:func:`grader.reference.load_assignment`).
    Returns:
        In declaration order; empty when the assignment has no variants.
    Raises:
        TypeError: an entry that is neither ``"function"`` nor ``("function", "misconception")``.
    """
    imitates = getattr(ref, "IMITATES", {})
    cached = _TABLES.get(id(imitates))
    if cached is not None and cached[0] is imitates:   # the entry pins the dict: its id is not reused
        return cached[1]
    out = {}
    for variant, entry in imitates.items():
        if isinstance(entry, str):
            out[variant] = (entry, variant)
        elif isinstance(entry, tuple) and len(entry) == 2 and all(isinstance(e, str) for e in entry):
            out[variant] = entry
        else:
            raise TypeError(f"IMITATES[{variant!r}] must be 'function' or ('function', 'misconception'), got {entry!r}")
    _TABLES[id(imitates)] = (imitates, out)
    return out


# IMITATES dict id → (the dict, its table): preparing the cases of one exercise asks for the
# table thousands of times (once per variant per case).
_TABLES: dict[int, tuple[Any, dict]] = {}


def variant_names(ref: Any, function: str) -> tuple[str, ...]:
    """The variants that ``IMITATES`` declares for ``function``, in declaration order."""
    return tuple(v for v, (imitated, _) in table(ref).items() if imitated == function)


def misconception_of(ref: Any, variant: str) -> str:
    """The misconception a variant is evidence of (its name unless ``IMITATES`` says otherwise)."""
    return table(ref).get(variant, (None, variant))[1]


def imitations(ref: Any, function: str) -> dict[str, Callable]:
    """variant name → its function, for the variants that imitate ``function``.

    Raises:
        AttributeError: ``IMITATES`` names a variant without a ``variant_<name>`` function.
    """
    return {v: getattr(ref, f"variant_{v}") for v in variant_names(ref, function)}


def outputs(ref: Any, function: str, *args: Any, pick: Callable[[Any], Any] = lambda r: r, **kwargs: Any) -> dict[str, Any]:
    """misconception → what a student holding it returns from ``function(*args, **kwargs)``.

    Each variant's result goes through ``pick`` (e.g. ``lambda r: r[0]`` for a forward's
    ``out``). A variant that raises or returns ``None`` does not apply and is left out. When
    several variants evidence the same misconception, the first is keyed by the misconception
    and the others by ``"<misconception>#<variant>"`` (see :func:`diagnosis`), so each can match.
    """
    found: dict[str, Any] = {}
    for variant, fn in imitations(ref, function).items():
        name = misconception_of(ref, variant)
        if name in found:
            name = f"{name}#{variant}"
        try:
            value = fn(*args, **kwargs)
        except Exception:  # a variant that cannot handle this case does not apply to it
            continue
        if value is not None:
            value = pick(value)
        if value is not None:
            found[name] = value
    return found


def gradients(ref: Any, backward: str, wrt: tuple, *args: Any) -> dict[Any, dict[str, Any]]:
    """``wrt`` entry → {misconception → gradient of a student holding it}, for ``backward``.

    Backward variants cannot take the reference's opaque cache: they take the upstream
    gradient(s), then the forward's arguments (``args``), and return the gradients aligned
    with ``wrt`` (a tuple; a bare array is the first gradient only; ``None``, or raising, means
    the variant does not apply to this case).
    """
    per: dict[Any, dict[str, Any]] = {w: {} for w in wrt}
    for variant, fn in imitations(ref, backward).items():
        misconception = misconception_of(ref, variant)
        try:
            result = fn(*args)
        except Exception:  # a variant that cannot handle this case does not apply to it
            continue
        if result is None:
            continue
        for w, g in zip(wrt, result if isinstance(result, tuple) else (result,)):
            if g is not None:
                per[w][misconception if misconception not in per[w] else f"{misconception}#{variant}"] = g
    return per


def diagnosis(key: str) -> str:
    """The misconception a variant key names: ``"pad_one_side#pad_only_once"`` → ``"pad_one_side"``."""
    return key.split("#", 1)[0]


def _same(a: np.ndarray, b: np.ndarray) -> bool:
    return a.shape == b.shape and bool(np.allclose(a, b, rtol=SAME_RTOL, atol=SAME_ATOL))


def identifiable(reference: Any, candidates: Mapping[str, Any], *, nonzero: bool = False) -> dict[str, np.ndarray]:
    """The variants a case can name: they apply, differ from the reference, and differ from
    each other.

    Two misconceptions that give the same output on a case are both left out there: a case
    names a misconception only when its output identifies it (other cases tell them apart).

    Args:
        reference: the right value (any shape).
        candidates: misconception → variant value (``None`` where it does not apply).
        nonzero: also drop variants that are all zeros (a zero gradient, e.g. w.r.t. q when
            each query attends to a single key, is no evidence of any particular misconception).
    Returns:
        misconception → value as a float64 array. "Same" means same shape and within
        ``rtol=SAME_RTOL, atol=SAME_ATOL``; non-finite variants are dropped.
    """
    ref = np.asarray(reference)
    found: dict[str, np.ndarray] = {}
    for name, value in candidates.items():
        if value is None or name in found:
            continue
        try:
            value = np.asarray(value, dtype=np.float64)
        except (TypeError, ValueError):
            continue
        if not np.all(np.isfinite(value)) or (nonzero and not np.any(np.abs(value) > 1e-12)):
            continue
        if not _same(value, ref):
            found[name] = value
    # twins of one misconception keep the first; twins of different ones name nothing
    kept: dict[str, np.ndarray] = {}
    for name, value in found.items():
        if any(diagnosis(k) == diagnosis(name) and _same(value, v) for k, v in kept.items()):
            continue
        kept[name] = value
    return {
        name: value for name, value in kept.items()
        if not any(diagnosis(other) != diagnosis(name) and _same(value, v) for other, v in kept.items())
    }


def matching(got: Any, variants: Mapping[str, Any], *, atol: float = cmp.DEFAULT_ATOL, rtol: float = cmp.DEFAULT_RTOL) -> tuple[str, ...]:
    """Names of the variants whose value ``got`` matches (same shape, within the comparison
    tolerance ``|got - v| ≤ atol + rtol·max|v|`` of :func:`grader.compare.close`).

    Args:
        got: the student's value (decoded; any type).
        variants: misconception (or ``"<misconception>#<variant>"``) → value (arrays or
            numbers; ``None`` = does not apply).
    Returns:
        The misconceptions matched, each once, in the order of ``variants``.
    """
    found: list[str] = []
    for name, value in variants.items():
        if value is None or diagnosis(name) in found:
            continue
        if isinstance(value, (int, float, bool)) or isinstance(value, np.ndarray):
            if cmp.close(got, np.asarray(value), atol=atol, rtol=rtol):
                found.append(diagnosis(name))
    return tuple(found)

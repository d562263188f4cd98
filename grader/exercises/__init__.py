"""The exercise registry: assignment folder name → its exercises, in gradebook order.

Each topic package (``conv_arithmetic``, ``convolution``, ``pooling``, ``normalization_residual``,
``recurrent``, ``attention``) holds one spec module per solution file of its assignment and
collects them itself (:func:`grader.exercises.spec.collect`). The framework the specs are
written with: :mod:`.spec`, :mod:`.context`, :mod:`.backward`, :mod:`.variants`,
:mod:`.expected`, :mod:`.checks`, :mod:`.sizes`.
"""
from __future__ import annotations

from grader.exercises import attention, conv_arithmetic, convolution, normalization_residual, pooling, recurrent
from grader.exercises.spec import Exercise

ASSIGNMENTS: dict[str, tuple[Exercise, ...]] = {
    module.ASSIGNMENT: module.EXERCISES
    for module in (conv_arithmetic, convolution, pooling, normalization_residual, recurrent, attention)
    if module.EXERCISES
}


def get_assignment(name: str) -> tuple[Exercise, ...]:
    """Exercises of one assignment.

    Args:
        name: the folder name (``"02_convolution"``) or its number prefix (``"02"``).
    Raises:
        KeyError: unknown assignment (the message lists the known ones).
    """
    if name in ASSIGNMENTS:
        return ASSIGNMENTS[name]
    matches = [a for a in ASSIGNMENTS if a.split("_", 1)[0] == name]
    if len(matches) == 1:
        return ASSIGNMENTS[matches[0]]
    raise KeyError(f"unknown assignment {name!r}; known: {', '.join(ASSIGNMENTS)}")


def resolve(name: str) -> str:
    """The full folder name for ``name`` (see :func:`get_assignment`)."""
    return get_assignment(name)[0].assignment

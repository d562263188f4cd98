"""The spec contract: what an exercise is, and the one way to declare one.

An :class:`Exercise` is data plus three functions:

* ``make_cases(rng, hidden) -> [Case | (label, inputs)]`` — seeded inputs; ``hidden=True``
  adds the configurations only graded cases use. Each :class:`Case` names the contract
  ``feature`` it exercises (``"core"`` unless stated; a bare ``(label, inputs)`` pair is a
  ``"core"`` case);
* ``expect(ref, inputs) -> dict`` — expected values computed with the reference namespace
  ``ref`` (grader process only; students get them from precomputed fixtures), including the
  outputs of known-wrong *variants* so that a failure can be named. Their shapes are the
  typed dictionaries of :mod:`grader.exercises.expected`;
* ``check(ctx, inputs, expected)`` — calls the student's code through a
  :class:`~grader.exercises.context.Context` and raises :class:`CaseFailed` with a
  student-facing message when something is wrong.

A spec module (``grader/exercises/<topic>/<file>.py``, one per solution file) declares its
exercises through a :class:`Topic`, which carries the assignment and the misconception
messages once::

    TOPIC = Topic("04_normalization_residual", MISCONCEPTIONS)
    EXERCISES = (TOPIC.exercise("layernorm_forward", points=2, make_cases=..., expect=..., check=...),)

Misconception messages live only here, in the grader; the variants that imitate them live
in ``solutions/<NN_topic>/_variants.py`` (see :mod:`grader.exercises.variants`).

A check raises only :class:`CaseFailed` or :class:`StubNotImplemented` (or lets
``SessionAborted`` through); the whole exception tree is drawn in :mod:`grader`'s docstring.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Callable, Mapping, Sequence

import numpy as np

from grader.runner.backend import Limits

if TYPE_CHECKING:  # pragma: no cover
    from grader.exercises.context import Context

#: The contract feature of a case that states no other (DESIGN §3, "Contracts").
CORE = "core"
DEFAULT_WEIGHTS: Mapping[str, float] = MappingProxyType({CORE: 1.0})


class CaseFailed(Exception):
    """A check failed. ``message`` is for the student; ``diagnoses`` name misconceptions."""

    def __init__(self, message: str, diagnoses: Sequence[str] = (), error_map=None):
        super().__init__(message)
        self.message = message
        self.diagnoses = tuple(diagnoses)
        self.error_map = error_map  # grader.compare.ErrorMap of a public case, for a heat map


class StubNotImplemented(Exception):
    """The student's function still raises the stub's ``NotImplementedError``."""


@dataclass(frozen=True)
class Case:
    """One generated case of an exercise.

    Attributes:
        label: a short human description of the inputs (``"N=2, C=3, H=5, W=4, pad=1"``).
        inputs: argument name → value (arrays float64 unless the exercise states otherwise).
        feature: the contract feature the case exercises (``"core"``, ``"dilation"``,
            ``"groups"``, ``"uneven_windows"``, ``"invalid_input"``, ``"test_mode"``, …).
    """

    label: str
    inputs: dict
    feature: str = CORE


def as_case(item: Case | tuple) -> Case:
    """A :class:`Case` from what ``make_cases`` returned: a Case, ``(label, inputs)`` or
    ``(label, inputs, feature)``.

    Raises:
        TypeError: anything else.
    """
    if isinstance(item, Case):
        return item
    if isinstance(item, tuple) and len(item) in (2, 3):
        return Case(*item)
    raise TypeError(f"make_cases must return Case objects or (label, inputs[, feature]) tuples, got {item!r}")


@dataclass(frozen=True)
class Exercise:
    """One graded function or class (one gradebook column).

    Attributes:
        name: the function/class name students implement (also the gradebook column).
        assignment: folder name, e.g. ``"02_convolution"``.
        points: points for passing every case.
        requires: names that must exist in the submission (the graded one first).
        make_cases: ``(rng, hidden) -> list[Case | (label, inputs)]``.
        expect: ``(ref, inputs) -> dict`` of expected values (see :mod:`grader.exercises.expected`).
        check: ``(ctx, inputs, expected) -> None``; raises :class:`CaseFailed`.
        misconceptions: diagnosis name → message shown when it is named.
        limits: resource limits for the student process.
        summary: one line for listings.
        weights: contract feature → share of ``points`` (default ``{"core": 1.0}``); the
            features a contract grades are weighted by these, within a feature by cases passed.
    """

    name: str
    assignment: str
    points: float
    requires: tuple[str, ...]
    make_cases: Callable[[np.random.Generator, bool], list]
    expect: Callable[[Any, dict], dict]
    check: Callable[["Context", dict, dict], None]
    misconceptions: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    limits: Limits = Limits()
    summary: str = ""
    weights: Mapping[str, float] = field(default_factory=lambda: DEFAULT_WEIGHTS)

    def cases(self, rng: np.random.Generator, hidden: bool) -> list[Case]:
        """``make_cases`` normalised to :class:`Case` objects (see :func:`as_case`)."""
        return [as_case(item) for item in self.make_cases(rng, hidden)]

    def message(self, diagnosis: str) -> str:
        """The student-facing text of a misconception (its name when it has none)."""
        return self.misconceptions.get(diagnosis, diagnosis)


@dataclass(frozen=True)
class Topic:
    """The one way to declare exercises: an assignment with its misconception messages.

    Attributes:
        assignment: folder name, e.g. ``"04_normalization_residual"``.
        misconceptions: diagnosis name → message, shared by the exercises built from it.
    """

    assignment: str
    misconceptions: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))

    def exercise(
        self,
        name: str,
        *,
        points: float,
        make_cases: Callable[[np.random.Generator, bool], list],
        expect: Callable[[Any, dict], dict],
        check: Callable[["Context", dict, dict], None],
        requires: Sequence[str] = (),
        summary: str = "",
        misconceptions: Mapping[str, str] | None = None,
        limits: Limits = Limits(),
        weights: Mapping[str, float] = DEFAULT_WEIGHTS,
    ) -> Exercise:
        """An :class:`Exercise` of this topic.

        Args:
            name: the graded function or class.
            requires: further names the submission must define (``name`` always comes first).
            misconceptions: extra messages for this exercise only (override the topic's).
            points, make_cases, expect, check, summary, limits, weights: see :class:`Exercise`.
        Raises:
            ValueError: weights that are not positive.
        """
        if not weights or any(w <= 0 for w in weights.values()):
            raise ValueError(f"{name}: feature weights must be positive, got {dict(weights)}")
        messages = {**self.misconceptions, **(misconceptions or {})}
        return Exercise(
            name=name,
            assignment=self.assignment,
            points=points,
            requires=(name, *(r for r in requires if r != name)),
            make_cases=make_cases,
            expect=expect,
            check=check,
            misconceptions=MappingProxyType(messages),
            limits=limits,
            summary=summary,
            weights=MappingProxyType(dict(weights)),
        )


def with_fields(exercise: Exercise, **changes: Any) -> Exercise:
    """A copy of ``exercise`` with some fields replaced (``dataclasses.replace``)."""
    return replace(exercise, **changes)


def is_stub(message: str, names: Sequence[str] = ()) -> bool:
    """Whether a ``NotImplementedError`` message is an untouched stub's.

    Our stubs raise ``NotImplementedError("<assignment>/<name>")``; CS231n-style stubs raise it
    bare or with the function's (or ``Class.method``) name. A student's own ``NotImplementedError("stride > 1 not
    supported")`` is an ordinary failure.

    Args:
        message: the exception's message.
        names: the names the exercise requires (``Exercise.requires``).
    """
    text = message.strip()
    return text == "" or ("/" in text and " " not in text) or text.split(".")[0] in names


def rounded(x: np.ndarray, decimals: int = 3) -> np.ndarray:
    """Round generated inputs so that printed public fixtures stay readable."""
    return np.round(x, decimals)


def collect(package: str) -> tuple[str, tuple[Exercise, ...], Mapping[str, str]]:
    """The exercises of a topic package: its spec modules (one per solution file), in file order.

    A topic package ``grader/exercises/<topic>/`` holds one spec module per solution file of
    ``solutions/<NN_topic>/``; each defines ``ASSIGNMENT`` and ``EXERCISES``. Modules whose
    name starts with ``_`` are helpers. A new spec module is found without registering it.

    Args:
        package: the package's ``__name__``.
    Returns:
        ``(assignment, exercises, misconceptions)``: exercises in gradebook order (modules
        sorted by name, like the solution files; within a module, as declared), and every
        misconception message of the topic.
    Raises:
        ValueError: the modules disagree on the assignment, or an exercise name repeats.
    """
    import importlib
    import pkgutil

    pkg = importlib.import_module(package)
    names = sorted(m.name for m in pkgutil.iter_modules(pkg.__path__) if not m.name.startswith("_"))
    modules = [importlib.import_module(f"{package}.{n}") for n in names]
    assignments = {m.ASSIGNMENT for m in modules}
    if len(assignments) != 1:
        raise ValueError(f"{package}: spec modules disagree on the assignment: {sorted(assignments)}")
    exercises = tuple(e for m in modules for e in m.EXERCISES)
    seen = [e.name for e in exercises]
    if len(set(seen)) != len(seen):
        raise ValueError(f"{package}: exercise names repeat: {seen}")
    messages: dict[str, str] = {}
    for e in exercises:
        messages.update(e.misconceptions)
    return assignments.pop(), exercises, MappingProxyType(messages)

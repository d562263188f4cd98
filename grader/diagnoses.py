"""Which named diagnoses an exercise's failures really support.

A case names a misconception when the student's output matches the output of a known-wrong
variant on that case. One coincidence is weak evidence: with ``groups = 2`` a doubled MAC count
equals "ignores groups". A diagnosis whose variant misses some of the failing cases where it
applies (its *claims*) is not shown when another diagnosis reproduces everything it does and
more (:func:`confirm`); the feedback says on how many failing cases each shown one holds. Diagnoses that no variant
backs (a mutated input, a missing ValueError) are kept as they are.

Pure functions over the grading results and the expected values the grader holds (the
``"variants"`` tables of :mod:`grader.exercises.expected`).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping, Sequence

from grader.i18n import N_, translator

DOMAIN = "submission"
EVIDENCE = N_("{diagnosis}: reproduces your output on {matched} of {claimed} failing cases")


@dataclass(frozen=True)
class Evidence:
    """How well a diagnosis is supported.

    Attributes:
        name: the misconception, e.g. ``"ignores_groups"``.
        matched: failing cases whose output the variant reproduces.
        claimed: failing cases where the variant applies (``0``: no variant backs the name).
        cases: indices (into the failing cases) of the matched ones.
    """

    name: str
    matched: int
    claimed: int
    cases: frozenset = frozenset()


def claims(expected: Any) -> frozenset:
    """The misconceptions whose variants apply to a case (found in its ``*variants`` tables).

    Args:
        expected: the case's expected values (nested dicts; tables under keys containing
            ``"variants"`` map misconception → value, ``None`` where it does not apply, or
            gradient name → such a table).
    """
    found: set = set()

    def walk(node: Any, in_table: bool) -> None:
        if not isinstance(node, Mapping):
            return
        for key, value in node.items():
            table = in_table or (isinstance(key, str) and "variants" in key)
            if table and isinstance(value, Mapping):
                walk(value, True)
            elif table and value is not None and isinstance(key, str):
                found.add(key.split("#", 1)[0])  # "<misconception>#<variant>": another form of it
            elif isinstance(value, Mapping):
                walk(value, False)

    walk(expected, False)
    return frozenset(found)


def weigh(failed: Sequence[tuple[Sequence[str], Any]]) -> list[Evidence]:
    """Evidence for every diagnosis named on the failing cases, most matches first.

    Args:
        failed: per failing case, ``(diagnoses named on it, its expected values)``.
    Returns:
        One :class:`Evidence` per diagnosis named at least once.
    """
    hits: dict[str, set] = {}
    for i, (diagnoses, _) in enumerate(failed):
        for d in diagnoses:
            hits.setdefault(d, set()).add(i)
    out = []
    for name, where in hits.items():
        applies = {i for i, (diagnoses, expected) in enumerate(failed) if name in claims(expected)}
        claimed = len(applies | where) if applies else 0
        out.append(Evidence(name, len(where), claimed, frozenset(where)))
    return sorted(out, key=lambda e: (-e.matched, e.name))


def confirm(weighed: Sequence[Evidence]) -> list[Evidence]:
    """The diagnoses to show.

    A diagnosis whose variant does not reproduce every failing case where it applies is a
    coincidence when another diagnosis reproduces every case it does, and more: a doubled MAC
    count equals "ignores groups" when groups = 2 but not when groups = 32, while "counts FLOPs"
    reproduces them all. Such a diagnosis is not shown. Every other one is, with the number of
    failing cases it reproduces (two real bugs in one submission each keep their name).

    Args:
        weighed: from :func:`weigh`.
    Returns:
        The diagnoses to show, most matches first.
    """
    return [
        e for e in weighed
        if not (e.claimed and e.matched < e.claimed
                and any(o is not e and o.matched > e.matched and e.cases <= o.cases for o in weighed))
    ]


def describe(evidence: Evidence, lang: str = "en") -> str:
    """``"ignores_groups: reproduces your output on 3 of 3 failing cases"``."""
    return translator(lang, DOMAIN)(EVIDENCE, diagnosis=evidence.name, matched=evidence.matched, claimed=evidence.claimed)

"""Which named diagnoses an exercise's failures really support.

A case names a misconception when the student's output matches the output of a known-wrong
variant on that case. One coincidence is weak evidence: with ``groups = 2`` a doubled MAC count
equals "ignores groups". A diagnosis is shown for the exercise only when its variant
reproduces the student's output on the failing cases where the variant applies (its
*claims*; see :func:`confirm`), and the feedback says on how many. Diagnoses that no variant
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

    @property
    def majority(self) -> bool:
        """No variant to check it against, or it reproduces at least half the failing cases it claims."""
        return self.claimed == 0 or 2 * self.matched >= self.claimed


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

    A diagnosis is shown when its variant reproduces the student's output on at least half the
    failing cases where it applies (a doubled MAC count equals "ignores groups" when
    groups = 2, but not when groups = 32: that coincidence is not shown). When none reaches
    half, the one that reproduces the most cases is shown alone (the feedback says on how many).

    Args:
        weighed: from :func:`weigh`.
    Returns:
        The diagnoses to show, most matches first.
    """
    strong = [e for e in weighed if e.majority]
    if not strong:
        backed = [e for e in weighed if e.claimed]
        strong = backed[:1] + [e for e in weighed if not e.claimed]
    return strong


def describe(evidence: Evidence, lang: str = "en") -> str:
    """``"ignores_groups: reproduces your output on 3 of 3 failing cases"``."""
    return translator(lang, DOMAIN)(EVIDENCE, diagnosis=evidence.name, matched=evidence.matched, claimed=evidence.claimed)

"""Seeded case generation and expected values (with fixtures for copies without solutions).

* :func:`seed_for` — a case seed from the course secret and the exercise (sha256);
* :func:`prepare` — public (then hidden) cases of an exercise with the reference's expected values;
* :func:`save_fixtures` / :func:`load_fixtures` — public cases for a student copy (the codec's
  format: plain numbers, strings and ``.npy`` arrays, never pickle).
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from grader.exercises.spec import CORE, Case, Exercise
from grader.runner import codec

PUBLIC_SECRET = "public"


@dataclass(frozen=True)
class PreparedCase:
    """A case ready to grade: inputs and the expected values.

    Attributes:
        id: ``"public/03"`` or ``"hidden/12"``.
        label: human description of the inputs.
        inputs: argument name → value.
        expected: what :attr:`Exercise.expect` returned for the inputs.
        public: whether the student has seen it (expected values may be shown).
        feature: the contract feature the case exercises (``"core"`` unless the spec says otherwise).
    """

    id: str
    label: str
    inputs: dict
    expected: dict
    public: bool
    feature: str = CORE


def seed_for(secret: str, exercise: Exercise) -> int:
    """A 64-bit seed derived from the course secret and the exercise (sha256)."""
    digest = hashlib.sha256(f"{secret}\0{exercise.assignment}\0{exercise.name}".encode()).digest()
    return int.from_bytes(digest[:8], "little")


def generate(exercise: Exercise, secret: str, hidden: bool) -> list[Case]:
    """The cases of one exercise for one seed (:class:`~grader.exercises.spec.Case`: label, inputs, feature)."""
    return exercise.cases(np.random.default_rng(seed_for(secret, exercise)), hidden)


def prepare(exercise: Exercise, ref: Any, secret: str | None) -> list[PreparedCase]:
    """Cases with expected values computed by the reference.

    Args:
        exercise: the exercise.
        ref: the reference namespace (:func:`grader.reference.load_assignment`).
        secret: course secret for the hidden cases; ``None`` for public cases only.
    Returns:
        Public cases first, then hidden ones.
    """
    out = []
    for i, case in enumerate(generate(exercise, PUBLIC_SECRET, hidden=False)):
        out.append(PreparedCase(f"public/{i:02d}", case.label, case.inputs, exercise.expect(ref, case.inputs), True, case.feature))
    if secret is not None:
        for i, case in enumerate(generate(exercise, secret, hidden=True)):
            out.append(PreparedCase(f"hidden/{i:02d}", case.label, case.inputs, exercise.expect(ref, case.inputs), False, case.feature))
    return out


def save_fixtures(path: Path, cases: list[PreparedCase]) -> None:
    """Write public cases (inputs and expected values) for a student copy.

    Raises:
        ValueError: a hidden case was passed (hidden cases never leave the grader).
    """
    if any(not c.public for c in cases):
        raise ValueError("hidden cases must never be written to fixtures")
    payload = [(c.id, c.label, c.inputs, c.expected, c.feature) for c in cases]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(codec.encode(payload))


def load_fixtures(path: Path) -> list[PreparedCase]:
    """Read fixtures written by :func:`save_fixtures` (no pickle involved)."""
    payload = codec.decode(path.read_bytes())
    # fixtures written before cases carried a feature have four fields: those are "core" cases
    return [PreparedCase(item[0], item[1], item[2], item[3], True, *item[4:5]) for item in payload]

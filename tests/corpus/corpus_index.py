"""Reading the corpus: files of realistic student code, each annotated in its header comment.

Header keys (``# key: value`` lines at the top of the file, before the code):

``corpus``     ``bug`` (exactly one mistake) or ``correct``
``exercises``  the exercises graded on this file, comma-separated
``loses``      (bugs) the exercises that must lose points
``diagnosis``  (bugs) the named diagnosis the grader should give on them (``-``: none expected)
``contract``   ``deepgrade`` (default) or ``cs231n``: the contract the file was written to
``waits-on``   (optional) the part of issue 9 this file's verdict depends on; such a file is
               expected to fail until that part lands (strict xfail in the test)
``about``      what the file does, in words

The figures (correct files at full marks, bugs losing points, diagnosis rate) are computed by
:func:`figures` from graded results, so that the test and a person running it by hand agree.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

CORPUS_DIR = Path(__file__).parent
_KEYS = {"corpus", "exercises", "loses", "diagnosis", "contract", "waits-on", "about"}


@dataclass(frozen=True)
class Entry:
    """One annotated corpus file."""

    path: Path
    kind: str
    exercises: tuple[str, ...]
    loses: tuple[str, ...]
    diagnosis: str | None
    contract: str
    waits_on: str | None
    about: str

    @property
    def id(self) -> str:
        return f"{self.path.parent.name}/{self.path.stem}"

    @property
    def assignment(self) -> str:
        return self.path.parent.name


def _split(value: str) -> tuple[str, ...]:
    return tuple(v.strip() for v in value.split(",") if v.strip())


def parse(path: Path) -> Entry:
    """Read the header of one corpus file.

    Raises:
        ValueError: a key is missing, unknown or inconsistent.
    """
    header: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.startswith("# "):
            break
        key, sep, value = line[2:].partition(":")
        if not sep or key.strip() not in _KEYS:
            break
        header[key.strip()] = value.strip()
    kind = header.get("corpus")
    if kind not in ("bug", "correct"):
        raise ValueError(f"{path}: header must start with '# corpus: bug' or '# corpus: correct'")
    exercises = _split(header.get("exercises", ""))
    loses = _split(header.get("loses", ""))
    if not exercises:
        raise ValueError(f"{path}: no exercises")
    if kind == "bug" and (not loses or not set(loses) <= set(exercises) or "diagnosis" not in header):
        raise ValueError(f"{path}: a bug needs 'loses' (among its exercises) and 'diagnosis'")
    contract = header.get("contract", "deepgrade")
    if contract not in ("deepgrade", "cs231n"):
        raise ValueError(f"{path}: contract must be deepgrade or cs231n")
    diagnosis = header.get("diagnosis")
    return Entry(
        path=path,
        kind=kind,
        exercises=exercises,
        loses=loses,
        diagnosis=None if diagnosis in (None, "-") else diagnosis,
        contract=contract,
        waits_on=header.get("waits-on"),
        about=header.get("about", ""),
    )


def entries() -> list[Entry]:
    """Every corpus file, sorted by assignment and name."""
    return [parse(p) for p in sorted(CORPUS_DIR.glob("[0-9][0-9]_*/*.py"))]


@dataclass(frozen=True)
class Figures:
    """What the corpus says about the grader's verdicts."""

    correct: int
    correct_full: int
    bugs: int
    bugs_losing: int
    bugs_named: int
    misleading: tuple[str, ...]

    @property
    def diagnosis_rate(self) -> float:
        return self.bugs_named / self.bugs if self.bugs else 0.0

    def lines(self) -> list[str]:
        return [
            f"correct files at full marks: {self.correct_full}/{self.correct}",
            f"bugs losing points on their exercise: {self.bugs_losing}/{self.bugs}",
            f"bugs with the right named diagnosis: {self.bugs_named}/{self.bugs} ({self.diagnosis_rate:.0%})",
            f"bugs with only other diagnoses (misleading): {len(self.misleading)}"
            + (f" ({', '.join(self.misleading)})" if self.misleading else ""),
        ]


def full_marks(entry: Entry, result) -> bool:
    """Whether every graded exercise of ``entry`` got its maximum score."""
    return all(e.score == e.max_score for e in result.exercises)


def loses_points(entry: Entry, result) -> bool:
    """Whether every exercise in ``entry.loses`` scored below its maximum."""
    by_name = {e.name: e for e in result.exercises}
    return all(by_name[name].score < by_name[name].max_score for name in entry.loses)


def named(entry: Entry, result) -> bool:
    """Whether an exercise the bug loses on carries the expected diagnosis."""
    if entry.diagnosis is None:
        return False
    by_name = {e.name: e for e in result.exercises}
    return any(entry.diagnosis in by_name[name].diagnoses for name in entry.loses)


def misleading(entry: Entry, result) -> bool:
    """Whether the losing exercises name diagnoses, none of them the expected one."""
    by_name = {e.name: e for e in result.exercises}
    shown = {d for name in entry.loses for d in by_name[name].diagnoses}
    return bool(shown) and entry.diagnosis not in shown


def figures(graded: dict) -> Figures:
    """Figures over ``graded``: entry id → (Entry, SubmissionResult)."""
    correct = [(e, r) for e, r in graded.values() if e.kind == "correct"]
    bugs = [(e, r) for e, r in graded.values() if e.kind == "bug"]
    return Figures(
        correct=len(correct),
        correct_full=sum(full_marks(e, r) for e, r in correct),
        bugs=len(bugs),
        bugs_losing=sum(loses_points(e, r) for e, r in bugs),
        bugs_named=sum(named(e, r) for e, r in bugs),
        misleading=tuple(e.id for e, r in bugs if misleading(e, r)),
    )

"""The keyword-only Python API that the CLI is a thin layer over.

* :func:`check` — a student's own copy, public cases, readable feedback;
* :func:`grade_submission` — one submission, all cases;
* :func:`grade_batch` — a folder of submissions: parallel, resumable, written to disk.
"""
from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable, Sequence

from grader import cases as case_mod
from grader import contracts
from grader.exercises import get_assignment
from grader.exercises.spec import Exercise
from grader.grading import grade_exercise
from grader.reference import REPO_ROOT, ReferenceUnavailable, load_assignment
from grader.report import files as report_files
from grader.results import ExerciseResult, SubmissionResult
from grader.runner.backend import Backend, Limits
from grader.store import Gradebook, seed_hash
from grader.submission import Submission, read_submission

FIXTURES_DIR = REPO_ROOT / "fixtures"


class CaseBank:
    """Prepared cases per exercise, computed once and shared by every submission (thread-safe).

    Args:
        secret: course secret for hidden cases; ``None`` for public cases only.
        fixtures_dir: read public cases from here instead of computing them with the
            reference (a student copy has fixtures and no solutions).
        solutions_dir: where the reference solutions live (default: the repository's).
    """

    def __init__(self, secret: str | None, *, fixtures_dir: Path | None = None, solutions_dir: Path | None = None):
        self.secret = secret
        self.fixtures_dir = fixtures_dir
        self.solutions_dir = solutions_dir
        self._lock = threading.Lock()
        self._cases: dict[tuple[str, str], list] = {}
        self._refs: dict[str, object] = {}

    def cases(self, exercise: Exercise) -> list[case_mod.PreparedCase]:
        """Public (then hidden) cases of ``exercise`` with expected values.

        Raises:
            ReferenceUnavailable: neither solutions nor fixtures are available.
        """
        key = (exercise.assignment, exercise.name)
        with self._lock:
            if key not in self._cases:
                self._cases[key] = self._prepare(exercise)
            return self._cases[key]

    def _prepare(self, exercise: Exercise) -> list:
        if self.fixtures_dir is not None:
            path = self.fixtures_dir / exercise.assignment / f"{exercise.name}.dgf"
            if not path.is_file():
                raise ReferenceUnavailable(f"no fixtures for {exercise.name} at {path}")
            return case_mod.load_fixtures(path)
        if exercise.assignment not in self._refs:
            self._refs[exercise.assignment] = load_assignment(exercise.assignment, self.solutions_dir)
        return case_mod.prepare(exercise, self._refs[exercise.assignment], self.secret)


def select_exercises(assignments: Iterable[str], name_filter: str | None = None) -> list[Exercise]:
    """Exercises of the given assignments, optionally only those whose name contains ``name_filter``.

    Raises:
        KeyError: an unknown assignment, or a filter that matches nothing.
    """
    chosen = [ex for a in assignments for ex in get_assignment(a)]
    if name_filter:
        chosen = [ex for ex in chosen if name_filter in ex.name]
        if not chosen:
            raise KeyError(f"no exercise name contains {name_filter!r}")
    return chosen


def grade_submission(
    submission: Submission | Path,
    exercises: Sequence[Exercise],
    *,
    bank: CaseBank,
    backend: Backend,
    limits: Limits | None = None,
    on_exercise: Callable[[ExerciseResult], None] | None = None,
    stub_modules: Sequence[str] = (),
    contract: contracts.Contract | None = None,
) -> SubmissionResult:
    """Grade one submission on the given exercises, each in a fresh student process.

    Args:
        submission: a :class:`Submission` or a path to a file or folder.
        exercises: what to grade (see :func:`select_exercises`).
        bank: prepared cases.
        backend: starts student processes (sandboxed or not).
        limits: override every exercise's own limits.
        on_exercise: called after each exercise (for progress display).
        stub_modules: module patterns (``"cs231n.*"``) imported as empty stand-ins when the
            submission imports them and they are missing (course config ``[submission]``).
        contract: the features graded (:mod:`grader.contracts`; default ``deepgrade``).
    Returns:
        The result. Never raises because of anything in the submission.
    """
    if not isinstance(submission, Submission):
        submission = read_submission(Path(submission))
    results = []
    for exercise in exercises:
        result = grade_exercise(exercise, submission, bank.cases(exercise), backend, limits, stub_modules, contract)
        results.append(result)
        if on_exercise:
            on_exercise(result)
    return SubmissionResult(submission.name, submission.digest, tuple(results), submission.notes)


def check(
    assignments: Sequence[str],
    path: Path,
    *,
    backend: Backend,
    name_filter: str | None = None,
    on_exercise: Callable[[ExerciseResult], None] | None = None,
    stub_modules: Sequence[str] = (),
    contract: contracts.Contract | None = None,
    fixtures_dir: Path | None = None,
) -> SubmissionResult:
    """A student's check of their own work on the public cases.

    Uses ``fixtures_dir`` when given; else the reference solutions when present (instructor's
    repository), else the public fixtures shipped with a student copy.

    Args:
        assignments: assignment names; their folders under ``path`` are graded together.
        path: the student's ``assignments/`` folder (or any folder of their code).
        stub_modules, contract: see :func:`grade_submission`.
        fixtures_dir: public fixtures (``<assignment>/<exercise>.dgf``) to check against.
    Raises:
        KeyError: unknown assignment or filter matching nothing.
        ReferenceUnavailable: no solutions and no fixtures.
    """
    exercises = select_exercises(assignments, name_filter)
    fixtures = fixtures_dir or (None if (REPO_ROOT / "solutions").is_dir() else FIXTURES_DIR)
    bank = CaseBank(None, fixtures_dir=fixtures)
    return grade_submission(read_submission(path), exercises, bank=bank, backend=backend, on_exercise=on_exercise, stub_modules=stub_modules, contract=contract)


@dataclass(frozen=True)
class BatchResult:
    """Attributes: ``results`` (result JSON dicts, by submission name), ``reused`` (names taken from the gradebook), ``failed`` (name → internal error)."""

    results: tuple[dict, ...]
    reused: tuple[str, ...]
    failed: dict


def list_submissions(folder: Path) -> list[Path]:
    """Entries of a submissions folder: sub-folders and ``.py``/``.ipynb`` files, sorted, hidden ones skipped.

    Raises:
        FileNotFoundError: ``folder`` is not a directory.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(f"{folder} is not a folder of submissions")
    return sorted(
        p for p in folder.iterdir() if not p.name.startswith((".", "_")) and (p.is_dir() or p.suffix in (".py", ".ipynb"))
    )


def grade_batch(
    submissions_dir: Path,
    assignments: Sequence[str],
    *,
    secret: str,
    out_dir: Path,
    backend: Backend,
    workers: int = 1,
    limits: Limits | None = None,
    on_result: Callable[[str, dict, bool], None] | None = None,
    stub_modules: Sequence[str] = (),
    contract: contracts.Contract | None = None,
) -> BatchResult:
    """Grade every submission in a folder; write JSON per submission, ``gradebook.csv`` and the SQLite gradebook.

    Resumable: a submission already in ``out_dir/gradebook.sqlite`` with the same files and
    secret is not regraded. Each result is committed as soon as it is done.

    Args:
        submissions_dir: one entry per student (folder or file).
        assignments: assignment names graded together.
        secret: course secret (seeds hidden cases).
        out_dir: output folder (created).
        backend: starts student processes.
        workers: submissions graded concurrently.
        limits: override the exercises' limits.
        on_result: ``(name, result_json, reused)`` after each submission.
        stub_modules, contract: see :func:`grade_submission`. A contract other than the
            default is part of the gradebook's resume key (results graded under another
            contract are regraded).
    Returns:
        A :class:`BatchResult`; results are JSON dicts in submission order.
    Raises:
        FileNotFoundError: ``submissions_dir`` is missing.
        KeyError: unknown assignment.
    """
    exercises = select_exercises(assignments)
    names = ",".join(sorted({ex.assignment for ex in exercises}))
    if contract is not None and contract.key != contracts.DEFAULT:
        names += f"@{contract.key}"
    bank = CaseBank(secret)
    for exercise in exercises:  # fail early (and once) if the reference is broken
        bank.cases(exercise)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    book = Gradebook(out_dir / "gradebook.sqlite")
    secret_id = seed_hash(secret)
    paths = list_submissions(submissions_dir)
    results: dict[str, dict] = {}
    reused: list[str] = []
    failed: dict[str, str] = {}

    def one(path: Path) -> tuple[str, dict, bool]:
        sub = read_submission(path)
        stored = book.lookup(sub.name, names, secret_id, sub.digest)
        if stored is not None:
            return sub.name, stored, True
        result = grade_submission(sub, exercises, bank=bank, backend=backend, limits=limits, stub_modules=stub_modules, contract=contract).to_json()
        book.save(names, secret_id, result)
        report_files.write_submission_json(out_dir, result)
        return sub.name, result, False

    try:
        with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
            futures = {pool.submit(one, p): p for p in paths}
            for future in as_completed(futures):
                path = futures[future]
                try:
                    name, result, was_reused = future.result()
                except Exception as exc:  # a grader bug must not stop the others; not stored, so retried next run
                    failed[path.name] = f"{type(exc).__name__}: {exc}"
                    continue
                results[name] = result
                if was_reused:
                    reused.append(name)
                    report_files.write_submission_json(out_dir, result)
                if on_result:
                    on_result(name, result, was_reused)
    finally:
        book.close()
    ordered = tuple(results[k] for k in sorted(results))
    report_files.write_gradebook_csv(out_dir / "gradebook.csv", ordered, [ex.name for ex in exercises])
    return BatchResult(ordered, tuple(sorted(reused)), failed)

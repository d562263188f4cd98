"""The keyword-only Python API that the CLI is a thin layer over.

* :func:`check` — a student's own copy, public cases, readable feedback;
* :func:`grade_submission` — one submission, all cases;
* :func:`grade_batch` — a folder of submissions: parallel, resumable, written to disk.
"""
from __future__ import annotations

import dataclasses
import threading
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Sequence

from grader import cases as case_mod
from grader import contracts
from grader.exercises import get_assignment
from grader.exercises.context import sentence
from grader.exercises.spec import Exercise
from grader.grading import grade_exercise
from grader.reference import REPO_ROOT, ReferenceUnavailable, load_assignment
from grader.report import files as report_files
from grader.i18n import N_
from grader.intake.identity import short_hash
from grader.results import ExerciseResult, SubmissionResult
from grader.runner.backend import Backend, Limits
from grader.runner.warm import warm_host
from grader.store import Gradebook, seed_hash
from grader.submission import Submission, cite_cells_in_result, read_submission

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
    """Grade one submission on the given exercises, each in its own student process.

    The submission is imported once, in a warm child (:mod:`grader.runner.warm`); each
    exercise runs in a process forked from it.

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
    # One warm child per submission imports its files once; every exercise forks from it.
    host = warm_host(backend, submission, exercises, limits, stub_modules)
    results = []
    try:
        if exercises:
            host.start()   # the child imports the files while the first exercise's cases are prepared
        for exercise in exercises:
            result = grade_exercise(exercise, submission, bank.cases(exercise), host, limits, stub_modules, contract)
            result = cite_cells_in_result(result, submission)  # notebooks: cite the cell, not the generated .py
            results.append(result)
            if on_exercise:
                on_exercise(result)
    finally:
        host.shutdown()
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
    """What :func:`grade_batch` did.

    Attributes:
        results: the per-student documents (see :func:`grader.report.files.student_document`)
            of every student in the gradebook, sorted by student id, this run's and earlier ones.
        graded: student ids graded in this run.
        reused: student ids whose current grades were kept (same files, secret, version).
        failed: student id → internal grader error (not recorded; retried on the next run).
        skipped: ``(entry, reason, student_id)`` for everything not graded, this run.
        missing: roster student ids without a submission.
        changes: with ``regrade``: ``(student_id, old score or None, new score)`` where it changed.
        interrupted: the batch was stopped before every student was graded.
        exercise_names: gradebook columns (every exercise with a grade, in course order).
        layouts: the submission layouts seen.
        lookalikes: groups of distinct student ids that look alike.
    """

    results: tuple[dict, ...]
    graded: tuple[str, ...] = ()
    reused: tuple[str, ...] = ()
    failed: dict = field(default_factory=dict)
    skipped: tuple[tuple[str, str, str], ...] = ()
    missing: tuple[str, ...] = ()
    changes: tuple[tuple[str, float | None, float], ...] = ()
    interrupted: bool = False
    exercise_names: tuple[str, ...] = ()
    layouts: tuple[str, ...] = ()
    lookalikes: tuple[tuple[str, ...], ...] = ()


class BatchInterrupted(Exception):
    """Raised inside a worker when the batch was asked to stop; the submission is not recorded."""


def list_submissions(folder: Path) -> list[Path]:
    """Entries of a plain submissions folder: sub-folders and ``.py``/``.ipynb`` files, sorted, hidden ones skipped.

    (LMS layouts, archives and rosters: :func:`grader.intake.collect`.)

    Raises:
        FileNotFoundError: ``folder`` is not a directory.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(f"{folder} is not a folder of submissions")
    return sorted(
        p for p in folder.iterdir() if not p.name.startswith((".", "_")) and (p.is_dir() or p.suffix in (".py", ".ipynb"))
    )


class _StoppableBackend:
    """A backend proxy that remembers open channels so that :meth:`stop` can end them at once."""

    def __init__(self, backend: Backend, stop: threading.Event):
        self._backend = backend
        self._stop = stop
        self._lock = threading.Lock()
        self._open: set = set()

    def open(self, limits: Limits, **options):
        if self._stop.is_set():
            raise RuntimeError("the batch is stopping")
        channel = self._backend.open(limits, **options)  # e.g. warm=True: the sandbox lets only that child fork
        with self._lock:
            self._open.add(channel)
        proxy = self

        class _Tracked:
            def __getattr__(self, name):
                return getattr(channel, name)

            def close(self):
                with proxy._lock:
                    proxy._open.discard(channel)
                return channel.close()

        return _Tracked()

    def stop(self) -> None:
        with self._lock:
            channels = list(self._open)
        for channel in channels:
            try:
                channel.close()
            except Exception:  # already gone; nothing else to stop
                pass

    def __getattr__(self, name):
        return getattr(self._backend, name)


def _course_order() -> list[str]:
    from grader.exercises import ASSIGNMENTS

    return [ex.name for exercises in ASSIGNMENTS.values() for ex in exercises]


# Domain ``batch`` (the grade command) and, registered, ``feedback`` (the student's pages).
NOTHING_TO_GRADE = sentence(N_("Nothing to grade: no .py or .ipynb file was found in this submission. Hand in your .py "
                               "files or your notebook (.ipynb); a file that could not be read is named in the notes."))


def _empty_result(entry, exercises: Sequence[Exercise], notes: Sequence[str], digest: str) -> SubmissionResult:
    message = NOTHING_TO_GRADE
    results = tuple(
        ExerciseResult(ex.name, ex.assignment, 0.0, ex.points, "missing", message) for ex in exercises
    )
    return SubmissionResult(entry.student_id, digest, results, tuple(notes), entry.display_name, (), entry.sources)


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
    layout: str = "auto",
    roster: Path | None = None,
    regrade: str | None = None,
    contract: contracts.Contract | None = None,
    stub_modules: Sequence[str] = (),
    stop: threading.Event | None = None,
    on_intake: Callable[[object], None] | None = None,
    name_filter: str | None = None,
    grade_one: Callable[[Submission], SubmissionResult] | None = None,
) -> BatchResult:
    """Grade every student's submission; keep every grade in the gradebook; write JSON and CSV.

    Per student, the result JSON (``OUT/<output name>.json``) and the gradebook rows are written
    as one unit (the JSON is written to a temporary file, the rows committed, then the file
    renamed). Grading a subset of exercises adds to a student's earlier grades; nothing is
    removed. Resumable: a student whose current grades for these exercises were given to the
    same files, secret, grader version and contract is not graded again (``regrade`` forces it).

    Args:
        submissions_dir: a folder (any layout of :mod:`grader.intake`) or one file/archive.
        assignments: assignment names graded together.
        secret: course secret (seeds hidden cases; only its hash is stored).
        out_dir: output folder (created); never read as a submission even inside ``submissions_dir``.
        backend: starts student processes.
        workers: submissions graded concurrently (≥ 1).
        limits: override the exercises' limits.
        on_result: ``(student_id, student document, reused)`` after each student.
        layout: ``"auto"`` or a layout of :data:`grader.intake.LAYOUTS`.
        roster: optional roster CSV; its students without a submission are recorded as missing.
        regrade: an exercise name: grade only it, for every student, ignoring earlier grades,
            and report whose score changed.
        contract: the features graded (:mod:`grader.contracts`; default ``deepgrade``); its
            key is stored with each grade and is part of the resume key (results graded under
            another contract are regraded).
        stub_modules: see :func:`grade_submission`.
        stop: when set (e.g. on Ctrl-C), no new submission starts, running student processes
            are ended, the unfinished submissions are not recorded, and the CSV is still written.
        on_intake: called with the :class:`grader.intake.Intake` before grading starts.
        name_filter: only exercises whose name contains this text.
        grade_one: grades one submission elsewhere and returns its result (e.g.
            :class:`grader.distributed.DaskGrader`); ``backend`` is then unused. Results are
            still committed here, one transaction per submission.
    Returns:
        A :class:`BatchResult`.
    Raises:
        FileNotFoundError: ``submissions_dir`` is missing.
        KeyError: unknown assignment, or ``regrade`` names no exercise of them.
        ValueError: ``workers`` < 1, unknown layout, unreadable roster;
            :class:`grader.housekeeping.OutDirBusy` when another batch writes to ``out_dir``.
    """
    from grader import housekeeping

    if workers < 1:
        raise ValueError(f"workers must be at least 1 (got {workers})")
    exercises = select_exercises(assignments, name_filter)
    if regrade is not None:
        exercises = [ex for ex in exercises if ex.name == regrade]
        if not exercises:
            raise KeyError(f"no exercise named {regrade!r} in {', '.join(assignments)}")
    exercises = list({(ex.assignment, ex.name): ex for ex in exercises}.values())  # "-a 01,01" grades once
    bank = CaseBank(secret)
    for exercise in exercises:  # fail early (and once) if the reference is broken
        if stop is not None and stop.is_set():
            break  # Ctrl-C while preparing: nothing will be graded, only the records written
        bank.cases(exercise)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    with housekeeping.out_dir_lock(out_dir):
        return _grade_locked(
            submissions_dir, exercises, bank, secret=secret, out_dir=out_dir, backend=backend, workers=workers,
            limits=limits, on_result=on_result, layout=layout, roster=roster, regrade=regrade, contract=contract,
            stop=stop, on_intake=on_intake, grade_one=grade_one, stub_modules=stub_modules,
        )


def _output_names(intake, known: dict[str, str]) -> dict[str, str]:
    """Student id → output file stem: the stem recorded earlier (stable across runs), else a new
    one from :func:`grader.intake.identity.output_names` that no other student has, casefolded."""
    from grader.intake.identity import output_names, readable_name

    readable = {e.student_id: readable_name(e.student_id, e.display_name) for e in intake.entries}
    fresh = output_names([e.student_id for e in intake.entries] + [m[0] for m in intake.missing] + list(known), readable)
    taken = {v.casefold() for v in known.values()}
    names = dict(known)
    for sid, stem in fresh.items():
        if sid not in names:
            while stem.casefold() in taken:  # never reuse another student's file name
                stem = f"{stem}-{short_hash(sid + stem)}"
            names[sid] = stem
            taken.add(stem.casefold())
    return names


def _grade_locked(submissions_dir, exercises, bank, *, secret, out_dir, backend, workers, limits, on_result, layout,
                  roster, regrade, contract, stop, on_intake, grade_one=None, stub_modules=()) -> BatchResult:
    """:func:`grade_batch` once the output folder is locked and the cases are prepared."""
    import shutil

    from grader import housekeeping
    from grader.intake import collect
    from grader.intake.identity import lookalike_groups
    from grader.store import GradeContext, StudentRecord, grader_version

    report_files.clean_stale_temp(out_dir)
    housekeeping.clean_stale_staging(out_dir)
    staging = housekeeping.staging_dir(out_dir)
    stop = stop or threading.Event()
    contract = contract or contracts.contract()
    ctx = GradeContext(seed_hash(secret), grader_version(), contract.key)
    book = Gradebook(out_dir / "gradebook.sqlite")
    order = _course_order()
    graded: list[str] = []
    reused: list[str] = []
    failed: dict[str, str] = {}
    changes: list[tuple[str, float | None, float]] = []
    try:
        intake = collect(submissions_dir, staging, layout=layout, roster=roster, exclude=[out_dir])
        if on_intake:
            on_intake(intake)
        names = _output_names(intake, book.output_names())
        skipped = [(s.entry, s.reason, s.student_id) for s in intake.skipped]
        book.record_skipped(skipped)
        for sid, display in intake.missing:
            book.record_missing(sid, display, names[sid])
            record = book.student(sid, ctx.secret_hash)
            if record is not None and record.status == "missing":
                report_files.write_submission_json(out_dir, report_files.student_document(record, order))
        wanted = [ex.name for ex in exercises]
        tracked = _StoppableBackend(backend, stop)

        def one(entry) -> tuple[str, dict, bool]:
            if stop.is_set():
                raise BatchInterrupted()
            sub = read_submission(entry.path)
            notes = (*entry.notes, *sub.notes)
            sub = dataclasses.replace(sub, name=entry.student_id, notes=tuple(notes))  # keeps notebook cell maps
            if regrade is None and book.is_current(sub.name, wanted, sub.digest, ctx):
                record = book.student(sub.name, ctx.secret_hash)
                return sub.name, report_files.student_document(record, order), True
            before = book.current(sub.name, ctx.secret_hash)
            if not sub.files:
                result = _empty_result(entry, exercises, notes, sub.digest)
            else:
                def check_stop(_):
                    if stop.is_set():
                        raise BatchInterrupted()

                if grade_one is not None:  # elsewhere (a Dask cluster); committed here all the same
                    result = grade_one(sub)
                else:
                    result = grade_submission(sub, exercises, bank=bank, backend=tracked, limits=limits, on_exercise=check_stop,
                                              stub_modules=stub_modules, contract=contract)
                result = SubmissionResult(sub.name, sub.digest, result.exercises, tuple(notes), entry.display_name,
                                          tuple(sorted(sub.files)), entry.sources)
            if stop.is_set():  # the run was cut short while grading: not a fair result
                raise BatchInterrupted()
            doc = result.to_json()
            # The whole document (earlier grades included) is written beside the rows, as one unit.
            merged = {**before, **{e["name"]: e for e in doc["exercises"]}}
            record = StudentRecord(sub.name, entry.display_name, names[sub.name], "graded", doc["digest"], tuple(doc["files"]),
                                   tuple(doc["sources"]), tuple(doc["notes"]), merged)
            full = report_files.student_document(record, order)
            commit = report_files.prepare_write(out_dir / f"{names[sub.name]}.json", report_files.document_text(full))
            try:
                book.record(doc, ctx, names[sub.name], on_commit=commit)
            except BaseException:
                commit.discard()
                raise
            if regrade is not None:
                old = before.get(regrade, {}).get("score")
                new = next(e["score"] for e in doc["exercises"] if e["name"] == regrade)
                if old != new:
                    changes.append((sub.name, old, new))
            return sub.name, full, False

        pool = ThreadPoolExecutor(max_workers=workers)
        try:
            futures = {pool.submit(one, e): e for e in intake.entries}
            pending = set(futures)
            while pending:
                done, pending = wait(pending, timeout=0.2, return_when=FIRST_COMPLETED)
                if stop.is_set():
                    tracked.stop()
                for future in done:
                    entry = futures[future]
                    try:
                        name, doc, was_reused = future.result()
                    except BatchInterrupted:
                        continue
                    except Exception as exc:  # a grader bug must not stop the others; not stored, so retried next run
                        failed[entry.student_id] = f"{type(exc).__name__}: {exc}"
                        continue
                    (reused if was_reused else graded).append(name)
                    if was_reused:  # rewrite: the file may be missing after a kill -9 between commit and rename
                        report_files.write_submission_json(out_dir, doc)
                    if on_result:
                        on_result(name, doc, was_reused)
        except KeyboardInterrupt:
            stop.set()
            tracked.stop()
        finally:
            stop_requested = stop.is_set()
            if stop_requested:
                tracked.stop()
                for f in futures if "futures" in locals() else ():
                    f.cancel()
            pool.shutdown(wait=True, cancel_futures=True)
        docs = tuple(report_files.student_document(r, order) for r in book.students(ctx.secret_hash))
        graded_names = {e["name"] for d in docs for e in d["exercises"]}
        columns = tuple(n for n in order if n in graded_names) + tuple(sorted(graded_names - set(order)))
        report_files.write_gradebook_csv(out_dir / "gradebook.csv", docs, columns)
        return BatchResult(
            results=docs,
            graded=tuple(sorted(graded)),
            reused=tuple(sorted(reused)),
            failed=failed,
            skipped=tuple(skipped),
            missing=tuple(m[0] for m in intake.missing),
            changes=tuple(sorted(changes)),
            interrupted=stop_requested and len(graded) + len(reused) + len(failed) < len(intake.entries),
            exercise_names=columns,
            layouts=intake.layouts,
            lookalikes=tuple(lookalike_groups(e.student_id for e in intake.entries)),
        )
    finally:
        book.close()
        shutil.rmtree(staging, ignore_errors=True)

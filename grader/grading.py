"""Grade one exercise of one submission: the loop over cases, and what each failure scores."""
from __future__ import annotations

import time
import zlib
from collections import Counter
from typing import Sequence

import numpy as np

from grader.cases import PreparedCase
from grader.exercises.base import CaseFailed, Context, Exercise, StubNotImplemented
from grader.results import CaseResult, ExerciseResult, abort_status, failure_status, score_for
from grader.runner.backend import Backend, Limits
from grader.runner.session import SessionAborted, Session
from grader.submission import Submission


# How many times a killed student process is restarted for the remaining cases of an exercise.
MAX_RESTARTS = 2
NOT_RUN = "not run: the process was stopped on an earlier case"


def grade_exercise(
    exercise: Exercise,
    submission: Submission,
    cases: Sequence[PreparedCase],
    backend: Backend,
    limits: Limits | None = None,
) -> ExerciseResult:
    """Run every case of one exercise in one fresh student process.

    Never raises for anything the submission does: import errors, missing names, exceptions,
    timeouts and crashes all become an :class:`ExerciseResult` with a message.

    Args:
        exercise: what to grade.
        submission: the student's sources.
        cases: prepared cases (public first).
        backend: starts the student process.
        limits: overrides ``exercise.limits``.
    Returns:
        The result; ``score = points × passed / len(cases)``.
    """
    start = time.monotonic()
    limits = limits or exercise.limits

    def result(status: str, message: str, case_results=(), diagnoses=()) -> ExerciseResult:
        passed = sum(c.passed for c in case_results)
        return ExerciseResult(
            name=exercise.name,
            assignment=exercise.assignment,
            score=score_for(exercise.points, passed, len(cases)),
            max_score=exercise.points,
            status=status,
            message=message,
            diagnoses=tuple(diagnoses),
            cases=tuple(case_results),
            seconds=time.monotonic() - start,
        )

    with Session(backend, limits) as session:
        try:
            loaded = session.load(submission.files, list(exercise.requires))
        except SessionAborted as exc:
            return result(abort_status(exc.kind, exc.message), f"Your files could not be loaded: {exc.message}")
        missing = [n for n in exercise.requires if n not in loaded.found]
        if missing:
            if loaded.import_errors:
                errors = "\n".join(f"{mod}.py failed to import:\n{text}" for mod, text in loaded.import_errors.items())
                return result(
                    "error",
                    f"{', '.join(missing)} could not be found because a file failed to import; fix the error below "
                    f"(`python yourfile.py` shows it too).\n{errors}",
                )
            looked = ", ".join(sorted(submission.files)) or "no Python files"
            return result(
                "missing",
                f"No function or class named {', '.join(missing)} in your submission (looked in {looked}). "
                "Define it at the top level of one of your files, with exactly this name (names are case-sensitive).",
            )
        case_results: list[CaseResult] = []
        aborts: list[tuple[PreparedCase, SessionAborted]] = []
        for index, case in enumerate(cases):
            ctx = Context(session, exercise, case.public, np.random.default_rng(zlib.crc32(case.id.encode())))
            try:
                exercise.check(ctx, case.inputs, case.expected)
            except StubNotImplemented:
                return result("not_implemented", f"{exercise.name} is not implemented yet (it still raises NotImplementedError).")
            except CaseFailed as failed:
                case_results.append(CaseResult(case.id, case.label, False, failed.message, failed.diagnoses, public=case.public, error_map=failed.error_map))
                continue
            except SessionAborted as aborted:
                case_results.append(CaseResult(case.id, case.label, False, aborted.message, public=case.public))
                aborts.append((case, aborted))
                if index + 1 < len(cases) and _restarted(session, submission, exercise, len(aborts)):
                    continue
                case_results += [CaseResult(c.id, c.label, False, NOT_RUN, public=c.public) for c in cases[index + 1 :]]
                break
            case_results.append(CaseResult(case.id, case.label, True, public=case.public))
    if aborts:
        first_case, first = aborts[0]
        skipped = sum(c.message == NOT_RUN for c in case_results)
        msg = f"On case {first_case.label}: {first.message}"
        if skipped:
            msg += f"\n{skipped} later case(s) were not run."
        msg += f"\n{sum(c.passed for c in case_results)} of {len(cases)} cases passed."
        return result(abort_status(first.kind, first.message), msg, case_results)
    return _summarise(result, case_results, len(cases))


def _restarted(session: Session, submission: Submission, exercise: Exercise, aborts: int) -> bool:
    """Start a fresh student process for the remaining cases, at most :data:`MAX_RESTARTS` times.

    One hanging or crashing case must not cost the points of the cases after it.
    Returns whether the new process is up.
    """
    if aborts > MAX_RESTARTS:
        return False
    try:
        session.close()
        session.load(submission.files, list(exercise.requires))
        return True
    except SessionAborted:
        return False


def _summarise(result, case_results: list[CaseResult], total: int) -> ExerciseResult:
    failed = [c for c in case_results if not c.passed]
    if not failed:
        return result("passed", f"All {total} cases passed.", case_results)
    counts = Counter(d for c in failed for d in c.diagnoses)
    diagnoses = [d for d, _ in counts.most_common()]
    first = failed[0]
    status = failure_status([c.message for c in failed], total - len(failed))
    message = f"Failed {len(failed)} of {total} cases. First failure, {first.label}:\n{first.message}"
    return result(status, message, case_results, diagnoses)

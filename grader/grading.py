"""Grade one exercise of one submission: the loop over cases, and what each failure scores."""
from __future__ import annotations

import time
import zlib
from collections import Counter
from typing import Sequence

import numpy as np

from grader import authorship, contracts, diagnoses as evidence, environment
from grader.cases import PreparedCase
from grader.exercises.base import CaseFailed, Context, Exercise, StubNotImplemented
from grader.results import CaseResult, ExerciseResult, FeatureScore
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
    stub_modules: Sequence[str] = (),
    contract: contracts.Contract | None = None,
) -> ExerciseResult:
    """Run the cases of one exercise that its contract grades, in one fresh student process.

    Never raises for anything the submission does: import errors, missing names, exceptions,
    timeouts and crashes all become an :class:`ExerciseResult` with a message.

    Args:
        exercise: what to grade.
        submission: the student's sources.
        cases: prepared cases (public first).
        backend: starts the student process.
        limits: overrides ``exercise.limits``.
        stub_modules: module patterns imported as empty stand-ins when missing
            (``[submission] stub_modules`` of the course config).
        contract: which features are graded (default: the ``deepgrade`` contract); cases of
            other features are neither run nor counted.
    Returns:
        The result. Points are split over the graded features by the spec's weights and, within
        a feature, by cases passed (:func:`grader.contracts.weighted_score`); 0 with status
        ``failed`` and diagnosis ``imported_from_library`` when the graded name is a library's,
        not the student's.
    """
    start = time.monotonic()
    limits = limits or exercise.limits
    contract = contract or contracts.contract()
    graded_features = contract.graded(exercise.name)
    ungraded = tuple(sorted({c.feature for c in cases} - graded_features))
    cases = [c for c in cases if c.feature in graded_features]

    def result(status: str, message: str, case_results=(), diagnoses=()) -> ExerciseResult:
        scores = _feature_scores(exercise, cases, case_results)
        counts = {f.feature: (f.passed, f.total) for f in scores}
        return ExerciseResult(
            name=exercise.name,
            assignment=exercise.assignment,
            score=contracts.weighted_score(exercise.points, exercise.weights, counts),
            max_score=exercise.points,
            status=status,
            message=message,
            diagnoses=tuple(diagnoses),
            cases=tuple(case_results),
            seconds=time.monotonic() - start,
            contract=contract.name,
            features=scores,
            ungraded=ungraded,
        )

    with Session(backend, limits) as session:
        try:
            loaded = session.load(submission.files, list(exercise.requires), tuple(stub_modules))
        except SessionAborted as exc:
            return result(exc.kind, f"Your files could not be loaded: {exc.message}")
        missing = [n for n in exercise.requires if n not in loaded.found]
        if missing:
            if loaded.import_errors:
                errors = "\n".join(f"{mod}.py failed to import:\n{environment.with_explanation(text)}" for mod, text in loaded.import_errors.items())
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
        graded = exercise.requires[0]
        if graded in loaded.foreign:
            return result("failed", authorship.not_own_work(graded, loaded.foreign[graded]), diagnoses=(authorship.DIAGNOSIS,))
        case_results: list[CaseResult] = []
        aborts: list[tuple[PreparedCase, SessionAborted]] = []
        for index, case in enumerate(cases):
            ctx = Context(session, exercise, case.public, np.random.default_rng(zlib.crc32(case.id.encode())))
            try:
                exercise.check(ctx, case.inputs, case.expected)
            except StubNotImplemented:
                return result("not_implemented", f"{exercise.name} is not implemented yet (it still raises NotImplementedError).")
            except CaseFailed as failed:
                case_results.append(CaseResult(case.id, case.label, False, failed.message, failed.diagnoses, case.feature, case.public))
                continue
            except SessionAborted as aborted:
                case_results.append(CaseResult(case.id, case.label, False, aborted.message, (), case.feature, case.public))
                aborts.append((case, aborted))
                if index + 1 < len(cases) and _restarted(session, submission, exercise, len(aborts), stub_modules):
                    continue
                case_results += [CaseResult(c.id, c.label, False, NOT_RUN, (), c.feature, c.public) for c in cases[index + 1 :]]
                break
            case_results.append(CaseResult(case.id, case.label, True, "", (), case.feature, case.public))
    if aborts:
        first_case, first = aborts[0]
        skipped = sum(c.message == NOT_RUN for c in case_results)
        msg = f"On case {first_case.label}: {first.message}"
        if skipped:
            msg += f"\n{skipped} later case(s) were not run."
        msg += f"\n{sum(c.passed for c in case_results)} of {len(cases)} cases passed."
        scores = _feature_scores(exercise, cases, case_results)
        if len(scores) > 1 or ungraded:
            msg += "\n" + contracts.feedback(contract.name, scores, ungraded)
        return result(first.kind, msg, case_results)
    expected = {c.id: c.expected for c in cases}
    return _summarise(result, case_results, len(cases), contract.name, _feature_scores(exercise, cases, case_results), ungraded, expected, exercise)


def _feature_scores(exercise: Exercise, cases: Sequence[PreparedCase], case_results: Sequence[CaseResult]) -> tuple[FeatureScore, ...]:
    """Per graded feature: cases passed, cases graded, normalised weight (features in first-case order)."""
    order = list(dict.fromkeys(c.feature for c in cases))
    totals = Counter(c.feature for c in cases)
    passed = Counter(c.feature for c in case_results if c.passed)
    n_all = sum(totals.values()) or 1
    raw = {f: float(exercise.weights[f]) if f in exercise.weights else totals[f] / n_all for f in order}
    norm = sum(raw.values()) or 1.0
    return tuple(FeatureScore(f, passed[f], totals[f], raw[f] / norm) for f in order)


def _restarted(session: Session, submission: Submission, exercise: Exercise, aborts: int, stub_modules: Sequence[str] = ()) -> bool:
    """Start a fresh student process for the remaining cases, at most :data:`MAX_RESTARTS` times.

    One hanging or crashing case must not cost the points of the cases after it.
    Returns whether the new process is up.
    """
    if aborts > MAX_RESTARTS:
        return False
    try:
        session.close()
        session.load(submission.files, list(exercise.requires), tuple(stub_modules))
        return True
    except SessionAborted:
        return False


def _summarise(result, case_results: list[CaseResult], total: int, contract_name: str = "", scores=(), ungraded=(), expected=None, exercise=None) -> ExerciseResult:
    failed = [c for c in case_results if not c.passed]
    if not failed:
        message = f"All {total} cases passed."
        if ungraded:
            message += "\n" + contracts.feedback(contract_name, scores, ungraded)
        return result("passed", message, case_results)
    # A diagnosis is shown only when its variant reproduces the student's output on the failing
    # cases where it applies (grader.diagnoses.confirm); the feedback says on how many.
    weighed = evidence.weigh([(c.diagnoses, (expected or {}).get(c.case_id)) for c in failed])
    shown = evidence.confirm(weighed)
    diagnoses = [e.name for e in shown]
    first = failed[0]
    first_message = first.message
    for e in weighed:
        if e not in shown and exercise is not None:
            first_message = first_message.replace(f"\n→ {exercise.message(e.name)}", "")
    status = "failed" if len(failed) == total else "partial"
    message = f"Failed {len(failed)} of {total} cases. First failure, {first.label}:\n{environment.with_explanation(first_message)}"
    backed = [e for e in shown if e.claimed]
    if backed:
        message += "\n" + "\n".join(evidence.describe(e) for e in backed)
    if len(scores) > 1 or ungraded:
        message += "\n" + contracts.feedback(contract_name, scores, ungraded)
    return result(status, message, case_results, diagnoses)

"""Grade one exercise of one submission: the loop over cases, and what each failure scores."""
from __future__ import annotations

import threading
import time
import zlib
from collections import Counter
from typing import Callable, Sequence

import numpy as np

from grader import authorship, contracts, diagnoses as evidence, environment
from grader.cases import PreparedCase
from grader.exercises.base import CaseFailed, Context, Exercise, StubNotImplemented
from grader.exercises.context import fragment, sentence
from grader.results import CaseResult, ExerciseResult, FeatureScore, abort_status, failure_status
from grader.runner.backend import Backend, Limits
from grader.runner.codec import Ref
from grader.runner.session import SessionAborted, Session
from grader.submission import Submission


# How many times a killed student process is restarted for the remaining cases of an exercise.
MAX_RESTARTS = 2
# Cases whose first calls are sent to the student process together (see _prefetch).
PREFETCH_CHUNK = 64
NOT_RUN = "not run: the process was stopped on an earlier case"
# A catalogue template (domain ``feedback``), translated on feedback pages like the check sentences.
NOT_IMPLEMENTED = sentence("{name} is not implemented yet (it still raises NotImplementedError): replace that `raise` line with your code.")
NOT_LOADED = sentence("Your files could not be loaded: {reason}")
IMPORT_FAILED = sentence("{names} could not be found because a file failed to import; fix the error below (`python yourfile.py` shows it too).")
FAILED_TO_IMPORT = sentence("{module}.py failed to import:")
NOT_DEFINED = sentence("No function or class named {names} in your submission (looked in {looked}). "
                       "Define it at the top level of one of your files, with exactly this name (names are case-sensitive).")
NO_PYTHON_FILES = fragment("no Python files")


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
            return result(abort_status(exc.kind, exc.message), NOT_LOADED.format(reason=exc.message))
        missing = [n for n in exercise.requires if n not in loaded.found]
        if missing:
            if loaded.import_errors:
                errors = "\n".join(FAILED_TO_IMPORT.format(module=mod) + "\n" + environment.with_explanation(text)
                                   for mod, text in loaded.import_errors.items())
                return result("error", IMPORT_FAILED.format(names=", ".join(missing)) + "\n" + errors)
            looked = ", ".join(sorted(submission.files)) or NO_PYTHON_FILES
            return result("missing", NOT_DEFINED.format(names=", ".join(missing), looked=looked))
        graded = exercise.requires[0]
        if graded in loaded.foreign:
            return result("failed", authorship.not_own_work(graded, loaded.foreign[graded]), diagnoses=(authorship.DIAGNOSIS,))
        case_results: list[CaseResult] = []
        aborts: list[tuple[PreparedCase, SessionAborted]] = []
        prefetched: dict[int, object] = {}
        planned = 0                                   # cases before this one were prefetched
        for index, case in enumerate(cases):
            if index >= planned:
                planned = index + PREFETCH_CHUNK
                prefetched.update(_prefetch(session, exercise, cases, index, lambda: _reopen(session, submission, exercise, stub_modules)))
            caller = _Replayer(session, prefetched.pop(index)) if index in prefetched else session
            ctx = Context(caller, exercise, case.public, _case_rng(case))
            try:
                exercise.check(ctx, case.inputs, case.expected)
            except StubNotImplemented:
                return result("not_implemented", NOT_IMPLEMENTED.format(name=exercise.name))
            except CaseFailed as failed:
                case_results.append(CaseResult(case.id, case.label, False, failed.message, failed.diagnoses, case.feature, case.public, error_map=failed.error_map))
                continue
            except SessionAborted as aborted:
                case_results.append(CaseResult(case.id, case.label, False, aborted.message, (), case.feature, case.public))
                aborts.append((case, aborted))
                if index + 1 < len(cases) and _restarted(session, submission, exercise, len(aborts), stub_modules):
                    planned = index + 1           # batch the remaining cases in the new process
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
        return result(abort_status(first.kind, first.message), msg, case_results)
    expected = {c.id: c.expected for c in cases}
    return _summarise(result, case_results, len(cases), contract.name, _feature_scores(exercise, cases, case_results), ungraded, expected, exercise)


def _case_rng(case: PreparedCase) -> np.random.Generator:
    # Made on first use: most checks never draw (only gradient checks that fail do), and a
    # Generator costs ~50 µs to seed, as much as a round trip to the student process.
    return _LazyRng(zlib.crc32(case.id.encode()))


class _LazyRng:
    """A ``np.random.Generator`` seeded with ``seed``, created when first used."""

    def __init__(self, seed: int):
        self._seed = seed
        self._rng = None

    def __getattr__(self, name: str):
        if self._rng is None:
            self._rng = np.random.default_rng(self._seed)
        return getattr(self._rng, name)


class _Prefetch(BaseException):
    """Raised by :class:`_Recorder` at a check's first call, carrying its request.

    A BaseException, so that a check's ``except Exception`` does not swallow it."""

    def __init__(self, request: dict):
        super().__init__()
        self.request = request


class _Live(BaseException):
    """The check's first step cannot be sent ahead (it stores state or counts parameters)."""


class _Recorder:
    """Stands in for the session while a check runs up to its first call, which it records."""

    def __init__(self, session: Session):
        self._session = session

    def call(self, func, *args, **kwargs):
        request = self._session.request(func, *args, **kwargs)
        if "store" in request or "echo_stored" in request or _refers(request["func"]) or _refers(request["args"]) \
                or _refers(request.get("kwargs")):
            raise _Live()
        raise _Prefetch(request)

    def param_count(self, key: str) -> int:
        raise _Live()


class _Replayer:
    """The session, except that the check's first call is answered from a prefetched reply."""

    def __init__(self, session: Session, first):
        self._session = session
        self._first = first

    def call(self, func, *args, **kwargs):
        if self._first is not None:
            first, self._first = self._first, None
            if isinstance(first, BaseException):
                raise first
            return first
        return self._session.call(func, *args, **kwargs)

    def param_count(self, key: str) -> int:
        return self._session.param_count(key)


def _refers(value) -> bool:
    """Whether a request (part) names a value stored in the child (``codec.Ref``)."""
    t = type(value)
    if t is Ref:
        return True
    if t is dict:
        return any(_refers(v) for v in value.values())
    if t is list or t is tuple:
        return any(_refers(v) for v in value)
    return False


def _prefetch(session: Session, exercise: Exercise, cases: Sequence[PreparedCase], start: int,
              reopen: Callable[[], None]) -> dict:
    """Sends the first call of each of the next :data:`PREFETCH_CHUNK` cases in one round trip.

    Each check runs once against a :class:`_Recorder` up to its first call: a call that
    depends on nothing kept in the student process (no ``store``, no ``Ref``) is collected;
    the child answers all of them at once (``Session.call_many``); the check then runs for
    real with that answer standing in for its first call (:class:`_Replayer`) and makes any
    further calls live. Checks are deterministic given their case and their replies, so the
    result is the same as with one round trip per call, with far fewer round trips (most
    cases of assignment 01 make exactly one call). Comparisons stay in the grader.

    Returns:
        case index → :class:`~grader.runner.session.Reply`, ``StudentError``, or (for the case
        whose call hung or ended the process; the cases after it are left to run live)
        ``SessionAborted``; empty when the batch could not be sent (``reopen`` then starts a
        fresh process).
    """
    chunk = tuple(cases[start:start + PREFETCH_CHUNK])
    key = (exercise.name, tuple(map(id, chunk)))
    planned = _PLANS.get(key)
    # Same ids as live objects the entry holds: the very same cases. The exercise is checked too.
    if planned is None or planned[0] is not exercise:
        planned = (exercise, chunk, *_plan(session, exercise, chunk))
        with _PLANS_LOCK:
            while len(_PLANS) >= _MAX_PLANS:
                _PLANS.pop(next(iter(_PLANS)))
            _PLANS[key] = planned
    _, _, queued, encoded = planned
    if len(queued) < 2:
        return {}
    try:
        replies = session.call_many([request for _, request in queued], encoded)
    except SessionAborted:
        reopen()
        return {}
    # A SessionAborted in the replies stands for the case whose call hung or killed the
    # process: replayed, it is that case's abort (and the usual restart follows).
    return {start + offset: reply for (offset, _), reply in zip(queued, replies)}


# What _plan found for a chunk of cases, kept while the batch grades every submission on the same
# cases: (exercise, cases, queued, encoded). Keyed by the cases' identities, which the entry's
# own references keep from being reused.
_PLANS: dict = {}
_PLANS_LOCK = threading.Lock()   # batch workers are threads
_MAX_PLANS = 256


def _plan(session: Session, exercise: Exercise, chunk: Sequence[PreparedCase]) -> tuple[list, bytes]:
    """Each check of ``chunk`` run up to its first call: ``[(offset, request)]`` of the calls that
    can be sent ahead, and their ``call_many`` message. Depends only on the cases (checks are
    deterministic), never on the submission."""
    recorder = _Recorder(session)
    queued: list[tuple[int, dict]] = []
    for offset, case in enumerate(chunk):
        try:
            exercise.check(Context(recorder, exercise, case.public, _case_rng(case)), case.inputs, case.expected)
        except _Prefetch as first:
            queued.append((offset, first.request))
        except Exception:          # _Live, or the check failed before calling: run it live
            pass
        except _Live:
            pass
    return queued, (Session.encode_many([request for _, request in queued]) if len(queued) >= 2 else b"")


def _reopen(session: Session, submission: Submission, exercise: Exercise, stub_modules: Sequence[str] = ()) -> None:
    """A fresh student process after a failed batch (not counted as a restart: no case was blamed)."""
    try:
        session.close()
        session.load(submission.files, list(exercise.requires), tuple(stub_modules))
    except SessionAborted:
        pass                       # the live cases report it


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
    status = failure_status([c.message for c in failed], total - len(failed))
    message = f"Failed {len(failed)} of {total} cases. First failure, {first.label}:\n{environment.with_explanation(first_message)}"
    backed = [e for e in shown if e.claimed]
    if backed:
        message += "\n" + "\n".join(evidence.describe(e) for e in backed)
    if len(scores) > 1 or ungraded:
        message += "\n" + contracts.feedback(contract_name, scores, ungraded)
    return result(status, message, case_results, diagnoses)

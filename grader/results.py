"""Immutable grading results, their statuses and scoring.

Everything here that holds text may hold text from a student's process (exception messages,
printed output, file names). Such text is made safe on the way in (:func:`safe_text`): lone
surrogates and other unencodable code points become U+FFFD, so every writer (UTF-8 JSON, CSV,
SQLite, the terminal) can write any result.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from grader.compare import ErrorMap
from grader.i18n import N_

# Statuses, from best to worst, with what each means (the catalogue domain is "feedback").
STATUS_MEANINGS = {
    "passed": N_("every case passed"),
    "partial": N_("some cases passed"),
    "failed": N_("the code ran but returned wrong values"),
    "error": N_("the code raised an exception, or its result was refused as malformed"),
    "denied": N_("the sandbox refused an operation the code attempted"),
    "timeout": N_("the code ran past the time limit"),
    "memory": N_("the code ran past the memory limit"),
    "crashed": N_("the code's process ended (exit, signal, crash)"),
    "missing": N_("nothing to grade: no such function, or no submission"),
    "not_implemented": N_("still the unchanged stub"),
}
STATUSES = tuple(STATUS_MEANINGS)

# Reasons a process ended that mean a limit or the sandbox stopped it (see grader.sandbox.exits).
_MEMORY_MARKS = ("memory limit", "MemoryError", "Cannot allocate memory", "can't allocate memory")
_DENIED_MARKS = ("signal 31", "SIGSYS", "bad system call", "seccomp", "Operation not permitted", "Permission denied")


def safe_text(text: object) -> str:
    """``text`` as a string that encodes to UTF-8 everywhere.

    Lone surrogates (``"\ud800"`` from a student's exception message, ``"\udcff"`` from an
    undecodable file name) become U+FFFD; NUL becomes U+FFFD too (SQLite and C strings stop at it).

    Args:
        text: any object; non-strings are converted with ``str``.
    Returns:
        A str without surrogates or NUL.
    """
    text = text if isinstance(text, str) else str(text)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        text = "".join("\ufffd" if "\ud800" <= ch <= "\udfff" else ch for ch in text)
    return text.replace("\0", "\ufffd")


def abort_status(kind: str, message: str) -> str:
    """The status of an exercise whose student process was stopped.

    Args:
        kind: ``SessionAborted.kind`` (``"timeout"`` or ``"crashed"``).
        message: the reason (worded by :mod:`grader.sandbox.exits` / the local backend).
    Returns:
        ``"timeout"``; ``"memory"`` when a memory limit ended it; ``"denied"`` when the sandbox
        killed it for a forbidden operation (seccomp's SIGSYS); else ``"crashed"``.
    """
    if kind == "timeout":
        return "timeout"
    if any(m in message for m in _MEMORY_MARKS):
        return "memory"
    if any(m in message for m in _DENIED_MARKS):
        return "denied"
    return kind if kind in STATUSES else "crashed"


def failure_status(messages: list[str], passed: int) -> str:
    """The status of an exercise whose process survived but some cases failed.

    Args:
        messages: the failed cases' messages.
        passed: number of cases passed.
    Returns:
        ``"partial"`` when any case passed; else ``"memory"`` when every failure is a
        ``MemoryError``, ``"denied"`` when every failure is the sandbox refusing an operation
        (``PermissionError``), ``"error"`` when every failure is an exception raised or a
        malformed result; else ``"failed"`` (wrong values).
    """
    if passed:
        return "partial"
    if not messages:
        return "failed"
    if all(" raised MemoryError" in m for m in messages):
        return "memory"
    if all(" raised PermissionError" in m or "Operation not permitted" in m for m in messages):
        return "denied"
    if all(_is_error(m) for m in messages):
        return "error"
    return "failed"


def _is_error(message: str) -> bool:
    # Wording of grader.exercises.base (``<name> raised <Type>: ...``) and of the checks that
    # refuse a malformed return value before comparing values.
    first = message.split("\n", 1)[0]
    return " raised " in first or ": expected an ndarray of shape" in first or first.startswith("could not count") or "malformed" in first


@dataclass(frozen=True)
class CaseResult:
    """One case of one exercise.

    Attributes:
        case_id: stable id, e.g. ``"hidden/07"``.
        label: human description of the inputs (no expected values).
        passed: whether every check of the case held.
        message: what went wrong (empty when passed).
        diagnoses: names of misconceptions matched, e.g. ``("flipped_kernel",)``.
        feature: the contract feature the case exercises (``"core"``, ``"dilation"``, ...).
        public: whether the student has the case (hidden cases' records carry no inputs or
            expected values anywhere; their messages never show reference values).
        error_map: |got − expected| of the failing comparison reduced for a heat map
            (:class:`grader.compare.ErrorMap`); only where the check may show it (public cases).
    """

    case_id: str
    label: str
    passed: bool
    message: str = ""
    diagnoses: tuple[str, ...] = ()
    feature: str = "core"
    public: bool = True
    error_map: ErrorMap | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "message", safe_text(self.message))
        object.__setattr__(self, "label", safe_text(self.label))

    def to_json(self) -> dict:
        """The per-case record: ``case_id`` (also as ``id``, the contract branch's name), ``label,
        feature, public, passed, message, diagnoses`` (hidden cases carry no reference values) and,
        when there is one, ``error_map`` (:meth:`ErrorMap.to_json`)."""
        record = {
            "case_id": self.case_id,
            "id": self.case_id,
            "label": self.label,
            "feature": self.feature,
            "public": self.public,
            "passed": self.passed,
            "message": self.message,
            "diagnoses": list(self.diagnoses),
        }
        if self.error_map is not None:
            record["error_map"] = self.error_map.to_json()
        return record


@dataclass(frozen=True)
class FeatureScore:
    """How one contract feature of an exercise went.

    Attributes:
        feature: e.g. ``"dilation"``.
        passed: cases of the feature passed.
        total: cases of the feature graded.
        weight: the feature's share of the exercise's points, normalised over the graded features (0–1).
    """

    feature: str
    passed: int
    total: int
    weight: float

    def to_json(self) -> dict:
        """``feature, passed, total, weight``."""
        return {"feature": self.feature, "passed": self.passed, "total": self.total, "weight": round(self.weight, 4)}


@dataclass(frozen=True)
class ExerciseResult:
    """One exercise (gradebook column) of one submission.

    Attributes:
        name: the graded function's or class's name, e.g. ``"conv_forward_naive"``.
        assignment: e.g. ``"02_convolution"``.
        score: points earned (``max_score × passed cases / cases``, rounded to 0.01).
        max_score: points available.
        status: one of :data:`STATUSES`.
        message: feedback for the student (first failure in detail, counts, next step).
        diagnoses: misconceptions named, most frequent first.
        cases: per-case results (hidden ones carry no reference values).
        seconds: wall time spent grading it, in seconds.
        contract: the contract graded under (``"deepgrade"``, ``"cs231n"``; ``""`` when unknown).
        features: per-feature results of the graded features.
        ungraded: features the exercise has cases for that the contract does not grade.
    """

    name: str
    assignment: str
    score: float
    max_score: float
    status: str
    message: str
    diagnoses: tuple[str, ...] = ()
    cases: tuple[CaseResult, ...] = ()
    seconds: float = 0.0
    contract: str = ""
    features: tuple[FeatureScore, ...] = ()
    ungraded: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "message", safe_text(self.message))

    def to_json(self) -> dict:
        """JSON-ready dict: ``name, assignment, score, max_score, status, diagnoses, message``, case
        counts, ``contract``, ``features`` (per-feature results), ``ungraded`` and ``cases`` (per-case
        records, see :meth:`CaseResult.to_json`)."""
        return {
            "name": self.name,
            "assignment": self.assignment,
            "score": self.score,
            "max_score": self.max_score,
            "status": self.status,
            "diagnoses": list(self.diagnoses),
            "message": self.message,
            "passed_cases": sum(c.passed for c in self.cases),
            "total_cases": len(self.cases),
            "seconds": round(self.seconds, 3),
            "contract": self.contract,
            "features": [f.to_json() for f in self.features],
            "ungraded": list(self.ungraded),
            "cases": [c.to_json() for c in self.cases],
        }


@dataclass(frozen=True)
class SubmissionResult:
    """All exercises of one submission.

    Attributes:
        submission: the student id (see :mod:`grader.intake.identity`), or the file or folder
            name when graded outside a batch.
        digest: sha256 of the graded files (for resuming and reproducibility).
        exercises: results in assignment order.
        notes: remarks about the submission as a whole (e.g. files that failed to import).
        display_name: the name to show (defaults to ``submission``).
        files: the graded files' paths relative to the submission.
        sources: where the files came from (LMS file names, archives), for the instructor.
    """

    submission: str
    digest: str
    exercises: tuple[ExerciseResult, ...]
    notes: tuple[str, ...] = field(default=())
    display_name: str = ""
    files: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        for name in ("submission", "display_name"):
            object.__setattr__(self, name, safe_text(getattr(self, name)))
        for name in ("notes", "files", "sources"):
            object.__setattr__(self, name, tuple(safe_text(t) for t in getattr(self, name)))

    @property
    def total(self) -> float:
        """Points earned, rounded to 0.01."""
        return round(sum(e.score for e in self.exercises), 2)

    @property
    def max_total(self) -> float:
        """Points available."""
        return round(sum(e.max_score for e in self.exercises), 2)

    def to_json(self) -> dict:
        """The per-submission JSON document (``OUT/<output name>.json``), self-describing.

        Keys:
            ``submission``: the stable student id (the gradebook key).
            ``display_name``: the name to show.
            ``total``, ``max_total``: points (floats, rounded to 0.01).
            ``status``: worst-first summary, see :meth:`status`.
            ``exercises``: one :meth:`ExerciseResult.to_json` per exercise, in assignment order;
            each has ``name, assignment, score, max_score, status, diagnoses, message,
            passed_cases, total_cases, seconds, cases`` and each case ``case_id`` (``public/..``
            or ``hidden/..``), ``label``, ``passed``, ``message``, ``diagnoses``.
            ``digest``: sha256 hex of the graded sources.
            ``files``: graded file paths; ``sources``: where they came from (LMS names, archives).
            ``notes``: remarks on the submission as a whole (skipped files, unreadable notebooks).
            The batch adds ``graded_at`` (UTC ISO 8601), ``grader_version``, ``contract``,
            ``secret_hash`` and ``output_name`` (see :mod:`grader.store`).
        """
        return {
            "submission": self.submission,
            "display_name": self.display_name or self.submission,
            "total": self.total,
            "max_total": self.max_total,
            "status": self.status,
            "exercises": [e.to_json() for e in self.exercises],
            "digest": self.digest,
            "files": list(self.files),
            "sources": list(self.sources),
            "notes": list(self.notes),
        }

    @property
    def status(self) -> str:
        """``"passed"`` when every exercise passed, ``"missing"`` when nothing was graded or every
        exercise is missing, else ``"partial"``."""
        if all(e.status == "missing" for e in self.exercises):
            return "missing"
        if all(e.status == "passed" for e in self.exercises):
            return "passed"
        return "partial"


def score_for(points: float, passed: int, total: int) -> float:
    """Partial credit: ``points × passed / total`` rounded to 0.01 (0 when ``total`` is 0)."""
    return round(points * passed / total, 2) if total else 0.0



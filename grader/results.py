"""Immutable grading results and their scoring."""
from __future__ import annotations

from dataclasses import dataclass, field

from grader.compare import ErrorMap

# Statuses, from best to worst. "not_implemented" is an untouched stub.
STATUSES = ("passed", "partial", "failed", "error", "timeout", "crashed", "missing", "not_implemented")


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

    def to_json(self) -> dict:
        """The per-case record: ``id, label, feature, public, passed, message, diagnoses`` (no
        inputs, no expected values) and, when there is one, ``error_map`` (:meth:`ErrorMap.to_json`)."""
        record = {
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

    def to_json(self) -> dict:
        """JSON-ready dict: ``name, assignment, score, max_score, status, diagnoses, message,
        passed_cases, total_cases, seconds, cases`` (``cases``: :meth:`CaseResult.to_json` records)."""
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
            "cases": [c.to_json() for c in self.cases],
        }


@dataclass(frozen=True)
class SubmissionResult:
    """All exercises of one submission.

    Attributes:
        submission: the submission's name (file or folder name).
        digest: sha256 of the graded files (for resuming and reproducibility).
        exercises: results in assignment order.
        notes: remarks about the submission as a whole (e.g. files that failed to import).
    """

    submission: str
    digest: str
    exercises: tuple[ExerciseResult, ...]
    notes: tuple[str, ...] = field(default=())

    @property
    def total(self) -> float:
        """Points earned, rounded to 0.01."""
        return round(sum(e.score for e in self.exercises), 2)

    @property
    def max_total(self) -> float:
        """Points available."""
        return round(sum(e.max_score for e in self.exercises), 2)

    def to_json(self) -> dict:
        """The per-submission JSON document: ``submission, total, max_total, exercises, ...``."""
        return {
            "submission": self.submission,
            "total": self.total,
            "max_total": self.max_total,
            "exercises": [e.to_json() for e in self.exercises],
            "digest": self.digest,
            "notes": list(self.notes),
        }


def score_for(points: float, passed: int, total: int) -> float:
    """Partial credit: ``points × passed / total`` rounded to 0.01 (0 when ``total`` is 0)."""
    return round(points * passed / total, 2) if total else 0.0



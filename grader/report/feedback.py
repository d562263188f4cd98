"""What one student's feedback says, decided once for every format (HTML, Markdown, terminal).

:func:`build` turns a per-student result JSON document (``OUT/<student>.json``, see
:meth:`grader.results.SubmissionResult.to_json`) into a :class:`StudentFeedback`: per exercise
what passed (per feature when the cases carry features), the diagnoses in the reader's
language, the next step, and the failing cases the student may see. The renderers only lay
it out, so the disclosure rule for hidden cases is enforced here, in one place:

==========  ===========================================================================
level       what a failing *hidden* case discloses (public cases always show everything)
==========  ===========================================================================
points      nothing but counts and points
message     the failure message and the diagnoses it names
input       also the case's label (the description of its inputs)
full        also its error map (only after the course's deadline; see :func:`level_at`)
==========  ===========================================================================

Results never hold hidden inputs or expected values (checks write hidden messages without
them), so ``full`` shows everything a result holds.

Failure messages are produced by the checks in English; a diagnosis (a named misconception)
is translated through the ``exercises`` catalogue by looking its English text up in the
exercise registry, and the English copy of it is removed from the message.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Mapping, Sequence

from grader.compare import ErrorMap
from grader.config import DEFAULT_HIDDEN, HIDDEN_LEVELS, FeedbackConfig
from grader.i18n import N_, translator
from grader.report import phrases

# Statuses whose exercise-level message describes no case when the exercise has no case records
# (the files did not load, the name is missing, the stub is untouched).
NO_CASE_STATUSES = ("passed", "error", "missing", "not_implemented")
MAX_CASES_SHOWN = 3  # failing cases described per exercise; the rest are counted

STATUS_TEXT = {
    "passed": N_("passed"),
    "partial": N_("partly passed"),
    "failed": N_("failed"),
    "error": N_("error"),
    "denied": N_("refused by the sandbox"),
    "timeout": N_("time limit exceeded"),
    "memory": N_("memory limit exceeded"),
    "crashed": N_("crashed"),
    "missing": N_("missing"),
    "not_implemented": N_("not implemented"),
}

NEXT_STEP = {
    "passed": N_("Nothing to do: every case passed."),
    "not_implemented": N_("Write {name}: it still raises NotImplementedError."),
    "missing": N_("Define {name} at the top level of one of your files, spelled exactly like this (names are case-sensitive)."),
    "error": N_("Fix the error shown here first: running `python yourfile.py` shows it too."),
    "denied": N_("Remove what the grader refused (opening files, the network, new processes): exercises need only NumPy and PyTorch."),
    "timeout": N_("Your code ran out of time: look for a loop that never ends, or replace Python loops over pixels with NumPy operations."),
    "memory": N_("Your code used too much memory: avoid building huge intermediate arrays."),
    "crashed": N_("Your process stopped abruptly: look for code that exits the interpreter or recurses without end."),
    "diagnosis": N_("Start with the diagnosis: it names the mistake that explains the failing cases."),
    "public": N_("Reproduce the first failing public case with `deepgrade check {assignment} -k {name}` and compare your output with the expected one."),
    "feature": N_("Your code handles the core cases; the failing ones use {features}: read what the docstring says about them."),
    "hidden": N_("Every public case passes but some hidden cases fail: test edge cases yourself (pad 0, N = 1, H ≠ W, non-square kernels, stride > 1)."),
}


HEAT_MAP_CAPTION = {
    (True, True): N_("Where {name} differs from the expected values in case {case}: |expected − got|, largest over the leading axes of shape {shape}; outlined cells are beyond the tolerance {tol}."),
    (True, False): N_("Where {name} differs from the expected values in case {case}: |expected − got| over its shape {shape}; outlined cells are beyond the tolerance {tol}."),
    (False, True): N_("Where {name} differs in case {case} (|expected − got|, largest over the leading axes of shape {shape}; · is within the tolerance {tol}, darker is larger):"),
    (False, False): N_("Where {name} differs in case {case} (|expected − got| over its shape {shape}; · is within the tolerance {tol}, darker is larger):"),
}


def heat_map_caption(t, case: "CaseView", *, picture: bool, code=str) -> str:
    """The caption of a case's heat map in the translator ``t``'s language.

    Args:
        t: a :class:`grader.i18n.Translator` of domain ``feedback``.
        case: a case with an error map.
        picture: for the drawn image (outlined cells) rather than the block-character map.
        code: how identifiers are marked up in the target format (e.g. a Markdown code span).
    Returns:
        The caption (reduced leading axes are mentioned only for arrays of 3 or more axes).
    """
    m = case.error_map
    message = HEAT_MAP_CAPTION[(picture, len(m.shape) > 2)]
    return t(message, name=code(m.name or "out"), case=code(case.id), shape=code(tuple(m.shape)), tol=f"{m.tolerance:.2g}")


def level_at(config: FeedbackConfig, now: datetime | None = None) -> str:
    """The disclosure level in force at ``now``: ``"full"`` falls back to ``"input"`` before the deadline.

    Args:
        config: the ``[feedback]`` section.
        now: an aware datetime (default: the current time, UTC).
    Returns:
        One of :data:`grader.config.HIDDEN_LEVELS`.
    """
    now = now or datetime.now(timezone.utc)
    if config.hidden == "full" and (config.deadline is None or now < config.deadline):
        return "input"
    return config.hidden


def allows(level: str, needed: str) -> bool:
    """Whether disclosure ``level`` includes what ``needed`` discloses (both in :data:`HIDDEN_LEVELS`).

    Raises:
        ValueError: an unknown level.
    """
    return HIDDEN_LEVELS.index(level) >= HIDDEN_LEVELS.index(needed)


@dataclass(frozen=True)
class Diagnosis:
    """A named misconception: ``name`` (e.g. ``"flipped_kernel"``), ``text`` in the reader's
    language, ``cases`` (how many disclosed failing cases it explains)."""

    name: str
    text: str
    cases: int


@dataclass(frozen=True)
class CaseView:
    """A failing case as the student may see it.

    Attributes:
        id: ``"public/03"`` / ``"hidden/07"``.
        public: whether the student has the case.
        feature: the contract feature it exercises.
        label: the description of its inputs, or ``None`` when withheld.
        message: the failure message (English, misconception lines removed), ``None`` when withheld.
        diagnoses: misconception names.
        error_map: where the output differs (public cases; hidden ones at level ``full``).
    """

    id: str
    public: bool
    feature: str
    label: str | None
    message: str | None
    diagnoses: tuple[str, ...]
    error_map: ErrorMap | None


@dataclass(frozen=True)
class FeatureView:
    """Cases of one feature: ``name``, ``passed``, ``total`` (public and hidden together), and
    ``weight``, its share of the exercise's points (0–1), when the result states it (else ``None``)."""

    name: str
    passed: int
    total: int
    weight: float | None = None


@dataclass(frozen=True)
class ExerciseView:
    """One exercise of the feedback.

    Attributes:
        name, assignment: as in the result.
        score, max_score: points.
        status: a result status; ``status_text`` says it in the reader's language.
        passed_cases, total_cases: counts over all cases (hidden included: counts are always shown).
        features: per-feature counts (one ``core`` entry when cases carry no features).
        ungraded: features the exercise has that the course's contract does not grade.
        message: the exercise-level message when it may be shown (no case details), else ``None``.
        diagnoses: the misconceptions named by disclosed failing cases, most frequent first.
        cases: disclosed failing cases, at most :data:`MAX_CASES_SHOWN`, public first.
        more_failing: failing cases disclosed but not listed.
        withheld: failing hidden cases whose details the disclosure level withholds.
        next_step: what to do now, in the reader's language.
    """

    name: str
    assignment: str
    score: float
    max_score: float
    status: str
    status_text: str
    passed_cases: int
    total_cases: int
    features: tuple[FeatureView, ...]
    ungraded: tuple[str, ...]
    message: str | None
    diagnoses: tuple[Diagnosis, ...]
    cases: tuple[CaseView, ...]
    more_failing: int
    withheld: int
    next_step: str

    @property
    def heat_map_case(self) -> CaseView | None:
        """The first listed case that has an error map (the one picture shown), or ``None``."""
        return next((c for c in self.cases if c.error_map is not None), None)


@dataclass(frozen=True)
class StudentFeedback:
    """One student's feedback.

    Attributes:
        student: the submission's name as recorded.
        lang: ``"en"`` or ``"ko"``.
        level: the disclosure level applied to hidden cases.
        total, max_total: points.
        exercises: in result order.
        notes: remarks on the submission as a whole.
    """

    student: str
    lang: str
    level: str
    total: float
    max_total: float
    exercises: tuple[ExerciseView, ...]
    notes: tuple[str, ...]


def clean_text(text: Any) -> str:
    """``text`` as a string that any UTF-8 writer accepts (lone surrogates and other
    unencodable characters become U+FFFD; NUL is dropped)."""
    s = str(text)
    # UTF-16 with surrogatepass pairs up valid surrogates; decoding replaces the lone ones.
    return s.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace").replace("\x00", "")


def misconception_text(assignment: str, exercise: str, name: str) -> str | None:
    """The English text of misconception ``name`` of an exercise, from the exercise registry.

    Args:
        assignment: e.g. ``"02_convolution"``.
        exercise: the graded name.
        name: the diagnosis name.
    Returns:
        The text, or ``None`` for an unknown assignment, exercise or name.
    """
    from grader.exercises import ASSIGNMENTS

    for ex in ASSIGNMENTS.get(assignment, ()):
        if ex.name == exercise:
            return ex.misconceptions.get(name)
    return None


def build(result: Mapping[str, Any], *, lang: str = "en", level: str = DEFAULT_HIDDEN) -> StudentFeedback:
    """The feedback of one result document.

    Args:
        result: a per-student result JSON dict: ``submission`` (or ``display_name``), ``total``, ``max_total``,
            ``exercises`` (each ``name, assignment, score, max_score, status, message,
            diagnoses`` and optionally ``cases`` records ``id`` (or ``case_id``), ``label, feature, public,
            passed, message, diagnoses, error_map``), ``notes``.
        lang: ``"en"`` or ``"ko"``.
        level: disclosure level for hidden cases (:data:`grader.config.HIDDEN_LEVELS`);
            apply :func:`level_at` first to honour the deadline.
    Returns:
        The :class:`StudentFeedback`.
    Raises:
        ValueError: unknown level. :class:`grader.i18n.UnknownLanguage`: unknown language.
        KeyError: ``result`` lacks ``submission`` or ``exercises``.
    """
    _check_level(level)
    t = translator(lang, "feedback")
    exercises = tuple(_exercise(e, t, lang, level) for e in result["exercises"])
    return StudentFeedback(
        student=clean_text(result.get("display_name") or result["submission"]),
        lang=lang,
        level=level,
        total=float(result.get("total", sum(e.score for e in exercises))),
        max_total=float(result.get("max_total", sum(e.max_score for e in exercises))),
        exercises=exercises,
        notes=tuple(clean_text(phrases.translate_note(str(n), lang)) for n in result.get("notes", ())),
    )


def exercise(e: Mapping[str, Any], *, lang: str = "en", level: str = DEFAULT_HIDDEN) -> ExerciseView:
    """The feedback of one exercise result (``ExerciseResult.to_json()``; keys as in :func:`build`).

    Raises:
        ValueError: unknown level. :class:`grader.i18n.UnknownLanguage`: unknown language.
    """
    _check_level(level)
    return _exercise(e, translator(lang, "feedback"), lang, level)


def _check_level(level: str) -> None:
    if level not in HIDDEN_LEVELS:
        raise ValueError(f"unknown disclosure level {level!r}; choose one of {', '.join(HIDDEN_LEVELS)}")


def _exercise(e: Mapping[str, Any], t, lang: str, level: str) -> ExerciseView:
    name, assignment, status = str(e["name"]), str(e.get("assignment", "")), str(e.get("status", "failed"))
    records = e.get("cases")
    has_cases = bool(records)
    records = list(records or ())
    passed = sum(bool(c.get("passed")) for c in records) if has_cases else int(e.get("passed_cases", 0))
    total = len(records) if has_cases else int(e.get("total_cases", 0))

    features: dict[str, list[int]] = {}
    for c in records:
        f = features.setdefault(str(c.get("feature") or "core"), [0, 0])
        f[0] += bool(c.get("passed"))
        f[1] += 1

    failing = [c for c in records if not c.get("passed")]
    failing.sort(key=lambda c: not _is_public(c))  # public first: the student can rerun those
    shown: list[CaseView] = []
    withheld = 0
    for c in failing:
        view = _case(c, name, assignment, level, lang)
        if view is None:
            withheld += 1
        else:
            shown.append(view)

    # With case records the cases tell the story (the exercise-level message quotes the first
    # failing case's label, which may be a hidden one). Without them, only a message that
    # describes no case is safe below level "input".
    if not has_cases and (status in NO_CASE_STATUSES or allows(level, "input")):
        message = phrases.translate(_strip_misconceptions(clean_text(e.get("message", "")), assignment, name), lang) or None
    else:
        message = None
    counts: dict[str, int] = {}
    for c in shown:
        for d in c.diagnoses:
            counts[d] = counts.get(d, 0) + 1
    if not has_cases and allows(level, "message"):
        counts = {str(d): 0 for d in e.get("diagnoses", ())}
    ordered = sorted(counts, key=lambda d: -counts[d])
    diagnoses = tuple(Diagnosis(d, diagnosis_text(assignment, name, d, lang), counts[d]) for d in ordered)

    return ExerciseView(
        name=name,
        assignment=assignment,
        score=float(e.get("score", 0.0)),
        max_score=float(e.get("max_score", 0.0)),
        status=status,
        status_text=t(STATUS_TEXT.get(status, status)),
        passed_cases=passed,
        total_cases=total,
        features=_feature_views(e.get("features"), features),
        ungraded=tuple(clean_text(u) for u in e.get("ungraded") or ()),
        message=message,
        diagnoses=diagnoses,
        cases=tuple(shown[:MAX_CASES_SHOWN]),
        more_failing=max(0, len(shown) - MAX_CASES_SHOWN),
        withheld=withheld,
        next_step=_next_step(t, status, name, assignment, diagnoses, shown, features),
    )


def _feature_views(stated: Any, counted: Mapping[str, list]) -> tuple[FeatureView, ...]:
    """Per-feature results as the result states them (``feature, passed, total, weight``
    records), else as counted from the case records."""
    views = []
    for f in stated or ():
        try:
            weight = f.get("weight")
            views.append(FeatureView(clean_text(f["feature"]), int(f["passed"]), int(f["total"]), None if weight is None else float(weight)))
        except (AttributeError, KeyError, TypeError, ValueError):
            views = []
            break
    return tuple(views) or tuple(FeatureView(k, v[0], v[1]) for k, v in counted.items())


def diagnosis_text(assignment: str, exercise: str, name: str, lang: str) -> str:
    """A diagnosis in ``lang``: the exercise's misconception text through the ``exercises``
    catalogue, or the bare name when the exercise does not define it."""
    english = misconception_text(assignment, exercise, name)
    return translator(lang, "exercises")(english) if english else name


def _case_id(c: Mapping[str, Any]) -> str:
    return str(c.get("id", c.get("case_id", "")))


def _is_public(c: Mapping[str, Any]) -> bool:
    """Public only when the record says so and its id is not a hidden one (either alone could be wrong)."""
    cid = _case_id(c)
    return bool(c.get("public", cid.startswith("public/"))) and not cid.startswith("hidden/")


def _case_diagnoses(c: Mapping[str, Any], assignment: str, exercise: str) -> tuple[str, ...]:
    """The record's diagnosis names; read from its ``→ <misconception>`` lines when it has no list."""
    if c.get("diagnoses") is not None:
        return tuple(str(d) for d in c["diagnoses"])
    from grader.exercises import ASSIGNMENTS

    by_text = {v: k for ex in ASSIGNMENTS.get(assignment, ()) if ex.name == exercise for k, v in ex.misconceptions.items()}
    texts = [_arrow_text(ln) for ln in str(c.get("message", "")).splitlines()]
    return tuple(by_text[x] for x in texts if x in by_text)


def _case(c: Mapping[str, Any], exercise: str, assignment: str, level: str, lang: str = "en") -> CaseView | None:
    """The student's view of a failing case record, or ``None`` when it is withheld entirely."""
    public = _is_public(c)
    if not public and not allows(level, "message"):
        return None
    show_input = public or allows(level, "input")
    show_map = public or allows(level, "full")
    emap = None
    if show_map and c.get("error_map"):
        try:
            emap = ErrorMap.from_json(c["error_map"])
        except (KeyError, TypeError, ValueError, IndexError):
            emap = None  # a malformed map is left out rather than failing the page
    return CaseView(
        id=clean_text(_case_id(c)),
        public=public,
        feature=clean_text(c.get("feature") or "core"),
        label=clean_text(c.get("label", "")) if show_input else None,
        message=phrases.translate(_strip_misconceptions(clean_text(c.get("message", "")), assignment, exercise), lang),
        diagnoses=_case_diagnoses(c, assignment, exercise),
        error_map=emap,
    )


def _strip_misconceptions(message: str, assignment: str, exercise: str) -> str:
    """``message`` without its ``→ <misconception>`` lines (diagnoses are shown translated instead)."""
    from grader.exercises import ASSIGNMENTS

    texts = {v for ex in ASSIGNMENTS.get(assignment, ()) if ex.name == exercise for v in ex.misconceptions.values()}
    if not texts:
        return message.strip()
    lines = [ln for ln in message.splitlines() if _arrow_text(ln) not in texts]
    return "\n".join(lines).strip()


_ARROW = re.compile(r"^→ (?:\(your [A-Za-z_][\w.]*\) )?(.*)$")


def _arrow_text(line: str) -> str | None:
    """The misconception text of a ``→ <text>`` or ``→ (your forward_name) <text>`` line, else ``None``."""
    match = _ARROW.match(line)
    return match.group(1).strip() if match else None


def _next_step(t, status: str, name: str, assignment: str, diagnoses: Sequence[Diagnosis], shown: Sequence[CaseView], features: Mapping[str, list]) -> str:
    if status in ("passed", "not_implemented", "missing", "error", "denied", "timeout", "memory", "crashed"):
        return t(NEXT_STEP[status], name=name)
    if diagnoses:
        return t(NEXT_STEP["diagnosis"])
    failing_features = [f for f, (p, n) in features.items() if p < n]
    if failing_features and "core" not in failing_features:
        return t(NEXT_STEP["feature"], features=", ".join(failing_features))
    if any(c.public for c in shown) or not features:  # no case records: point at the public cases
        return t(NEXT_STEP["public"], assignment=assignment.split("_", 1)[0], name=name)
    return t(NEXT_STEP["hidden"])

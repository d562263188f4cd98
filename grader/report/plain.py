"""One exercise's feedback as plain text, for places that take a string per test (an LMS's
autograder output, such as Gradescope's ``tests[].output``), with the same disclosure rule as
the pages."""
from __future__ import annotations

from typing import Any, Mapping

from grader.config import DEFAULT_HIDDEN
from grader.i18n import translator
from grader.report import feedback


def exercise_text(exercise: Mapping[str, Any], *, lang: str = "en", level: str = DEFAULT_HIDDEN) -> str:
    """The feedback of one exercise result as plain text.

    Args:
        exercise: one entry of a result document's ``exercises`` (see
            :func:`grader.report.feedback.build`).
        lang: ``"en"`` or ``"ko"``.
        level: disclosure level for hidden cases (:data:`grader.config.HIDDEN_LEVELS`).
    Returns:
        Lines: verdict and points, case counts, diagnoses, next step, then the disclosed
        failing cases (label and message); no reference value of a hidden case, and nothing
        of one below ``level``.
    Raises:
        ValueError: unknown level.
    """
    t = translator(lang, "feedback")
    (ex,) = feedback.build({"submission": "", "exercises": [exercise]}, lang=lang, level=level).exercises
    lines = [f"{ex.status_text} — {t('{score} of {max_score} points', score=f'{ex.score:g}', max_score=f'{ex.max_score:g}')}"]
    if ex.total_cases:
        lines.append(t("{passed} of {total} cases passed", passed=ex.passed_cases, total=ex.total_cases))
    if ex.message and ex.status != "passed":
        lines.append(ex.message)
    lines += [f"{t('Diagnosis')}: {d.text}" for d in ex.diagnoses]
    if ex.status != "passed":
        lines.append(f"{t('Next step')}: {ex.next_step}")
    for case in ex.cases:
        kind = t("public case") if case.public else t("hidden case")
        lines.append(f"{kind} {case.id}" + (f" · {case.label}" if case.label is not None else ""))
        lines += [f"  {ln}" for ln in (case.message or "").splitlines()]
    if ex.more_failing:
        lines.append(t("… and {n} more failing cases.", n=ex.more_failing))
    if ex.withheld:
        lines.append(t("{n} failing hidden cases: your instructor shows only their points.", n=ex.withheld))
    return "\n".join(lines)

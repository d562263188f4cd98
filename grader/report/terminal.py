"""One student's feedback at the terminal (rich), for ``deepgrade feedback OUT STUDENT``."""
from __future__ import annotations

from rich.console import Console
from rich.markup import escape

from grader.i18n import translator
from grader.report import plots
from grader.report.feedback import ExerciseView, StudentFeedback, heat_map_caption
from grader.report.html import LEVEL_TEXT

_STYLE = {"passed": "bold green", "partial": "yellow", "failed": "red", "error": "red"}


def print_feedback(console: Console, fb: StudentFeedback) -> None:
    """Print ``fb`` (from :func:`grader.report.feedback.build`): totals, then per exercise its
    verdict, feature counts, diagnoses, next step, failing cases and a block-character heat map.
    Text from results is escaped for rich markup."""
    t = translator(fb.lang, "feedback")
    console.print(f"[bold]{escape(t('Feedback for {student}', student=fb.student))}[/]")
    console.print(escape(t("Total: {score} of {max_score} points", score=f"{fb.total:g}", max_score=f"{fb.max_total:g}")))
    console.print(f"[dim]{escape(t(LEVEL_TEXT[fb.level]))}[/]")
    for note in fb.notes:
        console.print(f"[yellow]{escape(t('Note:'))}[/] {escape(note)}", highlight=False)
    for ex in fb.exercises:
        print_exercise(console, ex, fb.lang)


def print_exercise(console: Console, ex: ExerciseView, lang: str) -> None:
    """One exercise of a feedback (:class:`~grader.report.feedback.ExerciseView`, from
    :func:`grader.report.feedback.exercise` or :func:`~grader.report.feedback.build`): its verdict
    on one line and, unless it passed, feature counts, diagnoses, next step, failing cases and a
    heat map, in ``lang`` (``"en"`` or ``"ko"``)."""
    t = translator(lang, "feedback")
    style = _STYLE.get(ex.status, "magenta")
    points = t("{score} of {max_score} points", score=f"{ex.score:g}", max_score=f"{ex.max_score:g}")
    gap = "" if ex.status == "passed" else "\n"  # passed exercises stay one compact line each
    console.print(f"{gap}[{style}]{escape(ex.status_text)}[/]  [bold]{escape(ex.name)}[/]  {escape(points)}", highlight=False)
    if ex.status == "passed":
        return
    if ex.total_cases:
        console.print("  " + escape(t("{passed} of {total} cases passed", passed=ex.passed_cases, total=ex.total_cases)))
    if len(ex.features) > 1 or any(f.name != "core" for f in ex.features):
        console.print("  " + ", ".join(f"{escape(f.name)} {f.passed}/{f.total}" for f in ex.features), highlight=False)
    if ex.ungraded:
        console.print("  [dim]" + escape(t("Not graded in this course: {features}.", features=", ".join(ex.ungraded))) + "[/]")
    if ex.message:
        for line in ex.message.splitlines():
            console.print(f"    {escape(line)}", highlight=False)
    for d in ex.diagnoses:
        console.print(f"  [cyan]{escape(t('Diagnosis'))}:[/] {escape(d.text)}", highlight=False)
    console.print(f"  [green]{escape(t('Next step'))}:[/] {escape(ex.next_step)}", highlight=False)
    for case in ex.cases:
        kind = t("public case") if case.public else t("hidden case")
        head = f"{kind} {case.id}" + (f" · {case.feature}" if case.feature != "core" else "") + (f" · {case.label}" if case.label is not None else "")
        console.print(f"  [bold]{escape(head)}[/]", highlight=False)
        for line in (case.message or "").splitlines():
            console.print(f"    {escape(line)}", highlight=False)
    if ex.more_failing:
        console.print("  " + escape(t("… and {n} more failing cases.", n=ex.more_failing)))
    focus = ex.heat_map_case
    if focus is not None:
        console.print("  " + escape(heat_map_caption(t, focus, picture=False)), highlight=False)
        for line in plots.text_map(focus.error_map):
            console.print(f"    [red]{line}[/]", highlight=False)
    if ex.withheld:
        console.print("  [dim]" + escape(t("{n} failing hidden cases: your instructor shows only their points.", n=ex.withheld)) + "[/]")

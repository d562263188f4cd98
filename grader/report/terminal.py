"""One student's feedback at the terminal (rich), for ``deepgrade feedback OUT STUDENT``."""
from __future__ import annotations

from rich.console import Console
from rich.markup import escape

from grader.i18n import translator
from grader.report import plots
from grader.report.feedback import ExerciseView, StudentFeedback, heat_map_caption
from grader.report.html import LEVEL_TEXT
from grader.report.text import say

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
        say(console, f"[yellow]{escape(t('Note:'))}[/] {escape(note)}", 0)
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
        say(console, escape(t("{passed} of {total} cases passed", passed=ex.passed_cases, total=ex.total_cases)), 2)
    if len(ex.features) > 1 or any(f.name != "core" for f in ex.features):
        say(console, ", ".join(f"{escape(f.name)} {f.passed}/{f.total}" for f in ex.features), 2)
    if ex.ungraded:
        say(console, "[dim]" + escape(t("Not graded in this course: {features}.", features=", ".join(ex.ungraded))) + "[/]", 2)
    if ex.message:
        for line in ex.message.splitlines():
            say(console, escape(line), 4)
    for d in ex.diagnoses:
        say(console, f"[cyan]{escape(t('Diagnosis'))}:[/] {escape(d.text)}", 2)
    say(console, f"[green]{escape(t('Next step'))}:[/] {escape(ex.next_step)}", 2)
    for case in ex.cases:
        kind = t("public case") if case.public else t("hidden case")
        head = f"{kind} {case.id}" + (f" · {case.feature}" if case.feature != "core" else "") + (f" · {case.label}" if case.label is not None else "")
        say(console, f"[bold]{escape(head)}[/]", 2)
        for line in (case.message or "").splitlines():
            say(console, escape(line), 4)
    if ex.more_failing:
        say(console, escape(t("… and {n} more failing cases.", n=ex.more_failing)), 2)
    focus = ex.heat_map_case
    if focus is not None:
        say(console, escape(heat_map_caption(t, focus, picture=False)), 2)
        for line in plots.text_map(focus.error_map):
            console.print(f"    [red]{line}[/]", highlight=False)
    if ex.withheld:
        say(console, "[dim]" + escape(t("{n} failing hidden cases: your instructor shows only their points.", n=ex.withheld)) + "[/]", 2)

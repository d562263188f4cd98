"""One student's feedback as Markdown (and the same content as plain text for the terminal).

Heat maps are drawn with block characters inside code blocks, so the file stays
self-contained and readable in any viewer. Texts from results go into code spans or fenced
blocks sized to their content, or are escaped, so a student's file or exception message can
neither break the layout nor inject HTML into a renderer that allows it.
"""
from __future__ import annotations

import re
from html import escape

from grader.i18n import translator
from grader.report import plots
from grader.report.feedback import ExerciseView, StudentFeedback, clean_text, heat_map_caption
from grader.report.html import LEVEL_TEXT

_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|>~])")


def inline(text) -> str:
    """Student-controlled text as inline Markdown: HTML-escaped, Markdown punctuation escaped, one line."""
    one_line = " ".join(clean_text(text).split())
    return _SPECIAL.sub(r"\\\1", escape(one_line, quote=False))


def prose(text) -> str:
    """A trusted catalogue text (with its code spans) as Markdown: only what would turn into
    HTML or emphasis is escaped (``<``, ``>``, ``&``, ``*``, backslash)."""
    one_line = " ".join(clean_text(text).split())
    parts = re.split(r"(`[^`]*`)", one_line)  # code spans are literal in Markdown: leave them as they are
    return "".join(
        p if i % 2 else escape(p.replace("\\", "\\\\").replace("*", "\\*"), quote=False) for i, p in enumerate(parts)
    )


def code_span(text) -> str:
    """Text as an inline code span whose fence is longer than any backtick run inside it."""
    s = " ".join(clean_text(text).split())
    run = max((len(m) for m in re.findall(r"`+", s)), default=0)
    fence = "`" * (run + 1)
    return f"{fence} {s} {fence}"


def fenced(text, info: str = "text") -> str:
    """Text as a fenced code block whose fence is longer than any backtick run inside it."""
    s = clean_text(text)
    run = max((len(m) for m in re.findall(r"`+", s)), default=0)
    fence = "`" * max(3, run + 1)
    return f"{fence}{info}\n{s}\n{fence}\n"


def render(fb: StudentFeedback) -> str:
    """The Markdown document of one student's feedback.

    Args:
        fb: from :func:`grader.report.feedback.build`.
    Returns:
        CommonMark text (UTF-8), ending with a newline.
    """
    t = translator(fb.lang, "feedback")
    out = [
        f"# {inline(t('Feedback for {student}', student=fb.student))}\n\n",
        f"**{t('Total: {score} of {max_score} points', score=f'{fb.total:g}', max_score=f'{fb.max_total:g}')}**\n\n",
        f"_{t(LEVEL_TEXT[fb.level])}_\n\n",
    ]
    for note in fb.notes:
        out.append(f"> {t('Note:')} {inline(note)}\n\n")
    out.append(f"| {t('Exercise')} | {t('Result')} | {t('Points')} |\n|---|---|---:|\n")
    for ex in fb.exercises:
        out.append(f"| {code_span(ex.name)} | {inline(ex.status_text)} | {ex.score:g} / {ex.max_score:g} |\n")
    out.append("\n")
    for ex in fb.exercises:
        if ex.status != "passed":  # the table says it all for passed exercises
            out.append(_exercise(ex, t))
    return "".join(out).rstrip("\n") + "\n"


def _exercise(ex: ExerciseView, t) -> str:
    out = [
        f"## {inline(ex.name)} — {inline(ex.status_text)} "
        f"({t('{score} of {max_score} points', score=f'{ex.score:g}', max_score=f'{ex.max_score:g}')})\n\n"
    ]
    if ex.total_cases:
        out.append(t("{passed} of {total} cases passed", passed=ex.passed_cases, total=ex.total_cases) + "\n\n")
    if len(ex.features) > 1 or any(f.name != "core" for f in ex.features):
        if any(f.weight is not None for f in ex.features):
            out.append(f"| {t('Feature')} | {t('Cases passed')} | {t('Share of the points')} |\n|---|---:|---:|\n")
            out += [f"| {code_span(f.name)} | {f.passed} / {f.total} | {100 * (f.weight or 0):.0f}% |\n" for f in ex.features]
        else:
            out.append(f"| {t('Feature')} | {t('Cases passed')} |\n|---|---:|\n")
            out += [f"| {code_span(f.name)} | {f.passed} / {f.total} |\n" for f in ex.features]
        out.append("\n")
    if ex.ungraded:
        out.append(t("Not graded in this course: {features}.", features=", ".join(code_span(u) for u in ex.ungraded)) + "\n\n")
    if ex.message and ex.status != "passed":
        out.append(fenced(ex.message) + "\n")
    if ex.diagnoses:
        out.append(f"**{t('Diagnosis')}**\n\n")
        for d in ex.diagnoses:
            count = f" ({t('{n} failing cases', n=d.cases)})" if d.cases else ""
            out.append(f"- {prose(d.text)}{count}\n")
        out.append("\n")
    out.append(f"**{t('Next step')}:** {prose(ex.next_step)}\n\n")
    if ex.cases:
        out.append(f"**{t('Failing cases')}**\n\n")
        for case in ex.cases:
            kind = t("public case") if case.public else t("hidden case")
            head = f"- {kind} {code_span(case.id)}"
            if case.feature != "core":
                head += f" · {code_span(case.feature)}"
            if case.label is not None:
                head += f" · {code_span(case.label)}"
            out.append(head + "\n\n")
            if case.message:
                out.append("".join("  " + ln + "\n" if ln else "\n" for ln in fenced(case.message).splitlines()) + "\n")
        if ex.more_failing:
            out.append(t("… and {n} more failing cases.", n=ex.more_failing) + "\n\n")
    focus = ex.heat_map_case
    if focus is not None:
        out.append(heat_map_caption(t, focus, picture=False, code=code_span))
        out.append("\n\n" + fenced("\n".join(plots.text_map(focus.error_map))) + "\n")
    if ex.withheld:
        out.append(f"_{t('{n} failing hidden cases: your instructor shows only their points.', n=ex.withheld)}_\n\n")
    return "".join(out)

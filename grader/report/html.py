"""One student's feedback as a self-contained HTML page (inline CSS, images as data URIs).

The page loads nothing from the network and runs no script. Every text that comes from a
result (names, messages, labels: the student controls some of them) is HTML-escaped; the
texts of the page itself come from the ``feedback`` catalogue.
"""
from __future__ import annotations

import re
from html import escape

from grader.i18n import N_, translator
from grader.report import plots
from grader.report.feedback import CaseView, ExerciseView, StudentFeedback, clean_text, heat_map_caption

LEVEL_TEXT = {
    "points": N_("For hidden cases you see only how many passed."),
    "message": N_("For hidden cases you see how many passed and why they failed, but not their inputs."),
    "input": N_("For hidden cases you see why they failed and a description of their inputs."),
    "full": N_("The deadline has passed: hidden cases are shown in full."),
}

CSS = """
:root { --ok:#15803d; --part:#b45309; --bad:#b91c1c; --muted:#6b7280; --line:#e5e7eb; --bg:#f9fafb; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.5 system-ui, -apple-system, "Segoe UI", "Noto Sans KR", "NanumGothic", "Malgun Gothic", sans-serif; color: #111827; background: var(--bg); }
main { max-width: 980px; margin: 0 auto; padding: 16px; }
h1 { font-size: 1.5rem; margin: 0 0 4px; overflow-wrap: anywhere; }
h2 { font-size: 1.15rem; margin: 0; overflow-wrap: break-word; display: flex; flex-wrap: wrap; gap: 6px 10px; align-items: baseline; }
h3 { font-size: .95rem; margin: 12px 0 4px; }
header, section.exercise { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 14px 16px; margin-bottom: 14px; }
.total { font-size: 1.2rem; font-weight: 600; margin: 4px 0; }
.meter { height: 10px; background: var(--line); border-radius: 5px; overflow: hidden; }
.meter span { display: block; height: 100%; background: var(--ok); }
.muted, .level { color: var(--muted); font-size: .9rem; }
.table-wrap { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; font-size: .9rem; }
th, td { text-align: left; padding: 4px 8px; border-bottom: 1px solid var(--line); vertical-align: top; }
td.num, th.num { text-align: right; white-space: nowrap; }
td.name { overflow-wrap: break-word; }
.badge { font-size: .8rem; font-weight: 600; padding: 1px 8px; border-radius: 10px; color: #fff; background: var(--muted); white-space: nowrap; }
.status-passed .badge, .badge.status-passed { background: var(--ok); }
.status-partial .badge, .badge.status-partial { background: var(--part); }
.status-failed .badge, .status-error .badge, .badge.status-failed, .badge.status-error { background: var(--bad); }
.status-timeout .badge, .status-crashed .badge, .status-memory .badge, .status-denied .badge,
.badge.status-timeout, .badge.status-crashed, .badge.status-memory, .badge.status-denied { background: #7c3aed; }
.score { margin-left: auto; font-weight: 600; white-space: nowrap; }
.diagnosis { border-left: 4px solid #0891b2; background: #ecfeff; padding: 6px 12px; margin: 10px 0; }
.diagnosis ul { margin: 4px 0; padding-left: 18px; }
.next-step { border-left: 4px solid var(--ok); background: #f0fdf4; padding: 6px 12px; margin: 10px 0; }
.next-step p { margin: 2px 0; }
pre { white-space: pre-wrap; overflow-wrap: anywhere; background: #f3f4f6; padding: 8px 10px; border-radius: 6px; font-size: .82rem; margin: 4px 0 8px; }
.case h4 { font-size: .88rem; margin: 8px 0 2px; overflow-wrap: anywhere; font-weight: 600; }
.case code { overflow-wrap: anywhere; }
.diagnosis code, .next-step code, td code { background: #f3f4f6; padding: 0 3px; border-radius: 3px; font-size: .9em; }
figure.heatmap { margin: 8px 0; }
figure.heatmap img { max-width: 100%; height: auto; border: 1px solid var(--line); border-radius: 4px; background: #fff; }
@media (max-width: 600px) { .wide-only { display: none; } main { padding: 8px; } header, section.exercise { padding: 10px; } }
figcaption { color: var(--muted); font-size: .85rem; }
html[lang="ko"] p, html[lang="ko"] li, html[lang="ko"] td, html[lang="ko"] figcaption { word-break: keep-all; overflow-wrap: break-word; }
.withheld { color: var(--muted); font-style: italic; }
"""


def _e(text) -> str:
    return escape(clean_text(text), quote=True)


def prose(text) -> str:
    """A catalogue text escaped, its `code spans` as ``<code>`` (diagnoses and next steps quote code)."""
    parts = re.split(r"`([^`]*)`", clean_text(text))
    return "".join(f"<code>{_e(p)}</code>" if i % 2 else _e(p) for i, p in enumerate(parts))


def ident(name) -> str:
    """An identifier (``conv_forward_naive``) escaped, with break opportunities after underscores
    so that a narrow screen wraps it between words rather than between any two letters."""
    return _e(name).replace("_", "_<wbr>")


def render(fb: StudentFeedback) -> str:
    """The HTML page of one student's feedback.

    Args:
        fb: from :func:`grader.report.feedback.build`.
    Returns:
        A complete HTML5 document (UTF-8 text), about 20 kB plus 10–20 kB per heat map.
    """
    t = translator(fb.lang, "feedback")
    pct = 100.0 * fb.total / fb.max_total if fb.max_total else 0.0
    parts = [
        f'<!DOCTYPE html>\n<html lang="{_e(fb.lang)}">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{_e(t('Feedback for {student}', student=fb.student))}</title>\n<style>{CSS}</style>\n</head>\n<body>\n<main>\n",
        '<header id="summary">\n',
        f"<h1>{_e(t('Feedback for {student}', student=fb.student))}</h1>\n",
        f'<p class="total" id="total">{_e(t("Total: {score} of {max_score} points", score=f"{fb.total:g}", max_score=f"{fb.max_total:g}"))}</p>\n',
        f'<div class="meter" role="img" aria-label="{pct:.0f}%"><span style="width:{pct:.1f}%"></span></div>\n',
        f'<p class="level" id="disclosure" data-level="{_e(fb.level)}">{_e(t(LEVEL_TEXT[fb.level]))}</p>\n',
    ]
    for note in fb.notes:
        parts.append(f'<p class="note">{_e(t("Note:"))} {_e(note)}</p>\n')
    parts.append(_overview(fb, t))
    parts.append("</header>\n")
    for ex in fb.exercises:
        if ex.status != "passed":  # the overview says it all for passed exercises
            parts.append(_exercise(ex, t))
    parts.append("</main>\n</body>\n</html>\n")
    return "".join(parts)


def _overview(fb: StudentFeedback, t) -> str:
    rows = []
    for ex in fb.exercises:
        rows.append(
            f'<tr class="status-{_e(ex.status)}"><td class="name">{_overview_name(ex)}</td>'
            f'<td><span class="badge status-{_e(ex.status)}">{_e(ex.status_text)}</span></td>'
            f'<td class="num">{ex.score:g} / {ex.max_score:g}</td></tr>\n'
        )
    return (
        '<div class="table-wrap"><table id="overview">\n'
        f'<thead><tr><th>{_e(t("Exercise"))}</th><th>{_e(t("Result"))}</th><th class="num">{_e(t("Points"))}</th></tr></thead>\n'
        f"<tbody>\n{''.join(rows)}</tbody></table></div>\n"
    )


def _overview_name(ex: ExerciseView) -> str:
    """The exercise's name in the overview, linked to its section (passed exercises have none)."""
    return ident(ex.name) if ex.status == "passed" else f'<a href="#ex-{_e(ex.name)}">{ident(ex.name)}</a>'


def _exercise(ex: ExerciseView, t) -> str:
    out = [
        f'<section class="exercise status-{_e(ex.status)}" id="ex-{_e(ex.name)}" data-status="{_e(ex.status)}">\n',
        f'<h2><span class="ex-name">{ident(ex.name)}</span> <span class="badge">{_e(ex.status_text)}</span>'
        f' <span class="score">{_e(t("{score} of {max_score} points", score=f"{ex.score:g}", max_score=f"{ex.max_score:g}"))}</span></h2>\n',
    ]
    if ex.total_cases:
        out.append(f'<p class="muted cases-count">{_e(t("{passed} of {total} cases passed", passed=ex.passed_cases, total=ex.total_cases))}</p>\n')
    if len(ex.features) > 1 or any(f.name != "core" for f in ex.features):
        weighted = any(f.weight is not None for f in ex.features)
        out.append(f'<h3>{_e(t("By feature"))}</h3>\n<div class="table-wrap"><table class="features">\n')
        share = f'<th class="num">{_e(t("Share of the points"))}</th>' if weighted else ""
        out.append(f'<thead><tr><th>{_e(t("Feature"))}</th><th class="num">{_e(t("Cases passed"))}</th>{share}</tr></thead><tbody>\n')
        for f in ex.features:
            cell = f'<td class="num">{100 * (f.weight or 0):.0f}%</td>' if weighted else ""
            out.append(f'<tr data-feature="{_e(f.name)}"><td>{_e(f.name)}</td><td class="num">{f.passed} / {f.total}</td>{cell}</tr>\n')
        out.append("</tbody></table></div>\n")
    if ex.ungraded:
        out.append(f'<p class="muted ungraded">{_e(t("Not graded in this course: {features}.", features=", ".join(ex.ungraded)))}</p>\n')
    if ex.message and ex.status != "passed":
        out.append(f'<pre class="message">{_e(ex.message)}</pre>\n')
    if ex.diagnoses:
        out.append(f'<div class="diagnosis"><h3>{_e(t("Diagnosis"))}</h3><ul>\n')
        for d in ex.diagnoses:
            count = f' <span class="muted">({_e(t("{n} failing cases", n=d.cases))})</span>' if d.cases else ""
            out.append(f'<li data-diagnosis="{_e(d.name)}">{prose(d.text)}{count}</li>\n')
        out.append("</ul></div>\n")
    out.append(f'<div class="next-step"><h3>{_e(t("Next step"))}</h3><p>{prose(ex.next_step)}</p></div>\n')
    if ex.cases:
        out.append(f'<div class="failing"><h3>{_e(t("Failing cases"))}</h3>\n')
        for case in ex.cases:
            out.append(_case(case, t))
        if ex.more_failing:
            out.append(f'<p class="muted">{_e(t("… and {n} more failing cases.", n=ex.more_failing))}</p>\n')
        out.append("</div>\n")
    focus = ex.heat_map_case
    uri = _heat_map_uri(focus.error_map) if focus is not None else None
    if uri is not None:
        caption = heat_map_caption(t, focus, picture=True)
        out.append(
            f'<figure class="heatmap" data-case="{_e(focus.id)}"><img src="{uri}" alt="{_e(caption)}">'
            f"<figcaption>{_e(caption)}</figcaption></figure>\n"
        )
    if ex.withheld:
        out.append(f'<p class="withheld">{_e(t("{n} failing hidden cases: your instructor shows only their points.", n=ex.withheld))}</p>\n')
    out.append("</section>\n")
    return "".join(out)


def _heat_map_uri(emap) -> str | None:
    """The heat map's data URI, or ``None`` where matplotlib is not installed (the page is
    complete without the picture; install ``deepgrade[report]`` for it)."""
    try:
        return plots.heat_map(emap)
    except ImportError:
        return None


def _case(case: CaseView, t) -> str:
    kind = t("public case") if case.public else t("hidden case")
    title = f"{_e(kind)} {_e(case.id)}"
    if case.feature != "core":
        title += f' · <span class="feature">{_e(case.feature)}</span>'
    if case.label is not None:
        title += f" · <code>{_e(case.label)}</code>"
    body = f'<pre class="message">{_e(case.message)}</pre>' if case.message else ""
    return f'<article class="case" data-case="{_e(case.id)}" data-public="{str(case.public).lower()}"><h4>{title}</h4>{body}</article>\n'

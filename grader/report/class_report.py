"""The class report: what a whole class got right and wrong, so an instructor sees what to re-teach.

:func:`statistics` reduces the per-student result documents to a :class:`ClassStats` (pure);
:func:`render` lays it out as one self-contained HTML page with matplotlib plots (score
histogram, pass rate per exercise and per feature, the most frequent diagnoses counted by
students) and a table of which students share each diagnosis.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from html import escape
from statistics import mean, median
from typing import Any, Mapping, Sequence

from grader.i18n import translator
from grader.report import plots
from grader.report.feedback import clean_text, diagnosis_text
from grader.report.html import CSS, ident, prose

MAX_DIAGNOSES_PLOTTED = 15


@dataclass(frozen=True)
class ExerciseStats:
    """One exercise across the class: ``name``, ``assignment``, ``graded`` (students with a
    result for it), ``passed`` (students with status ``passed``), ``mean_fraction`` (mean of
    score / max_score, 0–1)."""

    name: str
    assignment: str
    graded: int
    passed: int
    mean_fraction: float

    @property
    def pass_rate(self) -> float:
        """``passed / graded`` (0 when nobody was graded)."""
        return self.passed / self.graded if self.graded else 0.0


@dataclass(frozen=True)
class FeatureStats:
    """One contract feature across the class: case records ``passed`` of ``total``."""

    name: str
    passed: int
    total: int

    @property
    def pass_rate(self) -> float:
        """``passed / total`` (0 when there are no cases)."""
        return self.passed / self.total if self.total else 0.0


@dataclass(frozen=True)
class DiagnosisStats:
    """A misconception across the class.

    Attributes:
        name: the diagnosis name.
        exercises: the exercises it was named on.
        students: the students it was named for (sorted); counted once per student.
        assignment, exercise: where its text is looked up (the first exercise it was named on).
    """

    name: str
    exercises: tuple[str, ...]
    students: tuple[str, ...]
    assignment: str
    exercise: str


@dataclass(frozen=True)
class ClassStats:
    """Statistics of one batch.

    Attributes:
        totals: each student's total points, in student order.
        max_total: the largest points available to a student.
        exercises: in first-seen order.
        features: case pass rates per feature (empty when no result carries case records).
        diagnoses: most students first, then by name.
    """

    students: tuple[str, ...]
    totals: tuple[float, ...]
    max_total: float
    exercises: tuple[ExerciseStats, ...]
    features: tuple[FeatureStats, ...]
    diagnoses: tuple[DiagnosisStats, ...]


def statistics(results: Sequence[Mapping[str, Any]]) -> ClassStats:
    """Reduce result documents (``OUT/<student>.json`` dicts) to class statistics.

    Args:
        results: one dict per student (``submission``, ``total``, ``max_total``, ``exercises``
            with ``name, assignment, score, max_score, status, diagnoses`` and optional ``cases``).
    Returns:
        The :class:`ClassStats` (all counts by student, except feature rates, which count cases).
    """
    ex_order: dict[str, dict] = {}
    features: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    diag_students: dict[str, set] = defaultdict(set)
    diag_exercises: dict[str, dict] = defaultdict(dict)
    for r in results:
        student = clean_text(r.get("display_name") or r.get("submission", "?"))
        for e in r.get("exercises", ()):
            name = str(e.get("name", "?"))
            s = ex_order.setdefault(name, {"assignment": str(e.get("assignment", "")), "graded": 0, "passed": 0, "fractions": []})
            s["graded"] += 1
            s["passed"] += e.get("status") == "passed"
            top = float(e.get("max_score", 0) or 0)
            s["fractions"].append(float(e.get("score", 0)) / top if top else 0.0)
            for c in e.get("cases") or ():
                f = features[str(c.get("feature") or "core")]
                f[0] += bool(c.get("passed"))
                f[1] += 1
            for d in e.get("diagnoses", ()):
                diag_students[str(d)].add(student)
                diag_exercises[str(d)].setdefault(name, s["assignment"])
    exercises = tuple(
        ExerciseStats(n, s["assignment"], s["graded"], s["passed"], mean(s["fractions"]) if s["fractions"] else 0.0)
        for n, s in ex_order.items()
    )
    diagnoses = tuple(
        DiagnosisStats(
            d,
            tuple(diag_exercises[d]),
            tuple(sorted(diag_students[d])),
            next(iter(diag_exercises[d].values())),
            next(iter(diag_exercises[d])),
        )
        for d in sorted(diag_students, key=lambda d: (-len(diag_students[d]), d))
    )
    return ClassStats(
        students=tuple(clean_text(r.get("display_name") or r.get("submission", "?")) for r in results),
        totals=tuple(float(r.get("total", 0)) for r in results),
        max_total=max((float(r.get("max_total", 0)) for r in results), default=0.0),
        exercises=exercises,
        features=tuple(FeatureStats(k, v[0], v[1]) for k, v in sorted(features.items())),
        diagnoses=diagnoses,
    )


def _e(text) -> str:
    return escape(clean_text(text), quote=True)


def render(stats: ClassStats, *, lang: str = "en", title: str = "") -> str:
    """The class report as one self-contained HTML page.

    Args:
        stats: from :func:`statistics`.
        lang: ``"en"`` or ``"ko"``.
        title: shown under the heading (e.g. the output folder's name); escaped.
    Returns:
        A complete HTML5 document; plots are PNG data URIs (matplotlib).
    """
    t = translator(lang, "feedback")
    n = len(stats.totals)
    parts = [
        f'<!DOCTYPE html>\n<html lang="{_e(lang)}">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{_e(t('Class report'))}</title>\n<style>{CSS}{_EXTRA_CSS}</style>\n</head>\n<body>\n<main>\n",
        f'<header id="summary"><h1>{_e(t("Class report"))}</h1>\n',
    ]
    if title:
        parts.append(f'<p class="muted">{_e(title)}</p>\n')
    if n:
        parts.append(
            f'<p class="total" id="class-summary">{_e(t("{n} students · mean {mean} · median {median} of {max_total} points", n=n, mean=f"{mean(stats.totals):.2f}", median=f"{median(stats.totals):.2f}", max_total=f"{stats.max_total:g}"))}</p>\n'
        )
    else:
        parts.append(f'<p class="total" id="class-summary">{_e(t("No results yet."))}</p>\n')
    parts.append("</header>\n")
    if not n:
        parts.append("</main>\n</body>\n</html>\n")
        return "".join(parts)

    parts.append(_figure("score-histogram", t("Score distribution"), plots.histogram(stats.totals, stats.max_total),
                         t("Number of students (vertical) by total points (horizontal).")))
    ex_names = [e.name for e in stats.exercises]
    parts.append(_figure("pass-rate-exercise", t("Pass rate per exercise"), plots.bars(ex_names, [e.pass_rate for e in stats.exercises]),
                         t("Share of students who passed every case of the exercise.")))
    rows = "".join(
        f'<tr><td class="name">{ident(e.name)}</td><td class="wide-only">{_e(e.assignment)}</td><td class="num">{e.passed} / {e.graded}</td>'
        f'<td class="num">{100 * e.mean_fraction:.0f}%</td></tr>\n'
        for e in stats.exercises
    )
    parts.append(
        f'<section class="exercise"><div class="table-wrap"><table id="exercise-table"><thead><tr><th>{_e(t("Exercise"))}</th>'
        f'<th class="wide-only">{_e(t("Assignment"))}</th><th class="num">{_e(t("Students who passed"))}</th><th class="num">{_e(t("Mean score"))}</th></tr></thead>'
        f"<tbody>\n{rows}</tbody></table></div></section>\n"
    )
    if stats.features:
        parts.append(_figure("pass-rate-feature", t("Pass rate per feature"),
                             plots.bars([f.name for f in stats.features], [f.pass_rate for f in stats.features], color="#7c3aed"),
                             t("Share of the cases of each contract feature that passed, over all students.")))
    parts.append(_diagnoses(stats, t, lang))
    parts.append("</main>\n</body>\n</html>\n")
    return "".join(parts)


_EXTRA_CSS = """
figure.plot { margin: 0; }
figure.plot img { max-width: 100%; height: auto; }
td.students { overflow-wrap: break-word; min-width: 6em; }
#diagnosis-table td.name { min-width: 8em; }
"""


def _figure(fid: str, heading: str, uri: str, caption: str) -> str:
    return (
        f'<section class="exercise" id="{fid}"><h2>{_e(heading)}</h2>\n'
        f'<figure class="plot"><img src="{uri}" alt="{_e(heading)}"><figcaption>{_e(caption)}</figcaption></figure></section>\n'
    )


def _diagnoses(stats: ClassStats, t, lang: str) -> str:
    heading = t("Most frequent diagnoses")
    if not stats.diagnoses:
        return f'<section class="exercise" id="diagnoses"><h2>{_e(heading)}</h2><p class="muted">{_e(t("No misconception was diagnosed."))}</p></section>\n'
    top = stats.diagnoses[:MAX_DIAGNOSES_PLOTTED]
    uri = plots.bars([d.name for d in top], [len(d.students) for d in top], percent=False, color="#0891b2")
    rows = "".join(
        f'<tr data-diagnosis="{_e(d.name)}"><td class="name"><code>{ident(d.name)}</code><br><span class="muted">{ident(", ".join(d.exercises))}</span></td>'
        f"<td>{prose(diagnosis_text(d.assignment, d.exercise, d.name, lang))}</td>"
        f'<td class="num">{len(d.students)}</td><td class="students">{_e(", ".join(d.students))}</td></tr>\n'
        for d in stats.diagnoses
    )
    return (
        f'<section class="exercise" id="diagnoses"><h2>{_e(heading)}</h2>\n'
        f'<figure class="plot"><img src="{uri}" alt="{_e(heading)}"><figcaption>{_e(t("Number of students each misconception was diagnosed for."))}</figcaption></figure>\n'
        f'<h3>{_e(t("Who shares each diagnosis"))}</h3>\n'
        f'<div class="table-wrap"><table id="diagnosis-table"><thead><tr><th>{_e(t("Diagnosis"))}</th><th>{_e(t("What it means"))}</th>'
        f'<th class="num">{_e(t("Students"))}</th><th>{_e(t("Who"))}</th></tr></thead><tbody>\n{rows}</tbody></table></div></section>\n'
    )

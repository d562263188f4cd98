"""Terminal output with rich: per-exercise feedback for students, the batch table for instructors."""
from __future__ import annotations

from typing import Sequence

from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from grader.i18n import translator
from grader.results import ExerciseResult, SubmissionResult

_STYLE = {
    "passed": "bold green",
    "partial": "yellow",
    "failed": "red",
    "error": "red",
    "denied": "red",
    "timeout": "magenta",
    "memory": "magenta",
    "crashed": "magenta",
    "missing": "dim",
    "not_implemented": "dim",
}
_LABEL = {"not_implemented": "not implemented"}


def say(console: Console, markup: str, indent: int) -> None:
    """Print ``markup`` (rich markup) indented by ``indent`` columns, its wrapped lines too: a
    long sentence on an 80-column terminal must not run back to column 0 under what it explains.

    Args:
        console: where to print; its ``width`` (columns) sets the wrap.
        markup: one line of rich markup (escape text from results with ``rich.markup.escape``).
        indent: columns of indentation, every wrapped line included.
    """
    pad = Text(" " * indent)
    for line in Text.from_markup(markup).wrap(console, max(20, console.width - indent)):
        line.rstrip()
        console.print(pad + line, highlight=False, soft_wrap=True)


def status_text(status: str) -> str:
    """Rich markup for a status word."""
    return f"[{_STYLE.get(status, '')}]{_LABEL.get(status, status)}[/]"


def print_exercise(console: Console, result: ExerciseResult) -> None:
    """One exercise's verdict and, unless it passed, its feedback."""
    console.print(f"{status_text(result.status)}  [bold]{result.name}[/]  {result.score:g}/{result.max_score:g}")
    if result.status != "passed":
        for line in result.message.splitlines():
            say(console, escape(line), 4)
        if result.diagnoses:
            say(console, f"[cyan]diagnosis:[/] {escape(', '.join(result.diagnoses))}", 4)


def print_check(console: Console, result: SubmissionResult, t=None) -> None:
    """The closing summary of ``deepgrade check``; ``t``: a translator of the ``check`` domain
    (default English)."""
    t = t or translator("en", "check")
    passed = sum(e.status == "passed" for e in result.exercises)
    summary = t("{passed}/{count} exercises pass — {score}/{max_score} points", passed=passed, count=len(result.exercises),
                score=f"{result.total:g}", max_score=f"{result.max_total:g}")
    console.print(f"\n[bold]{escape(summary)}[/] {escape(t('(public cases)'))}", highlight=False)
    for note in result.notes:
        say(console, f"[yellow]{escape(t('note:'))}[/] {escape(note)}", 0)


# Worst first: the status a student's cell in an assignment column shows.
_SEVERITY = ("crashed", "denied", "memory", "timeout", "error", "failed", "not_implemented", "missing", "partial", "passed")
DIAGNOSIS_WIDTH = 28


def worst_status(statuses: Sequence[str]) -> str:
    """The most severe of ``statuses`` (``"missing"`` when empty)."""
    rank = {s: i for i, s in enumerate(_SEVERITY)}
    return min(statuses, key=lambda s: rank.get(s, 0)) if statuses else "missing"


def short_diagnosis(doc: dict) -> str:
    """One short phrase for a student: the most frequent misconception, else the worst problem.

    e.g. ``"flipped_kernel"``, ``"timeout: conv_forward_naive"``, ``"missing"``; ``""`` when all passed.
    """
    from collections import Counter

    diag = Counter(d for e in doc["exercises"] for d in e["diagnoses"])
    if diag:
        name, _ = diag.most_common(1)[0]
        more = len(diag) - 1
        return name + (f" +{more}" if more else "")
    bad = [e for e in doc["exercises"] if e["status"] != "passed"]
    if not doc["exercises"] or doc.get("status") == "missing":
        return "missing"
    if not bad:
        return ""
    worst = worst_status([e["status"] for e in bad])
    first = next(e for e in bad if e["status"] == worst)
    return f"{_LABEL.get(worst, worst)}: {first['name']}"


def batch_table(results: Sequence[dict], exercise_names: Sequence[str] = (), *, assignments: Sequence[str] | None = None) -> Table:
    """The instructor's summary, made to fit 100 columns: one row per student, one column per
    assignment (points, coloured by the worst status in it), the total, and a short diagnosis.

    Args:
        results: per-student documents (``submission``, ``display_name``, ``exercises``, ``total``...).
        exercise_names: unused (kept for callers of the older per-exercise table).
        assignments: assignment names for the columns (default: those in ``results``, sorted).
    Returns:
        A rich table; cells truncate with an ellipsis rather than wrap, so rich fits it to the
        console width (details are in the per-student JSON files).
    """
    if assignments is None:
        assignments = sorted({e["assignment"] for r in results for e in r["exercises"]})
    table = Table(title="deepgrade — results", show_lines=False, pad_edge=False, collapse_padding=True)
    table.add_column("student", style="bold", no_wrap=True, overflow="ellipsis", max_width=28)
    for name in assignments:
        table.add_column(name.split("_", 1)[0], justify="right", no_wrap=True)
    table.add_column("total", justify="right", style="bold", no_wrap=True)
    table.add_column("diagnosis", no_wrap=True, overflow="ellipsis", max_width=DIAGNOSIS_WIDTH, ratio=1)
    from grader.intake.identity import lookalike_key

    def label(r: dict) -> str:
        return r.get("display_name") or r["submission"]

    # Names that look alike are shown with their (distinct) output file name.
    keys = [lookalike_key(label(r)) for r in results]
    for result in sorted(results, key=lambda r: (label(r).casefold(), r["submission"])):
        shown = label(result)
        if keys.count(lookalike_key(shown)) > 1:
            shown = f"{shown} ({result.get('output_name') or result['submission']})"
        cells = []
        for name in assignments:
            es = [e for e in result["exercises"] if e["assignment"] == name]
            if not es:
                cells.append("[dim]-[/]")
                continue
            score = round(sum(e["score"] for e in es), 2)
            cells.append(f"[{_STYLE.get(worst_status([e['status'] for e in es]), '')}]{score:g}[/]")
        table.add_row(escape(shown), *cells, f"{result['total']:g}/{result['max_total']:g}", escape(short_diagnosis(result)))
    return table


def diagnosis_lines(results: Sequence[dict], texts: dict, limit: int = 4) -> list[str]:
    """The most frequent misconceptions, counted by student, with their explanation.

    Args:
        results: per-student documents.
        texts: diagnosis name → explanation (the exercises' ``misconceptions``).
        limit: how many to show.
    Returns:
        Lines of rich markup, e.g. ``"flipped_kernel — 2 students (carol, dave): your output ..."``.
    """
    from collections import defaultdict

    who: dict[str, list[str]] = defaultdict(list)
    for r in results:
        for d in dict.fromkeys(d for e in r["exercises"] for d in e["diagnoses"]):
            who[d].append(r.get("display_name") or r["submission"])
    ranked = sorted(who.items(), key=lambda kv: (-len(kv[1]), kv[0]))[:limit]
    lines = []
    for name, students in ranked:
        names = ", ".join(students[:3]) + (f", +{len(students) - 3}" if len(students) > 3 else "")
        n = len(students)
        text = texts.get(name, "")
        lines.append(f"[cyan]{escape(name)}[/] — {n} student{'s' if n != 1 else ''} ({escape(names)})" + (f": {escape(text)}" if text else ""))
    return lines


def class_summary(results: Sequence[dict]) -> str:
    """Mean, median and the most common diagnoses across a batch (diagnoses counted by student)."""
    from collections import Counter
    from statistics import mean, median

    if not results:
        return "no submissions"
    totals = [r["total"] for r in results]
    # Counted by student: one student with the same mistake in four exercises counts once.
    diag = Counter(d for r in results for d in {d for e in r["exercises"] for d in e["diagnoses"]})
    common = ", ".join(f"{d} ({n})" for d, n in diag.most_common(3)) or "none"
    top = max((r["max_total"] for r in results), default=0)
    return f"{len(results)} students · mean {mean(totals):.2f} · median {median(totals):.2f} / {top:g} · most common diagnoses (students): {common}"

"""Terminal output with rich: per-exercise feedback for students, the batch table for instructors."""
from __future__ import annotations

from typing import Sequence

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from grader.results import ExerciseResult, SubmissionResult

_STYLE = {
    "passed": "bold green",
    "partial": "yellow",
    "failed": "red",
    "error": "red",
    "timeout": "magenta",
    "crashed": "magenta",
    "missing": "dim",
    "not_implemented": "dim",
}
_LABEL = {"not_implemented": "not implemented"}


def status_text(status: str) -> str:
    """Rich markup for a status word."""
    return f"[{_STYLE.get(status, '')}]{_LABEL.get(status, status)}[/]"


def print_exercise(console: Console, result: ExerciseResult) -> None:
    """One exercise's verdict and, unless it passed, its feedback."""
    console.print(f"{status_text(result.status)}  [bold]{result.name}[/]  {result.score:g}/{result.max_score:g}")
    if result.status != "passed":
        for line in result.message.splitlines():
            console.print(f"    {escape(line)}", highlight=False)
        if result.diagnoses:
            console.print(f"    [cyan]diagnosis:[/] {', '.join(result.diagnoses)}")


def print_check(console: Console, result: SubmissionResult) -> None:
    """The closing summary of ``deepgrade check``."""
    passed = sum(e.status == "passed" for e in result.exercises)
    console.print(f"\n[bold]{passed}/{len(result.exercises)} exercises pass — {result.total:g}/{result.max_total:g} points[/] (public cases)")
    for note in result.notes:
        console.print(f"[yellow]note:[/] {escape(note)}")


def batch_table(results: Sequence[dict], exercise_names: Sequence[str]) -> Table:
    """The instructor's summary: one row per submission, points per exercise, total."""
    table = Table(title="deepgrade — results", show_lines=False)
    width = max([len(r["submission"]) for r in results] + [10])
    table.add_column("submission", style="bold", min_width=width, no_wrap=True)
    for name in exercise_names:
        # One word per header line keeps twenty exercise columns readable.
        header = name.replace("_naive", "").replace("_", "\n")
        table.add_column(header, justify="right", min_width=max(len(w) for w in header.split("\n")))
    table.add_column("total", justify="right", style="bold", no_wrap=True)
    for result in results:
        by_name = {e["name"]: e for e in result["exercises"]}
        cells = []
        for name in exercise_names:
            e = by_name.get(name)
            if e is None:
                cells.append("")
                continue
            style = _STYLE.get(e["status"], "")
            cells.append(f"[{style}]{e['score']:g}[/]")
        table.add_row(escape(result["submission"]), *cells, f"{result['total']:g}/{result['max_total']:g}")
    return table


def class_summary(results: Sequence[dict]) -> str:
    """Mean, median and the most common diagnoses across a batch."""
    from collections import Counter
    from statistics import mean, median

    if not results:
        return "no submissions"
    totals = [r["total"] for r in results]
    diag = Counter(d for r in results for e in r["exercises"] for d in e["diagnoses"])
    common = ", ".join(f"{d} ({n})" for d, n in diag.most_common(5)) or "none"
    return f"{len(results)} submissions · mean {mean(totals):.2f} · median {median(totals):.2f} / {results[0]['max_total']:g} · most common diagnoses: {common}"

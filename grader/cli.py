"""Command-line interface (a thin layer over :mod:`grader.api`)."""
from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from grader import api
from grader.config import ConfigError, load_config
from grader.exercises import ASSIGNMENTS, resolve
from grader.reference import REPO_ROOT, ReferenceUnavailable
from grader.report import text as report_text
from grader.report import commands as report_commands

console = Console()


def _assignment_list(value: str | None) -> list[str]:
    if not value:
        return list(ASSIGNMENTS)
    try:
        return [resolve(v.strip()) for v in value.split(",") if v.strip()]
    except KeyError as exc:
        raise click.BadParameter(str(exc.args[0])) from None


def _backend(no_sandbox: bool, workers: int):
    from grader.runner.local import LocalBackend

    if no_sandbox:
        console.print("[yellow]--no-sandbox: student code runs unconfined (own process, time limits only).[/]")
        return LocalBackend()
    try:
        from grader.sandbox import SandboxBackend, SandboxUnavailable, probe
    except ImportError as exc:  # pragma: no cover - only when the package is broken
        raise click.ClickException(f"the sandbox cannot be loaded ({exc}); pass --no-sandbox to grade without it") from None
    problems = probe()
    if problems:
        raise click.ClickException(
            "refusing to run student code without the sandbox: " + "; ".join(problems) + "\n(pass --no-sandbox to grade unconfined)"
        )
    try:
        backend = SandboxBackend(slots=workers)
    except SandboxUnavailable as exc:
        raise click.ClickException(f"refusing to run student code without the sandbox: {exc} (pass --no-sandbox to override)") from None
    for note in getattr(backend, "notes", []):
        console.print(f"[yellow]sandbox:[/] {note}")
    return backend


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """deepgrade — auto-graded deep-learning fundamentals exercises."""


@main.command("check")
@click.argument("assignment", required=False)
@click.option("-k", "name_filter", help="Only exercises whose name contains this text.")
@click.option("--path", type=click.Path(exists=True, file_okay=True, path_type=Path), help="Your code (default: assignments/ or assignments/<ASSIGNMENT>).")
def check_cmd(assignment: str | None, name_filter: str | None, path: Path | None) -> None:
    """Check your own work on the public cases (runs your code in a separate process)."""
    from grader.runner.local import LocalBackend

    names = _assignment_list(assignment)
    if path is None:
        base = Path("assignments") if Path("assignments").is_dir() else REPO_ROOT / "assignments"
        path = base / names[0] if len(names) == 1 and (base / names[0]).is_dir() else base
    console.print(f"Checking [bold]{path}[/] on the public cases of {', '.join(names)}\n")
    try:
        result = api.check(names, path, backend=LocalBackend(), name_filter=name_filter, on_exercise=lambda r: report_text.print_exercise(console, r))
    except (KeyError, ReferenceUnavailable) as exc:
        raise click.ClickException(str(exc.args[0] if exc.args else exc)) from None
    report_text.print_check(console, result)
    sys.exit(0 if all(e.status == "passed" for e in result.exercises) else 1)


@main.command("grade")
@click.argument("submissions", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("-a", "--assignment", "assignment", help="Assignment(s), comma-separated (default: all).")
@click.option("-o", "--out", "out_dir", type=click.Path(path_type=Path), default=Path("grades"), show_default=True, help="Output folder.")
@click.option("--seed", help="Course secret for hidden cases (default: DEEPGRADE_SECRET or deepgrade.toml).")
@click.option("--config", "config_path", type=click.Path(exists=True, dir_okay=False, path_type=Path), help="Course config (TOML).")
@click.option("--workers", type=int, default=os.cpu_count() or 1, show_default=True, help="Submissions graded in parallel.")
@click.option("--no-sandbox", is_flag=True, help="Run student code without the sandbox (trusted code only).")
def grade_cmd(submissions: Path, assignment: str | None, out_dir: Path, seed: str | None, config_path: Path | None, workers: int, no_sandbox: bool) -> None:
    """Grade every submission (file or folder) in SUBMISSIONS on all cases, hidden ones included."""
    names = _assignment_list(assignment)
    try:
        config = load_config(seed, config_path)
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from None
    exercises = api.select_exercises(names)
    paths = api.list_submissions(submissions)
    backend = _backend(no_sandbox, workers)
    start = time.monotonic()
    try:
        with Progress(TextColumn("[bold]grading"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), TextColumn("{task.description}"), console=console) as progress:
            task = progress.add_task("", total=len(paths))

            def done(name: str, result: dict, reused: bool) -> None:
                progress.update(task, advance=1, description=f"{name}: {result['total']:g}/{result['max_total']:g}{' (kept)' if reused else ''}")

            batch = api.grade_batch(submissions, names, secret=config.secret, out_dir=out_dir, backend=backend, workers=workers, limits=config.limits, on_result=done)
    finally:
        backend.shutdown()
    elapsed = time.monotonic() - start
    table = report_text.batch_table(batch.results, [ex.name for ex in exercises])
    # One column per exercise: let the table take the width it needs rather than truncate.
    wide = Console(width=max(console.width, Console(width=1000).measure(table).maximum))
    wide.print(table)
    console.print(report_text.class_summary(batch.results))
    graded = len(batch.results) - len(batch.reused)
    per = f", {elapsed / graded:.2f} s per graded submission" if graded else ""
    console.print(f"{len(batch.results)} submissions in {elapsed:.1f} s ({len(batch.reused)} kept from an earlier run{per}); results in {out_dir}/")
    for name, error in batch.failed.items():
        console.print(f"[red]internal error on {name}:[/] {error} (not recorded; rerun to retry)")
    report_commands.after_grade(console, out_dir, config_path)  # feedback pages and the class report
    if batch.failed:
        sys.exit(2)


@main.command("release")
@click.option("--student", "student_dir", type=click.Path(path_type=Path), help="Also write a solution-free student copy here.")
def release_cmd(student_dir: Path | None) -> None:
    """Regenerate assignments/ (stubs) from solutions/; optionally write a student copy with public fixtures."""
    from grader import cases as case_mod
    from grader.reference import load_assignment
    from grader.release import write_student_copy, write_stubs

    written = write_stubs(REPO_ROOT / "assignments")
    console.print(f"wrote {len(written)} stub files under assignments/")
    if student_dir is not None:
        fixtures = {}
        for name, exercises in ASSIGNMENTS.items():
            ref = load_assignment(name)
            for ex in exercises:
                fixtures[f"{name}/{ex.name}"] = case_mod.prepare(ex, ref, None)
        write_student_copy(student_dir, fixtures)
        console.print(f"wrote a student copy (no solutions, {len(fixtures)} fixture files) to {student_dir}/")


@main.command("list")
def list_cmd() -> None:
    """List assignments and their exercises."""
    for name, exercises in ASSIGNMENTS.items():
        console.print(f"[bold]{name}[/]")
        for ex in exercises:
            console.print(f"  {ex.name:<36} {ex.points:>4g} pts  {ex.summary}")


main.add_command(report_commands.feedback_cmd)
main.add_command(report_commands.report_cmd)


if __name__ == "__main__":  # pragma: no cover
    main()

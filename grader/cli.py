"""Command-line interface (a thin layer over :mod:`grader.api`)."""
from __future__ import annotations

import os
import sys
from pathlib import Path

import click
from rich.console import Console
from rich.markup import escape

from grader import api
from grader.config import ConfigError, load_config
from grader.exercises import ASSIGNMENTS, resolve
from grader.i18n import LANGUAGES, translator
from grader.reference import REPO_ROOT, ReferenceUnavailable
from grader.report import text as report_text
from grader.report import commands as report_commands

console = Console()


def _assignment_list(value: str | None) -> list[str]:
    if not value:
        return list(ASSIGNMENTS)
    try:
        return list(dict.fromkeys(resolve(v.strip()) for v in value.split(",") if v.strip()))
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
@click.option("--fixtures", "fixtures_dir", type=click.Path(exists=True, file_okay=False, path_type=Path), help="Public cases to check against (a student copy's fixtures/; default: the solutions if present, else ./fixtures).")
@click.option("--contract", "contract_name", type=click.Choice(["deepgrade", "cs231n"]), help="Features graded (default: deepgrade.toml's contract, else deepgrade).")
@click.option("--lang", type=click.Choice(LANGUAGES), default=lambda: os.environ.get("DEEPGRADE_LANG", "en"), show_default="en, or DEEPGRADE_LANG", help="Language of the feedback.")
def check_cmd(assignment: str | None, name_filter: str | None, path: Path | None, fixtures_dir: Path | None, contract_name: str | None, lang: str = "en") -> None:
    """Check your own work on the public cases (runs your code in a separate process)."""
    from grader.runner.local import LocalBackend

    t = translator(lang, "check")

    if assignment and assignment.endswith((".ipynb", ".py")) and Path(assignment).is_file() and path is None:
        assignment, path = None, Path(assignment)  # `deepgrade check hw2.ipynb`: the assignments it works on
    names = _assignment_list(assignment)
    if assignment is None and path is not None and path.is_file():
        from grader.submit import assignments_defined

        names = assignments_defined(path) or names
    if path is None:
        base = Path("assignments") if Path("assignments").is_dir() else REPO_ROOT / "assignments"
        path = base / names[0] if len(names) == 1 and (base / names[0]).is_dir() else base
    console.print(escape(t("Checking {path} on the public cases of {assignments}", path=str(path), assignments=", ".join(names))) + "\n", highlight=False)
    try:  # a course's deepgrade.toml, when present, may declare stub_modules and a contract
        course = load_config(None, None, require_secret=False, contract=contract_name)
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from None
    if lang == "en":
        def show(r) -> None:
            report_text.print_exercise(console, r)
    else:                                          # the feedback pages' wording, at the terminal
        from grader.report import feedback, terminal

        def show(r) -> None:
            terminal.print_exercise(console, feedback.exercise(r.to_json(), lang=lang), lang)
    try:
        result = api.check(
            names, path, backend=LocalBackend(), name_filter=name_filter, on_exercise=show,
            fixtures_dir=fixtures_dir, stub_modules=course.stub_modules, contract=course.contract,
        )
    except (KeyError, ReferenceUnavailable) as exc:
        raise click.ClickException(str(exc.args[0] if exc.args else exc)) from None
    report_text.print_check(console, result, t)
    sys.exit(0 if all(e.status == "passed" for e in result.exercises) else 1)


@main.command("release")
@click.option("--student", "student_dir", type=click.Path(path_type=Path), help="Also write a solution-free student copy here.")
@click.option("--nbgrader", "nbgrader_dir", type=click.Path(path_type=Path), help="Also write an nbgrader course (source notebooks, config) here.")
@click.option("--gradescope", "gradescope_dir", type=click.Path(path_type=Path), help="Also write a Gradescope autograder bundle here.")
@click.option("-a", "--assignment", "release_assignments", help="Assignment(s) for --nbgrader/--gradescope, comma-separated (default: all).")
@click.option("--contract", "contract_name", type=click.Choice(["deepgrade", "cs231n"]), help="Contract the stubs describe (default: deepgrade.toml's, else deepgrade).")
@click.option("--force", is_flag=True, help="Overwrite an existing student copy (its assignments/ included).")
def release_cmd(student_dir: Path | None, force: bool, contract_name: str | None = None, nbgrader_dir: Path | None = None, gradescope_dir: Path | None = None, release_assignments: str | None = None) -> None:
    """Regenerate assignments/ (stubs) from solutions/; optionally write a student copy with public fixtures."""
    from grader.release import build_fixtures, write_student_copy, write_stubs

    try:
        contract = load_config(None, None, require_secret=False, contract=contract_name).contract
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from None
    written = write_stubs(REPO_ROOT / "assignments", contract=contract)
    console.print(f"wrote {len(written)} stub files under assignments/ ({contract.name} contract)")
    if student_dir is not None:
        if (Path(student_dir) / "assignments").exists() and not force:
            raise click.ClickException(f"{student_dir} already holds a copy; its assignments/ may be a student's work (pass --force to overwrite)")
        fixtures = build_fixtures()
        write_student_copy(student_dir, fixtures, force=force, contract=contract)
        console.print(f"wrote a student copy (no solutions, {len(fixtures)} fixture files) to {student_dir}/")
    from grader.lms.release_targets import release_extras

    release_extras(console, student_dir=student_dir, nbgrader_dir=nbgrader_dir, gradescope_dir=gradescope_dir, assignments=_assignment_list(release_assignments))


@main.command("validate")
@click.option("-a", "--assignment", "assignment", help="Assignment(s), comma-separated (default: all).")
@click.option("--secret", "--seed", "secret", default="validate", show_default=True, help="Secret for the hidden cases the checks grade.")
@click.option("--fixtures", "fixtures_dir", type=click.Path(exists=True, file_okay=False, path_type=Path), help="Also check the public fixtures in this folder.")
@click.option("--workers", type=int, default=2, show_default=True, help="Gradings run at once.")
@click.option("--static", is_flag=True, help="Only the checks that run no code (stubs, names, messages, fixtures).")
@click.option("--lang", type=click.Choice(["en", "ko"]), default=lambda: os.environ.get("DEEPGRADE_LANG", "en"), show_default="en or $DEEPGRADE_LANG", help="Language of the report.")
def validate_cmd(assignment: str | None, secret: str, fixtures_dir: Path | None, workers: int, static: bool, lang: str) -> None:
    """Self-test the exercises: solutions score full marks, stubs zero, every variant its own diagnosis."""
    from grader.validation import format_report, validate

    report = validate(assignments=_assignment_list(assignment), secret=secret, fixtures_dir=fixtures_dir, workers=workers, grade=not static)
    console.print(format_report(report, lang), markup=False, highlight=False, soft_wrap=True)
    sys.exit(0 if report.ok else 1)


@main.command("list")
def list_cmd() -> None:
    """List assignments and their exercises."""
    for name, exercises in ASSIGNMENTS.items():
        console.print(f"[bold]{name}[/]")
        for ex in exercises:
            console.print(f"  {ex.name:<36} {ex.points:>4g} pts  {ex.summary}")


main.add_command(report_commands.feedback_cmd)
main.add_command(report_commands.report_cmd)

from grader.practice.cli import exam_group, practice_cmd  # noqa: E402  (practice and exams, issue 12)

main.add_command(practice_cmd)
main.add_command(exam_group)

from grader import cli_grade  # noqa: E402  (grade and export; registered last so a student copy can drop them)

cli_grade.register(main, REPO_ROOT)

from grader.submit import submit_cmd  # noqa: E402 (registered after the group exists)

main.add_command(submit_cmd)


if __name__ == "__main__":  # pragma: no cover
    main()

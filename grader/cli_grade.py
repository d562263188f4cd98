"""``deepgrade grade`` and ``deepgrade export``: the batch commands (registered in :mod:`grader.cli`).

Ctrl-C (SIGINT) or SIGTERM during ``grade``: no new submission starts, running student processes
are ended within about a second, what is done stays in the gradebook, ``gradebook.csv`` is
written, and a line says how to resume. A second Ctrl-C stops at once (the gradebook is still
consistent: each student is one transaction).
"""
from __future__ import annotations

import os
import signal
import sys
import threading
import time
from pathlib import Path

import click
from rich.console import Console
from rich.markup import escape

from grader.intake.layouts import LAYOUTS
from grader.report.files import EXPORT_FORMATS

# The batch table is made for this width; wider terminals get the same table.
TABLE_WIDTH = 100


def _console() -> Console:
    # Built per command so that COLUMNS (and a test's CliRunner environment) is read at run time.
    probe = Console()
    return Console(width=min(probe.width, TABLE_WIDTH)) if probe.width > TABLE_WIDTH else probe


class _Interrupts:
    """First SIGINT/SIGTERM sets ``stop``; a second one raises KeyboardInterrupt."""

    def __init__(self, stop: threading.Event, console: Console):
        self.stop, self.console, self._old = stop, console, {}

    def __enter__(self):
        if threading.current_thread() is threading.main_thread():
            for sig in (signal.SIGINT, signal.SIGTERM):
                self._old[sig] = signal.signal(sig, self._handle)
        return self

    def _handle(self, signum, frame):
        if self.stop.is_set():
            raise KeyboardInterrupt
        self.stop.set()
        self.console.print("\n[yellow]stopping: no new submission starts; finishing the records of what is done…[/]")

    def __exit__(self, *exc):
        for sig, old in self._old.items():
            signal.signal(sig, old)


def _misconception_texts() -> dict:
    from grader.exercises import ASSIGNMENTS

    return {k: v for exercises in ASSIGNMENTS.values() for ex in exercises for k, v in ex.misconceptions.items()}


@click.command("grade")
@click.argument("submissions", type=click.Path(exists=True, file_okay=True, path_type=Path))
@click.option("-a", "--assignment", "assignment", help="Assignment(s), comma-separated (default: all).")
@click.option("-k", "name_filter", help="Only exercises whose name contains this text.")
@click.option("-o", "--out", "out_dir", type=click.Path(path_type=Path), default=Path("grades"), show_default=True, help="Output folder.")
@click.option("--secret", "--seed", "seed", help="Course secret for hidden cases (--seed is an alias) (default: DEEPGRADE_SECRET or deepgrade.toml).")
@click.option("--config", "config_path", type=click.Path(exists=True, dir_okay=False, path_type=Path), help="Course config (TOML).")
@click.option("--workers", type=click.IntRange(min=1), default=os.cpu_count() or 1, show_default=True, help="Submissions graded in parallel.")
@click.option("--no-sandbox", is_flag=True, help="Run student code without the sandbox (trusted code only).")
@click.option("--layout", type=click.Choice(LAYOUTS), default="auto", show_default=True, help="How SUBMISSIONS is organised (auto: per entry).")
@click.option("--roster", type=click.Path(exists=True, dir_okay=False, path_type=Path), help="CSV of students; those without a submission are recorded as missing.")
@click.option("--regrade", "regrade", metavar="EXERCISE", help="Regrade this exercise for everyone and list whose score changed.")
@click.option("--contract", "contract_name", type=click.Choice(["deepgrade", "cs231n"]), help="Features graded (default: the config's contract, else deepgrade).")
@click.option("--scheduler", help="Grade on a Dask cluster at this address (tcp://HOST:8786); needs deepgrade[dask].")
@click.option("--no-report", is_flag=True, help="Grades only: no feedback pages or class report (write them later with `deepgrade report OUT`).")
def grade_cmd(submissions: Path, assignment, name_filter, out_dir: Path, seed, config_path, workers: int, no_sandbox: bool, layout: str, roster, regrade, contract_name, scheduler, no_report: bool) -> None:
    """Grade every student's submission in SUBMISSIONS (a folder, an LMS download, an archive or one file)."""
    from grader import api
    from grader.cli import _assignment_list, _backend
    from grader.config import ConfigError, load_config

    console = _console()
    names = _assignment_list(assignment)
    if out_dir.exists() and not out_dir.is_dir():
        raise click.BadParameter(f"{out_dir} exists and is not a folder", param_hint="'-o'")
    try:
        config = load_config(seed, config_path, contract=contract_name)
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from None
    if regrade is not None and regrade not in {ex.name for ex in api.select_exercises(names)}:
        raise click.BadParameter(f"no exercise named {regrade!r} in {', '.join(names)} (see `deepgrade list`)", param_hint="'--regrade'")
    from grader import housekeeping

    housekeeping.clean_stale_temp_dirs()  # before our own backend exists: what a kill -9 left
    grade_one = None
    if scheduler:  # each Dask worker keeps its own sandbox; results are committed here
        from grader.distributed import connect

        try:
            only = [ex.name for ex in api.select_exercises(names, name_filter) if regrade is None or ex.name == regrade]
        except KeyError as exc:
            raise click.ClickException(str(exc.args[0])) from None
        grade_one = connect(scheduler, names, secret=config.secret, limits=config.limits, sandbox=not no_sandbox,
                            contract=config.contract, stub_modules=config.stub_modules, only=only)
        workers = max(workers, 2 * grade_one.threads())
        backend = grade_one
    else:
        backend = _backend(no_sandbox, workers)
        housekeeping.mark_owner(getattr(backend, "_runtime_dir", None))
    stop = threading.Event()
    start = time.monotonic()
    counter = {"n": 0, "total": 0}

    def intake(found) -> None:
        counter["total"] = len(found.entries)
        layouts = ", ".join(found.layouts) or "none"
        console.print(f"{len(found.entries)} students found in {escape(str(submissions))} (layout: {layouts}); grading {', '.join(names)}")
        for s in found.skipped:
            who = f" [dim](student {escape(s.student_id)})[/]" if s.student_id else ""
            console.print(f"[yellow]skipped[/] {escape(s.entry)}: {escape(s.reason)}{who}", highlight=False)
        for sid, _name in found.missing:
            console.print(f"[dim]missing[/] {escape(sid)}: on the roster, no submission")

    def done(name: str, doc: dict, reused: bool) -> None:
        counter["n"] += 1
        mark = " (kept)" if reused else ""
        console.print(f"[dim][{counter['n']}/{counter['total']}][/] {escape(doc.get('display_name') or name)}: {doc['total']:g}/{doc['max_total']:g}{mark}", highlight=False)

    try:
        with _Interrupts(stop, console):
            batch = api.grade_batch(submissions, names, secret=config.secret, out_dir=out_dir, backend=backend, workers=workers,
                                    limits=config.limits, on_result=done, layout=layout, roster=roster, regrade=regrade,
                                    stop=stop, on_intake=intake, name_filter=name_filter, grade_one=grade_one,
                                    stub_modules=config.stub_modules, contract=config.contract)
    except (KeyError, ValueError, FileNotFoundError) as exc:
        raise click.ClickException(str(exc.args[0] if exc.args else exc)) from None
    except PermissionError as exc:
        raise click.ClickException(f"cannot read or write {exc.filename}: {exc.strerror}") from None
    finally:
        backend.shutdown()
    _print_batch(console, batch, out_dir, time.monotonic() - start, regrade)
    if not batch.interrupted and no_report:
        console.print(f"no feedback pages or class report (--no-report); write them with `deepgrade report {escape(str(out_dir))}`", highlight=False)
    elif not batch.interrupted:
        from grader.report import commands as report_commands

        report_commands.after_grade(console, out_dir, config_path)  # feedback pages and the class report
    if batch.interrupted:
        again = _resume_command(sys.argv[1:])
        console.print(f"[yellow]interrupted:[/] {len(batch.graded) + len(batch.reused)} of {counter['total']} students recorded. "
                      "To resume, run the same command again (done students are kept):", highlight=False)
        # One unbroken line, so that it can be copied.
        console.print(f"  deepgrade {escape(again)}", highlight=False, soft_wrap=True)
        sys.exit(130)
    if batch.failed:
        sys.exit(2)


def _resume_command(argv: list[str]) -> str:
    """The command line to run again, shell-quoted, with the secret after ``--secret``/``--seed`` masked."""
    import shlex

    shown, hide = [], False
    for arg in argv:
        if hide:
            shown.append("<secret>")
            hide = False
            continue
        hide = arg in ("--secret", "--seed")
        flag = arg.split("=", 1)[0]
        shown.append(f"{flag}=<secret>" if flag in ("--secret", "--seed") and "=" in arg else shlex.quote(arg))
    return " ".join(shown) or "grade …"


def _print_batch(console: Console, batch, out_dir: Path, elapsed: float, regrade: str | None = None) -> None:
    from grader.report import text as report_text

    # Notes not already named as skipped entries (e.g. an unreadable notebook inside a folder).
    said = {entry for entry, _reason, _sid in batch.skipped}
    seen = set(batch.graded) | set(batch.reused)
    notes = [(d.get("display_name") or d["submission"], n) for d in batch.results if d["submission"] in seen for n in d["notes"]
             if n.split(" skipped: ")[0] not in said and n.split(": ")[0] not in said]
    console.print(report_text.batch_table(batch.results))
    console.print(report_text.class_summary(batch.results))
    lines = report_text.diagnosis_lines(batch.results, _misconception_texts())
    if lines:
        console.print("[bold]Most frequent diagnoses (by student):[/]")
        for line in lines:
            console.print("  " + line, highlight=False)
    for who, note in notes:
        console.print(f"[yellow]note[/] {escape(who)}: {escape(note)}", highlight=False)
    for group in batch.lookalikes:
        console.print(f"[yellow]look-alike names[/] (kept apart, file names hashed): {escape(' / '.join(group))}", highlight=False)
    if regrade is not None and not batch.changes:
        console.print(f"regrade of {escape(regrade)}: no score changed")
    for sid, old, new in batch.changes:
        console.print(f"[cyan]changed[/] {escape(sid)}: {'-' if old is None else f'{old:g}'} → {new:g}", highlight=False)
    per = f", {elapsed / len(batch.graded):.2f} s per graded student" if batch.graded else ""
    console.print(f"{len(batch.graded)} graded, {len(batch.reused)} kept from an earlier run, {len(batch.skipped)} entries skipped, "
                  f"{len(batch.missing)} missing in {elapsed:.1f} s{per}; results in {escape(str(out_dir))}/ (JSON per student, gradebook.csv, gradebook.sqlite)", highlight=False)
    for name, error in batch.failed.items():
        console.print(f"[red]internal error on {escape(name)}:[/] {escape(error)} (not recorded; rerun to retry)", highlight=False)


@click.command("export")
@click.argument("out_dir", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--format", "fmt", type=click.Choice(EXPORT_FORMATS), default="csv", show_default=True, help="csv: LMS grade import; gradescope: results.json per student; jsonl: one line per student.")
@click.option("-o", "--output", "dest", type=click.Path(path_type=Path), help="Where to write (default: OUT_DIR/export.csv, OUT_DIR/gradescope/, OUT_DIR/export.jsonl).")
@click.option("--secret", "--seed", "seed", help="Course secret the grades were given with (default: DEEPGRADE_SECRET, deepgrade.toml, else the secret of the newest grade).")
@click.option("--config", "config_path", type=click.Path(exists=True, dir_okay=False, path_type=Path), help="Course config (TOML).")
def export_cmd(out_dir: Path, fmt: str, dest, seed, config_path) -> None:
    """Export the grades in OUT_DIR's gradebook (at any time, also during or after an interrupted batch)."""
    from grader.api import _course_order
    from grader.config import ConfigError, load_config
    from grader.report import files as report_files
    from grader.store import Gradebook, seed_hash

    console = _console()
    book_path = out_dir / "gradebook.sqlite"
    if not book_path.is_file():
        raise click.ClickException(f"no gradebook in {out_dir} (grade first: deepgrade grade SUBMISSIONS -o {out_dir})")
    book = Gradebook(book_path)
    try:
        try:
            secret_hash = seed_hash(load_config(seed, config_path).secret)
        except ConfigError:
            if seed or config_path:
                raise
            secret_hash = book.latest_secret_hash() or ""  # no secret at hand: the grades given last
        order = _course_order()
        docs = [report_files.student_document(r, order) for r in book.students(secret_hash)]
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        book.close()
    graded = {e["name"] for d in docs for e in d["exercises"]}
    columns = [n for n in order if n in graded] + sorted(graded - set(order))
    default = {"csv": out_dir / "export.csv", "gradescope": out_dir / "gradescope", "jsonl": out_dir / "export.jsonl"}[fmt]
    written = report_files.export(docs, columns, fmt, dest or default)
    console.print(f"exported {len(docs)} students ({fmt}) to {escape(str(dest or default))} ({len(written)} file{'s' if len(written) != 1 else ''})")


INSTRUCTOR_ONLY = ("grade", "export", "release", "validate", "exam", "feedback", "report")


def register(group: click.Group, repo_root: Path) -> None:
    """Add ``grade`` and ``export`` to ``group``; in a student copy (no ``solutions/``), remove the
    commands that need the solutions or a course secret, so the CLI shows only what works there."""
    group.add_command(grade_cmd)
    group.add_command(export_cmd)
    if (repo_root / "solutions").is_dir():
        return
    # Decided when the CLI runs, so commands registered after this call are hidden too.
    list_commands, get_command = group.list_commands, group.get_command
    group.list_commands = lambda ctx: [n for n in list_commands(ctx) if n not in INSTRUCTOR_ONLY]  # type: ignore[method-assign]
    group.get_command = lambda ctx, name: None if name in INSTRUCTOR_ONLY else get_command(ctx, name)  # type: ignore[method-assign]

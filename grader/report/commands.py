"""The ``feedback`` and ``report`` commands, and the post-pass ``grade`` runs after a batch."""
from __future__ import annotations

import sys
from pathlib import Path

import click
from rich.console import Console

from grader.config import HIDDEN_LEVELS, ConfigError, FeedbackConfig, load_feedback_config
from grader.i18n import LANGUAGES


def _feedback_config(config_path: Path | None, hidden: str | None) -> FeedbackConfig:
    try:
        config = load_feedback_config(config_path)
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from None
    if hidden is None:
        return config
    if hidden == "full" and config.deadline is None:
        raise click.ClickException('--hidden full needs a [feedback] deadline in deepgrade.toml: full hidden cases are shown only after it')
    return FeedbackConfig(hidden=hidden, deadline=config.deadline)


def _results(out_dir: Path):
    from grader.report import pages

    try:
        return pages.load_results(out_dir)
    except FileNotFoundError as exc:
        raise click.ClickException(str(exc)) from None


_config_option = click.option("--config", "config_path", type=click.Path(exists=True, dir_okay=False, path_type=Path), help="Course config (TOML) with a [feedback] section.")
_hidden_option = click.option("--hidden", type=click.Choice(HIDDEN_LEVELS), help="Override [feedback] hidden: what failing hidden cases disclose.")


@click.command("feedback")
@click.argument("out_dir", metavar="OUT", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.argument("student")
@click.option("--lang", type=click.Choice(LANGUAGES), default="en", show_default=True, help="Language of the feedback.")
@click.option("--format", "fmt", type=click.Choice(["text", "md", "html"]), default="text", show_default=True, help="text: for the terminal; md/html: the page, on stdout.")
@_config_option
@_hidden_option
def feedback_cmd(out_dir: Path, student: str, lang: str, fmt: str, config_path: Path | None, hidden: str | None) -> None:
    """Show one STUDENT's feedback from the grading results in OUT (as students will read it)."""
    from grader.report import feedback, pages, terminal

    config = _feedback_config(config_path, hidden)
    try:
        found = pages.find_student(_results(out_dir), student)
    except LookupError as exc:
        raise click.ClickException(str(exc.args[0])) from None
    level = feedback.level_at(config)
    if fmt == "text":
        terminal.print_feedback(Console(highlight=False), feedback.build(found.data, lang=lang, level=level))
        return
    text = pages.render(found.data, fmt, lang=lang, level=level)
    sys.stdout.buffer.write(text.encode("utf-8", "replace"))


@click.command("report")
@click.argument("out_dir", metavar="OUT", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--lang", "langs", type=click.Choice(LANGUAGES), multiple=True, help="Language(s) of the report (default: all).")
@click.option("--feedback/--no-feedback", "with_feedback", default=True, show_default=True, help="Also (re)write every student's feedback pages.")
@_config_option
@_hidden_option
def report_cmd(out_dir: Path, langs: tuple[str, ...], with_feedback: bool, config_path: Path | None, hidden: str | None) -> None:
    """Write the class report (OUT/report.html) and every student's feedback pages (OUT/feedback/)."""
    from grader.report import pages

    config = _feedback_config(config_path, hidden)
    langs = langs or LANGUAGES
    results = _results(out_dir)
    try:
        for r in results if with_feedback else ():
            pages.write_feedback(out_dir, r.key, r.data, config=config, langs=langs)
        written = pages.write_report(out_dir, results, langs=langs)
    except ImportError as exc:
        raise click.ClickException(f"{exc}: the class report's plots need matplotlib (pip install 'deepgrade[report]')") from None
    console = Console(highlight=False)
    if with_feedback:
        console.print(f"feedback for {len(results)} students in {out_dir / 'feedback'}/")
    console.print("class report: " + ", ".join(str(p) for p in written))


def after_grade(console: Console, out_dir: Path, config_path: Path | None) -> None:
    """The post-pass ``grade`` runs: feedback pages for every student and the class report.

    A failure here is reported on one line and never loses grades (they are written already).
    """
    from grader.report import pages

    try:
        config = load_feedback_config(config_path)
        n, reports = pages.write_all(out_dir, config=config)
    except (ConfigError, OSError, ImportError) as exc:
        console.print(f"[yellow]feedback pages not written:[/] {exc} (run `deepgrade report {out_dir}` after fixing it)")
        return
    console.print(f"feedback for {n} students in {out_dir / 'feedback'}/ (HTML and Markdown, {', '.join(LANGUAGES)}); class report {reports[0]}")

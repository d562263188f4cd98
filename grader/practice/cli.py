"""``deepgrade practice`` and ``deepgrade exam make|grade`` (registered in :mod:`grader.cli`)."""
from __future__ import annotations

import getpass
import os
import random
import sys
from pathlib import Path

import click

from grader.i18n import LANGUAGES, N_


@click.command("practice")
@click.option("--topic", help="Only this topic (see --list).")
@click.option("--count", type=click.IntRange(1, 500), default=5, show_default=True, help="Number of questions.")
@click.option("--seed", type=int, help="Session seed: the same seed gives the same questions (default: random, printed).")
@click.option("--lang", type=click.Choice(LANGUAGES), default=lambda: os.environ.get("DEEPGRADE_LANG", "en"), show_default="en", help="Language of questions and feedback.")
@click.option("--review", is_flag=True, help="Start with the templates due for spaced review (those you got wrong).")
@click.option("--answers", "answers", type=click.File("r", encoding="utf-8"), help="Answers file, one per line: a non-interactive run.")
@click.option("--user", default=lambda: os.environ.get("DEEPGRADE_USER") or getpass.getuser(), help="Whose progress to use (default: your login name).")
@click.option("--list", "list_only", is_flag=True, help="List topics and templates and exit.")
def practice_cmd(topic, count, seed, lang, review, answers, user, list_only) -> None:
    """Exam-style practice questions with worked solutions, at the prompt or from an answers file."""
    from grader.practice import session as ses
    from grader.practice.store import ProgressStore
    from grader.practice.templates import TOPICS, templates
    from grader.practice.text import msg, render

    if list_only:
        for key, title in TOPICS.items():
            click.echo(f"{key}: {render(msg(title), lang)}")
            for t in templates(key):
                click.echo(f"    {t.id:<20} {render(msg(t.title), lang)}")
        return
    if topic is not None and topic not in TOPICS:
        raise click.BadParameter(f"unknown topic {topic!r}; choose one of {', '.join(TOPICS)}", param_hint="--topic")
    if seed is None:
        seed = random.SystemRandom().randrange(10**6)
    store = ProgressStore()
    try:
        first = [d.template for d in store.due(user)] if review else []
        items = ses.plan(count, seed, topic, first)
        click.echo(render(msg(N_("Practice session (seed {seed}; replay it with --seed {seed}). Type q to stop."), seed=seed), lang))
        if answers is not None:
            console = ses.ScriptConsole(answers, out=sys.stdout)
            ses.run(items, console, lang, store, user, offer_variants=False)
        else:
            ses.run(items, ses.TerminalConsole(), lang, store, user)
    finally:
        store.close()


@click.group("exam")
def exam_group() -> None:
    """Per-student exam papers from a spec and a roster, and their grading."""


@exam_group.command("make")
@click.option("--roster", type=click.Path(exists=True, dir_okay=False, path_type=Path), required=True, help="CSV with id[, name, lang, seat].")
@click.option("--spec", type=click.Path(exists=True, dir_okay=False, path_type=Path), required=True, help="Exam spec (TOML).")
@click.option("-o", "--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), required=True, help="Output folder.")
@click.option("--secret", help="Course secret (default: DEEPGRADE_SECRET or [course] secret in deepgrade.toml).")
@click.option("--config", "config_path", type=click.Path(exists=True, dir_okay=False, path_type=Path), help="Course config (TOML).")
def exam_make_cmd(roster: Path, spec: Path, out_dir: Path, secret, config_path) -> None:
    """Write one paper per student (Markdown + printable HTML) and one answer key."""
    from grader.config import ConfigError, load_config
    from grader.practice.exam import ExamError, make

    try:
        config = load_config(secret, config_path)
        manifest = make(spec, roster, out_dir, config.secret)
    except (ConfigError, ExamError) as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"{len(manifest['students'])} papers in {out_dir}/papers/, answer key in {out_dir}/key/ (keep it away from students)")


@exam_group.command("grade")
@click.argument("out_dir", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.argument("responses", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def exam_grade_cmd(out_dir: Path, responses: Path) -> None:
    """Mark RESPONSES (CSV: id + one column per question label) against the exam in OUT_DIR."""
    from grader.practice.exam import ExamError, grade

    try:
        results = grade(out_dir, responses)
    except ExamError as exc:
        raise click.ClickException(str(exc)) from None
    for sid, marks in results.items():
        click.echo(f"{sid:<16} {sum(m.marks for m in marks):g}/{sum(m.points for m in marks):g}")
    click.echo(f"scores in {out_dir}/grades/scores.csv, feedback in {out_dir}/grades/feedback/")

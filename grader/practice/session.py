"""A practice session: ask, check, explain, offer another variant, summarise, remember.

The loop is written against a two-method console (:class:`Console`: ``ask`` and ``say``) so the
same code runs at a terminal (:class:`TerminalConsole`, prompt_toolkit) and from an answers file
(:class:`ScriptConsole`, one answer per line, for a non-interactive run).
"""
from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Iterable, Iterator, Protocol

from grader.i18n import N_, translator
from grader.practice.question import LETTERS, AnswerFormatError, Question, check, format_key
from grader.practice.store import ProgressStore
from grader.practice.templates import REGISTRY, TOPICS, generate, templates
from grader.practice.text import DOMAIN, Msg, msg, render, render_lines

QUIT = {"q", "quit", "exit"}
VARIANT = {"v", "variant", "again"}


class Console(Protocol):
    """Where a session's questions go and answers come from."""

    def ask(self, prompt: str) -> str | None:
        """One line from the student, or ``None`` at the end of input."""

    def say(self, text: str) -> None:
        """Show text."""


class TerminalConsole:
    """Interactive console on prompt_toolkit (history, line editing, Ctrl-D ends the session)."""

    def __init__(self) -> None:
        from prompt_toolkit import PromptSession

        self._session = PromptSession()

    def ask(self, prompt: str) -> str | None:
        """Show ``prompt`` and return one line, or ``None`` at the end of input (Ctrl-D, end of file)."""
        try:
            return self._session.prompt(prompt)
        except (EOFError, KeyboardInterrupt):
            return None

    def say(self, text: str) -> None:
        """Show ``text`` (one or more lines)."""
        print(text, flush=True)


class ScriptConsole:
    """Answers from a file: one per line; blank lines and lines starting with ``#`` are skipped."""

    def __init__(self, lines: Iterable[str], out=None) -> None:
        self._lines: Iterator[str] = (line.rstrip("\n") for line in lines if line.strip() and not line.lstrip().startswith("#"))
        self.transcript: list[str] = []
        self._out = out

    def ask(self, prompt: str) -> str | None:
        """Show ``prompt`` and return one line, or ``None`` at the end of input (Ctrl-D, end of file)."""
        answer = next(self._lines, None)
        if answer is not None:
            self.say(prompt + answer)
        return answer

    def say(self, text: str) -> None:
        """Show ``text`` (one or more lines)."""
        self.transcript.append(text)
        if self._out is not None:
            print(text, file=self._out, flush=True)


@dataclass
class Summary:
    """What a session did: ``asked`` and ``correct`` counts, and results per template id."""

    asked: int = 0
    correct: int = 0
    per_template: dict[str, list[bool]] = field(default_factory=dict)


def plan(count: int, seed: int, topic: str | None = None, first: Iterable[str] = ()) -> list[tuple[str, int]]:
    """The ``(template, question seed)`` list of a session.

    Args:
        count: number of questions, ≥ 1.
        seed: session seed; the same arguments always give the same questions.
        topic: a key of :data:`TOPICS`, or ``None`` for all topics.
        first: template ids to ask first (spaced review), kept when they belong to the topic.
    Returns:
        ``count`` pairs: review templates first, then templates drawn in turn from a shuffled
        cycle over the topic so that no template repeats before every one has come up.
    Raises:
        KeyError: unknown topic.
    """
    pool = [t.id for t in templates(topic)]
    rng = random.Random(f"session:{seed}")
    order = [t for t in first if t in pool][:count]
    while len(order) < count:
        cycle = pool[:]
        rng.shuffle(cycle)
        order += cycle[: count - len(order)]
    return [(t, rng.randrange(10**9)) for t in order]


def run(items: list[tuple[str, int]], console: Console, lang: str = "en", store: ProgressStore | None = None,
        user: str = "student", offer_variants: bool = True) -> Summary:
    """Ask every question of ``items``, give feedback with the worked solution, record progress.

    After each answer an interactive session offers another variant of the same template
    (``v``), the next question (Enter) or the end (``q``); ``q`` at an answer prompt ends too.

    Args:
        items: from :func:`plan`.
        console: where questions go and answers come from.
        lang: ``"en"`` or ``"ko"``.
        store: progress store (Leitner boxes); ``None`` records nothing.
        user: the user the progress belongs to.
        offer_variants: ask "another variant?" after each answer (interactive sessions).
    Returns:
        The session summary (also shown on the console).
    """
    tr = translator(lang, DOMAIN)
    say = lambda *texts: console.say("\n".join(render(t, tr) for t in texts))  # noqa: E731
    summary = Summary()
    queue = list(items)
    number = 0
    while queue:
        template_id, seed = queue.pop(0)
        number += 1
        q = generate(template_id, seed)
        say("", msg(N_("Question {i} — {title}  [{uid}]"), i=number, title=msg(REGISTRY[template_id].title), uid=q.uid))
        console.say(render_lines(q.prompt, tr))
        for i, choice in enumerate(q.choices):
            console.say(f"  {LETTERS[i]}) {render(choice, tr)}")
        verdict = _ask_answer(q, console, tr)
        if verdict is None:
            break
        summary.asked += 1
        summary.correct += verdict
        summary.per_template.setdefault(template_id, []).append(verdict)
        if store is not None:
            store.record(user, template_id, seed, verdict)
        if verdict:
            say(msg(N_("Correct.")))
        else:
            say(msg(N_("Not quite. The answer is {key}."), key=format_key(q)))
        say(msg(N_("Worked solution:")))
        console.say(render_lines(q.solution, tr))
        if offer_variants:
            choice = console.ask(render(msg(N_("[Enter] next question, v another variant of this one, q quit: ")), tr))
            if choice is None or choice.strip().lower() in QUIT:
                break
            if choice.strip().lower() in VARIANT:
                queue.insert(0, (template_id, random.Random(f"variant:{seed}").randrange(10**9)))
    _summarise(summary, console, tr, store, user)
    return summary


def _ask_answer(q: Question, console: Console, tr) -> bool | None:
    while True:
        text = console.ask(render(msg(N_("Your answer: ")), tr))
        if text is None or text.strip().lower() in QUIT:
            return None
        try:
            return check(q, text).correct
        except AnswerFormatError as exc:
            console.say(render(exc.message, tr))


def _summarise(summary: Summary, console: Console, tr, store: ProgressStore | None, user: str) -> None:
    say = lambda t: console.say(render(t, tr))  # noqa: E731
    say("")
    say(msg(N_("Summary: {correct} of {asked} correct."), correct=summary.correct, asked=summary.asked))
    for template_id, results in summary.per_template.items():
        say(msg(N_("  {title}: {right}/{total}"), title=msg(REGISTRY[template_id].title), right=sum(results), total=len(results)))
    if store is not None:
        due = store.due(user)
        if due:
            names = ", ".join(render(Msg(REGISTRY[d.template].title), tr) for d in due if d.template in REGISTRY)
            say(msg(N_("Due for review (practice --review starts with these): {names}"), names=names))


def topic_titles(lang: str) -> list[str]:
    """``id — title`` for every topic, for ``--help`` and error messages."""
    tr = translator(lang, DOMAIN)
    return [f"{key} — {tr(title)}" for key, title in TOPICS.items()]

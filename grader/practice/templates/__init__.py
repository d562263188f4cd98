"""The question bank: seeded templates grouped by topic.

A template is a function of a :class:`random.Random` that returns a :class:`Draft` (prompt, answer
kind, key, worked solution, tolerance, choices). :func:`generate` seeds the generator from the
template id and an integer seed, so ``(template, seed)`` always gives the same question, in any
language. Every number in a key comes from :mod:`grader.practice.layers` or
:mod:`grader.practice.architectures` (or, for by-hand questions, from numpy applying the
operation's definition); templates only choose the numbers and word the question.
"""
from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any, Callable

from grader.i18n import N_
from grader.practice.question import Question
from grader.practice.text import Text

TOPICS: dict[str, str] = {
    "sizes": N_("Output sizes, padding and receptive fields"),
    "params": N_("Parameter counts of layers and classic CNNs"),
    "costs": N_("MACs, FLOPs and the depthwise-separable cost ratio"),
    "byhand": N_("Pooling and convolution by hand"),
    "backprop": N_("Backpropagation on small computation graphs"),
    "sequence": N_("RNN, LSTM, GRU, attention and ViT shapes and parameters"),
    "concepts": N_("Concepts"),
}


@dataclass(frozen=True)
class Draft:
    """What a template returns; :func:`generate` adds the template id, topic and seed."""

    prompt: tuple[Text, ...]
    kind: str
    key: Any
    solution: tuple[Text, ...]
    tol: float = 0.0
    choices: tuple[Text, ...] = field(default=())


@dataclass(frozen=True)
class Template:
    """Attributes: ``id``, ``topic`` (a key of :data:`TOPICS`), ``title`` (message id), ``build`` (rng → Draft)."""

    id: str
    topic: str
    title: str
    build: Callable[[random.Random], Draft]


REGISTRY: dict[str, Template] = {}


def template(id: str, topic: str, title: str):
    """Register a template function under ``id`` (decorator)."""
    if topic not in TOPICS:
        raise ValueError(f"unknown topic {topic!r}")

    def register(fn: Callable[[random.Random], Draft]):
        """Add ``fn`` to :data:`REGISTRY` under the template id."""
        if id in REGISTRY:
            raise ValueError(f"template {id!r} registered twice")
        REGISTRY[id] = Template(id, topic, title, fn)
        return fn

    return register


def generate(template_id: str, seed: int) -> Question:
    """The question of template ``template_id`` for ``seed``.

    Args:
        template_id: a key of :data:`REGISTRY`.
        seed: any integer; the same seed always gives the same question.
    Returns:
        The question.
    Raises:
        KeyError: unknown template.
    """
    _load()
    tpl = REGISTRY[template_id]
    draft = tpl.build(random.Random(f"{template_id}:{seed}"))
    return Question(template=tpl.id, topic=tpl.topic, seed=seed, prompt=draft.prompt, kind=draft.kind, key=draft.key,
                    solution=draft.solution, tol=draft.tol, choices=draft.choices)


def templates(topic: str | None = None) -> list[Template]:
    """All templates, or those of one topic, in registration order.

    Raises:
        KeyError: unknown topic.
    """
    _load()
    if topic is not None and topic not in TOPICS:
        raise KeyError(topic)
    return [t for t in REGISTRY.values() if topic is None or t.topic == topic]


def _load() -> None:
    # Importing the topic modules registers their templates.
    from grader.practice.templates import backprop, byhand, concepts, costs, params, sequence, sizes  # noqa: F401

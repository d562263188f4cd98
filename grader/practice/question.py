"""Questions, answers and the exact checker.

Four kinds of answer, all parsed from one line of text (a terminal prompt, an answers file or a
cell of an exam's responses CSV); nothing a student types is evaluated as code:

``number``  an integer or decimal (``1,234``, ``-0.25``, ``3/4`` and ``1e-3`` are read too);
            correct when ``|got - key| <= tol``. Integer keys have ``tol = 0`` (exact); the
            tolerance of a decimal key is stated in the question ("to 2 decimal places" → 0.005).
``choice``  a letter ``A``–``F`` (case-insensitive) or its number ``1``–``6``; exact.
``shape``   a tuple of integers, ``(2, 3, 4)``, ``2x3x4`` or ``2 3 4``; exact, same length.
``matrix``  rows separated by ``;`` or ``/``, entries by spaces or commas (``1 2; 3 4``);
            same shape and every entry within ``tol`` of the key.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from grader.i18n import N_
from grader.practice.text import Msg, Text, msg, num

KINDS = ("number", "choice", "shape", "matrix")
LETTERS = "ABCDEF"


class AnswerFormatError(ValueError):
    """The text could not be read as an answer of the question's kind (carries a :class:`Msg`)."""

    def __init__(self, message: Msg):
        super().__init__(message.id)
        self.message = message


@dataclass(frozen=True)
class Question:
    """One generated question with its key and worked solution.

    Attributes:
        template: template id (e.g. ``"conv_output_size"``); with ``seed`` it regenerates the question.
        topic: topic id (see :data:`grader.practice.templates.TOPICS`).
        seed: the integer seed the question was generated from.
        prompt: the question, one text per line (messages and language-neutral drawings).
        kind: one of :data:`KINDS`.
        key: the answer: ``int``/``float`` (number), choice index (choice), ``tuple[int, ...]``
            (shape) or ``tuple[tuple[float, ...], ...]`` (matrix).
        solution: the worked solution, one text per line.
        tol: absolute tolerance for ``number`` and ``matrix`` keys (0 = exact).
        choices: the options of a ``choice`` question, in display order.
    """

    template: str
    topic: str
    seed: int
    prompt: tuple[Text, ...]
    kind: str
    key: Any
    solution: tuple[Text, ...]
    tol: float = 0.0
    choices: tuple[Text, ...] = field(default=())

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown answer kind {self.kind!r}")

    @property
    def uid(self) -> str:
        """``template:seed``, unique per question and stable across runs."""
        return f"{self.template}:{self.seed}"


@dataclass(frozen=True)
class Verdict:
    """Attributes: ``correct`` (bool), ``value`` (the parsed answer)."""

    correct: bool
    value: Any


def parse(kind: str, text: str) -> Any:
    """Read ``text`` as an answer of ``kind`` (see the module docstring for the forms accepted).

    Args:
        kind: one of :data:`KINDS`.
        text: what the student typed.
    Returns:
        ``float`` (number), ``int`` index (choice), ``tuple[int, ...]`` (shape) or
        ``tuple[tuple[float, ...], ...]`` (matrix).
    Raises:
        AnswerFormatError: the text is empty or not of that form.
    """
    text = text.strip()
    if not text:
        raise AnswerFormatError(msg(N_("Please type an answer.")))
    if kind == "number":
        return _number(text)
    if kind == "choice":
        t = text.strip("() .").upper()
        if len(t) == 1 and t in LETTERS:
            return LETTERS.index(t)
        if t.isdigit() and 1 <= int(t) <= len(LETTERS):
            return int(t) - 1
        raise AnswerFormatError(msg(N_("Answer with the letter of one choice, e.g. B.")))
    if kind == "shape":
        parts = [p for p in re.split(r"[\s,x×*()\[\]]+", text) if p]
        try:
            return tuple(int(p) for p in parts)
        except ValueError:
            raise AnswerFormatError(msg(N_("Write a shape as integers, e.g. (2, 3, 4).")))
    if kind == "matrix":
        rows = [r for r in re.split(r"[;/\n]", text) if r.strip()]
        try:
            parsed = tuple(tuple(_number(c) for c in re.split(r"[\s,]+", r.strip(" []")) if c) for r in rows)
        except AnswerFormatError:
            raise AnswerFormatError(msg(N_("Write a matrix row by row, rows separated by ';', e.g. 1 2; 3 4.")))
        if not parsed or any(len(r) != len(parsed[0]) for r in parsed):
            raise AnswerFormatError(msg(N_("Every row of the matrix needs the same number of entries.")))
        return parsed
    raise ValueError(f"unknown answer kind {kind!r}")


def _number(text: str) -> float:
    t = text.replace(",", "").replace("_", "").replace("−", "-").strip()
    try:
        if "/" in t:
            return float(Fraction(t.replace(" ", "")))
        return float(t)
    except (ValueError, ZeroDivisionError):
        raise AnswerFormatError(msg(N_("Write a number, e.g. 42 or -0.25.")))


def check(question: Question, text: str) -> Verdict:
    """Parse and check one answer against the key.

    Args:
        question: the question.
        text: the student's answer (one line).
    Returns:
        The verdict with the parsed value.
    Raises:
        AnswerFormatError: the text is not an answer of the question's kind.
    """
    value = parse(question.kind, text)
    return Verdict(matches(question, value), value)


def matches(question: Question, value: Any) -> bool:
    """Whether a parsed answer equals the key (within ``question.tol`` for numbers and matrices)."""
    key, tol = question.key, question.tol
    if question.kind == "number":
        return abs(float(value) - float(key)) <= tol + 1e-9 * max(1.0, abs(float(key)))
    if question.kind == "choice":
        return value == key
    if question.kind == "shape":
        return tuple(value) == tuple(key)
    if len(value) != len(key) or any(len(a) != len(b) for a, b in zip(value, key)):
        return False
    return all(abs(float(a) - float(b)) <= tol + 1e-9 for ra, rb in zip(value, key) for a, b in zip(ra, rb))


def format_key(question: Question) -> str:
    """The key as the student would type it (language-neutral)."""
    key = question.key
    if question.kind == "number":
        return num(key) if question.tol == 0 else f"{key:.{_decimals(question.tol)}f}"
    if question.kind == "choice":
        return LETTERS[key]
    if question.kind == "shape":
        return "(" + ", ".join(str(k) for k in key) + ")"
    if question.tol > 0:  # rounded as the question asks ("to 2 decimal places"), which is within tol
        d = _decimals(question.tol)
        return "; ".join(" ".join(_trim(f"{float(v):.{d}f}") for v in row) for row in key)
    return "; ".join(" ".join(num(float(v)) for v in row) for row in key)


def _trim(text: str) -> str:
    return text.rstrip("0").rstrip(".") if "." in text else text


def _decimals(tol: float) -> int:
    d = 0
    while tol * 10**d < 0.5 and d < 8:
        d += 1
    return d


def perturbations(question: Question) -> list[str]:
    """Wrong answers close to the key, typed as a student would (for tests of the checker).

    Returns:
        Answers that the checker must reject: off by one, by ten percent, a sign error, another
        choice, a shape with one dimension changed, a matrix with one entry changed.
    """
    key = question.key
    if question.kind == "number":
        step = max(1.0, abs(float(key)) * 0.1) if question.tol == 0 else max(question.tol * 4, abs(float(key)) * 0.1)
        out = [float(key) + step, float(key) - step]
        if key != 0:
            out.append(-float(key))
        return [repr(v) for v in out]
    if question.kind == "choice":
        return [LETTERS[i] for i in range(len(question.choices)) if i != key]
    if question.kind == "shape":
        bumped = [list(key) for _ in key]
        for i, b in enumerate(bumped):
            b[i] += 1
        return ["(" + ", ".join(map(str, b)) + ")" for b in bumped] + ["(" + ", ".join(map(str, key[:-1])) + ")"]
    rows = [list(r) for r in key]
    rows[-1][-1] = float(rows[-1][-1]) + max(1.0, question.tol * 4)
    return ["; ".join(" ".join(repr(float(v)) for v in r) for r in rows)]

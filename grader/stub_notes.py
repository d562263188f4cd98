"""How an exercise is graded, written into its stub's docstring for the course's contract.

Students should know what earns the points: an exercise whose cases exercise several contract
features (:mod:`grader.contracts`) gets a paragraph at the end of its docstring, e.g.::

    Grading (deepgrade contract): core 60%, uneven_windows 10%, dilation 15%, groups 15% of
    the points; within a feature, by cases passed.

and, for the features the contract leaves out, ``Not graded in this course: test_mode.`` The
shares are the spec's weights (``Exercise.weights``) over the features the contract grades.
Pure text functions; :mod:`grader.release` applies them when it writes stubs.
"""
from __future__ import annotations

import ast
from typing import Mapping

from grader.contracts import Contract


def grading_note(weights: Mapping[str, float], contract: Contract, exercise: str) -> str:
    """The paragraph for one exercise, or ``""`` when it has a single feature.

    Args:
        weights: the exercise's feature weights (``Exercise.weights``).
        contract: the course's contract.
        exercise: the exercise name (contracts may differ per exercise).
    Returns:
        One or two sentences (no indentation, lines of at most ~90 characters).
    """
    graded_features = contract.graded(exercise)
    graded = {f: w for f, w in weights.items() if f in graded_features}
    ungraded = [f for f in weights if f not in graded_features]
    if len(weights) < 2 or not graded:
        return ""
    total = sum(graded.values())
    parts = ", ".join(f"{f} {round(100 * w / total):d}%" for f, w in graded.items())
    text = f"Grading ({contract.name} contract): {parts} of the points; within a feature, by cases passed."
    if ungraded:
        text += f" Not graded in this course: {', '.join(ungraded)}."
    return text


def _wrap(text: str, width: int = 90) -> list[str]:
    lines, line = [], ""
    for word in text.split():
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}" if line else word
    return lines + ([line] if line else [])


def annotate(source: str, notes: Mapping[str, str]) -> str:
    """``source`` with each note appended to the docstring of the top-level def/class it names.

    Args:
        source: a stub file's text.
        notes: function or class name → paragraph (empty paragraphs are skipped).
    Returns:
        The text; docstrings whose closing quotes do not stand on a line of their own are left
        as they are.
    Raises:
        SyntaxError: ``source`` is not Python.
    """
    tree = ast.parse(source)
    lines = source.splitlines(keepends=True)
    inserts: list[tuple[int, list[str]]] = []
    for node in tree.body:
        if not isinstance(node, (ast.FunctionDef, ast.ClassDef)) or not notes.get(node.name):
            continue
        doc = node.body[0] if node.body else None
        if not (isinstance(doc, ast.Expr) and isinstance(doc.value, ast.Constant) and isinstance(doc.value.value, str)):
            continue
        closing = lines[doc.end_lineno - 1]
        if closing.strip() not in ('"""', "'''"):
            continue
        indent = closing[: len(closing) - len(closing.lstrip())]
        inserts.append((doc.end_lineno - 1, ["\n"] + [f"{indent}{line}\n" for line in _wrap(notes[node.name])]))
    for index, new in sorted(inserts, reverse=True):
        lines[index:index] = new
    return "".join(lines)

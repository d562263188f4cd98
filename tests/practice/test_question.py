"""Answer parsing and the checker's tolerances."""
from __future__ import annotations

import pytest

from grader.practice.question import AnswerFormatError, Question, check, parse


def _q(kind, key, tol=0.0, choices=()):
    return Question("t", "sizes", 0, ("?",), kind, key, ("!",), tol, choices)


@pytest.mark.parametrize("text,value", [("1,234", 1234.0), (" -0.25 ", -0.25), ("3/4", 0.75), ("1e3", 1000.0), ("−2", -2.0)])
def test_numbers(text, value):
    assert parse("number", text) == value


def test_forms_of_shapes_choices_and_matrices():
    assert parse("shape", "(2, 3, 4)") == parse("shape", "2x3x4") == parse("shape", "2 3 4") == (2, 3, 4)
    assert parse("choice", "b") == parse("choice", "2") == parse("choice", "(B)") == 1
    assert parse("matrix", "1 2; 3 4") == parse("matrix", "[1, 2] / [3, 4]") == ((1.0, 2.0), (3.0, 4.0))


@pytest.mark.parametrize("kind,text", [("number", "abc"), ("number", ""), ("choice", "Z"), ("shape", "two"), ("matrix", "1 2; 3"), ("number", "__import__('os')")])
def test_unreadable_answers_raise_with_a_message(kind, text):
    with pytest.raises(AnswerFormatError) as info:
        parse(kind, text)
    assert info.value.message.id


def test_tolerances():
    exact = _q("number", 55)
    assert check(exact, "55").correct and not check(exact, "55.01").correct and not check(exact, "54").correct
    decimal = _q("number", 0.1189, tol=0.0005)
    assert check(decimal, "0.119").correct and check(decimal, "0.1185").correct and not check(decimal, "0.12").correct
    matrix = _q("matrix", ((1.0, 2.5),), tol=0.005)
    assert check(matrix, "1 2.5").correct and not check(matrix, "1 2.5; 1 1").correct and not check(matrix, "1 2.51").correct
    assert not check(_q("shape", (2, 3)), "(2, 3, 1)").correct

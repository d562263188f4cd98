"""Wrapped terminal lines keep their indentation (student feedback at 80 columns and narrower)."""
from __future__ import annotations

import io

import pytest
from rich.console import Console
from rich.markup import escape

from grader.report import phrases
from grader.report.text import say
from grader.runner import reasons


@pytest.mark.parametrize("width", [40, 80])
def test_a_long_korean_sentence_wraps_under_its_indent(width):
    english = reasons.ENDED_SLOW.format(what=reasons.RUNNING.format(func="conv_forward_naive"),
                                        reason=reasons.CPU_LIMIT.format(seconds="10"))
    korean = phrases.translate_line(english, "ko")
    out = io.StringIO()
    console = Console(file=out, width=width, color_system=None)
    say(console, escape(korean), 4)
    lines = out.getvalue().splitlines()
    assert len(lines) > 1
    assert all(line.startswith("    ") and not line[4].isspace() for line in lines), lines
    assert all(line == line.rstrip() for line in lines)
    assert all(console.measure(line).maximum <= width for line in lines)
    assert "".join(line.strip() for line in lines).replace(" ", "") == korean.replace(" ", "")

"""Questions as Markdown and self-contained, printable HTML (exam papers, answer keys, feedback).

Texts that are catalogue messages become paragraphs; language-neutral strings (formulas, matrices,
graph drawings) are kept in monospace blocks so that their alignment survives. The HTML has its
CSS inline and no external resources, so a paper prints the same anywhere.
"""
from __future__ import annotations

import html
from typing import Iterable

from grader.practice.question import LETTERS
from grader.practice.text import Msg, Text, render

CSS = """
body { font-family: "Noto Sans", "Noto Sans KR", "Apple SD Gothic Neo", "Malgun Gothic", sans-serif; max-width: 46em; margin: 2em auto; line-height: 1.45; }
h1 { font-size: 1.5em; margin-bottom: .2em; } h2 { font-size: 1.2em; border-bottom: 1px solid #999; margin-top: 1.6em; }
.meta td { padding: .2em 1em .2em 0; } .q { margin: 1.2em 0; page-break-inside: avoid; }
.q h3 { font-size: 1em; margin: 0 0 .3em; } pre { font-family: "DejaVu Sans Mono", "D2Coding", monospace; background: #f6f6f6; padding: .4em .6em; }
.answer { border: 1px solid #444; min-height: 2.2em; margin-top: .5em; padding: .3em; }
.choices { list-style: none; padding-left: 1em; } .key { color: #064; font-weight: bold; }
@media print { body { margin: 0; max-width: none; } pre { background: none; border: 1px solid #ccc; } h2 { page-break-after: avoid; } }
"""


def blocks(lines: Iterable[Text], tr) -> list[tuple[str, str]]:
    """Group lines into ``("text", paragraph)`` and ``("pre", monospace block)`` runs."""
    out: list[tuple[str, str]] = []
    for line in lines:
        kind = "text" if isinstance(line, Msg) else "pre"
        body = render(line, tr)
        if out and out[-1][0] == kind == "pre":
            out[-1] = ("pre", out[-1][1] + "\n" + body)
        else:
            out.append((kind, body))
    return out


def markdown(lines: Iterable[Text], tr) -> str:
    """Lines as Markdown (monospace runs fenced)."""
    parts = []
    for kind, body in blocks(lines, tr):
        parts.append(f"```\n{body}\n```" if kind == "pre" else body)
    return "\n\n".join(parts)


def html_lines(lines: Iterable[Text], tr) -> str:
    """Lines as HTML fragments (escaped)."""
    parts = []
    for kind, body in blocks(lines, tr):
        parts.append(f"<pre>{html.escape(body)}</pre>" if kind == "pre" else f"<p>{html.escape(body)}</p>")
    return "\n".join(parts)


def choices_markdown(choices, tr) -> str:
    """Choices as a Markdown list with their letters."""
    return "\n".join(f"- **{LETTERS[i]}** {render(c, tr)}" for i, c in enumerate(choices))


def choices_html(choices, tr) -> str:
    """Choices as an HTML list with their letters (escaped); empty when there are none."""
    items = "".join(f"<li><b>{LETTERS[i]}</b> {html.escape(render(c, tr))}</li>" for i, c in enumerate(choices))
    return f'<ul class="choices">{items}</ul>' if items else ""


def page(title: str, body: str, lang: str) -> str:
    """A complete, self-contained HTML document."""
    return (f'<!DOCTYPE html>\n<html lang="{lang}"><head><meta charset="utf-8"><title>{html.escape(title)}</title>'
            f"<style>{CSS}</style></head><body>\n{body}\n</body></html>\n")

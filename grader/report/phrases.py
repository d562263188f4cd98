"""Translate the sentences that grading wrote in English, line by line, for feedback pages.

Results keep their messages in English (the gradebook, exports and the terminal read them as
they are). Sentences built from a catalogue template at grading time — :data:`grader.compare.SENTENCES`
("out differs: max abs error 7.21 (relative 1.15) at out[1, 2, 0, 3] ...") and the gradient
check's verdicts, :data:`grader.exercises.backward.SENTENCES` — are recognised here
by matching each line against its template, and rendered again in the reader's language with
the same field values. A line that no template produces is left as it is.

Matching is exact (the whole line) and fields are non-greedy, so a template can only claim a
line it could have produced; a field named twice (``{name} ... at {name}{where}``) must hold the
same text both times.
"""
from __future__ import annotations

import re
from functools import lru_cache

from grader import compare
from grader.exercises import backward, context
from grader.i18n import translator

# Longest first: a template that extends another (the "shown values" forms) must win.
# (Importing the spec modules and the grading loop first: they register their own sentences,
# context.REGISTERED.)
import grader.exercises  # noqa: E402,F401
import grader.grading  # noqa: E402,F401

TEMPLATES = tuple(sorted((*compare.SENTENCES, *backward.SENTENCES, *context.SENTENCES, *context.REGISTERED), key=len, reverse=True))
DOMAIN = "feedback"


@lru_cache(maxsize=None)
def _pattern(template: str) -> re.Pattern:
    """``template``'s fields as named groups (a repeated field as a back-reference)."""
    out, seen, pos = [], set(), 0
    for m in re.finditer(r"\{(\w+)\}", template):
        out.append(re.escape(template[pos:m.start()]))
        name = m.group(1)
        out.append(f"(?P={name})" if name in seen else f"(?P<{name}>.+?)")
        seen.add(name)
        pos = m.end()
    out.append(re.escape(template[pos:]))
    return re.compile("".join(out))


def translate_line(line: str, lang: str) -> str:
    """``line`` in ``lang`` when a template of :data:`TEMPLATES` produced it, else ``line``.

    Args:
        line: one line of a result message (no newline).
        lang: ``"en"`` or ``"ko"``.
    Returns:
        The line, translated with the same field values.
    Raises:
        grader.i18n.UnknownLanguage: ``lang`` is not a known language.
    """
    t = translator(lang, DOMAIN)
    for template in TEMPLATES:
        match = _pattern(template).fullmatch(line)
        if match:
            # A field may itself be such a sentence ("your forward is wrong ({problem})").
            return t(template, **{k: translate_line(v, lang) for k, v in match.groupdict().items()})
    return line


def translate(message: str, lang: str) -> str:
    """Every line of ``message`` through :func:`translate_line` (line breaks kept)."""
    return "\n".join(translate_line(line, lang) for line in message.split("\n"))

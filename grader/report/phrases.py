"""Translate the sentences that grading wrote in English, line by line, for feedback pages.

Results keep their messages in English (the gradebook, exports and the terminal read them as
they are). Sentences built from a catalogue template at grading time — :data:`grader.compare.SENTENCES`
("out differs: max abs error 7.21 (relative 1.15) at out[1, 2, 0, 3] ...") and the gradient
check's verdicts, :data:`grader.exercises.backward.SENTENCES` — are recognised here
by matching each line against its template, and rendered again in the reader's language with
the same field values. A line that no template produces is left as it is.

Matching is exact (the whole line) and fields are non-greedy, so a template can only claim a
line it could have produced; a field named twice (``{name} ... at {name}{where}``) must hold the
same text both times. Only the fields of :data:`SENTENCE_FIELDS` are translated in turn (a
sentence may quote another: "...; it should raise ValueError because <reason>"); a student's own
words in any other field (an exception's message) are shown exactly as written, and the short
:data:`FRAGMENTS` ("tuple of 2") are tried inside such fields only, never on a whole line.
Submission notes (a skipped file, a notebook's magics) have their own templates and domain
(:func:`translate_note`).
"""
from __future__ import annotations

import re
from functools import lru_cache

from grader import compare, submission
from grader.runner import reasons
from grader.exercises import backward, context
from grader.i18n import translator

# Longest first: a template that extends another (the "shown values" forms) must win.
# (Importing the spec modules, the grading loop and the batch API first: they register their own sentences,
# context.REGISTERED.)
import grader.exercises  # noqa: E402,F401
import grader.grading  # noqa: E402,F401
import grader.api  # noqa: E402,F401  (NOTHING_TO_GRADE)

TEMPLATES = tuple(sorted((*compare.SENTENCES, *backward.SENTENCES, *context.SENTENCES, *context.REGISTERED,
                          *reasons.SENTENCES, *reasons.FRAGMENTS), key=len, reverse=True))
DOMAIN = "feedback"

# Templates that only ever fill a field of another ("tuple of 2" in "...; got tuple of 2",
# "return 3" in "...; it should return 3"): so short that, tried on a whole line, they would
# claim a student's own text ("tuple index out of range" read as "{type} of {n}").
FRAGMENTS = frozenset((backward.SEQUENCE_OF, context.AN_ARRAY_OF_SHAPE, context.SHOULD_RETURN, context.SHOULD_NOT_RAISE,
                       context.SHOULD_RAISE, context.SHOULD_RAISE_BECAUSE, context.THROUGH_CACHE, context.UPSTREAM_GRADIENT,
                       *context.REGISTERED_FRAGMENTS, *reasons.FRAGMENTS))
# Fields that may hold such a sentence or fragment, and are translated in turn; every other
# field (a student's exception text, names, numbers, indices) is shown exactly as written.
SENTENCE_FIELDS = frozenset(("should", "problem", "modified", "func", "role", "got", "value", "why", "hint", "axes",
                             "looked", "keys", "have", "what", "reason", "error"))
# Fields whose text must itself be a template's for the line to be that template's: "{modified}: {hint}"
# is only WITH_HINT when its first part says what was modified in place.
MUST_BE_SENTENCE = frozenset(("should", "modified"))
# Fields that hold a whole number (the length in "tuple of 2", a notebook's cell number).
_NUMBER_FIELDS = frozenset(("n", "count", "number", "mib", "more"))
# A file name in a note never holds ": " (what follows it in "x.ipynb skipped: <reason>").
_FILE_NAME = r"(?:(?!: ).)+?"
_FIELD_PATTERNS = {**{name: "[0-9]+" for name in _NUMBER_FIELDS}, "label": _FILE_NAME, "rel": _FILE_NAME, "py": _FILE_NAME}
# Notes on a submission as a whole (a skipped file, a notebook's magics), domain ``notebook``.
NOTE_TEMPLATES = tuple(sorted(submission.NOTES, key=len, reverse=True))
NOTE_DOMAIN = "notebook"


@lru_cache(maxsize=None)
def _pattern(template: str) -> re.Pattern:
    """``template``'s fields as named groups (a repeated field as a back-reference)."""
    out, seen, pos = [], set(), 0
    for m in re.finditer(r"\{(\w+)\}", template):
        out.append(re.escape(template[pos:m.start()]))
        name = m.group(1)
        if name in seen:
            out.append(f"(?P={name})")
        else:
            out.append(f"(?P<{name}>{_FIELD_PATTERNS.get(name, '.+?')})")
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
    translated = _translate(line, lang, fragment=False)
    return line if translated is None else translated


def _translate(text: str, lang: str, fragment: bool) -> str | None:
    """``text`` translated, or None when no template produced it. ``fragment``: ``text`` fills
    a field of another template, so :data:`FRAGMENTS` may match it too."""
    t = translator(lang, DOMAIN)
    for template in TEMPLATES:
        if not fragment and template in FRAGMENTS:
            continue
        match = _pattern(template).fullmatch(text)
        if not match:
            continue
        fields = {}
        for name, value in match.groupdict().items():
            if name in SENTENCE_FIELDS:
                # A field may itself be such a sentence ("your forward is wrong ({problem})").
                inner = _translate(value, lang, fragment=True)
                if inner is None and name in MUST_BE_SENTENCE:
                    break
                fields[name] = value if inner is None else inner
            else:
                fields[name] = value
        else:
            return t(template, **fields)
    return None


def translate(message: str, lang: str) -> str:
    """Every line of ``message`` through :func:`translate_line` (line breaks kept)."""
    return "\n".join(translate_line(line, lang) for line in message.split("\n"))


def translate_note(note: str, lang: str) -> str:
    """A note of :attr:`grader.submission.Submission.notes` in ``lang`` (unchanged when no
    template of :data:`NOTE_TEMPLATES` produced it). A skipped file's reason may itself be a
    note ("x.ipynb skipped: x.ipynb is not a valid Jupyter notebook: …").

    Raises:
        grader.i18n.UnknownLanguage: ``lang`` is not a known language.
    """
    for template in NOTE_TEMPLATES:
        match = _pattern(template).fullmatch(note)
        if match:
            fields = match.groupdict()
            if "reason" in fields and template == submission.NOTE_SKIPPED:
                fields["reason"] = translate_note(fields["reason"], lang)
            return translator(lang, NOTE_DOMAIN)(template, **fields)
    return note

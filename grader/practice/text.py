"""Translatable text built now, rendered later in the reader's language.

A question is generated once (from a seed) and shown in English or Korean, so its texts are kept
as :class:`Msg` values — an English message id plus fields — and translated only when rendered.
Field values may themselves be :class:`Msg` (a translated word inside a sentence); plain strings
are language-neutral (formulas, matrices, graph drawings) and are shown as they are.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Union

from grader.i18n import Translator, translator

DOMAIN = "practice"


@dataclass(frozen=True)
class Msg:
    """One catalogue message with its fields.

    Attributes:
        id: the English text (the catalogue's message id), with ``{name}`` placeholders.
        fields: ``(name, value)`` pairs; values are numbers, language-neutral strings or ``Msg``.
    """

    id: str
    fields: tuple[tuple[str, Any], ...] = ()

    def render(self, tr: Translator) -> str:
        """The text in ``tr``'s language with every field (nested messages too) filled in."""
        values = {k: (v.render(tr) if isinstance(v, Msg) else v) for k, v in self.fields}
        return tr(self.id, **values) if values else tr(self.id)


def msg(message: str, **fields: Any) -> Msg:
    """Build a :class:`Msg` (the extraction keyword for the catalogue test, like ``N_``)."""
    return Msg(message, tuple(sorted(fields.items())))


Text = Union[Msg, str]


def render(text: Text, lang_or_tr: str | Translator) -> str:
    """Render a :class:`Msg` or pass a language-neutral string through.

    Args:
        text: a message or a plain string.
        lang_or_tr: ``"en"``/``"ko"`` or a :class:`Translator` of the ``practice`` domain.
    Returns:
        The text.
    Raises:
        grader.i18n.UnknownLanguage: for a language other than English or Korean.
    """
    tr = lang_or_tr if isinstance(lang_or_tr, Translator) else translator(lang_or_tr, DOMAIN)
    return text.render(tr) if isinstance(text, Msg) else text


def render_lines(lines: tuple[Text, ...], lang_or_tr: str | Translator) -> str:
    """Render several texts, one per line."""
    tr = lang_or_tr if isinstance(lang_or_tr, Translator) else translator(lang_or_tr, DOMAIN)
    return "\n".join(render(line, tr) for line in lines)


def grid(rows) -> str:
    """A small matrix as aligned text rows (language-neutral), e.g. for by-hand pooling."""
    cells = [[_num(v) for v in row] for row in rows]
    width = max(len(c) for row in cells for c in row)
    return "\n".join("  " + " ".join(c.rjust(width) for c in row) for row in cells)


def _num(v) -> str:
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    if isinstance(v, float):
        return f"{v:g}"
    return str(v)


def num(v) -> str:
    """A number as a student would write it: integers without ``.0``, floats to 4 significant digits."""
    if isinstance(v, float) and not v.is_integer():
        return f"{v:.4g}"
    return f"{int(v):,}" if abs(int(v)) >= 10000 else str(int(v))

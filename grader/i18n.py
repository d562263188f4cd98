"""The message catalogue: every student-facing text in English and Korean.

Texts are gettext messages. The English text is the message id, written in the code where the
message is used and marked with :func:`N_` (module-level constants) or translated on the spot
with a :class:`Translator`. Korean lives in ``grader/locale/ko/LC_MESSAGES/<domain>.po``, one
catalogue (*domain*) per area so that areas grow independently:

=============  ==========================================================================
domain         what it holds
=============  ==========================================================================
``feedback``   result statuses, feedback pages, the class report, terminal tables
``exercises``  check messages and misconception diagnoses of the exercise specs
``practice``   practice questions, worked solutions, exam papers
``notebook``   explanation cells and instructions of the generated notebooks
``cli``        command-line messages a student or instructor reads
``check``      ``deepgrade check``'s own lines (its verdicts use ``feedback``)
``batch``      status meanings and intake reasons of batch grading (skipped entries)
``validate``   the report of ``deepgrade validate`` (the instructor's self-test)
=============  ==========================================================================

Catalogues are read with Babel (``babel.messages.pofile.read_po``) the first time a language
is asked for, so no compiled ``.mo`` files are kept in the repository. A message that has no
Korean translation falls back to English at run time, and ``tests`` fail on it
(:func:`untranslated`), so a missing translation is caught before students see it.

Placeholders use :meth:`str.format` names (``"{name} raised {error}"``): word order differs
between the two languages, so positional ``%s`` is not used.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Mapping

LOCALE_DIR = Path(__file__).with_name("locale")
LANGUAGES = ("en", "ko")
DEFAULT_LANGUAGE = "en"


class UnknownLanguage(ValueError):
    """A language other than those in :data:`LANGUAGES` was asked for."""


def N_(message: str) -> str:
    """Mark ``message`` for the catalogue without translating it (for module-level constants).

    Args:
        message: the English text (the message id).
    Returns:
        ``message`` unchanged; translate it later with :meth:`Translator.gettext`.
    """
    return message


@lru_cache(maxsize=None)
def catalogue(lang: str, domain: str) -> Mapping[str, str]:
    """English message id → translated text for one language and domain.

    Args:
        lang: ``"en"`` or ``"ko"``.
        domain: catalogue name (see the module docstring).
    Returns:
        A read-only mapping; empty for English (the ids are the English texts) and for a
        domain that has no ``.po`` file yet. Untranslated (empty or fuzzy) entries are left out.
    Raises:
        UnknownLanguage: ``lang`` is not in :data:`LANGUAGES`.
    """
    from types import MappingProxyType

    if lang not in LANGUAGES:
        raise UnknownLanguage(f"unknown language {lang!r}; choose one of {', '.join(LANGUAGES)}")
    path = LOCALE_DIR / lang / "LC_MESSAGES" / f"{domain}.po"
    if lang == "en" or not path.is_file():
        return MappingProxyType({})
    from babel.messages.pofile import read_po

    with path.open("rb") as fh:
        cat = read_po(fh, locale=lang, domain=domain)
    table: dict[str, str] = {}
    for msg in cat:
        if not msg.id or msg.fuzzy or not msg.string:
            continue
        if isinstance(msg.id, tuple):  # plural forms: singular id → singular text
            table[msg.id[0]] = msg.string[0]
            table[msg.id[1]] = msg.string[-1]
        else:
            table[msg.id] = msg.string
    return MappingProxyType(table)


@dataclass(frozen=True)
class Translator:
    """Translate English message ids of one domain into one language.

    Args:
        lang: ``"en"`` or ``"ko"``.
        domain: catalogue name.
    Raises:
        UnknownLanguage: on construction, for a language not in :data:`LANGUAGES`.
    """

    lang: str = DEFAULT_LANGUAGE
    domain: str = "feedback"

    def __post_init__(self) -> None:
        catalogue(self.lang, self.domain)  # fail early on an unknown language

    def gettext(self, message: str, /, **fields: Any) -> str:
        """The translation of ``message`` with ``fields`` substituted by :meth:`str.format`.

        Args:
            message: English text, the message id.
            fields: values for the ``{name}`` placeholders.
        Returns:
            The translated text (the English text where no translation exists).
        """
        text = catalogue(self.lang, self.domain).get(message, message)
        return text.format(**fields) if fields else text

    __call__ = gettext

    def ngettext(self, singular: str, plural: str, n: int, /, **fields: Any) -> str:
        """Singular or plural form for count ``n`` (Korean has one form), with ``n`` as a field."""
        message = singular if n == 1 else plural
        return self.gettext(message, n=n, **fields)


def translator(lang: str = DEFAULT_LANGUAGE, domain: str = "feedback") -> Translator:
    """Shorthand for ``Translator(lang, domain)`` (see :class:`Translator`)."""
    return Translator(lang, domain)


def untranslated(lang: str, domain: str, messages: list[str]) -> list[str]:
    """The messages among ``messages`` that have no translation in ``lang``'s catalogue.

    Tests call this with the ids extracted from the source (``babel.messages.extract``) so that
    a message added without its Korean text fails the build.

    Args:
        lang: a language other than English.
        domain: catalogue name.
        messages: English message ids.
    Returns:
        The missing ones, in the order given.
    """
    table = catalogue(lang, domain)
    return [m for m in messages if m not in table]

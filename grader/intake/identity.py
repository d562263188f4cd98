"""Who a submission belongs to, and the file name its results get.

A student is keyed by a stable **student id** (:func:`normalize_id`): the LMS user id when the
download carries one, else the folder or file name, in Unicode NFC (so the NFD names that macOS
archives carry and the NFC names typed on Linux are the same student), with surrounding
whitespace removed. Ids are compared exactly: ``kim lee`` and ``kim_lee``, ``Kim`` and ``kim``,
``alice`` and ``аlice`` (Cyrillic ``а``) are different students.

Output names (:func:`output_names`) must be unique on every file system the results may be
copied to (case-insensitive ones included) and readable: the NFC name is kept when it is a safe
file name and no other student's name folds to the same key; otherwise the name becomes a slug
followed by ``-`` and the first 8 hex digits of sha256(student id). The fold key
(:func:`lookalike_key`) is NFKC + casefold + a small table of Latin look-alikes from Cyrillic and
Greek (Unicode TR 39 "confusables", the letters that occur in names), so ``Kim``/``kim`` and
``alice``/``аlice`` both get hashed names instead of one hiding the other.
"""
from __future__ import annotations

import hashlib
import re
import unicodedata
from collections import defaultdict
from typing import Iterable

from grader.results import safe_text

# Cyrillic and Greek letters drawn like Latin ones (subset of Unicode TR 39 confusables.txt).
_CONFUSABLES = str.maketrans({
    "а": "a", "в": "b", "е": "e", "к": "k", "м": "m", "н": "h", "о": "o", "р": "p", "с": "c",
    "т": "t", "у": "y", "х": "x", "і": "i", "ј": "j", "ѕ": "s", "ԁ": "d", "ӏ": "l", "ԛ": "q", "ԝ": "w",
    "α": "a", "β": "b", "ε": "e", "ι": "i", "κ": "k", "ν": "v", "ο": "o", "ρ": "p", "τ": "t",
    "υ": "u", "χ": "x", "γ": "y",
})
# Characters that are unsafe or confusing in a file name on Linux, macOS or Windows.
_UNSAFE = re.compile(r'[\x00-\x1f\x7f/\\:*?"<>|]')
_MAX_NAME = 80
HASH_LEN = 8


def normalize_id(raw: str) -> str:
    """The stable student id for a raw name or LMS id.

    Args:
        raw: a folder/file name or LMS id (any Unicode, possibly NFD, possibly with lone
            surrogates from undecodable file names).
    Returns:
        NFC text with surrounding whitespace stripped; a byte that was not UTF-8 in a file name
        (``os.listdir``'s surrogate escape ``"\udcff"``) becomes ``"%FF"``, so two names that
        differ only in such bytes stay two students; other unencodable characters become
        U+FFFD; ``"_"`` when nothing is left.
    """
    escaped = "".join(f"%{ord(ch) - 0xDC00:02X}" if "\udc80" <= ch <= "\udcff" else ch for ch in raw)
    return unicodedata.normalize("NFC", safe_text(escaped)).strip() or "_"


def short_hash(student_id: str) -> str:
    """First :data:`HASH_LEN` hex digits of sha256 of the UTF-8 id (stable across runs and machines)."""
    return hashlib.sha256(student_id.encode("utf-8", "replace")).hexdigest()[:HASH_LEN]


def lookalike_key(name: str) -> str:
    """The key under which names that a reader (or a case-insensitive file system) confuses are equal.

    NFKC (full-width and compatibility forms), casefold, then Cyrillic/Greek look-alikes → Latin.
    """
    return unicodedata.normalize("NFKC", name).casefold().translate(_CONFUSABLES)


def safe_name(name: str) -> str:
    """``name`` made into one safe path component: separators, controls and ``:*?"<>|`` → ``_``.

    Leading dots become ``_`` (no hidden files, never ``.`` or ``..``); at most 80 characters.
    Non-ASCII letters (Korean, accents) are kept.
    """
    text = _UNSAFE.sub("_", unicodedata.normalize("NFC", name)).strip()
    text = re.sub(r"^\.+", lambda m: "_" * len(m.group()), text)
    text = text.replace("\ufffd", "_")
    return text[:_MAX_NAME] or "_"


def readable_name(student_id: str, display_name: str) -> str:
    """The name an output file should carry: the id itself, or for an LMS id (``"canvas:1234"``)
    the display name and the LMS number (``"kimminsu_1234"``), which a person recognises."""
    layout, sep, number = student_id.partition(":")
    if sep and layout in ("canvas", "moodle", "gradescope") and display_name:
        return f"{display_name}_{number}"
    return student_id


def output_names(student_ids: Iterable[str], readable: dict[str, str] | None = None) -> dict[str, str]:
    """A unique, readable output file stem for each student id.

    Args:
        student_ids: stable ids (see :func:`normalize_id`).
        readable: id → preferred name (see :func:`readable_name`); default: the id itself.
    Returns:
        id → stem (no extension). The stem is the preferred name when it is already a safe file
        name (:func:`safe_name` leaves it unchanged) and no other student's name has the same
        :func:`lookalike_key`; otherwise ``<safe_name>-<short_hash of the id>``. Stems are
        pairwise distinct even after casefolding.
    """
    ids = list(dict.fromkeys(student_ids))
    readable = readable or {}
    wanted = {sid: readable.get(sid, sid) for sid in ids}
    groups: dict[str, list[str]] = defaultdict(list)
    for sid in ids:
        groups[lookalike_key(safe_name(wanted[sid]))].append(sid)
    names: dict[str, str] = {}
    for sid in ids:
        base = safe_name(wanted[sid])
        clash = len(groups[lookalike_key(base)]) > 1
        names[sid] = f"{base}-{short_hash(sid)}" if clash or base != wanted[sid] else base
    # A plain name can still equal another's hashed stem (a student literally named "x-1a2b3c4d"):
    # such a stem gets the hash of its own id appended once more.
    seen: dict[str, str] = {}
    for sid in ids:
        key = names[sid].casefold()
        if key in seen:
            names[sid] = f"{names[sid]}-{short_hash(sid + chr(0))}"
        seen[names[sid].casefold()] = sid
    return names


def lookalike_groups(student_ids: Iterable[str]) -> list[tuple[str, ...]]:
    """Groups of two or more distinct ids that look alike (same :func:`lookalike_key`), for a warning."""
    groups: dict[str, list[str]] = defaultdict(list)
    for sid in dict.fromkeys(student_ids):
        groups[lookalike_key(sid)].append(sid)
    return [tuple(g) for g in groups.values() if len(g) > 1]

"""Feedback and class-report files in an output folder (the I/O edge of the report package).

Layout written next to the per-student result files ``OUT/<student>.json``::

    OUT/feedback/<student>.en.html   OUT/feedback/<student>.en.md
    OUT/feedback/<student>.ko.html   OUT/feedback/<student>.ko.md
    OUT/report.html                  (the class report; OUT/report.ko.html in Korean)

``<student>`` is the stem of the student's result file, which the batch keeps unique, so
feedback files never collide either.
"""
from __future__ import annotations

import json
import os
import tempfile
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

from grader.config import FeedbackConfig
from grader.i18n import LANGUAGES
from grader.report import class_report, feedback, html, markdown

FORMATS = ("html", "md")


@dataclass(frozen=True)
class StoredResult:
    """A result document read from an output folder: ``path`` (its JSON file), ``key`` (the
    file stem, unique per student) and ``data`` (the parsed dict)."""

    path: Path
    key: str
    data: Mapping[str, Any]


def load_results(out_dir: Path) -> list[StoredResult]:
    """Every per-student result document directly under ``out_dir``, sorted by file name.

    A JSON file that is not a result document (no ``submission`` and ``exercises``) or cannot
    be read is skipped: an output folder may hold other JSON files.

    Args:
        out_dir: a ``grade`` output folder.
    Returns:
        The results.
    Raises:
        FileNotFoundError: ``out_dir`` is not a folder.
    """
    out_dir = Path(out_dir)
    if not out_dir.is_dir():
        raise FileNotFoundError(f"{out_dir} is not a folder of grading results")
    found = []
    for path in sorted(out_dir.glob("*.json")):
        try:
            data = json.loads(path.read_text(encoding="utf-8", errors="replace"))
        except (OSError, ValueError):
            continue
        if isinstance(data, dict) and "submission" in data and isinstance(data.get("exercises"), list):
            found.append(StoredResult(path, path.stem, data))
    return found


def find_student(results: Sequence[StoredResult], student: str) -> StoredResult:
    """The result of one student, by file stem, submission name, display name or student id
    (Unicode NFC-compared).

    Raises:
        LookupError: no match, or several (the message lists candidates).
    """
    want = unicodedata.normalize("NFC", student).strip()

    def names(r: StoredResult) -> set[str]:
        keys = {r.key, *(str(r.data.get(k, "")) for k in ("submission", "display_name", "output_name", "student_id"))}
        return {unicodedata.normalize("NFC", k) for k in keys if k}

    exact = [r for r in results if want in names(r)]
    if len(exact) == 1:
        return exact[0]
    if len(exact) > 1:
        raise LookupError(f"{student!r} matches several results: {', '.join(r.key for r in exact)}")
    import difflib

    close = difflib.get_close_matches(want, [r.key for r in results], n=5)
    hint = f"; did you mean {', '.join(close)}?" if close else f"; known: {', '.join(r.key for r in results[:10])}" if results else ""
    raise LookupError(f"no result for {student!r} in this folder{hint}")


def _atomic_write(path: Path, text: str) -> None:
    # Write-then-rename: an interrupted run leaves the old page or the new one, never half of one.
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", errors="replace", newline="\n") as f:
            f.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def render(result: Mapping[str, Any], fmt: str, *, lang: str, level: str) -> str:
    """One student's feedback in ``fmt`` (``"html"`` or ``"md"``).

    Raises:
        ValueError: unknown format or level.
    """
    fb = feedback.build(result, lang=lang, level=level)
    if fmt == "html":
        return html.render(fb)
    if fmt == "md":
        return markdown.render(fb)
    raise ValueError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")


def write_feedback(
    out_dir: Path,
    key: str,
    result: Mapping[str, Any],
    *,
    config: FeedbackConfig = FeedbackConfig(),
    langs: Iterable[str] = LANGUAGES,
    formats: Iterable[str] = FORMATS,
) -> list[Path]:
    """Write one student's feedback files (the hook a batch calls after each result).

    Args:
        out_dir: the output folder; files go to ``out_dir/feedback/``.
        key: the student's unique file stem (the result file's name without ``.json``).
        result: the result document.
        config: the course's ``[feedback]`` section (disclosure level, deadline).
        langs, formats: which files to write.
    Returns:
        The paths written.
    Raises:
        OSError: the folder cannot be written.
    """
    level = feedback.level_at(config)
    written = []
    for lang in langs:
        for fmt in formats:
            path = Path(out_dir) / "feedback" / f"{key}.{lang}.{fmt}"
            _atomic_write(path, render(result, fmt, lang=lang, level=level))
            written.append(path)
    return written


def report_path(out_dir: Path, lang: str) -> Path:
    """``OUT/report.html`` for English, ``OUT/report.<lang>.html`` otherwise."""
    return Path(out_dir) / ("report.html" if lang == "en" else f"report.{lang}.html")


def write_report(out_dir: Path, results: Sequence[StoredResult] | None = None, *, langs: Iterable[str] = LANGUAGES) -> list[Path]:
    """Write the class report of an output folder (see :func:`report_path`).

    Args:
        out_dir: the output folder.
        results: its results (read from ``out_dir`` when ``None``).
        langs: languages to write.
    Returns:
        The paths written.
    """
    results = load_results(out_dir) if results is None else results
    stats = class_report.statistics([r.data for r in results])
    written = []
    for lang in langs:
        path = report_path(out_dir, lang)
        _atomic_write(path, class_report.render(stats, lang=lang, title=Path(out_dir).resolve().name))
        written.append(path)
    return written


def write_all(out_dir: Path, *, config: FeedbackConfig = FeedbackConfig(), langs: Iterable[str] = LANGUAGES) -> tuple[int, list[Path]]:
    """Feedback for every student of an output folder, then the class report (a post-pass after ``grade``).

    Returns:
        (number of students, the class report paths).
    """
    langs = tuple(langs)
    results = load_results(out_dir)
    for r in results:
        write_feedback(out_dir, r.key, r.data, config=config, langs=langs)
    return len(results), write_report(out_dir, results, langs=langs)

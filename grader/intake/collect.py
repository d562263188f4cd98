"""Turning a submissions folder, as an LMS or a course delivers it, into one entry per student.

:func:`collect` reads the top level of the folder, attributes each entry to a student (see
:mod:`grader.intake.layouts` and :mod:`grader.intake.identity`), unpacks archives safely (see
:mod:`grader.intake.archives`) and, where a student's files must be put together or renamed
(LMS prefixes, archives, several entries for one student), copies them into a staging folder
that the caller owns and removes. Nothing is skipped silently: every entry that is not graded
is returned in :attr:`Intake.skipped` with its reason.
"""
from __future__ import annotations

import csv
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

from grader.intake.archives import ArchiveError, ArchiveLimits, archive_stem, is_archive, unpack
from grader.intake.identity import normalize_id, short_hash
from grader.intake.layouts import GRADESCOPE_METADATA, LmsFile, classify, is_gradescope_folder, parse_gradescope_metadata

from grader.i18n import N_

CODE_SUFFIXES = (".py", ".ipynb")
# Reasons recorded in English (the message id); feedback translates them (catalogue domain "batch").
NOT_CODE = N_("not a .py or .ipynb file, a folder or an archive")
NO_CODE = N_("no .py or .ipynb file in it")
HIDDEN = N_("hidden file or folder")
LINK = N_("a symbolic link (links are never followed)")
# Files that operating systems and archivers add; never a student's work, so not worth a line.
_JUNK = {".DS_Store", "__MACOSX", "Thumbs.db", "desktop.ini", "__pycache__", ".ipynb_checkpoints"}
_ROSTER_ID = ("student_id", "id", "sid", "login", "user_id", "username", "email", "학번")
_ROSTER_NAME = ("name", "display_name", "full name", "student", "sortable name", "이름")


@dataclass(frozen=True)
class Entry:
    """One student's submission, ready for :func:`grader.submission.read_submission`.

    Attributes:
        student_id: the stable id (the gradebook key).
        display_name: the name to show.
        path: the file or folder to read (the original, or a folder under the staging folder).
        sources: the top-level entries it came from, relative to the submissions folder.
        notes: parts of it that were skipped (archive members, older resubmissions), with reasons.
        layout: the layout it was read as.
    """

    student_id: str
    display_name: str
    path: Path
    sources: tuple[str, ...]
    notes: tuple[str, ...] = ()
    layout: str = "folders"


@dataclass(frozen=True)
class Skipped:
    """A top-level entry (or part of one) that is not graded. ``student_id`` is empty when unknown."""

    entry: str
    reason: str
    student_id: str = ""


@dataclass(frozen=True)
class Intake:
    """What :func:`collect` found.

    Attributes:
        entries: one per student, sorted by student id.
        skipped: everything not graded, with its reason.
        missing: ``(student_id, display_name)`` of roster students without a submission.
        layouts: the layouts seen (``"folders"``, ``"canvas"``, ...).
    """

    entries: tuple[Entry, ...]
    skipped: tuple[Skipped, ...] = ()
    missing: tuple[tuple[str, str], ...] = ()
    layouts: tuple[str, ...] = ()


@dataclass
class _Part:
    source: str
    path: Path
    lms: LmsFile | None = None


@dataclass
class _Student:
    display_name: str
    layout: str
    parts: list = field(default_factory=list)


def collect(
    submissions: Path,
    staging: Path,
    *,
    layout: str = "auto",
    roster: Path | None = None,
    exclude: Sequence[Path] = (),
    limits: ArchiveLimits = ArchiveLimits(),
) -> Intake:
    """Find every student's submission in ``submissions``.

    Args:
        submissions: a folder (any layout of :mod:`grader.intake.layouts`), a single ``.py`` /
            ``.ipynb`` file (one student), or an archive (an LMS download, or one student's).
        staging: a folder this function may create and fill; the caller removes it after grading.
        layout: ``"auto"`` (per entry) or one layout name; under a fixed LMS layout, entries
            that do not follow it are skipped with that reason.
        roster: optional CSV with a header; an id column (``student_id``, ``id``, ``sid``,
            ``login``, ``email``, ``학번``) and/or a name column (``name``, ``이름``, ...).
        exclude: paths never read as submissions (e.g. the output folder inside ``submissions``).
        limits: limits for every archive.
    Returns:
        The :class:`Intake`.
    Raises:
        FileNotFoundError: ``submissions`` does not exist.
        ValueError: ``submissions`` is a file that is neither code nor an archive, or the
            roster has neither an id nor a name column, or ``layout`` is unknown.
    """
    submissions = Path(submissions)
    if not submissions.exists():
        raise FileNotFoundError(f"{submissions} does not exist")
    classify("x", False, layout)  # validates layout
    staging = Path(staging)
    if submissions.is_file():
        intake = _single_file(submissions, staging, layout, limits)
    else:
        intake = _folder(submissions, staging, layout, [Path(p).resolve() for p in exclude], limits)
    if roster is not None:
        intake = _with_roster(intake, Path(roster))
    return intake


def _single_file(path: Path, staging: Path, layout: str, limits: ArchiveLimits) -> Intake:
    if path.suffix in CODE_SUFFIXES:
        sid = normalize_id(path.stem)
        return Intake((Entry(sid, sid, path, (path.name,)),), layouts=("folders",))
    if not is_archive(path):
        raise ValueError(f"{path} is not a .py or .ipynb file, a folder or an archive")
    target = staging / "download"
    try:
        notes = unpack(path, target, limits)
    except ArchiveError as exc:
        sid = normalize_id(archive_stem(path.name))
        return Intake((Entry(sid, sid, target, (path.name,), (str(exc),)),), skipped=(Skipped(path.name, str(exc), sid),))
    inner = _only_child(target)
    looks_lms = (inner / GRADESCOPE_METADATA).is_file() or any(
        classify(p.name, p.is_dir(), layout) is not None for p in inner.iterdir()
    )
    if looks_lms or layout not in ("auto", "folders"):
        return _folder(inner, staging, layout, [], limits)
    sid = normalize_id(archive_stem(path.name))
    skipped = tuple(Skipped(f"{path.name}: {n.split(' skipped: ')[0]}", n.split(" skipped: ", 1)[-1], sid) for n in notes)
    return Intake((Entry(sid, sid, inner, (path.name,), tuple(notes)),), skipped=skipped, layouts=("folders",))


def _only_child(folder: Path) -> Path:
    # Many archives wrap everything in one folder (``submissions/``): look inside it.
    children = [p for p in folder.iterdir() if p.name not in _JUNK]
    return children[0] if len(children) == 1 and children[0].is_dir() and not children[0].is_symlink() else folder


def _folder(folder: Path, staging: Path, layout: str, exclude: list[Path], limits: ArchiveLimits) -> Intake:
    skipped: list[Skipped] = []
    students: dict[str, _Student] = {}
    gradescope = {}
    meta = folder / GRADESCOPE_METADATA
    if layout in ("auto", "gradescope") and meta.is_file():
        gradescope = parse_gradescope_metadata(meta.read_text(encoding="utf-8", errors="replace"))

    def add(sid: str, name: str, lay: str, part: _Part) -> None:
        students.setdefault(sid, _Student(name, lay)).parts.append(part)

    for path in sorted(folder.iterdir(), key=lambda p: p.name):
        name = normalize_id(path.name)
        if path.name in _JUNK or path.name == GRADESCOPE_METADATA and gradescope:
            continue
        if path.resolve() in exclude:
            continue
        if path.name.startswith("."):
            skipped.append(Skipped(name, HIDDEN))
            continue
        if path.is_symlink():
            skipped.append(Skipped(name, LINK))
            continue
        is_dir = path.is_dir()
        if is_dir and is_gradescope_folder(path.name) and (gradescope or layout == "gradescope"):
            lms = gradescope.get(path.name) or LmsFile("gradescope", f"gradescope:{path.name}", path.name, "")
            add(lms.student_id, lms.display_name, "gradescope", _Part(name, path, lms))
            continue
        lms = classify(path.name, is_dir, layout)
        if lms is not None:
            add(lms.student_id, normalize_id(lms.display_name), lms.layout, _Part(name, path, lms))
            continue
        if layout not in ("auto", "folders"):
            skipped.append(Skipped(name, f"does not follow the {layout} layout"))
            continue
        if is_dir:
            sid = name
        elif path.suffix in CODE_SUFFIXES:
            sid = normalize_id(path.stem)
        elif is_archive(path):
            sid = normalize_id(archive_stem(path.name))
        else:
            skipped.append(Skipped(name, NOT_CODE))
            continue
        add(sid, sid, "folders", _Part(name, path))

    entries = []
    for sid in sorted(students):
        student = students[sid]
        entry, more = _assemble(sid, student, staging, limits)
        skipped += more
        entries.append(entry)
    layouts = tuple(sorted({e.layout for e in entries}))
    return Intake(tuple(entries), tuple(skipped), (), layouts)


def _has_code(path: Path) -> bool:
    if path.is_file():
        return path.suffix in CODE_SUFFIXES
    return any(p.suffix in CODE_SUFFIXES and p.is_file() and not p.is_symlink() for p in path.rglob("*"))


def _archives_in(path: Path) -> list[Path]:
    return [p for p in sorted(path.rglob("*")) if p.is_file() and not p.is_symlink() and is_archive(p)] if path.is_dir() else []


def _assemble(sid: str, student: _Student, staging: Path, limits: ArchiveLimits) -> tuple[Entry, list[Skipped]]:
    """One student's parts as one readable path (staged when needed) and what was skipped."""
    parts = student.parts
    sources = tuple(p.source for p in parts)
    single = parts[0] if len(parts) == 1 else None
    # The common cases need no copy: one plain folder or file, read where it is.
    if single is not None and (single.lms is None or not single.lms.filename) and not is_archive(single.path) and not _archives_in(single.path):
        skipped = [] if _has_code(single.path) else [Skipped(single.source, NO_CODE, sid)]
        return Entry(sid, student.display_name, single.path, sources, (), student.layout), skipped
    target = staging / short_hash(sid)
    target.mkdir(parents=True, exist_ok=True)
    notes: list[str] = []
    skipped: list[Skipped] = []
    # Newest first, so that an older upload of the same file name is the one skipped.
    for part in sorted(parts, key=lambda p: (p.lms.order if p.lms else 0), reverse=True):
        filename = part.lms.filename if part.lms and part.lms.filename else part.path.name
        if part.path.is_dir():
            _copy_code(part.path, target, part.source, notes)
            for arch in _archives_in(part.path):
                _unpack_into(arch, target / archive_stem(arch.name), f"{part.source}/{arch.relative_to(part.path).as_posix()}", limits, notes, skipped, sid)
        elif is_archive(part.path):
            _unpack_into(part.path, target / archive_stem(filename), part.source, limits, notes, skipped, sid)
        elif part.path.suffix in CODE_SUFFIXES or Path(filename).suffix in CODE_SUFFIXES:
            dest = target / filename
            if dest.exists():
                notes.append(f"{part.source} skipped: an older upload of {filename}")
                skipped.append(Skipped(part.source, f"an older upload of {filename}", sid))
                continue
            shutil.copyfile(part.path, dest)
        else:
            notes.append(f"{part.source} skipped: not a .py or .ipynb file or an archive")
            skipped.append(Skipped(part.source, "not a .py or .ipynb file or an archive", sid))
    if not _has_code(target) and not skipped:  # one line per problem: a refused archive says it already
        skipped.append(Skipped(", ".join(sources), NO_CODE, sid))
    return Entry(sid, student.display_name, target, sources, tuple(notes), student.layout), skipped


def _copy_code(src: Path, target: Path, source: str, notes: list[str]) -> None:
    for p in sorted(src.rglob("*")):
        if p.is_symlink() or not p.is_file() or p.suffix not in CODE_SUFFIXES:
            continue
        dest = target.joinpath(*p.relative_to(src).parts)
        if dest.exists():
            notes.append(f"{source}/{p.relative_to(src).as_posix()} skipped: another entry of this student has that file")
            continue
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(p, dest)


def _unpack_into(archive: Path, dest: Path, source: str, limits: ArchiveLimits, notes: list[str], skipped: list[Skipped], sid: str) -> None:
    if dest.exists():
        dest = dest.with_name(dest.name + "-" + short_hash(source))
    try:
        inner_notes = unpack(archive, dest, limits)
    except ArchiveError as exc:
        shutil.rmtree(dest, ignore_errors=True)
        notes.append(f"{source} skipped: {exc}")
        skipped.append(Skipped(source, str(exc), sid))
        return
    for note in inner_notes:
        notes.append(f"{source}: {note}")
        skipped.append(Skipped(f"{source}: {note.split(' skipped: ')[0]}", note.split(" skipped: ", 1)[-1], sid))
    # One level of nesting (a zip of a zip, as "compress the folder" twice gives); no deeper.
    for nested in _archives_in(dest):
        inner = nested.with_name(archive_stem(nested.name))
        if inner.exists():
            inner = inner.with_name(inner.name + "-" + short_hash(str(nested)))
        try:
            for note in unpack(nested, inner, limits):
                notes.append(f"{source}/{nested.name}: {note}")
                skipped.append(Skipped(f"{source}/{nested.name}: {note.split(' skipped: ')[0]}", note.split(" skipped: ", 1)[-1], sid))
        except ArchiveError as exc:
            shutil.rmtree(inner, ignore_errors=True)
            notes.append(f"{source}/{nested.name} skipped: {exc}")
            skipped.append(Skipped(f"{source}/{nested.name}", str(exc), sid))
        nested.unlink()


def read_roster(path: Path) -> list[tuple[str, str]]:
    """``(student_id, display_name)`` per row of a roster CSV (UTF-8, with or without BOM).

    Raises:
        ValueError: no id or name column in the header.
        OSError: the file cannot be read.
    """
    with open(path, encoding="utf-8-sig", newline="") as fh:
        sample = fh.read(4096)
        fh.seek(0)
        try:  # spreadsheet programs in many locales write ';' or tabs
            dialect = csv.Sniffer().sniff(sample, delimiters=",;\t")
        except csv.Error:
            dialect = csv.excel
        reader = csv.DictReader(fh, dialect=dialect)
        header = {(h or "").strip().casefold(): h for h in reader.fieldnames or []}
        id_col = next((header[c] for c in _ROSTER_ID if c in header), None)
        name_col = next((header[c] for c in _ROSTER_NAME if c in header), None)
        if id_col is None and name_col is None:
            raise ValueError(f"{path}: no id column ({', '.join(_ROSTER_ID)}) or name column ({', '.join(_ROSTER_NAME)}) in the header")
        rows = []
        for row in reader:
            sid = normalize_id(row.get(id_col) or "") if id_col else ""
            name = normalize_id(row.get(name_col) or "") if name_col else ""
            sid = sid if sid != "_" else ""
            name = name if name != "_" else ""
            if sid or name:
                rows.append((sid or name, name or sid))
        return rows


def _with_roster(intake: Intake, roster: Path) -> Intake:
    # Exact (NFC) matches only: "Kim" and "kim" may be two students.
    known: set[str] = set()
    for e in intake.entries:
        known |= {e.student_id, e.student_id.split(":", 1)[-1], e.display_name}
    missing = tuple((sid, name) for sid, name in read_roster(roster) if sid not in known and name not in known)
    return Intake(intake.entries, intake.skipped, missing, intake.layouts)

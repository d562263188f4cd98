"""The SQLite gradebook: every grade ever given, the current one per student and exercise.

Tables (one transaction per student, so a batch killed at any moment loses at most the student
being graded and never half of one):

``grades``    one row per exercise grade given, never updated or deleted: student id, exercise,
              assignment, score, max_score, status, the exercise's result JSON, the digest of the
              sources graded, the secret hash, grader version, contract, time (UTC). The *current*
              grade of a (student, exercise, secret) is its newest row; grading a subset adds rows
              for that subset only, so other exercises keep theirs.
``students``  one row per student id: display name, output file name, graded files, sources,
              notes, status (``graded`` or ``missing``), last update.
``skipped``   every entry of a submissions folder that was not graded, with its reason, per run.

Resuming: a student whose current grades for the requested exercises were all given to the same
sources (digest), secret, grader version and contract is not graded again.
"""
from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterable, Sequence

_SCHEMA = """
CREATE TABLE IF NOT EXISTS grades (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    student TEXT NOT NULL,
    exercise TEXT NOT NULL,
    assignment TEXT NOT NULL,
    score REAL NOT NULL,
    max_score REAL NOT NULL,
    status TEXT NOT NULL,
    result_json TEXT NOT NULL,
    digest TEXT NOT NULL,
    secret_hash TEXT NOT NULL,
    grader_version TEXT NOT NULL,
    contract TEXT NOT NULL,
    graded_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS grades_current ON grades (student, secret_hash, exercise, id);
CREATE TABLE IF NOT EXISTS students (
    student TEXT PRIMARY KEY,
    display_name TEXT NOT NULL,
    output_name TEXT NOT NULL,
    status TEXT NOT NULL,
    digest TEXT NOT NULL DEFAULT '',
    files_json TEXT NOT NULL DEFAULT '[]',
    sources_json TEXT NOT NULL DEFAULT '[]',
    notes_json TEXT NOT NULL DEFAULT '[]',
    updated_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS skipped (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    run_at TEXT NOT NULL,
    entry TEXT NOT NULL,
    reason TEXT NOT NULL,
    student TEXT NOT NULL DEFAULT ''
);
"""


def seed_hash(secret: str) -> str:
    """A short one-way fingerprint of the course secret (the secret itself is never stored): 16 hex digits of sha256."""
    return hashlib.sha256(("deepgrade-store\0" + secret).encode()).hexdigest()[:16]


def grader_version() -> str:
    """The installed deepgrade version (``importlib.metadata``), or ``"0+unknown"`` when not installed."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("deepgrade")
    except PackageNotFoundError:  # pragma: no cover - running from a bare checkout
        return "0+unknown"


def utc_now() -> str:
    """The current time, UTC, ISO 8601 to the second (``2026-12-03T10:25:24Z``)."""
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class GradeContext:
    """What a grade was given under (stored with every row).

    Attributes:
        secret_hash: :func:`seed_hash` of the course secret.
        grader_version: :func:`grader_version`.
        contract: the course contract name (``"deepgrade"`` or ``"cs231n"``).
    """

    secret_hash: str
    grader_version: str
    contract: str = "deepgrade"


@dataclass(frozen=True)
class StudentRecord:
    """A student's current state in the gradebook.

    Attributes:
        student: the student id; ``display_name``, ``output_name`` (file stem in OUT/);
        status: ``"graded"`` or ``"missing"``; ``digest``, ``files``, ``sources``, ``notes``: of
        the last graded submission; ``exercises``: exercise name → its current result JSON
        (with ``graded_at``, ``grader_version``, ``contract`` added).
    """

    student: str
    display_name: str
    output_name: str
    status: str
    digest: str
    files: tuple[str, ...]
    sources: tuple[str, ...]
    notes: tuple[str, ...]
    exercises: dict


class Gradebook:
    """Thread-safe access to the gradebook file.

    Args:
        path: the SQLite file (created if missing).
    Raises:
        sqlite3.DatabaseError: the file is not a SQLite database.
    """

    def __init__(self, path: Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.RLock()
        # timeout: another grader (or an export) may hold the write lock for a moment.
        self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None, timeout=30)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(_SCHEMA)

    # -- reading --------------------------------------------------------------------------
    def current(self, student: str, secret_hash: str) -> dict:
        """Exercise name → current result JSON of ``student`` under ``secret_hash`` (may be empty).

        Each JSON has the exercise keys of :meth:`grader.results.ExerciseResult.to_json` plus
        ``digest``, ``graded_at``, ``grader_version``, ``contract``.
        """
        with self._lock:
            rows = self._db.execute(
                "SELECT exercise, result_json, digest, graded_at, grader_version, contract FROM grades "
                "WHERE id IN (SELECT MAX(id) FROM grades WHERE student=? AND secret_hash=? GROUP BY exercise)",
                (student, secret_hash),
            ).fetchall()
        out = {}
        for exercise, text, digest, at, version, contract in rows:
            doc = json.loads(text)
            doc.update(digest=digest, graded_at=at, grader_version=version, contract=contract)
            out[exercise] = doc
        return out

    def is_current(self, student: str, exercises: Iterable[str], digest: str, ctx: GradeContext) -> bool:
        """Whether every one of ``exercises`` has a current grade for these sources under ``ctx``."""
        cur = self.current(student, ctx.secret_hash)
        return all(
            name in cur and cur[name]["digest"] == digest and cur[name]["grader_version"] == ctx.grader_version
            and cur[name]["contract"] == ctx.contract
            for name in exercises
        )

    def student(self, student: str, secret_hash: str) -> StudentRecord | None:
        """The student's :class:`StudentRecord`, or ``None`` when unknown."""
        with self._lock:
            row = self._db.execute(
                "SELECT student, display_name, output_name, status, digest, files_json, sources_json, notes_json "
                "FROM students WHERE student=?",
                (student,),
            ).fetchone()
        if row is None:
            return None
        return StudentRecord(row[0], row[1], row[2], row[3], row[4], tuple(json.loads(row[5])), tuple(json.loads(row[6])),
                             tuple(json.loads(row[7])), self.current(student, secret_hash))

    def students(self, secret_hash: str) -> list[StudentRecord]:
        """Every student's record, sorted by student id."""
        with self._lock:
            ids = [r[0] for r in self._db.execute("SELECT student FROM students ORDER BY student")]
        return [rec for sid in ids if (rec := self.student(sid, secret_hash)) is not None]

    def output_names(self) -> dict[str, str]:
        """Student id → output file stem, for every student ever recorded."""
        with self._lock:
            return dict(self._db.execute("SELECT student, output_name FROM students"))

    def history(self, student: str) -> list[dict]:
        """Every grade given to ``student``, oldest first: ``exercise, score, max_score, status, digest,
        secret_hash, grader_version, contract, graded_at``."""
        with self._lock:
            rows = self._db.execute(
                "SELECT exercise, score, max_score, status, digest, secret_hash, grader_version, contract, graded_at "
                "FROM grades WHERE student=? ORDER BY id",
                (student,),
            ).fetchall()
        keys = ("exercise", "score", "max_score", "status", "digest", "secret_hash", "grader_version", "contract", "graded_at")
        return [dict(zip(keys, r)) for r in rows]

    def latest_secret_hash(self) -> str | None:
        """The secret hash of the newest grade (``None`` for an empty gradebook)."""
        with self._lock:
            row = self._db.execute("SELECT secret_hash FROM grades ORDER BY id DESC LIMIT 1").fetchone()
        return row[0] if row else None

    def skipped(self) -> list[dict]:
        """Every skipped entry recorded, oldest first: ``run_at, entry, reason, student``."""
        with self._lock:
            rows = self._db.execute("SELECT run_at, entry, reason, student FROM skipped ORDER BY id").fetchall()
        return [dict(zip(("run_at", "entry", "reason", "student"), r)) for r in rows]

    # -- writing (one transaction each) ---------------------------------------------------
    def record(self, result: dict, ctx: GradeContext, output_name: str, *, on_commit=None) -> None:
        """Store one submission's grades and its student row in one transaction.

        Args:
            result: :meth:`grader.results.SubmissionResult.to_json` of the exercises just graded.
            ctx: what they were graded under.
            output_name: the student's output file stem.
            on_commit: called inside the transaction after the rows are written and before the
                commit (e.g. to move the JSON file into place); if it raises, nothing is stored.
        """
        now = utc_now()
        rows = [
            (result["submission"], e["name"], e["assignment"], e["score"], e["max_score"], e["status"],
             json.dumps(e, ensure_ascii=False), result["digest"], ctx.secret_hash, ctx.grader_version, ctx.contract, now)
            for e in result["exercises"]
        ]
        with self._lock:
            try:
                self._db.execute("BEGIN IMMEDIATE")
                self._db.executemany(
                    "INSERT INTO grades (student, exercise, assignment, score, max_score, status, result_json, digest, "
                    "secret_hash, grader_version, contract, graded_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                    rows,
                )
                self._upsert_student(result["submission"], result.get("display_name") or result["submission"], output_name,
                                     "graded", result["digest"], result.get("files", []), result.get("sources", []),
                                     result.get("notes", []), now)
                if on_commit is not None:
                    on_commit()
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise

    def record_missing(self, student: str, display_name: str, output_name: str) -> None:
        """Record a roster student without a submission (kept ``graded`` if they were graded before)."""
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                exists = self._db.execute("SELECT status FROM students WHERE student=?", (student,)).fetchone()
                if exists is None:
                    self._upsert_student(student, display_name, output_name, "missing", "", [], [], [], utc_now())
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise

    def record_skipped(self, entries: Sequence[tuple[str, str, str]]) -> None:
        """Append skipped entries ``(entry, reason, student)`` of this run, in one transaction."""
        if not entries:
            return
        now = utc_now()
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                self._db.executemany("INSERT INTO skipped (run_at, entry, reason, student) VALUES (?,?,?,?)",
                                     [(now, e, r, s) for e, r, s in entries])
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise

    def _upsert_student(self, student, display_name, output_name, status, digest, files, sources, notes, now) -> None:
        self._db.execute(
            "INSERT INTO students (student, display_name, output_name, status, digest, files_json, sources_json, notes_json, updated_at) "
            "VALUES (?,?,?,?,?,?,?,?,?) ON CONFLICT(student) DO UPDATE SET display_name=excluded.display_name, "
            "output_name=excluded.output_name, status=excluded.status, digest=excluded.digest, files_json=excluded.files_json, "
            "sources_json=excluded.sources_json, notes_json=excluded.notes_json, updated_at=excluded.updated_at",
            (student, display_name, output_name, status, digest, json.dumps(list(files), ensure_ascii=False),
             json.dumps(list(sources), ensure_ascii=False), json.dumps(list(notes), ensure_ascii=False), now),
        )

    def close(self) -> None:
        """Close the connection."""
        with self._lock:
            self._db.close()

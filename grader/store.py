"""The SQLite gradebook: one row per (submission, assignment set, seed), one transaction each.

A batch that is interrupted resumes by skipping submissions whose stored digest matches the
files on disk; a changed submission is regraded and its row replaced, never duplicated.
"""
from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
from pathlib import Path

_SCHEMA = """
CREATE TABLE IF NOT EXISTS results (
    submission TEXT NOT NULL,
    assignments TEXT NOT NULL,
    seed_hash TEXT NOT NULL,
    digest TEXT NOT NULL,
    total REAL NOT NULL,
    max_total REAL NOT NULL,
    result_json TEXT NOT NULL,
    graded_at TEXT NOT NULL DEFAULT (datetime('now')),
    PRIMARY KEY (submission, assignments, seed_hash)
)
"""


def seed_hash(secret: str) -> str:
    """A short one-way fingerprint of the course secret (the secret itself is never stored)."""
    return hashlib.sha256(("deepgrade-store\0" + secret).encode()).hexdigest()[:16]


class Gradebook:
    """Thread-safe access to the gradebook file.

    Args:
        path: the SQLite file (created if missing).
    """

    def __init__(self, path: Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(self.path, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute(_SCHEMA)
        self._db.commit()

    def lookup(self, submission: str, assignments: str, secret_hash: str, digest: str) -> dict | None:
        """The stored result JSON if this exact submission (same digest) was graded, else ``None``."""
        with self._lock:
            row = self._db.execute(
                "SELECT result_json FROM results WHERE submission=? AND assignments=? AND seed_hash=? AND digest=?",
                (submission, assignments, secret_hash, digest),
            ).fetchone()
        return json.loads(row[0]) if row else None

    def save(self, assignments: str, secret_hash: str, result: dict) -> None:
        """Insert or replace one submission's result (atomic)."""
        with self._lock, self._db:
            self._db.execute(
                "INSERT OR REPLACE INTO results (submission, assignments, seed_hash, digest, total, max_total, result_json) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                (result["submission"], assignments, secret_hash, result["digest"], result["total"], result["max_total"], json.dumps(result)),
            )

    def close(self) -> None:
        """Close the connection."""
        with self._lock:
            self._db.close()

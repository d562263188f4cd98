"""Practice progress per user in a small SQLite file, with a Leitner schedule for review.

Each (user, template) pair sits in a Leitner box 1–5. A wrong answer sends the template back to
box 1, due again at once; a right answer moves it up one box and schedules it
:data:`INTERVAL_DAYS` days later. ``practice --review`` starts with the templates that are due,
lowest box first. The file lives at ``$DEEPGRADE_PRACTICE_DB`` when set (tests), else under
``$XDG_DATA_HOME/deepgrade/`` (``~/.local/share/deepgrade/practice.sqlite``).
"""
from __future__ import annotations

import datetime as dt
import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path

INTERVAL_DAYS = {1: 1, 2: 2, 3: 4, 4: 8, 5: 16}
ENV_DB = "DEEPGRADE_PRACTICE_DB"

SCHEMA = """
CREATE TABLE IF NOT EXISTS boxes (
    user TEXT NOT NULL, template TEXT NOT NULL, box INTEGER NOT NULL, due TEXT NOT NULL,
    PRIMARY KEY (user, template));
CREATE TABLE IF NOT EXISTS answers (
    id INTEGER PRIMARY KEY, user TEXT NOT NULL, template TEXT NOT NULL, seed INTEGER NOT NULL,
    correct INTEGER NOT NULL, answered_at TEXT NOT NULL);
"""


def default_path() -> Path:
    """``$DEEPGRADE_PRACTICE_DB``, else ``$XDG_DATA_HOME/deepgrade/practice.sqlite`` (``~/.local/share`` by default)."""
    if os.environ.get(ENV_DB):
        return Path(os.environ[ENV_DB])
    base = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    return base / "deepgrade" / "practice.sqlite"


@dataclass(frozen=True)
class Due:
    """A template due for review: ``template`` id, Leitner ``box`` (1–5), ``due`` date."""

    template: str
    box: int
    due: dt.date


class ProgressStore:
    """Practice history and Leitner boxes of every user of one machine.

    Args:
        path: the SQLite file (created with its folder when missing); ``None`` = :func:`default_path`.
    Raises:
        sqlite3.Error: the file exists but is not a database.
    """

    def __init__(self, path: Path | None = None):
        self.path = Path(path) if path is not None else default_path()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(self.path)
        self._db.executescript(SCHEMA)

    def close(self) -> None:
        """Close the database connection."""
        self._db.close()

    def record(self, user: str, template: str, seed: int, correct: bool, today: dt.date | None = None) -> int:
        """Store one answer and move the template between Leitner boxes (one transaction).

        Args:
            user: user name.
            template: template id.
            seed: the question's seed.
            correct: whether the answer was right.
            today: the date of the answer (default: today, local time).
        Returns:
            The template's new box (1–5).
        """
        today = today or dt.date.today()
        with self._db:
            row = self._db.execute("SELECT box FROM boxes WHERE user=? AND template=?", (user, template)).fetchone()
            box = min((row[0] if row else 1) + 1, 5) if correct else 1
            due = today + dt.timedelta(days=INTERVAL_DAYS[box]) if correct else today
            self._db.execute("INSERT INTO boxes(user, template, box, due) VALUES (?,?,?,?) "
                             "ON CONFLICT(user, template) DO UPDATE SET box=excluded.box, due=excluded.due",
                             (user, template, box, due.isoformat()))
            self._db.execute("INSERT INTO answers(user, template, seed, correct, answered_at) VALUES (?,?,?,?,?)",
                             (user, template, seed, int(correct), dt.datetime.now().isoformat(timespec="seconds")))
        return box

    def due(self, user: str, today: dt.date | None = None) -> list[Due]:
        """Templates due for review on ``today``: lowest box first, then earliest due date."""
        today = today or dt.date.today()
        rows = self._db.execute("SELECT template, box, due FROM boxes WHERE user=? AND due<=? ORDER BY box, due, template",
                                (user, today.isoformat())).fetchall()
        return [Due(t, b, dt.date.fromisoformat(d)) for t, b, d in rows]

    def box(self, user: str, template: str) -> int | None:
        """The template's current box for ``user``, or ``None`` if never answered."""
        row = self._db.execute("SELECT box FROM boxes WHERE user=? AND template=?", (user, template)).fetchone()
        return row[0] if row else None

    def history(self, user: str) -> tuple[int, int]:
        """``(answered, correct)`` over all of ``user``'s sessions."""
        row = self._db.execute("SELECT COUNT(*), COALESCE(SUM(correct), 0) FROM answers WHERE user=?", (user,)).fetchone()
        return int(row[0]), int(row[1])

"""Course configuration: the secret that seeds hidden cases, and limits.

Looked up in this order: ``--seed`` on the command line, the ``DEEPGRADE_SECRET`` environment
variable, then ``[course] secret`` in ``deepgrade.toml`` (current folder, or ``--config``).
"""
from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from grader.runner.backend import Limits


class ConfigError(ValueError):
    """The configuration is missing something required or is malformed."""


@dataclass(frozen=True)
class CourseConfig:
    """Attributes: ``secret`` (str), ``limits`` (per-exercise :class:`Limits`, or ``None`` for each exercise's default).

    ``[limits]`` keys: ``wall_s`` and ``cpu_s`` (seconds per exercise), ``memory_mib``, and
    ``import_s`` (seconds to import a submission's files, paid once per submission).
    """

    secret: str
    limits: Limits | None = None


def load_config(seed: str | None = None, path: Path | None = None) -> CourseConfig:
    """Resolve the course secret and limits.

    Args:
        seed: an explicit secret (``--seed``); wins over everything else.
        path: a TOML file; defaults to ``./deepgrade.toml`` when it exists.
    Returns:
        The configuration.
    Raises:
        ConfigError: no secret anywhere, or the file is malformed.
    """
    data: dict = {}
    path = path or (Path("deepgrade.toml") if Path("deepgrade.toml").is_file() else None)
    if path is not None:
        try:
            data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise ConfigError(f"cannot read {path}: {exc}") from None
    course = data.get("course", {})
    secret = seed or os.environ.get("DEEPGRADE_SECRET") or course.get("secret")
    if not secret:
        raise ConfigError(
            "no course secret: pass --seed, set DEEPGRADE_SECRET, or put `[course] secret = \"...\"` in deepgrade.toml"
        )
    limits = None
    if "limits" in data:
        raw = data["limits"]
        try:
            limits = Limits(
                wall_s=float(raw.get("wall_s", Limits.wall_s)),
                cpu_s=float(raw.get("cpu_s", Limits.cpu_s)),
                memory_bytes=int(raw.get("memory_mib", Limits.memory_bytes >> 20)) << 20,
                import_s=float(raw.get("import_s", Limits.import_s)),
            )
        except (TypeError, ValueError) as exc:
            raise ConfigError(f"bad [limits] in {path}: {exc}") from None
    return CourseConfig(secret=str(secret), limits=limits)


# -- [feedback]: how much of the hidden cases students' feedback discloses -------------------

# Disclosure levels for hidden cases, from least to most: "points" (counts and points only),
# "message" (plus the failure message and diagnosis), "input" (plus the description of the
# failing inputs), "full" (plus the error map; allowed only after `deadline`).
HIDDEN_LEVELS = ("points", "message", "input", "full")
DEFAULT_HIDDEN = "message"


@dataclass(frozen=True)
class FeedbackConfig:
    """The ``[feedback]`` section of ``deepgrade.toml``.

    Attributes:
        hidden: one of :data:`HIDDEN_LEVELS`, what feedback shows of failing hidden cases.
        deadline: an aware datetime after which ``"full"`` applies; before it, ``"full"``
            is lowered to ``"input"``. ``None`` when not set.
    """

    hidden: str = DEFAULT_HIDDEN
    deadline: datetime | None = None


def load_feedback_config(path: Path | None = None) -> FeedbackConfig:
    """Read ``[feedback] hidden = "points"|"message"|"input"|"full"`` and ``deadline``.

    ``deadline`` is a TOML date-time with an offset (``2026-12-20T23:59:00+09:00``) or an
    ISO 8601 string; one without an offset is read as UTC.

    Args:
        path: a TOML file; defaults to ``./deepgrade.toml`` when it exists.
    Returns:
        The section (defaults when the file or section is absent).
    Raises:
        ConfigError: unknown level, ``"full"`` without a deadline, or an unreadable deadline.
    """
    from datetime import timezone

    path = path or (Path("deepgrade.toml") if Path("deepgrade.toml").is_file() else None)
    if path is None:
        return FeedbackConfig()
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"cannot read {path}: {exc}") from None
    section = data.get("feedback", {})
    hidden = section.get("hidden", DEFAULT_HIDDEN)
    if hidden not in HIDDEN_LEVELS:
        raise ConfigError(f"[feedback] hidden = {hidden!r} in {path}: choose one of {', '.join(HIDDEN_LEVELS)}")
    deadline = section.get("deadline")
    if isinstance(deadline, str):
        try:
            deadline = datetime.fromisoformat(deadline)
        except ValueError:
            raise ConfigError(f"[feedback] deadline = {deadline!r} in {path} is not an ISO 8601 date-time") from None
    if deadline is not None and not isinstance(deadline, datetime):
        raise ConfigError(f"[feedback] deadline in {path} must be a date-time such as 2026-12-20T23:59:00+09:00")
    if deadline is not None and deadline.tzinfo is None:
        deadline = deadline.replace(tzinfo=timezone.utc)
    if hidden == "full" and deadline is None:
        raise ConfigError(f'[feedback] hidden = "full" in {path} needs a deadline: full hidden cases are shown only after it')
    return FeedbackConfig(hidden=hidden, deadline=deadline)

"""Course configuration: the secret that seeds hidden cases, and limits.

Looked up in this order: ``--seed`` on the command line, the ``DEEPGRADE_SECRET`` environment
variable, then ``[course] secret`` in ``deepgrade.toml`` (current folder, or ``--config``).
"""
from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
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

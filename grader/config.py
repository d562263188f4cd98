"""Course configuration: the secret that seeds hidden cases, limits, and how submissions are imported.

The secret is looked up in this order: ``--seed`` on the command line, the ``DEEPGRADE_SECRET``
environment variable, then ``[course] secret`` in ``deepgrade.toml`` (current folder, or ``--config``).

``[submission] stub_modules`` lists course helper packages that student files import but the
grading environment lacks; they import as empty stand-ins (:mod:`grader.runner.stub_modules`)::

    [submission]
    stub_modules = ["cs231n.*"]     # "pkg.*": the package and its submodules; "pkg": that module

``contract`` (top level) picks the features graded (:mod:`grader.contracts`), with optional
per-exercise overrides::

    contract = "cs231n"             # default "deepgrade"
    [exercises.conv_forward_naive]
    features = ["core", "dilation"]
"""
from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from grader import contracts
from grader.runner.backend import Limits


class ConfigError(ValueError):
    """The configuration is missing something required or is malformed."""


@dataclass(frozen=True)
class CourseConfig:
    """Attributes: ``secret`` (str; ``""`` when not required and not set), ``limits`` (per-exercise
    :class:`Limits`, or ``None`` for each exercise's default), ``stub_modules`` (module patterns
    imported as empty stand-ins when missing, e.g. ``("cs231n.*",)``), ``contract`` (the
    :class:`grader.contracts.Contract` graded, overrides applied).

    ``[limits]`` keys: ``wall_s`` and ``cpu_s`` (seconds per exercise), ``memory_mib``, and
    ``import_s`` (seconds to import a submission's files, paid once per submission).
    """

    secret: str
    limits: Limits | None = None
    stub_modules: tuple[str, ...] = ()
    contract: contracts.Contract = contracts.CONTRACTS[contracts.DEFAULT]


# A dotted module name, optionally ending in ".*" (the package and all its submodules).
_MODULE_PATTERN = re.compile(r"^[A-Za-z_]\w*(\.[A-Za-z_]\w*)*(\.\*)?$")


def load_config(seed: str | None = None, path: Path | None = None, *, require_secret: bool = True, contract: str | None = None) -> CourseConfig:
    """Resolve the course secret, limits and submission settings.

    Args:
        seed: an explicit secret (``--seed``); wins over everything else.
        path: a TOML file; defaults to ``./deepgrade.toml`` when it exists.
        require_secret: raise when no secret is found (grading); ``False`` for ``check``,
            which grades public cases only.
        contract: a contract name (``--contract``); wins over the file's ``contract``.
    Returns:
        The configuration.
    Raises:
        ConfigError: no secret anywhere (when required), or the file is malformed
            (including a ``stub_modules`` entry that is not a dotted module name or ``name.*``,
            an unknown contract, or an unknown feature in ``[exercises.<name>] features``).
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
    if not secret and require_secret:
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
    return CourseConfig(
        secret=str(secret or ""),
        limits=limits,
        stub_modules=_stub_modules(data.get("submission", {}), path),
        contract=_contract(contract or data.get("contract", contracts.DEFAULT), data.get("exercises", {}), path),
    )


def _contract(name: object, exercises: object, path: Path | None) -> contracts.Contract:
    if not isinstance(name, str) or not isinstance(exercises, dict):
        raise ConfigError(f"bad contract or [exercises] in {path}")
    overrides = {}
    for exercise, table in exercises.items():
        features = table.get("features") if isinstance(table, dict) else None
        if features is None:
            continue
        if not isinstance(features, list) or not all(isinstance(f, str) for f in features):
            raise ConfigError(f"bad [exercises.{exercise}] features in {path}: expected a list of feature names")
        overrides[exercise] = features
    try:
        return contracts.contract(name, overrides)
    except contracts.ContractError as exc:
        raise ConfigError(f"{exc} (in {path or 'the command line'})") from None


def _stub_modules(section: object, path: Path | None) -> tuple[str, ...]:
    raw = section.get("stub_modules", []) if isinstance(section, dict) else None
    if not isinstance(raw, list) or not all(isinstance(p, str) and _MODULE_PATTERN.match(p) for p in raw):
        raise ConfigError(
            f"bad [submission] stub_modules in {path}: expected a list of module names such as "
            '["cs231n.*", "im2col_cython"]'
        )
    return tuple(raw)


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

"""pytest plugin (``pytest11`` entry point ``deepgrade``): plain ``pytest`` runs the public checks.

In a student copy (a folder with ``assignments/`` and ``fixtures/`` but no ``solutions/``),
``pytest``, ``pytest assignments/02_convolution`` and ``pytest -k conv_forward`` collect one
test per exercise from each ``assignments/<NN_topic>/*.py`` file that defines it. A test runs
exactly what ``deepgrade check`` runs: the assignment folder is read as a submission, the
student's code runs in a separate process (:class:`~grader.runner.local.LocalBackend`), the
comparison happens here, and a failure's message is deepgrade's diagnosis.

Anywhere else (e.g. the instructor's repository, whose own tests must not change) the plugin
collects nothing unless asked with ``--deepgrade`` or the ini option ``deepgrade = true``;
``-p no:deepgrade`` turns it off entirely.
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest

_STATE = pytest.StashKey[dict]()


def pytest_addoption(parser: pytest.Parser) -> None:
    """Register ``--deepgrade`` and the ini flag ``deepgrade``."""
    group = parser.getgroup("deepgrade", "deepgrade public checks")
    group.addoption("--deepgrade", action="store_true", default=False, help="collect deepgrade's public checks from assignments/ even outside a student copy")
    parser.addini("deepgrade", type="bool", default=False, help="collect deepgrade's public checks from assignments/")


def is_student_copy(root: Path) -> bool:
    """Whether ``root`` looks like a released student copy: ``assignments/`` and ``fixtures/``, no ``solutions/``."""
    return (root / "assignments").is_dir() and (root / "fixtures").is_dir() and not (root / "solutions").exists()


def _active(config: pytest.Config) -> bool:
    return bool(config.getoption("deepgrade", False) or config.getini("deepgrade")) or is_student_copy(Path(config.rootpath))


def _defines(source: str, name: str) -> bool:
    return re.search(rf"^(def|class)\s+{re.escape(name)}\b", source, re.M) is not None


def pytest_collect_file(file_path: Path, parent: pytest.Collector):
    """An ``assignments/<NN_topic>/*.py`` file becomes an :class:`AssignmentFile` when the plugin is active."""
    if file_path.suffix != ".py" or file_path.name.startswith("_") or file_path.parent.parent.name != "assignments":
        return None
    if not _active(parent.config):
        return None
    from grader.exercises import ASSIGNMENTS

    if file_path.parent.name not in ASSIGNMENTS:
        return None
    return AssignmentFile.from_parent(parent, path=file_path)


class AssignmentFile(pytest.File):
    """One student file; yields a test per exercise that the file defines."""

    def collect(self):
        from grader.exercises import ASSIGNMENTS

        source = self.path.read_text(encoding="utf-8", errors="replace")
        for exercise in ASSIGNMENTS[self.path.parent.name]:
            if _defines(source, exercise.name):
                yield ExerciseItem.from_parent(self, name=exercise.name, exercise=exercise)


class ExerciseFailed(Exception):
    """An exercise did not pass; carries deepgrade's result."""

    def __init__(self, result) -> None:
        super().__init__(result.message)
        self.result = result


class ExerciseItem(pytest.Item):
    """One exercise's public check, graded like ``deepgrade check``."""

    def __init__(self, *, exercise, **kwargs) -> None:
        super().__init__(**kwargs)
        self.exercise = exercise

    def _state(self) -> dict:
        stash = self.config.stash
        if _STATE not in stash:
            from grader.api import CaseBank
            from grader.runner.local import LocalBackend

            root = Path(self.config.rootpath)
            fixtures = root / "fixtures"
            solutions = root / "solutions"
            bank = CaseBank(
                None,
                fixtures_dir=fixtures if fixtures.is_dir() and not solutions.is_dir() else None,
                solutions_dir=solutions if solutions.is_dir() else None,
            )
            stash[_STATE] = {"bank": bank, "backend": LocalBackend()}
        return stash[_STATE]

    def runtest(self) -> None:
        from grader.api import grade_submission
        from grader.submission import read_submission

        from grader.reference import ReferenceUnavailable

        state = self._state()
        submission = read_submission(self.path.parent)
        try:
            result = grade_submission(submission, [self.exercise], bank=state["bank"], backend=state["backend"]).exercises[0]
        except ReferenceUnavailable as exc:
            pytest.fail(f"{self.name}: cannot be checked here: {exc}", pytrace=False)
        if result.status != "passed":
            raise ExerciseFailed(result)

    def repr_failure(self, excinfo, style=None):
        """deepgrade's diagnosis instead of a Python traceback of the grader."""
        if isinstance(excinfo.value, ExerciseFailed):
            from grader.notebooks.kernel import format_result

            return format_result(excinfo.value.result)
        return super().repr_failure(excinfo)

    def reportinfo(self):
        return self.path, None, f"{self.exercise.assignment}::{self.name}"

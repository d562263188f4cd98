"""nbgrader courses whose autograder cells are graded by deepgrade, outside the student's kernel.

How the isolation works (the decision, documented in the README too). nbgrader's default
``autograde`` runs the whole submitted notebook in one Jupyter kernel and reads each test
cell's output, so anything a student's cell does (redefine ``float``, patch the checker, print
a fake score, loop forever) happens where the grade is decided. A course written by
:func:`write_course` replaces nbgrader's ``Execute`` step with :class:`DeepgradeAutograde`, an
nbgrader preprocessor that runs inside ``nbgrader autograde`` itself:

1. it reads the submitted notebook's code cells as deepgrade reads any ``.ipynb``
   (:func:`grader.submission.read_submission`: definitions only, magics skipped);
2. it grades every exercise that has a locked test cell (``grade_id`` ``test_<exercise>``,
   restored from nbgrader's gradebook before this step, so students cannot change which or
   how many points) exactly as ``deepgrade grade`` does: the student's code runs in deepgrade's
   child process (sandboxed unless ``no_sandbox``), the comparison happens here, and the hidden
   cases come from the course secret at autograde time (never in the student's notebook);
3. it writes the result into the test cell's outputs: deepgrade's feedback as text and the
   score as the cell's result, which nbgrader's ``SaveAutoGrades`` takes as partial credit.

The student's kernel is never started at autograde time. In the student's own Jupyter the
same test cell calls :func:`autograder_cell`, which checks the public cases (like the
notebooks' self-checks) and shows the score it would get on them.
"""
from __future__ import annotations

import atexit
import dataclasses
import tempfile
from pathlib import Path
from typing import Iterable

import nbformat

from grader.exercises import ASSIGNMENTS

TEST_PREFIX = "test_"
DISCLOSURES = ("points", "message")

CONFIG_TEMPLATE = '''\
# nbgrader configuration written by `deepgrade release --nbgrader`.
# Autograde grades with deepgrade instead of executing the student's kernel: see
# grader/lms/nbgrader_glue.py. The course secret (hidden cases) comes from DEEPGRADE_SECRET or
# [course] secret in deepgrade.toml next to this file; never put it in a notebook.
from nbconvert.preprocessors import ClearMetadataPreprocessor
from nbgrader.preprocessors import AssignLatePenalties, CheckCellMetadata, IgnorePattern, LimitOutput, SaveAutoGrades

from grader.lms.nbgrader_glue import DeepgradeAutograde

c = get_config()  # noqa: F821 (nbgrader provides it)
c.CourseDirectory.course_id = {course_id!r}
c.Autograde.autograde_preprocessors = [
    DeepgradeAutograde,
    IgnorePattern,
    ClearMetadataPreprocessor,
    LimitOutput,
    SaveAutoGrades,
    AssignLatePenalties,
    CheckCellMetadata,
]
# Run student code without deepgrade's sandbox (only where the sandbox cannot run; trusted code).
c.DeepgradeAutograde.no_sandbox = {no_sandbox!r}
# What the feedback shows of each exercise: "message" (deepgrade's diagnosis) or "points".
c.DeepgradeAutograde.disclosure = {disclosure!r}
'''


def write_course(course_dir: Path, assignments: Iterable[str] | None = None, *, course_id: str = "deepgrade", no_sandbox: bool = False, disclosure: str = "message") -> list[Path]:
    """Write an nbgrader course: ``nbgrader_config.py`` and ``source/<assignment>/<assignment>.ipynb``.

    Args:
        course_dir: the course folder (created); existing source notebooks are overwritten.
        assignments: assignment names (default: all).
        course_id: nbgrader's ``CourseDirectory.course_id``.
        no_sandbox: let autograde run student code without deepgrade's sandbox.
        disclosure: one of :data:`DISCLOSURES`.
    Returns:
        The source notebooks written.
    Raises:
        KeyError: an unknown assignment.
        ValueError: an unknown disclosure level.
    """
    from grader.notebooks.build import build_notebook, notebook_name

    if disclosure not in DISCLOSURES:
        raise ValueError(f"disclosure must be one of {', '.join(DISCLOSURES)}")
    course_dir = Path(course_dir)
    course_dir.mkdir(parents=True, exist_ok=True)
    (course_dir / "nbgrader_config.py").write_text(
        CONFIG_TEMPLATE.format(course_id=course_id, no_sandbox=no_sandbox, disclosure=disclosure), encoding="utf-8"
    )
    written = []
    for assignment in assignments or ASSIGNMENTS:
        folder = course_dir / "source" / assignment
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / notebook_name(assignment)
        nbformat.write(build_notebook(assignment, "nbgrader"), str(path))
        written.append(path)
    return written


def exercise_for(grade_id: str):
    """The :class:`~grader.exercises.base.Exercise` an autograder cell's ``grade_id`` names, or ``None``."""
    if not grade_id.startswith(TEST_PREFIX):
        return None
    name = grade_id[len(TEST_PREFIX) :]
    for exercises in ASSIGNMENTS.values():
        for exercise in exercises:
            if exercise.name == name:
                return exercise
    return None


def autograder_cell(assignment: str, exercise: str) -> float:
    """What an autograder cell does in the student's own Jupyter: the public check, and its score.

    Returns:
        Points earned on the public cases (float); the feedback is printed.
    """
    from grader.notebooks.kernel import check_result

    return check_result(assignment, exercise, show=True).score


def _feedback_outputs(result, disclosure: str) -> list:
    from grader.notebooks.kernel import format_result

    text = format_result(result) if disclosure == "message" else f"{result.name}: {result.score:g}/{result.max_score:g}"
    text = text.replace("(public cases)", "(all cases)")
    return [
        nbformat.v4.new_output("stream", name="stdout", text=text + "\n"),
        nbformat.v4.new_output("execute_result", data={"text/plain": repr(float(result.score))}, execution_count=None),
    ]


try:  # nbgrader is an optional extra; without it only the course writer above is usable
    from nbgrader.preprocessors.base import NbGraderPreprocessor
    from traitlets import Bool, Enum, Unicode
except ImportError:  # pragma: no cover - exercised only without the extra
    NbGraderPreprocessor = None

if NbGraderPreprocessor is not None:

    class DeepgradeAutograde(NbGraderPreprocessor):
        """nbgrader preprocessor: grade the notebook with deepgrade and write scores into the test cells.

        Configurable (``c.DeepgradeAutograde.<name>``): ``no_sandbox`` (bool), ``secret`` (str;
        default DEEPGRADE_SECRET or deepgrade.toml), ``config_file`` (path of a deepgrade.toml),
        ``disclosure`` (``"message"`` or ``"points"``).
        """

        no_sandbox = Bool(False, help="Run student code without deepgrade's sandbox.").tag(config=True)
        secret = Unicode("", help="Course secret (default: DEEPGRADE_SECRET or deepgrade.toml).").tag(config=True)
        config_file = Unicode("", help="deepgrade.toml to read the secret and limits from.").tag(config=True)
        disclosure = Enum(list(DISCLOSURES), default_value="message", help="What the feedback shows.").tag(config=True)

        _shared: dict = {}

        def _grading(self):
            from grader.api import CaseBank
            from grader.config import load_config

            path = Path(self.config_file) if self.config_file else None
            config = load_config(self.secret or None, path)
            key = (config.secret, self.no_sandbox)
            if key not in self._shared:
                self._shared[key] = (CaseBank(config.secret), self._backend(), config.limits)
            return self._shared[key]

        def _backend(self):
            from grader.runner.local import LocalBackend

            if self.no_sandbox:
                return LocalBackend()
            from grader.sandbox import SandboxBackend, probe

            problems = probe()
            if problems:
                raise RuntimeError("deepgrade refuses to run student code without its sandbox: " + "; ".join(problems) + " (set c.DeepgradeAutograde.no_sandbox = True to override)")
            backend = SandboxBackend(slots=1)
            atexit.register(backend.shutdown)
            return backend

        def preprocess(self, nb, resources):
            """Grade ``nb`` and fill its autograder cells' outputs (nbgrader's preprocessor API)."""
            from grader.api import grade_submission
            from grader.submission import read_submission

            tests = [(cell, exercise_for(cell.metadata.get("nbgrader", {}).get("grade_id", ""))) for cell in nb.cells if cell.cell_type == "code"]
            tests = [(cell, ex) for cell, ex in tests if ex is not None and cell.metadata["nbgrader"].get("grade")]
            for cell in nb.cells:
                meta = cell.metadata.get("nbgrader", {})
                if cell.cell_type == "code" and meta.get("grade") and not meta.get("solution") and exercise_for(meta.get("grade_id", "")) is None:
                    # Nothing executes notebooks here: an ordinary test cell would otherwise have no
                    # output, which nbgrader counts as full marks.
                    cell.outputs = [nbformat.v4.new_output("error", ename="NotGraded", evalue="deepgrade's autograde does not execute notebook cells; only deepgrade test cells are graded", traceback=[])]
                    self.log.warning("deepgrade: test cell %s is not a deepgrade cell; it scores 0", meta.get("grade_id"))
            if not tests:
                return nb, resources
            bank, backend, limits = self._grading()
            with tempfile.TemporaryDirectory() as tmp:
                path = Path(tmp) / "submission.ipynb"
                nbformat.write(nb, str(path))
                submission = read_submission(path)
            student = resources.get("nbgrader", {}).get("student") or "student"
            submission = dataclasses.replace(submission, name=str(student))
            result = grade_submission(submission, [ex for _, ex in tests], bank=bank, backend=backend, limits=limits)
            by_name = {r.name: r for r in result.exercises}
            for cell, exercise in tests:
                cell.outputs = _feedback_outputs(by_name[exercise.name], self.disclosure)
                cell.execution_count = None
            for note in result.notes:
                self.log.info("deepgrade: %s", note)
            return nb, resources

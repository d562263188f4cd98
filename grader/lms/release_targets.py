"""What ``deepgrade release`` writes besides the ``.py`` stubs: notebooks, nbgrader, Gradescope."""
from __future__ import annotations

from pathlib import Path
from typing import Sequence

from grader.reference import REPO_ROOT


def release_extras(console, *, student_dir: Path | None, nbgrader_dir: Path | None, gradescope_dir: Path | None, assignments: Sequence[str]) -> None:
    """Write the student notebooks (``notebooks/``, and into the student copy), then the nbgrader course and Gradescope bundle when asked.

    Args:
        console: a rich console for progress lines.
        student_dir: the student copy folder, or ``None``.
        nbgrader_dir: nbgrader course folder, or ``None``.
        gradescope_dir: Gradescope bundle folder, or ``None``.
        assignments: assignment names for the nbgrader course and the Gradescope bundle.
    """
    from grader.notebooks.build import write_notebooks

    written = write_notebooks(REPO_ROOT / "notebooks")
    console.print(f"wrote {len(written)} notebooks under notebooks/")
    if student_dir is not None:
        write_notebooks(Path(student_dir) / "notebooks")
        _student_testpaths(Path(student_dir) / "pyproject.toml")
    if nbgrader_dir is not None:
        from grader.lms.nbgrader_glue import write_course

        course = write_course(nbgrader_dir, assignments)
        console.print(f"wrote an nbgrader course with {len(course)} source notebooks to {nbgrader_dir}/ (run `nbgrader generate_assignment` there)")
    if gradescope_dir is not None:
        from grader.config import ConfigError, load_config
        from grader.lms.gradescope import write_bundle

        try:
            secret = load_config().secret
        except ConfigError:
            secret = None
        write_bundle(gradescope_dir, assignments, secret=secret)
        if secret is None:
            console.print(f"[yellow]the Gradescope bundle in {gradescope_dir}/ has no course secret: add deepgrade.toml with \\[course] secret before uploading[/]")
        else:
            console.print(f"wrote a Gradescope bundle to {gradescope_dir}/ (it contains the course secret: upload it to Gradescope only)")


def _student_testpaths(pyproject: Path) -> None:
    """In a student copy, plain ``pytest`` collects the public checks from ``assignments/`` (the pytest plugin), not the instructor's ``tests/``."""
    if pyproject.is_file():
        text = pyproject.read_text(encoding="utf-8")
        pyproject.write_text(text.replace('testpaths = ["tests"]', 'testpaths = ["assignments"]'), encoding="utf-8")

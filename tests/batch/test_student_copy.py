"""`release --student` never silently replaces a student's work; the student copy's CLI shows only what works there."""
from __future__ import annotations

import subprocess
import sys

import pytest

from grader.reference import REPO_ROOT


def _run(*args, cwd=REPO_ROOT):
    return subprocess.run([sys.executable, "-m", "grader", *args], cwd=cwd, capture_output=True, text=True, timeout=300,
                          env={"PATH": "/usr/bin:/bin", "COLUMNS": "100"})


@pytest.mark.slow
def test_release_over_existing_copy_refuses_unless_forced_and_student_cli(tmp_path):
    target = tmp_path / "course"
    assert _run("release", "--student", str(target)).returncode == 0
    work = target / "assignments" / "01_conv_arithmetic" / "conv_arithmetic.py"
    work.write_text("# my work\n")
    again = _run("release", "--student", str(target))
    assert again.returncode == 1 and "--force" in again.stderr and "Traceback" not in again.stderr
    assert work.read_text() == "# my work\n"
    assert "CPU" in (target / "README.md").read_text() and "download.pytorch.org/whl/cpu" in (target / "README.md").read_text()

    helptext = _run("--help", cwd=target).stdout
    assert "check" in helptext and "list" in helptext
    for hidden in ("grade", "export", "release"):
        assert f"  {hidden} " not in helptext, helptext
    assert _run("release", "--student", str(target), "--force").returncode == 0
    assert work.read_text() != "# my work\n"

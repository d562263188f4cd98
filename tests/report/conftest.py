"""A real graded output folder for the report tests (hand-built results are in report_data.py)."""
import json
import shutil
from pathlib import Path

import pytest

from grader.reference import REPO_ROOT


@pytest.fixture(scope="session")
def graded_out(tmp_path_factory) -> Path:
    """A real ``grade`` run (assignment 02, unsandboxed) of two example students, one with a
    Korean name; ``grade`` writes their feedback pages and the class report itself."""
    from click.testing import CliRunner

    from grader.cli import main

    root = tmp_path_factory.mktemp("graded")
    examples = REPO_ROOT / "examples" / "submissions" / "01_02"
    shutil.copytree(examples / "carol_flipped_kernel", root / "subs" / "carol")
    shutil.copytree(examples / "alice_loops", root / "subs" / "김민수")
    out = root / "out"
    run = CliRunner().invoke(main, ["grade", str(root / "subs"), "-a", "02", "-o", str(out), "--seed", "report-tests", "--no-sandbox", "--workers", "2"])
    assert run.exit_code == 0, run.output
    assert "feedback for 2 students" in run.output
    return out


@pytest.fixture(scope="session")
def graded_result(graded_out) -> dict:
    """carol's real result: correlate2d, conv_forward_naive… flip the kernel."""
    return json.loads((graded_out / "carol.json").read_text(encoding="utf-8"))

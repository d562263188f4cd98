"""A lone surrogate in a student's exception message is data: the batch records it (replaced by
U+FFFD), leaves no temp file, and a resume reuses the row without crashing."""
from __future__ import annotations

import json
import sqlite3

from grader.api import grade_batch
from grader.reference import REPO_ROOT
from grader.runner.backend import Limits

from attacks import LIMITS, SECRET

CORRECT = (REPO_ROOT / "solutions" / "01_conv_arithmetic" / "conv_arithmetic.py").read_text()
SURROGATE = '\ndef conv_output_size(*args, **kwargs):\n    raise ValueError("\\ud800 and \\udcff")\n'


def test_surrogate_message_is_recorded_and_resume_reuses_it(sandbox, tmp_path):
    subs, out = tmp_path / "subs", tmp_path / "out"
    for name, source in {"surrogate": CORRECT + SURROGATE, "bystander": CORRECT}.items():
        (subs / name).mkdir(parents=True)
        (subs / name / "conv_arithmetic.py").write_text(source)

    def run():
        return grade_batch(subs, ["01"], secret=SECRET, out_dir=out, backend=sandbox, workers=2,
                           limits=Limits(**LIMITS), name_filter="conv_output_size")

    first = run()
    assert first.failed == {} and first.graded == ("bystander", "surrogate")
    doc = json.loads((out / "surrogate.json").read_text(encoding="utf-8"))
    ex = doc["exercises"][0]
    # Invalid-argument cases expect a ValueError and pass; the others record the message.
    assert ex["status"] == "partial" and "\ufffd" in ex["message"], ex
    assert json.loads((out / "bystander.json").read_text())["total"] == 2.0
    assert not list(out.glob(".tmp-*"))
    second = run()  # the resume reads the stored row back
    assert second.failed == {} and second.reused == ("bystander", "surrogate")
    db = sqlite3.connect(out / "gradebook.sqlite")
    assert db.execute("SELECT COUNT(*) FROM grades").fetchone()[0] == 2  # no duplicate rows
    db.close()


def test_sandbox_refusal_has_its_own_status(sandbox, tmp_path):
    from grader.api import CaseBank, grade_submission, select_exercises

    folder = tmp_path / "net"
    folder.mkdir()
    (folder / "conv_arithmetic.py").write_text(
        CORRECT + "\ndef conv_output_size(*args, **kwargs):\n    import socket\n    socket.socket(socket.AF_INET, socket.SOCK_STREAM)\n"
    )
    exercises = select_exercises(["01"], "conv_output_size")
    result = grade_submission(folder, exercises, bank=CaseBank(SECRET), backend=sandbox, limits=Limits(**LIMITS))
    ex = result.exercises[0]
    assert (ex.status, ex.score) == ("denied", 0.0), ex.message
    assert "PermissionError" in ex.message and "socket" in ex.message

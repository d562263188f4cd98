"""Hostile bytes in messages never crash a writer, and a failed write leaves no temp file."""
from __future__ import annotations

import json

import pytest

from grader.report import files
from grader.results import CaseResult, ExerciseResult, SubmissionResult, abort_status, failure_status, safe_text
from grader.store import GradeContext, Gradebook


def test_surrogates_and_nul_are_replaced_everywhere():
    case = CaseResult("hidden/1", "x \udcff", False, "raised ValueError: \ud800\x00")
    ex = ExerciseResult("f", "01_a", 0.0, 1.0, "error", "boom \ud800", cases=(case,))
    sub = SubmissionResult("kim\udcff", "d", (ex,), ("note \ud800",), "Kim \ud800", ("a\udcff.py",))
    text = json.dumps(sub.to_json(), ensure_ascii=False)
    text.encode("utf-8")
    assert "\ufffd" in text and "\x00" not in text
    assert safe_text("plain") == "plain"


def test_record_and_file_are_one_unit(tmp_path):
    book = Gradebook(tmp_path / "g.sqlite")
    ctx = GradeContext("h", "v", "deepgrade")
    ex = ExerciseResult("f", "01_a", 1.0, 1.0, "passed", "ok")
    doc = SubmissionResult("kim", "d1", (ex,)).to_json()
    commit = files.prepare_write(tmp_path / "kim.json", "{}")

    def fail():
        raise OSError("disk full")

    with pytest.raises(OSError):
        book.record(doc, ctx, "kim", on_commit=fail)
    commit.discard()
    assert book.current("kim", "h") == {} and book.student("kim", "h") is None
    assert not list(tmp_path.glob(".tmp-*")) and not (tmp_path / "kim.json").exists()
    book.record(doc, ctx, "kim", on_commit=files.prepare_write(tmp_path / "kim.json", "{}"))
    assert (tmp_path / "kim.json").exists() and book.current("kim", "h")["f"]["score"] == 1.0
    book.close()


def test_statuses_name_the_cause():
    assert abort_status("timeout", "anything") == "timeout"
    assert abort_status("crashed", "your code's process ended: memory limit of 2.0 GiB") == "memory"
    assert abort_status("crashed", "killed by signal 31 (bad system call)") == "denied"
    assert abort_status("crashed", "exited with code 3") == "crashed"
    assert failure_status(["f raised IndexError: x"], 0) == "error"
    assert failure_status(["out: expected an ndarray of shape (2,), got NoneType"], 0) == "error"
    assert failure_status(["out differs: max abs error 1"], 0) == "failed"
    assert failure_status(["f raised PermissionError: [Errno 1] Operation not permitted"], 0) == "denied"
    assert failure_status(["f raised IndexError"], 3) == "partial"

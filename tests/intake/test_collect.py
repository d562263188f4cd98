"""From a folder as an LMS delivers it to one entry per student (no grading here)."""
from __future__ import annotations

import os
import unicodedata
import zipfile

import pytest

from grader.intake import collect, read_roster


def _files(entry):
    return sorted(p.relative_to(entry.path).as_posix() for p in entry.path.rglob("*") if p.is_file()) if entry.path.is_dir() else [entry.path.name]


def test_moodle_folders_and_flat_files(tmp_path):
    subs = tmp_path / "subs"
    (subs / "Kim Minsu_4821_assignsubmission_file_").mkdir(parents=True)
    (subs / "Kim Minsu_4821_assignsubmission_file_" / "layers.py").write_text("x = 1\n")
    (subs / "이영희_4822_assignsubmission_file_layers.py").write_text("x = 2\n")
    (subs / "이영희_4822_assignsubmission_file_helpers.py").write_text("y = 2\n")
    (subs / "Park_4823_assignsubmission_onlinetext_onlinetext.html").write_text("<p>hi</p>")
    intake = collect(subs, tmp_path / "stage")
    by_id = {e.student_id: e for e in intake.entries}
    assert set(by_id) == {"moodle:4821", "moodle:4822", "moodle:4823"}
    assert by_id["moodle:4821"].display_name == "Kim Minsu" and _files(by_id["moodle:4821"]) == ["layers.py"]
    assert _files(by_id["moodle:4822"]) == ["helpers.py", "layers.py"]  # prefix removed, grouped
    assert [s.student_id for s in intake.skipped] == ["moodle:4823"]
    assert intake.layouts == ("moodle",)


def test_gradescope_export(tmp_path):
    subs = tmp_path / "export"
    for sid in ("101", "102"):
        (subs / f"submission_{sid}").mkdir(parents=True)
        (subs / f"submission_{sid}" / "layers.py").write_text("x = 1\n")
    (subs / "submission_metadata.yml").write_text(
        "submission_101:\n  :submitters:\n  - :name: 김민수\n    :sid: '2023001'\n"
        "submission_102:\n  :submitters:\n  - :name: Lee\n    :email: lee@example.edu\n", encoding="utf-8")
    intake = collect(subs, tmp_path / "stage")
    assert [(e.student_id, e.display_name) for e in intake.entries] == [
        ("gradescope:2023001", "김민수"), ("gradescope:lee@example.edu", "Lee")]
    assert intake.skipped == ()


def test_a_whole_lms_download_as_one_zip(tmp_path):
    arc = tmp_path / "submissions.zip"
    with zipfile.ZipFile(arc, "w") as zf:
        zf.writestr("submissions/kimminsu_1001_5001_layers.py", "x = 1\n")
        zf.writestr("submissions/leejh_1002_5002_layers.py", "x = 2\n")
    intake = collect(arc, tmp_path / "stage")
    assert [e.student_id for e in intake.entries] == ["canvas:1001", "canvas:1002"]
    assert all(_files(e) == ["layers.py"] for e in intake.entries)


def test_one_students_zip_as_the_argument(tmp_path):
    arc = tmp_path / "kim.zip"
    with zipfile.ZipFile(arc, "w") as zf:
        zf.writestr("hw/layers.py", "x = 1\n")
    intake = collect(arc, tmp_path / "stage")
    assert [e.student_id for e in intake.entries] == ["kim"] and _files(intake.entries[0]) == ["layers.py"]


def test_fixed_layout_skips_what_does_not_follow_it(tmp_path):
    subs = tmp_path / "subs"
    subs.mkdir()
    (subs / "kimminsu_1001_5001_layers.py").write_text("x = 1\n")
    (subs / "alice.py").write_text("x = 1\n")
    intake = collect(subs, tmp_path / "stage", layout="canvas")
    assert [e.student_id for e in intake.entries] == ["canvas:1001"]
    assert [(s.entry, s.reason) for s in intake.skipped] == [("alice.py", "does not follow the canvas layout")]
    with pytest.raises(ValueError):
        collect(subs, tmp_path / "stage", layout="blackboard")


def test_links_hidden_entries_and_nfd_duplicates(tmp_path):
    subs = tmp_path / "subs"
    subs.mkdir()
    outside = tmp_path / "secret"
    outside.mkdir()
    (outside / "answers.py").write_text("x = 1\n")
    os.symlink(outside, subs / "linked")
    (subs / ".git").mkdir()
    (subs / ".DS_Store").write_text("")
    nfd = unicodedata.normalize("NFD", "김민수")
    (subs / nfd).mkdir()
    (subs / nfd / "a.py").write_text("a = 1\n")
    (subs / "김민수.py").write_text("b = 1\n")  # same student, NFC, another entry
    intake = collect(subs, tmp_path / "stage")
    assert [e.student_id for e in intake.entries] == ["김민수"]
    assert _files(intake.entries[0]) == ["a.py", "김민수.py"]
    reasons = {s.entry: s.reason for s in intake.skipped}
    assert "links are never followed" in reasons["linked"] and reasons[".git"] == "hidden file or folder"
    assert ".DS_Store" not in reasons


def test_roster_with_korean_headers_and_bom(tmp_path):
    roster = tmp_path / "r.csv"
    roster.write_text("\ufeff학번,이름\n2023001,김민수\n2023002,이영희\n", encoding="utf-8")
    assert read_roster(roster) == [("2023001", "김민수"), ("2023002", "이영희")]
    bad = tmp_path / "bad.csv"
    bad.write_text("foo,bar\n1,2\n")
    with pytest.raises(ValueError, match="no id column"):
        read_roster(bad)
    subs = tmp_path / "subs"
    (subs / "김민수").mkdir(parents=True)
    (subs / "김민수" / "a.py").write_text("x = 1\n")
    assert collect(subs, tmp_path / "stage", roster=roster).missing == (("2023002", "이영희"),)


def test_roster_with_semicolons(tmp_path):
    roster = tmp_path / "r.csv"
    roster.write_text("sid;name\r\n1;Kim\r\n2;Lee\r\n", encoding="utf-8")
    assert read_roster(roster) == [("1", "Kim"), ("2", "Lee")]


@pytest.mark.skipif(os.name != "posix", reason="byte file names")
def test_non_utf8_file_names_are_distinct_students(tmp_path):
    subs = tmp_path / "subs"
    subs.mkdir()
    for raw in (b"bad\xff.py", b"bad\xfe.py"):
        with open(os.path.join(os.fsencode(subs), raw), "w") as fh:
            fh.write("x = 1\n")
    intake = collect(subs, tmp_path / "stage")
    assert [e.student_id for e in intake.entries] == ["bad%FE", "bad%FF"]

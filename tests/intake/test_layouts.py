"""LMS file-name conventions (pure parsing)."""
from grader.intake.layouts import classify, parse_canvas, parse_gradescope_metadata, parse_moodle


def test_canvas_plain_late_and_resubmission():
    a = parse_canvas("kimminsu_1234_98765_layers.py")
    assert (a.student_id, a.display_name, a.filename, a.order, a.late) == ("canvas:1234", "kimminsu", "layers.py", 98765, False)
    b = parse_canvas("kimminsu_LATE_1234_99001_layers-1.py")
    assert (b.student_id, b.filename, b.order, b.late) == ("canvas:1234", "layers.py", 99001, True)
    assert parse_canvas("김민수_77_100_conv.ipynb").display_name == "김민수"
    assert parse_canvas("layers.py") is None and parse_canvas("kim_lee.py") is None


def test_moodle_folder_and_flat_file():
    folder = parse_moodle("Kim Minsu_4821_assignsubmission_file_")
    assert (folder.student_id, folder.display_name, folder.filename) == ("moodle:4821", "Kim Minsu", "")
    flat = parse_moodle("이영희_4822_assignsubmission_file_layers.py")
    assert (flat.student_id, flat.display_name, flat.filename) == ("moodle:4822", "이영희", "layers.py")
    assert classify("Kim Minsu_4821_assignsubmission_file_", True).layout == "moodle"
    assert classify("Kim Minsu_4821_assignsubmission_file_", False) is None  # a folder name, not a file


def test_gradescope_metadata():
    text = """---
submission_101:
  :submitters:
  - :name: Kim Minsu
    :sid: '2023001'
    :email: kim@example.edu
  :created_at: 2026-11-30
submission_102:
  :submitters:
  - :name: Lee
    :email: lee@example.edu
"""
    meta = parse_gradescope_metadata(text)
    assert meta["submission_101"].student_id == "gradescope:2023001"
    assert meta["submission_101"].display_name == "Kim Minsu"
    assert meta["submission_102"].student_id == "gradescope:lee@example.edu"


def test_fixed_layout_rejects_other_names():
    assert classify("kimminsu_1234_98765_layers.py", False, "moodle") is None
    assert classify("alice", True, "canvas") is None

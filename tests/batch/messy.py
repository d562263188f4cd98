"""A submissions folder as a real course gets it: a Canvas download, e-mailed zips, Korean and
look-alike names, a broken notebook, an empty folder, a zip bomb and a traversal attempt."""
from __future__ import annotations

import json
import zipfile
from pathlib import Path

from grader.reference import REPO_ROOT

CORRECT = (REPO_ROOT / "solutions" / "01_conv_arithmetic" / "conv_arithmetic.py").read_text(encoding="utf-8")
WRONG = "def conv_output_size(input_size, kernel_size, stride=1, pad=0, dilation=1):\n    return input_size\n"
EXERCISE = "conv_output_size"
POINTS = 2.0


def _zip(path: Path, members: dict) -> None:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, text in members.items():
            zf.writestr(name, text)


def build(root: Path) -> tuple[Path, dict, dict]:
    """Write the folder. Returns ``(folder, expected score per student id, skipped entry → reason words)``."""
    subs = root / "subs"
    subs.mkdir()
    # Canvas flat download: an older wrong upload, then a late resubmission that is correct.
    (subs / "kimminsu_1001_5001_conv_arithmetic.py").write_text(WRONG)
    (subs / "kimminsu_LATE_1001_5002_conv_arithmetic-1.py").write_text(CORRECT)
    _zip(subs / "leejh_1002_5003_hw.zip", {"hw/conv_arithmetic.py": CORRECT})
    (subs / "parkjs_1003_5004_notes.txt").write_text("I could not finish")
    # One folder per student: Korean names, space vs underscore.
    for name, text in {"김민수": CORRECT, "이영희": WRONG, "kim lee": CORRECT, "kim_lee": WRONG}.items():
        (subs / name).mkdir()
        (subs / name / "layers.py").write_text(text, encoding="utf-8")
    # One file per student: Latin "alice" and a look-alike with a Cyrillic "а".
    (subs / "alice.py").write_text(CORRECT)
    (subs / "\u0430lice.py").write_text(WRONG)
    # Broken things.
    (subs / "broken.ipynb").write_text("{not json")
    (subs / "empty").mkdir()
    (subs / "only_zip").mkdir()
    _zip(subs / "only_zip" / "submission.zip", {"conv_arithmetic.py": CORRECT})
    _zip(subs / "evil.zip", {"../escape.py": "x = 1\n", "conv_arithmetic.py": CORRECT})
    with zipfile.ZipFile(subs / "bomb.zip", "w", zipfile.ZIP_DEFLATED) as zf:
        with zf.open("zeros.py", "w") as f:
            for _ in range(80):
                f.write(b"\0" * (1 << 20))
    (subs / "README.md").write_text("downloaded 2026-12-01")
    good = {"canvas:1001", "canvas:1002", "김민수", "kim lee", "alice", "only_zip", "evil"}
    partial = {"이영희", "kim_lee", "\u0430lice"}
    zero = {"canvas:1003", "broken", "empty", "bomb"}
    expected = {**{s: POINTS for s in good}, **{s: "partial" for s in partial}, **{s: 0.0 for s in zero}}
    skipped = {
        "README.md": "not a .py or .ipynb file",
        "parkjs_1003_5004_notes.txt": "not a .py or .ipynb file",
        "bomb.zip": "zip bomb",
        "evil.zip: ../escape.py": "leaves the archive",
        "kimminsu_1001_5001_conv_arithmetic.py": "older upload",
        "empty": "no .py or .ipynb file",
    }
    return subs, expected, skipped


def notebook(cells: list[str]) -> str:
    """A minimal valid notebook with these code cells."""
    return json.dumps({"cells": [{"cell_type": "code", "source": c, "metadata": {}, "outputs": []} for c in cells],
                       "metadata": {}, "nbformat": 4, "nbformat_minor": 5})

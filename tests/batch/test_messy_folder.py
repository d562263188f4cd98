"""Done-when of the batch path: a messy folder graded from scratch by the real CLI gives one
correct, distinct result per student, and every skipped entry is named on the terminal."""
from __future__ import annotations

import csv
import json
import sqlite3
import subprocess
import sys

from messy import EXERCISE, POINTS, build

from grader.reference import REPO_ROOT


def test_messy_folder_one_distinct_result_per_student(tmp_path):
    subs, expected, skipped = build(tmp_path)
    out = subs / "grades"  # inside the submissions folder: must not become a student
    roster = tmp_path / "roster.csv"
    roster.write_text("student_id,name\n1001,Kim Minsu\n9999,Choi Absent\n", encoding="utf-8")
    cmd = [sys.executable, "-m", "grader", "grade", str(subs), "-a", "01", "-k", EXERCISE, "-o", str(out),
           "--seed", "s", "--no-sandbox", "--workers", "2", "--roster", str(roster)]
    env = {"PATH": "/usr/bin:/bin", "COLUMNS": "100", "PYTHONIOENCODING": "utf-8"}
    run = subprocess.run(cmd, cwd=REPO_ROOT, capture_output=True, text=True, timeout=300, env=env)
    (REPO_ROOT / "build").mkdir(exist_ok=True)
    (REPO_ROOT / "build" / "messy_folder_terminal.txt").write_text(run.stdout + run.stderr, encoding="utf-8")
    assert run.returncode == 0, run.stdout + run.stderr
    text = run.stdout
    for entry, words in skipped.items():
        line = next((ln for ln in text.splitlines() if ln.startswith(f"skipped {entry}:")), None)
        assert line is not None and words in line, (entry, text)
    assert "broken" in text and "not a valid Jupyter notebook" in text
    assert "missing 9999" in text and "look-alike names" in text
    assert max(len(ln) for ln in text.splitlines()) <= 100

    docs = {}
    for path in out.glob("*.json"):
        doc = json.loads(path.read_text(encoding="utf-8"))
        assert doc["output_name"] == path.stem
        docs[doc["submission"]] = doc
    assert set(docs) == set(expected) | {"9999"}, sorted(docs)
    assert len({p.stem.casefold() for p in out.glob("*.json")}) == len(docs)
    for sid, want in expected.items():
        got = docs[sid]["total"]
        if want == "partial":
            assert 0 < got < POINTS, (sid, docs[sid])
        else:
            assert got == want, (sid, docs[sid]["exercises"], docs[sid]["notes"])
    assert docs["9999"]["status"] == "missing" and docs["empty"]["exercises"][0]["status"] == "missing"
    assert docs["canvas:1001"]["display_name"] == "kimminsu"
    assert docs["canvas:1001"]["sources"] == ["kimminsu_1001_5001_conv_arithmetic.py", "kimminsu_LATE_1001_5002_conv_arithmetic-1.py"]
    assert docs["김민수"]["output_name"] == "김민수" and docs["canvas:1001"]["output_name"] == "kimminsu_1001"
    assert docs["alice"]["output_name"] != docs["\u0430lice"]["output_name"]
    assert not (tmp_path / "escape.py").exists() and not (subs / "escape.py").exists()
    assert "grades" not in docs and not list(out.glob(".intake-*")) and not list(out.glob(".tmp-*"))

    rows = list(csv.DictReader((out / "gradebook.csv").open(encoding="utf-8")))
    assert sorted(r["submission"] for r in rows) == sorted(docs)
    db = sqlite3.connect(out / "gradebook.sqlite")
    reasons = {e: r for e, r in db.execute("SELECT entry, reason FROM skipped")}
    for entry, words in skipped.items():
        assert words in reasons[entry], (entry, reasons)
    db.close()

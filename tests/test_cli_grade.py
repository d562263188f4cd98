"""`deepgrade grade` end to end: outputs on disk, resuming, and isolation of a bad submission."""
import csv
import json
import shutil
import subprocess
import sys

from grader.reference import REPO_ROOT


def _run(*args, cwd):
    return subprocess.run([sys.executable, "-m", "grader", *args], cwd=cwd, capture_output=True, text=True, timeout=300, env={"PATH": "/usr/bin:/bin", "COLUMNS": "200"})


def test_grade_writes_json_and_csv_and_resumes(tmp_path):
    subs = tmp_path / "subs"
    (subs / "good").mkdir(parents=True)
    shutil.copy(REPO_ROOT / "solutions/01_conv_arithmetic/conv_arithmetic.py", subs / "good" / "arith.py")
    (subs / "broken.py").write_text("def conv_output_size(:\n")
    (subs / "exits.py").write_text("import os\nos._exit(3)\n")
    out = tmp_path / "out"
    first = _run("grade", str(subs), "-a", "01", "-o", str(out), "--seed", "s1", "--no-sandbox", "--workers", "2", cwd=tmp_path)
    assert first.returncode == 0, first.stdout + first.stderr
    good = json.loads((out / "good.json").read_text())
    assert good["total"] == good["max_total"] == 10
    assert {e["name"] for e in good["exercises"]} >= {"conv_output_size", "depthwise_separable_cost_ratio"}
    assert set(good["exercises"][0]) >= {"name", "score", "max_score", "status", "diagnoses", "message"}
    broken = json.loads((out / "broken.json").read_text())
    assert broken["total"] == 0 and broken["exercises"][0]["status"] == "error"
    exits = json.loads((out / "exits.json").read_text())
    assert exits["total"] == 0 and "exited with code 3" in exits["exercises"][0]["message"]
    rows = list(csv.DictReader((out / "gradebook.csv").open()))
    assert [r["submission"] for r in rows] == ["broken", "exits", "good"]
    assert rows[2]["conv_output_size"] == "2.0" and rows[2]["total"] == "10.0"

    # Rerun: nothing is regraded, nothing duplicated; a changed submission is regraded.
    (subs / "broken.py").write_text("def conv_output_size(input_size, kernel_size, stride=1, pad=0, dilation=1):\n    return 1\n")
    second = _run("grade", str(subs), "-a", "01", "-o", str(out), "--seed", "s1", "--no-sandbox", cwd=tmp_path)
    assert second.returncode == 0, second.stderr
    assert "2 kept from an earlier run" in second.stdout
    rows = list(csv.DictReader((out / "gradebook.csv").open()))
    assert len(rows) == 3 and float(rows[0]["conv_output_size"]) > 0


def test_grade_without_secret_is_refused(tmp_path):
    (tmp_path / "subs").mkdir()
    result = _run("grade", str(tmp_path / "subs"), "-a", "01", "--no-sandbox", cwd=tmp_path)
    assert result.returncode != 0 and "no course secret" in result.stderr

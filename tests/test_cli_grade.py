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


def test_clean_errors_for_bad_workers_and_out_file(tmp_path):
    (tmp_path / "subs").mkdir()
    (tmp_path / "file.txt").write_text("x")
    bad = _run("grade", str(tmp_path / "subs"), "-a", "01", "--workers", "-1", "--seed", "s", "--no-sandbox", cwd=tmp_path)
    assert bad.returncode == 2 and "Traceback" not in bad.stderr and "--workers" in bad.stderr
    bad = _run("grade", str(tmp_path / "subs"), "-a", "01", "-o", str(tmp_path / "file.txt"), "--seed", "s", "--no-sandbox", cwd=tmp_path)
    assert bad.returncode == 2 and "Traceback" not in bad.stderr and "is not a folder" in bad.stderr


def test_single_file_duplicate_assignment_and_narrow_terminals(tmp_path, monkeypatch):
    """A file as SUBMISSIONS, `-a 01,01` graded once, and the table within COLUMNS (CliRunner)."""
    from click.testing import CliRunner
    from rich.console import Console

    import grader.cli
    from grader.cli import main

    sub = tmp_path / "김민수.py"
    shutil.copy(REPO_ROOT / "solutions/01_conv_arithmetic/conv_arithmetic.py", sub)
    out = tmp_path / "out"
    for width in (100, 60):
        # as in a CLI started in that terminal: the module's console reads COLUMNS when made (a
        # test process that had COLUMNS set on import, as pytest-xdist workers do, fixed it)
        monkeypatch.setenv("COLUMNS", str(width))
        monkeypatch.setattr(grader.cli, "console", Console())
        result = CliRunner(env={"COLUMNS": str(width)}).invoke(
            main, ["grade", str(sub), "-a", "01,01", "-k", "conv_output_size", "-o", str(out), "--seed", "s", "--no-sandbox", "--workers", "1"]
        )
        assert result.exit_code == 0, result.output
        assert max(len(line) for line in result.output.splitlines()) <= width, result.output
    doc = json.loads((out / "김민수.json").read_text(encoding="utf-8"))
    assert [e["name"] for e in doc["exercises"]] == ["conv_output_size"] and doc["total"] == 2.0
    rows = list(csv.DictReader((out / "gradebook.csv").open(encoding="utf-8")))
    assert [r["submission"] for r in rows] == ["김민수"]


def test_batch_table_fits_100_columns_with_every_assignment():
    from rich.console import Console

    from grader.report.text import batch_table

    ex = [{"name": f"e{a}", "assignment": f"0{a}_topic", "score": 1.5, "max_score": 2, "status": "partial",
           "diagnoses": ["flipped_kernel_with_a_long_name"]} for a in range(1, 7)]
    docs = [{"submission": f"student-with-a-very-long-name-{i}-" + "x" * 30, "display_name": "", "exercises": ex, "total": 9, "max_total": 12}
            for i in range(3)]
    console = Console(width=100, record=True)
    console.print(batch_table(docs))
    text = console.export_text()
    assert max(len(line) for line in text.splitlines()) <= 100
    assert "06" in text and "9/12" in text and "flipped" in text


def test_no_report_records_grades_only_and_report_writes_the_pages_later(tmp_path):
    from click.testing import CliRunner

    from grader.cli import main

    sub = tmp_path / "kim.py"
    shutil.copy(REPO_ROOT / "solutions/01_conv_arithmetic/conv_arithmetic.py", sub)
    out = tmp_path / "out"
    result = CliRunner(env={"COLUMNS": "100"}).invoke(
        main, ["grade", str(sub), "-a", "01", "-k", "same_padding", "-o", str(out), "--seed", "s", "--no-sandbox", "--workers", "1", "--no-report"]
    )
    assert result.exit_code == 0, result.output
    assert json.loads((out / "kim.json").read_text())["total"] == 1.0
    assert (out / "gradebook.csv").exists()
    assert not (out / "feedback").exists() and not (out / "report.html").exists()
    assert f"deepgrade report {out}" in " ".join(result.output.split())
    later = CliRunner().invoke(main, ["report", str(out), "--lang", "en"])
    assert later.exit_code == 0, later.output
    assert (out / "report.html").exists() and (out / "feedback" / "kim.en.html").exists()

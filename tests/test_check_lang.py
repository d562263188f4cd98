"""`deepgrade check --lang ko`: a Korean student reads the verdicts, diagnoses and summary in Korean."""
from __future__ import annotations

import shutil

from click.testing import CliRunner

from grader.cli import main
from grader.i18n import untranslated
from grader.reference import REPO_ROOT

CHECK_IDS = ["Checking {path} on the public cases of {assignments}", "{passed}/{count} exercises pass — {score}/{max_score} points",
             "(public cases)", "note:"]


def _mutating_copy(tmp_path):
    """An example student's conv layers whose backward modifies ``w`` in place."""
    folder = tmp_path / "02_convolution"
    folder.mkdir()
    shutil.copy(REPO_ROOT / "examples/submissions/01_02/frank_mutates_w/layers.py", folder / "layers.py")
    return folder


def test_check_speaks_korean_and_english_by_default(tmp_path, monkeypatch):
    folder = _mutating_copy(tmp_path)
    monkeypatch.delenv("DEEPGRADE_LANG", raising=False)
    args = ["check", "02", "-k", "conv_backward_naive", "--path", str(folder)]
    ko = CliRunner(env={"COLUMNS": "200"}).invoke(main, [*args, "--lang", "ko"])
    assert ko.exit_code == 1, ko.output
    assert "공개 케이스로 확인합니다" in ko.output and "(공개 케이스 기준)" in ko.output
    assert "진단:" in ko.output and "다음 단계:" in ko.output     # the feedback pages' wording
    assert "exercises pass" not in ko.output
    en = CliRunner(env={"COLUMNS": "200"}).invoke(main, args)
    assert en.exit_code == 1
    assert "0/1 exercises pass" in en.output and "(public cases)" in en.output and "mutates_input" in en.output
    env = CliRunner(env={"COLUMNS": "200", "DEEPGRADE_LANG": "ko"}).invoke(main, args)
    assert "(공개 케이스 기준)" in env.output
    bad = CliRunner(env={"DEEPGRADE_LANG": "fr"}).invoke(main, args)
    assert bad.exit_code == 2 and "'fr' is not one of" in bad.output   # click checks the default too


def test_check_messages_have_korean():
    assert untranslated("ko", "check", CHECK_IDS) == []

"""Hostile submissions graded for real: ``grade_submission`` on ``SandboxBackend``.

Each attack replaces ``conv_output_size`` of a correct assignment-01 file (the reference solution
itself). It must score 0 for that exercise with the expected message, must not touch anything
of the grader's, must leave another exercise of the same file passing (unless it attacks at
import time), and the grader must go on grading: a correct submission gets full marks before
and after all attacks, from the same zygote.
"""
from __future__ import annotations

import secrets
from pathlib import Path

import pytest

from grader.api import CaseBank, grade_submission, select_exercises
from grader.reference import REPO_ROOT
from grader.runner.backend import Limits

from attacks import ATTACKS, LIMITS, SECRET, Attack

ATTACKED, BYSTANDER = "conv_output_size", "conv_param_count"
CORRECT = (REPO_ROOT / "solutions" / "01_conv_arithmetic" / "conv_arithmetic.py").read_text()
# Put in the first correct submission; later students scan their memory for it.
EARLIER_STUDENT_MARKER = "EARLIER_STUDENT_" + secrets.token_hex(8)
_state: dict = {}


@pytest.fixture(scope="module")
def grade(sandbox, out_dir):
    exercises = select_exercises(["01_conv_arithmetic"])
    bank = CaseBank(SECRET)

    def run(folder: Path, names=(ATTACKED, BYSTANDER), limits=None) -> dict:
        chosen = [ex for ex in exercises if ex.name in names]
        result = grade_submission(folder, chosen, bank=bank, backend=sandbox,
                                  limits=limits or Limits(**LIMITS))
        return {ex.name: ex for ex in result.exercises}

    return run


def submission(tmp_path: Path, name: str, source: str) -> Path:
    folder = tmp_path / name
    folder.mkdir()
    (folder / "conv_arithmetic.py").write_text(source)
    return folder


def check_full_marks(results: dict) -> None:
    for name, r in results.items():
        assert (r.status, r.score) == ("passed", r.max_score), (name, r.status, r.message)


def test_correct_submission_before(grade, sandbox, tmp_path):
    folder = submission(tmp_path, "correct_before", CORRECT + f"\n# {EARLIER_STUDENT_MARKER}\n")
    check_full_marks(grade(folder, names=[ex.name for ex in select_exercises(["01_conv_arithmetic"])]))
    _state["zygote"] = sandbox.zygote_pid


@pytest.mark.parametrize("attack", ATTACKS, ids=[a.name for a in ATTACKS])
def test_attack(attack: Attack, grade, tmp_path, listeners, out_dir):
    source = (CORRECT + "\n\n# --- attack ---\n" + attack.source
              .replace("@REPO@", str(REPO_ROOT)).replace("@OUT@", str(out_dir))
              .replace("@PORT@", str(listeners["tcp"].getsockname()[1]))
              .replace("@UDP@", str(listeners["udp"].getsockname()[1]))
              .replace("@ABSTRACT@", listeners["abstract"]))
    results = grade(submission(tmp_path, attack.name, source))
    attacked = results[ATTACKED]
    assert attacked.score == 0, (attacked.status, attacked.message)
    assert any(m in attacked.message for m in attack.messages), attacked.message
    assert SECRET not in attacked.message and "DEEPGRADE_SECRET" not in attacked.message
    if attack.bystander_ok:
        check_full_marks({BYSTANDER: results[BYSTANDER]})
    else:
        assert results[BYSTANDER].score == 0
    # Nothing reached the grader's side.
    for kind in ("tcp", "unix"):
        with pytest.raises(BlockingIOError):
            listeners[kind].accept()
    with pytest.raises(BlockingIOError):
        listeners["udp"].recv(100)
    assert (out_dir / "results.json").read_text() == '{"score": 0}'


def test_environment_is_clean(grade, tmp_path):
    """The child's environment has none of the grader's variables (positive control: PATH)."""
    attack = next(a for a in ATTACKS if a.name == "environment_secret")
    results = grade(submission(tmp_path, "env", CORRECT + "\n" + attack.source), names=[ATTACKED])
    message = results[ATTACKED].message
    assert "'PATH'" in message and "DEEPGRADE" not in message and SECRET not in message


def test_no_earlier_student_in_memory(grade, tmp_path):
    """A student scanning all of its memory finds its own marker but not an earlier student's."""
    own = "OWN_MARKER_" + secrets.token_hex(8)
    scan = f'''
import ctypes, re
_found = []
def conv_output_size(input_size, kernel_size, stride=1, pad=0, dilation=1):
    if not _found:                                   # scan once, then repeat the answer
        found = set()
        for line in open("/proc/self/maps"):
            f = line.split()
            if f[1].startswith("rw") and (len(f) < 6 or f[5] == "[heap]"):
                start, end = (int(v, 16) for v in f[0].split("-"))
                if end - start > 256 << 20:
                    continue
                data = ctypes.string_at(start, end - start)
                for prefix in (b"EARLIER_STUDENT_", b"OWN_MARKER_"):
                    i = data.find(prefix)
                    while i >= 0:
                        found.add(data[i:i + len(prefix) + 16])
                        i = data.find(prefix, i + 1)
        _found.append(sorted(m.decode() for m in found if re.fullmatch(rb"[A-Z_]+_[0-9a-f]{{16}}", m)))
    raise RuntimeError("MARKERS %r" % _found[0])
# {own}
'''
    results = grade(submission(tmp_path, "scanner", CORRECT + scan), names=[ATTACKED],
                    limits=Limits(wall_s=20, cpu_s=10, memory_bytes=2 << 30))
    message = results[ATTACKED].message
    assert "MARKERS" in message, message
    assert own in message                                  # the scan works
    assert EARLIER_STUDENT_MARKER not in message           # and finds no one else


def test_correct_submission_after(grade, sandbox, tmp_path):
    folder = submission(tmp_path, "correct_after", CORRECT)
    check_full_marks(grade(folder, names=[ex.name for ex in select_exercises(["01_conv_arithmetic"])]))
    assert sandbox.zygote_pid == _state.get("zygote"), "the zygote was restarted: an attack reached it"

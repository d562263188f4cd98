"""End to end through the unsandboxed backend: references, stubs, and misbehaving code."""
import textwrap
from dataclasses import replace

import pytest

from grader import api
from grader.exercises import ASSIGNMENTS, get_assignment
from grader.runner.backend import Limits
from grader.runner.local import LocalBackend
from grader.submission import Submission
from grader.reference import REPO_ROOT

BACKEND = LocalBackend()
SECRET = "test-secret"


@pytest.fixture(scope="module")
def bank():
    return api.CaseBank(SECRET)


def _submission(name: str, files: dict) -> Submission:
    return Submission(name=name, files={k: textwrap.dedent(v) for k, v in files.items()}, digest=name)


def _grade(bank, files, names, limits=None):
    exercises = [ex for ex in api.select_exercises(["01", "02"]) if ex.name in names]
    return {r.name: r for r in api.grade_submission(_submission("t", files), exercises, bank=bank, backend=BACKEND, limits=limits).exercises}


@pytest.mark.parametrize("assignment", ["01_conv_arithmetic", "02_convolution"])
def test_reference_solutions_score_full_marks_on_hidden_cases(bank, assignment):
    result = api.grade_submission(REPO_ROOT / "solutions" / assignment, get_assignment(assignment), bank=bank, backend=BACKEND)
    bad = {e.name: e.message for e in result.exercises if e.status != "passed"}
    assert not bad
    assert result.total == result.max_total > 0
    assert all(len(e.cases) >= 5 for e in result.exercises)


@pytest.mark.parametrize("assignment", ["01_conv_arithmetic", "02_convolution"])
def test_untouched_stubs_score_zero_not_implemented(bank, assignment):
    result = api.grade_submission(REPO_ROOT / "assignments" / assignment, get_assignment(assignment), bank=bank, backend=BACKEND)
    assert result.total == 0
    assert {e.status for e in result.exercises} == {"not_implemented"}
    assert all("not implemented" in e.message for e in result.exercises)


def test_arithmetic_grid_has_at_least_200_cases_with_invalid_ones(bank):
    cases = [c for ex in get_assignment("01") for c in bank.cases(ex)]
    assert len(cases) >= 200
    assert sum("raises" in c.expected for c in cases) >= 15


def test_missing_function_and_import_error_are_reported_separately(bank):
    missing = _grade(bank, {"a.py": "def something_else(): pass\n"}, {"conv_output_size"})["conv_output_size"]
    assert missing.status == "missing" and "a.py" in missing.message
    broken = _grade(bank, {"a.py": "def conv_output_size(:\n"}, {"conv_output_size"})["conv_output_size"]
    assert broken.status == "error" and "SyntaxError" in broken.message and "a.py" in broken.message


def test_exception_gives_traceback_and_zero_only_for_that_exercise(bank):
    src = (REPO_ROOT / "solutions/01_conv_arithmetic/conv_arithmetic.py").read_text()
    src += "\ndef same_padding(kernel_size, dilation=1):\n    return undefined_name\n"
    results = _grade(bank, {"conv_arithmetic.py": src}, {"same_padding", "receptive_field"})
    assert results["same_padding"].score == 0 and "NameError" in results["same_padding"].message
    assert "return undefined_name" in results["same_padding"].message
    assert results["receptive_field"].status == "passed"


def test_infinite_loop_times_out_and_crash_is_contained(bank):
    files = {
        "s.py": """
            import os
            def conv_output_size(input_size, kernel_size, stride=1, pad=0, dilation=1):
                while True:
                    pass
            def same_padding(kernel_size, dilation=1):
                print("SCORE: 100/100")
                os._exit(0)
            def conv_param_count(in_channels, out_channels, kernel_size, groups=1, bias=True):
                return out_channels * (in_channels // groups) * kernel_size ** 2 + (out_channels if bias else 0)
        """
    }
    limits = Limits(wall_s=1.5, cpu_s=5)
    results = _grade(bank, files, {"conv_output_size", "same_padding", "conv_param_count"}, limits)
    assert results["conv_output_size"].status == "timeout" and "wall-clock limit" in results["conv_output_size"].message
    assert results["same_padding"].status == "crashed" and results["same_padding"].score == 0
    assert "exited with code 0" in results["same_padding"].message
    # Invalid-argument cases fail (no ValueError), the rest pass: partial credit, not zero.
    assert results["conv_param_count"].status == "partial" and 0 < results["conv_param_count"].score < 1


def test_same_submission_always_gets_the_same_score(bank):
    src = (REPO_ROOT / "solutions/02_convolution/conv_layers.py").read_text().replace("out += b.reshape(1, F, 1, 1)", "pass")
    first = _grade(bank, {"layers.py": src}, {"conv_forward_naive"})["conv_forward_naive"]
    second = _grade(bank, {"layers.py": src}, {"conv_forward_naive"})["conv_forward_naive"]
    assert first.status == "failed" and "missing_bias" in first.diagnoses
    assert first.to_json() | {"seconds": 0} == second.to_json() | {"seconds": 0}


def test_backward_blames_backward_when_forward_is_right(bank):
    src = (REPO_ROOT / "solutions/02_convolution/conv_layers.py").read_text().replace("db = dout.sum(axis=(0, 2, 3))", "db = dout.sum(axis=(0, 2, 3)) * 2")
    result = _grade(bank, {"layers.py": src}, {"conv_backward_naive"})["conv_backward_naive"]
    assert result.score == 0
    assert "db" in result.message and "bug is in the backward pass" in result.message


def test_forward_bug_is_blamed_on_the_forward(bank):
    ref = (REPO_ROOT / "solutions/02_convolution/conv_layers.py").read_text()
    # Flip the kernel consistently in forward and backward: the backward is then right for its forward.
    src = ref.replace("    w_g = w.reshape(G, Fg, Cg, HH, WW)  # filters", "    w = w[:, :, ::-1, ::-1]\n    w_g = w.reshape(G, Fg, Cg, HH, WW)  # filters")
    # (the cache holds the flipped w, so the backward needs no flip of its own)
    src = src.replace("    dw = dw_g.reshape(F, Cg, HH, WW)\n", "    dw = dw_g.reshape(F, Cg, HH, WW)[:, :, ::-1, ::-1]\n")
    result = _grade(bank, {"layers.py": src}, {"conv_forward_naive", "conv_backward_naive"})
    assert "flipped_kernel" in result["conv_forward_naive"].diagnoses
    assert "fix conv_forward_naive first" in result["conv_backward_naive"].message


def test_hidden_case_messages_do_not_show_expected_values(bank):
    src = (REPO_ROOT / "solutions/01_conv_arithmetic/conv_arithmetic.py").read_text().replace("return span // stride + 1", "return span // stride + 2")
    result = _grade(bank, {"c.py": src}, {"conv_output_size"})["conv_output_size"]
    hidden = [c for c in result.cases if c.case_id.startswith("hidden/") and not c.passed]
    public = [c for c in result.cases if c.case_id.startswith("public/") and not c.passed]
    assert hidden and public
    assert all("expected" not in c.message for c in hidden)
    assert any("expected" in c.message for c in public)


def test_only_files_defining_the_exercise_are_imported(bank):
    """A broken or slow file that does not define the graded name does not affect it."""
    src = (REPO_ROOT / "solutions/01_conv_arithmetic/conv_arithmetic.py").read_text()
    files = {"arith.py": src, "other.py": "import time\ntime.sleep(60)\n"}
    result = _grade(bank, files, {"same_padding"}, Limits(wall_s=3, cpu_s=3))["same_padding"]
    assert result.status == "passed"
    missing = _grade(bank, {"other.py": "raise SystemExit(1)\n"}, {"same_padding"})["same_padding"]
    assert missing.status == "error" and "SystemExit" in missing.message


# -- batched first calls (grading._prefetch) -------------------------------------------------------

class _Counting:
    """Wraps a backend and counts the request frames sent to its children."""

    def __init__(self, backend):
        self.backend, self.sent = backend, 0
        self.preloads = getattr(backend, "preloads", False)

    def open(self, limits):
        chan, outer = self.backend.open(limits), self

        class Chan:
            def send(self, payload):
                outer.sent += 1
                chan.send(payload)

            recv, close = chan.recv, chan.close
        return Chan()

    def shutdown(self):
        self.backend.shutdown()


def _exercise_result(bank, files, name, monkeypatch=None, prefetch=True):
    from grader import grading
    from grader.runner.warm import warm_host

    if not prefetch:
        monkeypatch.setattr(grading, "PREFETCH_CHUNK", 1)
    exercise = next(ex for ex in api.select_exercises(["01", "02"]) if ex.name == name)
    submission = _submission("t", files)
    counting = _Counting(warm_host(BACKEND, submission, [exercise], None))
    try:
        result = grading.grade_exercise(exercise, submission, bank.cases(exercise), counting)
    finally:
        counting.shutdown()
    return result, counting.sent


ARITH = (REPO_ROOT / "solutions/01_conv_arithmetic/conv_arithmetic.py").read_text()


@pytest.mark.parametrize("bug", [
    ("// stride + 1", "// stride + 2"),                                   # wrong values
    ("def conv_output_size(", "def conv_output_size(*a, **k):\n    import os\n    if a and a[0] == 7:\n"
                              "        os._exit(9)\n    return _real(*a, **k)\ndef _real("),   # kills the process
])
def test_batched_calls_give_the_same_result_with_far_fewer_round_trips(bank, monkeypatch, bug):
    files = {"conv_arithmetic.py": ARITH.replace(*bug)}
    batched, sent_batched = _exercise_result(bank, files, "conv_output_size")
    live, sent_live = _exercise_result(bank, files, "conv_output_size", monkeypatch, prefetch=False)
    assert [(c.case_id, c.passed, c.message) for c in batched.cases] == [(c.case_id, c.passed, c.message) for c in live.cases]
    assert (batched.status, batched.score, batched.message) == (live.status, live.score, live.message)
    assert 0 < batched.score < batched.max_score
    if "_exit" not in bug[1]:
        assert len(batched.cases) > 100 and sent_batched < len(batched.cases) / 20 < sent_live / 20


def test_call_many_answers_each_call_in_order():
    from grader.runner.session import Session, StudentError
    from grader.runner.warm import WarmHost

    files = {"a.py": "def f(x):\n    if x < 0:\n        raise ValueError('negative')\n    return x * 2\n"}
    limits = Limits(wall_s=5, cpu_s=5, import_s=5)
    host = WarmHost(BACKEND, files, ["f"], limits)
    try:
        with Session(host, limits) as session:
            session.load(files, ["f"])
            replies = session.call_many([session.request("f", x) for x in (1, -1, 3)])
    finally:
        host.shutdown()
    assert replies[0].value == 2 and replies[2].value == 6
    assert isinstance(replies[1], StudentError) and replies[1].is_a("ValueError") and "negative" in replies[1].message

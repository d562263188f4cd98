"""What a Dask worker grades with: the course's contract, stand-in modules and exercise subset
travel as plain data and are rebuilt on the worker (no cluster needed: the task runs in-process)."""
from __future__ import annotations

from grader import contracts
from grader.distributed import _WORKER_BACKENDS, grade_on_worker
from grader.reference import REPO_ROOT
from grader.submission import Submission

SOURCE = "import cs231n.data_utils\n" + (REPO_ROOT / "solutions" / "01_conv_arithmetic" / "conv_arithmetic.py").read_text()


def _grade(**kwargs):
    sub = Submission("ann", {"conv_arithmetic.py": SOURCE}, "digest-ann")
    try:
        return grade_on_worker(sub, ["01"], "worker-secret", None, False, **kwargs)
    finally:
        for backend in _WORKER_BACKENDS.values():
            backend.shutdown()
        _WORKER_BACKENDS.clear()


def test_contract_overrides_stub_modules_and_subset_reach_the_worker():
    course = contracts.contract("cs231n", {"conv_output_size": ["core"]})
    assert contracts.contract(course.name, course.overrides) == course
    result = _grade(contract_name=course.name, overrides=course.overrides, stub_modules=("cs231n.*",),
                    only=["conv_output_size", "same_padding"])
    assert [e.name for e in result.exercises] == ["conv_output_size", "same_padding"]
    first = result.exercises[0]
    assert first.contract == "cs231n" and first.status == "passed", first.message
    assert {f.feature for f in first.features} == {"core"} and "invalid_input" in first.ungraded


def test_without_stub_modules_the_missing_course_package_is_named():
    result = _grade(only=["conv_output_size"])
    assert result.exercises[0].score == 0 and "cs231n" in result.exercises[0].message

import pytest

from grader.reference import load_assignment


@pytest.fixture(scope="session")
def solution():
    """solution("02_convolution") -> module holding every public name of that assignment's solutions."""
    cache = {}

    def get(assignment: str):
        if assignment not in cache:
            cache[assignment] = load_assignment(assignment)
        return cache[assignment]

    return get


@pytest.fixture(scope="session")
def grading_backend():
    """The sandbox where it can run (Linux, root: CI), else a fresh Python per exercise.

    Tests that grade many submissions use it for speed: the sandbox's zygote has numpy and
    torch imported already (~25 ms per student process instead of 0.3–3 s). The unsandboxed
    path keeps its own tests (test_grading.py, test_cli_grade.py).
    """
    from grader.runner.local import LocalBackend
    from grader.sandbox import SandboxBackend, probe

    if probe():
        yield LocalBackend()
        return
    backend = SandboxBackend(slots=2)
    try:
        yield backend
    finally:
        backend.shutdown()

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

    Tests that grade many submissions use it for speed: the sandbox's zygote has numpy imported
    already, and each submission is imported once in its warm child (grader.runner.warm). The unsandboxed
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


# Test lanes: `make test-fast` runs `-m "not slow and not sandbox"`. Folders and files that grade
# many submissions or go through the Linux sandbox are marked here, by path, so that a test
# added there joins its lane without remembering a decorator.
_SANDBOX_DIRS = {"sandbox", "hostile"}
_SLOW_DIRS = {"distributed"}  # a real Dask scheduler and two workers per test module
_SLOW_FILES = {"test_examples.py", "test_exercises_03_04.py", "test_exercises_05_06.py", "test_cli_grade.py"}
# single slow tests elsewhere: a hanging child, a whole student copy, and full-assignment gradings
# that `deepgrade validate` repeats (reference full marks, stubs zero) in the fast lane's stead
_SLOW_TESTS = {
    "test_grading.py": {
        "test_infinite_loop_times_out_and_crash_is_contained",
        "test_reference_solutions_score_full_marks_on_hidden_cases",
        "test_untouched_stubs_score_zero_not_implemented",
    },
    "test_release.py": {"test_student_copy_contains_no_solution_code", "test_check_in_student_copy_runs_from_fixtures"},
}


# Two processes: `make test` and `make test-fast` run pytest-xdist (`-n 2 --dist loadfile`).
# Each file's tests go to one worker, so a module fixture that grades a whole folder runs once,
# and tests that read what an earlier test of their file left (the hostile tests' zygote check)
# still run after it. Tests listed in _SPREAD depend on nothing but themselves and each cost
# seconds: under loadfile each is its own unit, spread over the workers (pytest_xdist_make_scheduler).
# (xdist_group marks would say the same, but xdist 3.8's loadgroup no longer sees them on pytest 9.)
_SPREAD = {"test_notebooks.py": {"test_notebook_runs_to_the_end"}}
# Files whose tests take longest (seconds on 2 idle cores, `pytest --durations`): under xdist they
# are handed out first, so that no worker is left with a long file while the other idles.
_HEAVY = {
    "test_nbgrader_e2e.py": 38, "test_attacks.py": 27, "test_dask.py": 23, "test_examples.py": 19,
    "test_exercises_05_06.py": 15, "test_interrupts.py": 14, "test_exercises_03_04.py": 13, "test_notebooks.py": 12,
    "test_student_copy.py": 11, "test_chromium.py": 11, "test_grading.py": 9, "test_corpus.py": 7,
    "test_gradescope.py": 7, "test_release.py": 7, "test_cli_grade.py": 6, "test_notebook_submission.py": 6,
    "test_torch_agreement.py": 5, "test_backend.py": 5, "test_messy_folder.py": 4, "test_warm.py": 4,
}


def _unit(nodeid: str) -> str:
    """The xdist scheduling unit of a test: its file, or the test itself where it is in _SPREAD."""
    path, _, rest = nodeid.partition("::")
    name = rest.split("[", 1)[0]
    return nodeid if name in _SPREAD.get(path.rsplit("/", 1)[-1], ()) else path


@pytest.hookimpl(optionalhook=True)  # a pytest-xdist hook: unknown where it is not installed
def pytest_xdist_make_scheduler(config, log):
    """``--dist loadfile`` with the tests of :data:`_SPREAD` as units of their own."""
    if config.getvalue("dist") != "loadfile":
        return None
    from xdist.scheduler import LoadScopeScheduling

    # units go out in collection order, heaviest first (pytest_collection_modifyitems below),
    # not ordered by how many tests they hold
    config.option.loadscopereorder = False

    class FilesAndSpreadTests(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return _unit(nodeid)

    return FilesAndSpreadTests(config, log)


def pytest_collection_modifyitems(config, items):
    tests_dir = __import__("pathlib").Path(__file__).resolve().parent
    for item in items:
        try:
            parts = item.path.resolve().relative_to(tests_dir).parts
        except ValueError:
            continue
        name = getattr(item, "originalname", item.name)
        if parts and parts[0] in _SANDBOX_DIRS:
            item.add_marker(pytest.mark.sandbox)
        if parts and (parts[0] in _SLOW_DIRS or parts[-1] in _SLOW_FILES or name in _SLOW_TESTS.get(parts[-1], ())):
            item.add_marker(pytest.mark.slow)
    if __import__("os").environ.get("PYTEST_XDIST_WORKER"):
        # heaviest first; sorted() is stable, so every file keeps its own order
        items[:] = sorted(items, key=lambda item: -_HEAVY.get(item.path.name, 0))

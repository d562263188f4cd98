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

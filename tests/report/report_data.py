"""Results built by hand for the report tests: one student whose hidden cases carry marked data."""
import numpy as np

from grader.compare import error_map
from grader.results import CaseResult, ExerciseResult, SubmissionResult

# Tokens that only the hidden cases carry: they must appear only at the levels that disclose them.
HIDDEN_LABEL = "x (7, 7, 13, 17) HIDDENLABEL"
HIDDEN_MESSAGE = "out differs at out[0, 0, 12, 3] HIDDENMSG"
HIDDEN_MAP_VALUE = 4242.0


def _map(value: float) -> object:
    err = np.zeros((2, 3, 4, 5))
    err[0, 1, 2, 3] = value
    return error_map(err, 1e-6)


def hidden_result(name: str = "kim", message_extra: str = "") -> dict:
    """A hand-built result: conv_forward_naive with one failing public case and two failing
    hidden ones whose label, message and error map carry the HIDDEN tokens."""
    diag = ("flipped_kernel",)
    from grader.exercises import get_assignment

    flipped = next(e for e in get_assignment("02") if e.name == "conv_forward_naive").misconceptions["flipped_kernel"]
    cases = (
        CaseResult("public/00", "x (2, 3, 5, 7), w (4, 3, 3, 2)", False, f"out differs: public{message_extra}\n→ {flipped}", diag, error_map=_map(3.0)),
        CaseResult("public/01", "x (1, 2, 6, 5)", True),
        CaseResult("hidden/00", HIDDEN_LABEL, False, f"{HIDDEN_MESSAGE}\n→ {flipped}", diag, public=False, error_map=_map(HIDDEN_MAP_VALUE)),
        CaseResult("hidden/01", HIDDEN_LABEL + " 2", False, HIDDEN_MESSAGE, public=False),
        CaseResult("hidden/02", "x (1, 1, 3, 3)", True, public=False),
    )
    ex = ExerciseResult(
        "conv_forward_naive", "02_convolution", 1.6, 4.0, "partial",
        f"Failed 3 of 5 cases. First failure, {HIDDEN_LABEL}:\n{HIDDEN_MESSAGE}", diag, cases,
    )
    stub = ExerciseResult("convolve2d", "02_convolution", 0.0, 1.0, "not_implemented", "convolve2d is not implemented yet (it still raises NotImplementedError).")
    ok = ExerciseResult("correlate2d", "02_convolution", 1.0, 1.0, "passed", "All 2 cases passed.", (), (CaseResult("public/00", "a", True), CaseResult("hidden/00", "b", True, public=False)))
    return SubmissionResult(name, "d", (ex, stub, ok)).to_json()

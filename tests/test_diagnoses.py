"""Named diagnoses only when their variant reproduces the failing cases (issue 9 item 6)."""
import textwrap

import pytest

from grader import api, diagnoses
from grader.i18n import untranslated
from grader.runner.local import LocalBackend
from grader.submission import Submission


def _grade(files: dict, names: set, assignments=("01", "02")):
    bank = api.CaseBank("diagnosis-test")
    exercises = [ex for ex in api.select_exercises(list(assignments)) if ex.name in names]
    sub = Submission("s", {k: textwrap.dedent(v) for k, v in files.items()}, "d")
    return {e.name: e for e in api.grade_submission(sub, exercises, bank=bank, backend=LocalBackend()).exercises}


def test_coincidence_is_not_shown_and_the_count_is():
    # case 0: groups = 2, a doubled count equals both variants; cases 1-2: only macs_as_flops fits
    failed = [
        (("ignores_groups", "macs_as_flops"), {"variants": {"ignores_groups": 8, "macs_as_flops": 8}}),
        (("macs_as_flops",), {"variants": {"ignores_groups": 32, "macs_as_flops": 10}}),
        (("macs_as_flops",), {"variants": {"macs_as_flops": 6}}),
    ]
    weighed = diagnoses.weigh(failed)
    shown = diagnoses.confirm(weighed)
    assert [e.name for e in shown] == ["macs_as_flops"]
    assert (shown[0].matched, shown[0].claimed) == (3, 3)
    assert diagnoses.describe(shown[0]) == "macs_as_flops: reproduces your output on 3 of 3 failing cases"
    # a diagnosis without a variant (a mutated input) is kept as it is
    assert [e.name for e in diagnoses.confirm(diagnoses.weigh([(("mutates_input",), {"out": 1})]))] == ["mutates_input"]
    assert diagnoses.claims({"grads": [1], "variants": {"x": {"flipped_kernel": 1, "other#form": 2}, "w": {"none": None}}}) == {"flipped_kernel", "other"}


def test_doubled_macs_are_named_as_flops_not_as_ignored_groups():
    src = """
    def conv_macs(in_channels, out_channels, kernel_size, out_h, out_w, groups=1):
        return 2 * out_channels * out_h * out_w * (in_channels // groups) * kernel_size ** 2
    """
    got = _grade({"a.py": src}, {"conv_macs"})["conv_macs"]
    assert got.diagnoses == ("macs_as_flops",), got.message
    assert "macs_as_flops: reproduces your output on" in got.message and "ignores groups" not in got.message


def test_broadcast_error_from_a_wrong_output_size_is_explained():
    src = """
    import numpy as np
    def conv_forward_naive(x, w, b, conv_param):
        s, p = conv_param['stride'], conv_param['pad']
        N, C, H, W = x.shape
        F, _, HH, WW = w.shape
        Ho, Wo = (H + 2 * p - HH) // s + 1, (W + 2 * p - WW) // s + 1
        xp = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)))
        out = np.zeros((N, F, H + 2 * p - HH + 1, W + 2 * p - WW + 1))
        for n in range(N):
            for f in range(F):
                out[n, f] = np.array([[np.sum(xp[n, :, i*s:i*s+HH, j*s:j*s+WW] * w[f]) for j in range(Wo)] for i in range(Ho)]) + b[f]
        return out, None
    """
    got = _grade({"a.py": src}, {"conv_forward_naive"})["conv_forward_naive"]
    assert "wrong_output_allocation" in got.diagnoses, got.message
    failing = [c for c in got.cases if "wrong_output_allocation" in c.diagnoses]
    assert failing and "your output has the wrong size: expected (" in failing[0].message and "you allocated (…, " in failing[0].message


def test_evidence_message_is_translated():
    assert untranslated("ko", "submission", [diagnoses.EVIDENCE]) == []

"""Contracts and feature weights (issue 9 items 1-2): what a course grades, and how points are split."""
import textwrap

import pytest

from grader import api, contracts
from grader.config import ConfigError, load_config
from grader.i18n import untranslated
from grader.runner.local import LocalBackend
from grader.submission import Submission

# A CS231n-skeleton conv forward: stride and pad only, asserting windows that divide evenly.
CS231N_CONV = """
import numpy as np

def conv_forward_naive(x, w, b, conv_param):
    stride, pad = conv_param['stride'], conv_param['pad']
    N, C, H, W = x.shape
    F, _, HH, WW = w.shape
    assert (H + 2 * pad - HH) % stride == 0 and (W + 2 * pad - WW) % stride == 0
    Ho, Wo = 1 + (H + 2 * pad - HH) // stride, 1 + (W + 2 * pad - WW) // stride
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    out = np.zeros((N, F, Ho, Wo))
    for i in range(Ho):
        for j in range(Wo):
            out[:, :, i, j] = np.tensordot(xp[:, :, i*stride:i*stride+HH, j*stride:j*stride+WW], w, axes=([1, 2, 3], [1, 2, 3])) + b
    return out, (x, w, b, conv_param)
"""


@pytest.fixture(scope="module")
def conv_results():
    bank = api.CaseBank("contract-test")
    exercises = [ex for ex in api.select_exercises(["02"]) if ex.name == "conv_forward_naive"]
    sub = Submission("s", {"layers.py": textwrap.dedent(CS231N_CONV)}, "d")
    return {
        name: api.grade_submission(sub, exercises, bank=bank, backend=LocalBackend(), contract=contracts.contract(name)).exercises[0]
        for name in ("deepgrade", "cs231n")
    }


def test_cs231n_code_gets_full_marks_under_its_contract_and_not_under_deepgrade(conv_results):
    cs, dg = conv_results["cs231n"], conv_results["deepgrade"]
    assert cs.score == cs.max_score and cs.status == "passed", cs.message
    assert set(cs.ungraded) == {"dilation", "groups", "uneven_windows"}
    assert "Not graded under this contract: dilation, groups, uneven_windows." in cs.message
    assert {c.feature for c in cs.cases} == {"core"}
    assert 0 < dg.score < dg.max_score
    by_feature = {f.feature: f for f in dg.features}
    assert by_feature["core"].passed == by_feature["core"].total
    assert by_feature["dilation"].passed == 0 and by_feature["groups"].passed == 0
    # points follow the spec's weights, not how many cases each feature drew
    weights = dict(api.select_exercises(["02"])[0].weights)
    share = sum(weights[f.feature] * f.passed / f.total for f in dg.features) / sum(weights[f.feature] for f in dg.features)
    assert dg.score == pytest.approx(round(dg.max_score * share, 2))
    assert "dilation: 0/" in dg.message and "the kernel taps are d pixels apart" in dg.message


def test_result_json_has_per_case_records_without_inputs_or_expected_values(conv_results):
    doc = conv_results["deepgrade"].to_json()
    assert doc["contract"] == "deepgrade" and {f["feature"] for f in doc["features"]} >= {"core", "dilation", "groups"}
    required = {"id", "label", "feature", "public", "passed", "message"}
    allowed = required | {"case_id", "diagnoses", "error_map"}  # error_map: public cases only
    assert doc["cases"] and all(required <= set(c) <= allowed for c in doc["cases"])
    assert not any("error_map" in c for c in doc["cases"] if not c["public"])
    hidden = [c for c in doc["cases"] if not c["public"]]
    assert hidden and all(c["id"].startswith("hidden/") for c in hidden)
    assert any(c["id"].startswith("public/") and c["public"] for c in doc["cases"])


def test_contracts_and_overrides():
    dg, cs = contracts.contract(), contracts.contract("cs231n")
    assert {"dilation", "groups", "uneven_windows", "fully_masked_rows"} <= dg.graded("conv_forward_naive")
    assert "invalid_input" not in dg.graded("same_padding") and "invalid_input" in dg.graded("pool_output_size")
    assert "fully_masked_rows" not in dg.graded("MultiHeadAttention")
    assert cs.graded("conv_forward_naive") == {"core", "batch_of_one"} and "test_mode" not in cs.graded("batchnorm_backward")
    custom = contracts.contract("cs231n", {"conv_forward_naive": ["core", "dilation"]})
    assert custom.graded("conv_forward_naive") == {"core", "dilation"} and custom.graded("conv_backward_naive") == cs.features
    assert custom.key != cs.key
    with pytest.raises(contracts.ContractError):
        contracts.contract("tensorflow")
    with pytest.raises(contracts.ContractError):
        contracts.contract("cs231n", {"conv_forward_naive": ["core", "dilaton"]})


def test_weighted_score():
    w = {"core": 0.7, "dilation": 0.15, "groups": 0.15}
    assert contracts.weighted_score(4, w, {"core": (4, 4), "dilation": (0, 3), "groups": (0, 9)}) == pytest.approx(2.8)
    # a feature the contract leaves out has no cases: the others share its weight
    assert contracts.weighted_score(4, w, {"core": (4, 4), "dilation": (0, 0), "groups": (0, 0)}) == 4
    assert contracts.weighted_score(2, w, {"core": (1, 2)}) == 1
    # a feature without a weight weighs its share of the cases
    assert contracts.weighted_score(3, {"core": 1.0}, {"core": (2, 2), "odd": (0, 2)}) == pytest.approx(3 * (1.0) / (1.0 + 0.5))
    assert contracts.weighted_score(3, w, {}) == 0.0


def test_config_reads_contract_and_feature_overrides(tmp_path):
    path = tmp_path / "deepgrade.toml"
    path.write_text('contract = "cs231n"\n[course]\nsecret = "s"\n[exercises.conv_forward_naive]\nfeatures = ["core", "dilation"]\n')
    config = load_config(None, path)
    assert config.contract.name == "cs231n" and config.contract.graded("conv_forward_naive") == {"core", "dilation"}
    assert load_config(None, path, contract="deepgrade").contract.name == "deepgrade"  # --contract wins
    assert load_config("s", None).contract.name == "deepgrade"
    path.write_text('contract = "cs231n"\n[course]\nsecret = "s"\n[exercises.conv_forward_naive]\nfeatures = ["everything"]\n')
    with pytest.raises(ConfigError, match="everything"):
        load_config(None, path)


def test_every_contract_message_has_a_korean_translation():
    ids = list(contracts.FEATURES.values()) + [contracts.FEATURE_LINE, contracts.GRADED_LINE, contracts.UNGRADED_LINE]
    assert untranslated("ko", "contracts", ids) == []
    assert contracts.explain("dilation", "ko") != contracts.explain("dilation")


def test_stubs_say_how_each_exercise_is_graded_under_the_contract():
    from grader.release import _contract_toml, released_files
    from grader.stub_notes import grading_note

    default = released_files()["02_convolution/conv_layers.py"]
    assert "Grading (deepgrade contract): core 60%, uneven_windows 10%, dilation 15%, groups 15% of" in default
    cs = released_files(contract=contracts.contract("cs231n"))["02_convolution/conv_layers.py"]
    assert "Grading (cs231n contract): core 100%" in cs and "Not graded in this course: uneven_windows, dilation, groups." in cs.replace("\n    ", " ")
    assert grading_note({"core": 1.0}, contracts.contract(), "correlate2d") == ""
    custom = contracts.contract("cs231n", {"conv_forward_naive": ["core", "dilation"]})
    assert _contract_toml(custom) == 'contract = "cs231n"\n\n[exercises.conv_forward_naive]\nfeatures = ["core", "dilation"]\n'

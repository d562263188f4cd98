"""Assignment 06 specs (grader/exercises/attention/): exercise list, points, case grids, and the
torch modules' expected values against the numpy reference.

Grading of the examples and focused submissions: tests/test_exercises_05_06.py; oracle tests:
tests/solutions/test_06_attention_oracle.py.
"""
from __future__ import annotations

import numpy as np
import pytest

from grader import api
from grader.exercises import get_assignment
from grader.reference import load_assignment

EX06 = get_assignment("06_attention")
TORCH_MODULES = ("MultiHeadAttention", "PositionalEncoding", "PatchEmbedding")


@pytest.fixture(scope="module")
def cases():
    bank = api.CaseBank("examples")
    return {ex.name: bank.cases(ex) for ex in EX06}


def test_points_and_order_follow_the_solution_files():
    points = {ex.name: ex.points for ex in EX06}
    for name, p in points.items():
        if name in TORCH_MODULES:
            assert 2 <= p <= 3
        elif name.endswith("_backward"):
            assert p == 3
        elif name.endswith("_forward"):
            assert p == 2
        else:
            assert p == 1, name
    assert [ex.name for ex in EX06] == [
        "softmax", "scaled_dot_product_attention_forward", "scaled_dot_product_attention_backward",
        "multi_head_attention_forward", "sinusoidal_positional_encoding", "patchify", *TORCH_MODULES,
    ]


def test_attention_grids_cover_the_edge_cases(cases):
    sdpa = cases["scaled_dot_product_attention_forward"]
    shapes = [(c.inputs["q"].shape, c.inputs["k"].shape, c.inputs["v"].shape) for c in sdpa]
    assert any(q[1] != k[1] for q, k, _ in shapes), "S != T"
    assert any(q[2] != v[2] for q, _, v in shapes), "d_k != d_v"
    assert any(q[0] == 1 for q, _, _ in shapes) and any(q[1] == 1 for q, _, _ in shapes)
    masks = [c.inputs["mask"] for c in sdpa if c.inputs["mask"] is not None]
    assert any(m.ndim == 2 for m in masks) and any(m.ndim == 3 for m in masks)
    assert {np.asarray(m).dtype.kind for m in masks} >= {"b", "f"}
    fully_blocked = [c for c in sdpa if c.expected["rows"] is not None and c.expected["rows"]["all_blocked"].any()]
    assert fully_blocked
    for c in fully_blocked:  # those rows output zeros
        assert np.all(c.expected["out"][c.expected["rows"]["all_blocked"]] == 0)
    heads = {c.inputs["num_heads"] for c in cases["multi_head_attention_forward"]}
    assert heads >= {1, 2, 4}
    assert any("raises" in c.expected for c in cases["multi_head_attention_forward"])
    assert any("raises" in c.expected for c in cases["patchify"])
    assert any("raises" in c.expected for c in cases["sinusoidal_positional_encoding"])
    assert {c.inputs["dtype"] for c in cases["MultiHeadAttention"]} == {"float32", "float64"}


def test_module_expectations_agree_with_the_numpy_reference(cases):
    ref = load_assignment("06_attention")
    for c in cases["MultiHeadAttention"]:
        s = c.inputs["state"]
        params = {}
        for sub, w in (("query", "q"), ("key", "k"), ("value", "v"), ("proj", "o")):
            params[f"W{w}"], params[f"b{w}"] = s[f"{sub}.weight"].T, s[f"{sub}.bias"]
        out, _ = ref.multi_head_attention_forward(c.inputs["query"], c.inputs["key"], c.inputs["value"], params, c.inputs["num_heads"], c.inputs["mask"])
        np.testing.assert_allclose(c.expected["out"], out, rtol=1e-10, atol=1e-12)
    for c in cases["PositionalEncoding"]:
        L = c.inputs["max_len"] or 5000
        np.testing.assert_allclose(c.expected["pe"][0], ref.sinusoidal_positional_encoding(L, c.inputs["embed_dim"]), atol=1e-6)
    for c in cases["PatchEmbedding"]:
        if "raises" not in c.expected:
            patches = ref.patchify(c.inputs["x"], c.inputs["ctor"][1])
            np.testing.assert_allclose(c.expected["out"], patches @ c.inputs["state"]["proj.weight"].T + c.inputs["state"]["proj.bias"], rtol=1e-10, atol=1e-12)


def test_module_variants_match_a_module_with_that_misconception(cases):
    # The MultiHeadAttention variants are computed with the numpy functions on the transposed
    # nn.Linear weights; check that path against torch modules holding the misconception.
    import torch

    ref = load_assignment("06_attention")
    checked = 0
    for c in cases["MultiHeadAttention"]:
        E, h, state = c.inputs["E"], c.inputs["num_heads"], c.inputs["state"]
        arrays = [c.inputs["query"], c.inputs["key"], c.inputs["value"]] + ([c.inputs["mask"]] if c.inputs["mask"] is not None else [])
        for name, factor in (("scale_sqrt_E", 1 / np.sqrt(h)), ("mha_no_scale", np.sqrt(E // h))):
            if name not in c.expected["variants"]:
                continue
            module = ref.MultiHeadAttention(E, h, 0.0).double().eval()
            scaled = {k: torch.from_numpy(v * (factor if k.startswith("query.") else 1.0)) for k, v in state.items()}
            module.load_state_dict(scaled)
            with torch.no_grad():
                out = module(*[torch.from_numpy(np.asarray(a)) for a in arrays]).numpy()
            np.testing.assert_allclose(c.expected["variants"][name], out, rtol=1e-10, atol=1e-12)
            checked += 1
    assert checked >= 4

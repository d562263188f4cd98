"""Assignment 04 specs (grader/exercises/normalization_residual/) and their solutions.

Grading of the examples and focused submissions: tests/test_exercises_03_04.py; oracle tests
of batch norm and the residual blocks: tests/solutions/test_04_normalization_residual_oracle.py.

Layer normalization is tested here. Oracle: ``torch.nn.functional.layer_norm`` and autograd
(Ba, Kiros & Hinton 2016). The variants of its classic mistakes are checked to be what they
claim (their backward variants are the exact gradients of their forward variants), and the
self-test of ``deepgrade validate`` runs on the two LayerNorm exercises: the reference scores
full marks, the stub zero, and each variant loses points with its own diagnosis.
"""
from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st

from grader import api
from grader.exercises import get_assignment, normalization_residual
from grader.reference import load_module
from grader.validation import format_report, validate
from strategies import matrix_shapes, seeds

A = "04_normalization_residual"
LN = ("layernorm_forward", "layernorm_backward")


def test_points_and_order_follow_the_solution_files():
    assert [(e.name, e.points) for e in get_assignment(A)] == [
        ("batchnorm_forward", 3), ("batchnorm_backward", 3), ("spatial_batchnorm_forward", 2),
        ("spatial_batchnorm_backward", 3),
        ("layernorm_forward", 2), ("layernorm_backward", 3),
        ("residual_block_forward", 3), ("residual_block_backward", 3),
        ("BasicBlock", 3), ("Bottleneck", 3),
    ]


@pytest.fixture(scope="module")
def bank():
    return api.CaseBank("examples")


def _inputs(bank, name):
    return [c.inputs for ex in get_assignment(A) if ex.name == name for c in bank.cases(ex)]


def test_case_grids_cover_the_edge_cases(bank):
    bns = _inputs(bank, "batchnorm_forward")
    assert {p["bn_param"]["mode"] for p in bns} == {"train", "test"}
    assert any("running_mean" not in p["bn_param"] for p in bns)
    res = _inputs(bank, "residual_block_forward")
    assert any(p["probe"] and "ws" in p["params"] for p in res) and any(p["probe"] and "ws" not in p["params"] for p in res)
    assert any(p["block_param"]["stride"] == 2 and p["params"]["w1"].shape[0] == p["x"].shape[1] for p in res)
    lns = _inputs(bank, "layernorm_forward")
    assert any(p["x"].shape[0] == 1 for p in lns) and any(p["x"].shape[0] == p["x"].shape[1] for p in lns)
    assert any(np.abs(p["x"]).max() < 0.1 for p in lns), "small-variance rows show eps outside the root"


def test_residual_cases_keep_relu_inputs_away_from_the_kink(bank):
    conv = normalization_residual.residual._conv
    ex = next(e for e in get_assignment(A) if e.name == "residual_block_backward")
    for case in bank.cases(ex):
        p, x, s = case.inputs["params"], case.inputs["x"], case.inputs["block_param"]["stride"]
        a1 = conv(x, p["w1"], p["b1"], s, 1)
        branch = conv(np.maximum(a1, 0), p["w2"], p["b2"], 1, 1)
        z = branch + (conv(x, p["ws"], p["bs"], s, 0) if "ws" in p else x)
        for pre in (a1, branch, z):
            assert np.min(np.abs(pre)) > 2e-3, case.label  # ≫ the finite-difference perturbation


@pytest.fixture(scope="module")
def ref(solution):
    return solution(A)


@pytest.fixture(scope="module")
def V():
    return load_module(A, "_variants")


@st.composite
def ln_inputs(draw):
    N, D = draw(matrix_shapes(n=(1, 5), d=(2, 6)))
    seed = draw(seeds())
    eps = draw(st.sampled_from([None, 1e-5, 1e-3, 0.1]))
    scale = draw(st.sampled_from([1.0, 0.01, 30.0]))
    rng = np.random.default_rng(seed)
    x = scale * rng.standard_normal((N, D)) + scale * rng.standard_normal((N, 1))
    return x, 1 + 0.5 * rng.standard_normal(D), rng.standard_normal(D), ({} if eps is None else {"eps": eps}), rng.standard_normal((N, D))


def _torch_grads(forward, x, gamma, beta, dout):
    """(out, dx, dgamma, dbeta) of ``forward(xt, gt, bt)`` by autograd, float64."""
    xt, gt, bt = (torch.tensor(a, dtype=torch.float64, requires_grad=True) for a in (x, gamma, beta))
    out = forward(xt, gt, bt)
    out.backward(torch.tensor(dout))
    return out.detach().numpy(), xt.grad.numpy(), gt.grad.numpy(), bt.grad.numpy()


@settings(max_examples=25, deadline=None)
@given(ln_inputs())
def test_layernorm_matches_torch_layer_norm_and_autograd(ref, inputs):
    x, gamma, beta, ln_param, dout = inputs
    eps = ln_param.get("eps", 1e-5)
    want = _torch_grads(lambda a, g, b: F.layer_norm(a, (x.shape[1],), g, b, eps), x, gamma, beta, dout)
    before = [a.copy() for a in (x, gamma, beta)]
    out, cache = ref.layernorm_forward(x, gamma, beta, ln_param)
    got = (out, *ref.layernorm_backward(dout, cache))
    for g, w in zip(got, want):
        assert g.shape == w.shape
        np.testing.assert_allclose(g, w, rtol=1e-7, atol=1e-9)
    assert all(np.array_equal(a, b) for a, b in zip((x, gamma, beta), before)), "no input is modified"


def test_layernorm_statistics_are_per_sample(ref):
    x = np.array([[1.0, 2.0, 3.0], [100.0, 200.0, 300.0]])
    out, _ = ref.layernorm_forward(x, np.ones(3), np.zeros(3), {"eps": 0.0})
    np.testing.assert_allclose(out[0], out[1], atol=1e-12)
    np.testing.assert_allclose(out.mean(axis=1), 0, atol=1e-12)
    with pytest.raises(ValueError):
        ref.layernorm_forward(x, np.ones(2), np.zeros(3), {})


@pytest.mark.parametrize("name, torch_forward", [
    ("layernorm_over_batch", lambda a, g, b, eps: g * (a - a.mean(0)) / torch.sqrt(a.var(0, unbiased=False) + eps) + b),
    ("eps_outside_sqrt", lambda a, g, b, eps: g * (a - a.mean(1, keepdim=True)) / (a.var(1, unbiased=False, keepdim=True).sqrt() + eps) + b),
])
@settings(max_examples=15, deadline=None)
@given(inputs=ln_inputs())
def test_variants_are_the_mistake_and_their_backward_its_gradient(V, name, torch_forward, inputs):
    x, gamma, beta, ln_param, dout = inputs
    if x.shape[0] == 1 and name == "layernorm_over_batch":
        x = np.vstack([x, x + 1.0])  # the batch-axis variance of one row is 0: no gradient to compare
        dout = np.vstack([dout, dout])
    eps = ln_param.get("eps", 1e-5)
    want = _torch_grads(lambda a, g, b: torch_forward(a, g, b, eps), x, gamma, beta, dout)
    out, _ = getattr(V, f"variant_{name}")(x, gamma, beta, ln_param)
    grads = getattr(V, f"variant_backward_{name}")(dout, x, gamma, beta, ln_param)
    for g, w in zip((out, *grads), want):
        np.testing.assert_allclose(g, w, rtol=1e-6, atol=1e-8)


def test_param_grads_wrong_axis_keeps_dx_and_sums_over_features(ref, V):
    rng = np.random.default_rng(3)
    x, gamma, beta, dout = rng.standard_normal((4, 3)), rng.standard_normal(3), rng.standard_normal(3), rng.standard_normal((4, 3))
    dx, dgamma, dbeta = ref.layernorm_backward(dout, ref.layernorm_forward(x, gamma, beta, {})[1])
    vdx, vdgamma, vdbeta = V.variant_param_grads_wrong_axis(dout, x, gamma, beta, {})
    np.testing.assert_allclose(vdx, dx)
    assert vdgamma.shape == vdbeta.shape == (4,) and dgamma.shape == (3,)
    np.testing.assert_allclose(vdbeta, dout.sum(axis=1))


def test_layernorm_exercises_pass_the_self_test():
    report = validate(assignments=[A], only=LN, workers=2)
    assert report.ok, format_report(report)
    assert report.counts["variants"] == 5 and report.counts["reference"] == 2

"""Assignment 03 reference solutions checked against PyTorch (an independent oracle), plus
the misconception variants and the example student submissions in examples/submissions/03_04."""
import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings

from grader.reference import REPO_ROOT, SOLUTIONS_DIR, load_file, load_module
from strategies import pool_cases

A = "03_pooling"
V = load_module(A, "_variants")
SUBMISSIONS = REPO_ROOT / "examples" / "submissions" / "03_04"

# (N, C, H, W, pool_height, pool_width, stride)
GRID = [
    (2, 3, 6, 6, 2, 2, 2),   # classic, non-overlapping
    (2, 2, 5, 5, 3, 3, 1),   # overlapping 3x3 stride 1
    (1, 2, 7, 5, 2, 3, 2),   # N = 1, non-square window, H != W
    (2, 1, 7, 9, 3, 2, 2),   # overlap along H only, non-square
    (1, 1, 5, 7, 2, 3, 1),   # overlap in both, non-square
    (3, 2, 8, 6, 4, 3, 3),   # floor mode: windows do not tile the input
    (1, 1, 3, 4, 3, 4, 1),   # window = whole input
]
IDS = ["x".join(map(str, g)) for g in GRID]


@pytest.fixture(scope="module")
def ref(solution):
    return solution(A)


def _case(g, seed=0, ties=False):
    N, C, H, W, ph, pw, s = g
    rng = np.random.default_rng(seed)
    x = rng.integers(0, 3, (N, C, H, W)).astype(np.float64) if ties else rng.standard_normal((N, C, H, W))
    return x, dict(pool_height=ph, pool_width=pw, stride=s), rng


def _torch_pool(fn, x, p, dout):
    t = torch.tensor(x, requires_grad=True)
    out = fn(t, (p["pool_height"], p["pool_width"]), p["stride"])
    out.backward(torch.tensor(dout))
    return out.detach().numpy(), t.grad.numpy()


def _out_shape(x, p):
    N, C, H, W = x.shape
    return N, C, 1 + (H - p["pool_height"]) // p["stride"], 1 + (W - p["pool_width"]) // p["stride"]


# --------------------------------------------------------------------------------------------
# reference vs torch

@pytest.mark.parametrize("ties", [False, True], ids=["random", "ties"])
@pytest.mark.parametrize("g", GRID, ids=IDS)
def test_max_pool_matches_torch(ref, g, ties):
    x, p, rng = _case(g, ties=ties)
    out, cache = ref.max_pool_forward_naive(x, p)
    dout = rng.standard_normal(out.shape)
    t_out, t_dx = _torch_pool(F.max_pool2d, x, p, dout)
    assert out.shape == t_out.shape and out.dtype == np.float64
    np.testing.assert_array_equal(out, t_out)
    dx = ref.max_pool_backward_naive(dout, cache)
    assert dx.shape == x.shape and dx.dtype == np.float64
    np.testing.assert_allclose(dx, t_dx, rtol=0, atol=1e-12)


@pytest.mark.parametrize("g", [GRID[0], GRID[1], GRID[4]], ids=[IDS[0], IDS[1], IDS[4]])
def test_max_pool_all_equal_windows_first_max_like_torch(ref, g):
    x = np.full(g[:4], 0.5)
    p = dict(pool_height=g[4], pool_width=g[5], stride=g[6])
    out, cache = ref.max_pool_forward_naive(x, p)
    dout = np.ones(out.shape)
    dx = ref.max_pool_backward_naive(dout, cache)
    np.testing.assert_array_equal(dx, _torch_pool(F.max_pool2d, x, p, dout)[1])
    # every window's top-left corner (the first maximum in row-major order) gets its gradient
    s = p["stride"]
    corners = np.zeros(x.shape)
    corners[:, :, 0:s * (out.shape[2] - 1) + 1:s, 0:s * (out.shape[3] - 1) + 1:s] = 1
    np.testing.assert_array_equal(dx, corners)


@pytest.mark.parametrize("g", GRID, ids=IDS)
def test_avg_pool_matches_torch(ref, g):
    x, p, rng = _case(g, seed=1)
    out, cache = ref.avg_pool_forward_naive(x, p)
    dout = rng.standard_normal(out.shape)
    t_out, t_dx = _torch_pool(F.avg_pool2d, x, p, dout)
    np.testing.assert_allclose(out, t_out, rtol=0, atol=1e-12)
    np.testing.assert_allclose(ref.avg_pool_backward_naive(dout, cache), t_dx, rtol=0, atol=1e-12)


@pytest.mark.parametrize("shape", [(2, 3, 4, 5), (1, 1, 1, 1), (1, 4, 7, 3)])
def test_global_avg_pool_matches_torch(ref, shape):
    rng = np.random.default_rng(2)
    x = rng.standard_normal(shape)
    out, cache = ref.global_avg_pool_forward(x)
    assert out.shape == shape[:2]
    t = torch.tensor(x, requires_grad=True)
    t_out = F.adaptive_avg_pool2d(t, 1).flatten(1)
    dout = rng.standard_normal(out.shape)
    t_out.backward(torch.tensor(dout))
    np.testing.assert_allclose(out, t_out.detach().numpy(), rtol=0, atol=1e-12)
    dx = ref.global_avg_pool_backward(dout, cache)
    assert dx.shape == shape and dx.flags.writeable
    np.testing.assert_allclose(dx, t.grad.numpy(), rtol=0, atol=1e-12)


# --------------------------------------------------------------------------------------------
# properties

def _pool_input(case):
    """x of the case's shape and its rng: small integers, so that max windows have many ties."""
    rng = np.random.default_rng(case.seed)
    return rng.integers(-1, 2, case.x_shape).astype(np.float64), case.param, rng


@settings(max_examples=60, deadline=None)
@given(pool_cases())
def test_pool_backward_conserves_gradient_mass(ref, case):
    x, p, rng = _pool_input(case)
    for fwd, bwd in [(ref.max_pool_forward_naive, ref.max_pool_backward_naive),
                     (ref.avg_pool_forward_naive, ref.avg_pool_backward_naive)]:
        out, cache = fwd(x, p)
        dout = rng.standard_normal(out.shape)
        # each window passes on exactly its own upstream gradient, overlapping or not, ties or not
        assert np.isclose(bwd(dout, cache).sum(), dout.sum(), rtol=1e-12, atol=1e-12)


@settings(max_examples=60, deadline=None)
@given(pool_cases(overlap=False))
def test_max_pool_backward_one_position_per_window(ref, case):
    x, p, _ = _pool_input(case)
    out, cache = ref.max_pool_forward_naive(x, p)
    dx = ref.max_pool_backward_naive(np.ones(out.shape), cache)
    s, ph, pw = p["stride"], p["pool_height"], p["pool_width"]
    for i in range(out.shape[2]):
        for j in range(out.shape[3]):
            win = dx[:, :, i * s:i * s + ph, j * s:j * s + pw].reshape(*x.shape[:2], -1)
            xw = x[:, :, i * s:i * s + ph, j * s:j * s + pw].reshape(*x.shape[:2], -1)
            np.testing.assert_array_equal(win.sum(-1), 1)
            np.testing.assert_array_equal(win.argmax(-1), xw.argmax(-1))  # the first maximum


# --------------------------------------------------------------------------------------------
# contract details: errors, no mutation

def test_invalid_inputs_raise(ref):
    x = np.zeros((1, 1, 4, 4))
    with pytest.raises(ValueError):
        ref.max_pool_forward_naive(x, dict(pool_height=5, pool_width=2, stride=1))
    with pytest.raises(ValueError):
        ref.avg_pool_forward_naive(x, dict(pool_height=2, pool_width=2, stride=0))
    with pytest.raises(ValueError):
        ref.max_pool_forward_naive(np.zeros((4, 4)), dict(pool_height=2, pool_width=2, stride=2))
    with pytest.raises(KeyError):
        ref.max_pool_forward_naive(x, dict(pool_height=2, stride=2))
    with pytest.raises(ValueError):
        ref.global_avg_pool_forward(np.zeros((2, 3)))
    _, cache = ref.max_pool_forward_naive(x, dict(pool_height=2, pool_width=2, stride=2))
    with pytest.raises(ValueError):
        ref.max_pool_backward_naive(np.zeros((1, 1, 3, 3)), cache)


def _frozen(a):
    a = a.copy()
    a.setflags(write=False)
    return a


@pytest.mark.parametrize("kind", ["max", "avg", "global"])
def test_no_input_mutation(ref, kind):
    x, p, rng = _case(GRID[4], seed=3, ties=True)
    x_ro, p_copy = _frozen(x), dict(p)
    if kind == "global":
        out, cache = ref.global_avg_pool_forward(x_ro)
        bwd = ref.global_avg_pool_backward
    else:
        fwd = getattr(ref, f"{kind}_pool_forward_naive")
        bwd = getattr(ref, f"{kind}_pool_backward_naive")
        out, cache = fwd(x_ro, p)
    dout = _frozen(rng.standard_normal(out.shape))
    dx1 = bwd(dout, cache)
    dx2 = bwd(dout, cache)  # the cache is not consumed or changed either
    np.testing.assert_array_equal(dx1, dx2)
    np.testing.assert_array_equal(x_ro, x)
    assert p == p_copy
    assert out.flags.writeable and dx1.flags.writeable


# --------------------------------------------------------------------------------------------
# misconception variants: each differs from the reference where it should, and only there

def _ref_backward(ref, dout, x, p):
    return ref.max_pool_backward_naive(dout, ref.max_pool_forward_naive(x, p)[1])


def test_every_variant_is_declared_in_imitates():
    names = {n[len("variant_"):] for n in dir(V) if n.startswith("variant_")}
    assert names == set(V.IMITATES)


@pytest.mark.parametrize("name, exposing, hiding", [
    ("window_from_stride", GRID[1], GRID[0]),   # 3x3 s1 exposes; 2x2 s2 hides
    ("window_from_stride", GRID[2], GRID[0]),   # 2x3 s2 exposes
    ("swapped_pool_hw", GRID[3], GRID[1]),      # 3x2 exposes; square hides
])
def test_forward_variants(ref, name, exposing, hiding):
    fn = getattr(V, f"variant_{name}")
    x, p, _ = _case(exposing, seed=4)
    out, _ = fn(x, p)
    expected = ref.max_pool_forward_naive(x, p)[0]
    assert out.shape == expected.shape  # same shape: only the values can name the bug
    assert not np.allclose(out, expected)
    x, p, _ = _case(hiding, seed=4)
    np.testing.assert_array_equal(fn(x, p)[0], ref.max_pool_forward_naive(x, p)[0])


BACKWARD_VARIANTS = ["backward_assign_not_accumulate", "backward_assign_at_argmax",
                     "backward_all_ties", "backward_last_tie", "backward_split_ties"]


@pytest.mark.parametrize("name", BACKWARD_VARIANTS)
def test_backward_variants_match_reference_when_hidden(ref, name):
    # continuous values (no ties) and non-overlapping windows hide every backward misconception
    x, p, rng = _case(GRID[0], seed=5)
    dout = rng.standard_normal(_out_shape(x, p))
    np.testing.assert_array_equal(getattr(V, f"variant_{name}")(dout, x, p), _ref_backward(ref, dout, x, p))


def test_backward_variants_differ_from_reference_and_from_each_other(ref):
    # overlapping 2x2 stride 1 windows over a map full of ties expose all of them at once
    x = np.array([[[[0, 2, 0, 1],
                    [0, 0, 1, 1],
                    [1, 0, 0, 0],
                    [0, 2, 1, 1]]]], dtype=np.float64)
    p = dict(pool_height=2, pool_width=2, stride=1)
    dout = np.arange(1, 10, dtype=np.float64).reshape(1, 1, 3, 3)
    outputs = {"reference": _ref_backward(ref, dout, x, p)}
    outputs.update({n: getattr(V, f"variant_{n}")(dout, x, p) for n in BACKWARD_VARIANTS})
    names = list(outputs)
    for a in range(len(names)):
        for b in range(a + 1, len(names)):
            assert not np.allclose(outputs[names[a]], outputs[names[b]]), (names[a], names[b])
    # the tie misconceptions are also caught by the mass check of research M6 ...
    assert outputs["backward_all_ties"].sum() > dout.sum()
    # ... except the equal split, which only a value comparison can tell apart
    assert np.isclose(outputs["backward_split_ties"].sum(), dout.sum())


def test_variants_do_not_mutate(ref):
    x, p, rng = _case(GRID[1], seed=6, ties=True)
    x_ro, p_copy = _frozen(x), dict(p)
    dout = _frozen(rng.standard_normal(_out_shape(x, p)))
    for name in dir(V):
        if name.startswith("variant_backward"):
            getattr(V, name)(dout, x_ro, p)
        elif name.startswith("variant_"):
            getattr(V, name)(x_ro, p)
    assert p == p_copy


# --------------------------------------------------------------------------------------------
# example student submissions behave as their README says

POOL_FUNCS = ["max_pool_forward_naive", "max_pool_backward_naive", "avg_pool_forward_naive",
              "avg_pool_backward_naive", "global_avg_pool_forward", "global_avg_pool_backward"]
# submission -> (functions expected to disagree with the reference, {function: matching variant})
EXPECTED_03 = {
    "correct_loops": (set(), {}),
    "correct_vectorized": (set(), {}),
    "pool_window_from_stride": ({"max_pool_forward_naive"}, {"max_pool_forward_naive": "window_from_stride"}),
    "maxpool_assign_not_accumulate": ({"max_pool_backward_naive"},
                                      {"max_pool_backward_naive": "backward_assign_not_accumulate"}),
    "maxpool_all_ties": ({"max_pool_backward_naive"}, {"max_pool_backward_naive": "backward_all_ties"}),
    "bn_pytorch_momentum": (set(), {}),
    "spatial_bn_no_transpose": (set(), {}),
    "residual_missing_identity": (set(), {}),
    "residual_relu_before_add": (set(), {}),
}


def _load_submission(name):
    return load_file(SUBMISSIONS / name / "layers.py", f"deepgrade_test_submission_{name}_layers")


def _run_03(mod, fname, x, p, dout_rng):
    """Output of one function of a module (reference or student) on one case (backward: via own forward)."""
    if fname.startswith("global"):
        out, cache = mod.global_avg_pool_forward(x)
    else:
        kind = fname.split("_")[0]
        out, cache = getattr(mod, f"{kind}_pool_forward_naive")(x, p)
    if "forward" in fname:
        return out
    dout = dout_rng.standard_normal(out.shape)
    return getattr(mod, fname)(dout, cache)


@pytest.mark.parametrize("name", sorted(EXPECTED_03))
def test_example_submission_03(ref, name):
    student = _load_submission(name)
    bad, diagnosis = EXPECTED_03[name]
    for fname in POOL_FUNCS:
        differs = False
        for g in [GRID[1], GRID[3]]:
            for ties in (False, True):
                x, p, _ = _case(g, seed=7, ties=ties)
                got = _run_03(student, fname, _frozen(x), dict(p), np.random.default_rng(8))
                want = _run_03(ref, fname, x, p, np.random.default_rng(8))
                differs |= got.shape != want.shape or not np.allclose(got, want, rtol=1e-9, atol=1e-12)
        assert differs == (fname in bad), (name, fname)
    for fname, variant in diagnosis.items():
        x, p, rng = _case(GRID[1], seed=9, ties=True)
        fn = getattr(V, f"variant_{variant}")
        if "backward" in fname:
            dout = rng.standard_normal(_out_shape(x, p))
            got = student.max_pool_backward_naive(dout, student.max_pool_forward_naive(x, p)[1])
            np.testing.assert_allclose(got, fn(dout, x, p), atol=1e-12)
        else:
            np.testing.assert_allclose(getattr(student, fname)(x, p)[0], fn(x, p)[0], atol=1e-12)


def test_example_stubs_raise_not_implemented():
    student = _load_submission("stubs")
    x, p, _ = _case(GRID[0])
    for fname in POOL_FUNCS:
        args = (x,) if fname == "global_avg_pool_forward" else (x, p)
        with pytest.raises(NotImplementedError):
            getattr(student, fname)(*args)

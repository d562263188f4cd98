"""Assignment 04 reference solutions checked against PyTorch (an independent oracle), plus
the misconception variants and the example student submissions in examples/submissions/03_04."""
from types import SimpleNamespace

import numpy as np
import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st

from grader.reference import REPO_ROOT, SOLUTIONS_DIR, load_file, load_module
from strategies import matrix_shapes, seeds

A = "04_normalization_residual"
V = load_module(A, "_variants")
SUBMISSIONS = REPO_ROOT / "examples" / "submissions" / "03_04"


@pytest.fixture(scope="module")
def ref(solution):
    return solution(A)


def _frozen(a):
    a = np.array(a, dtype=np.float64, copy=True)
    a.setflags(write=False)
    return a


def _close(a, b, atol=1e-10):
    np.testing.assert_allclose(a, b, rtol=1e-10, atol=atol)


# --------------------------------------------------------------------------------------------
# batch norm vs torch.nn.BatchNorm1d / BatchNorm2d

def _bn_case(shape, seed, momentum=0.9, eps=1e-5, mode="train"):
    rng = np.random.default_rng(seed)
    C = shape[1]
    x = rng.standard_normal(shape) * 3 + 2
    gamma, beta = rng.standard_normal(C), rng.standard_normal(C)
    bn_param = dict(mode=mode, momentum=momentum, eps=eps,
                    running_mean=rng.standard_normal(C), running_var=rng.uniform(0.5, 2, C))
    return x, gamma, beta, bn_param, rng


def _torch_bn(cls, gamma, beta, bn_param, train):
    # our momentum weights the OLD running value, torch's weights the NEW batch value
    m = cls(len(gamma), eps=bn_param["eps"], momentum=1 - bn_param["momentum"]).double()
    with torch.no_grad():
        m.weight.copy_(torch.tensor(gamma))
        m.bias.copy_(torch.tensor(beta))
        m.running_mean.copy_(torch.tensor(bn_param["running_mean"]))
        m.running_var.copy_(torch.tensor(bn_param["running_var"]))
    return m.train(train)


BN_CONFIGS = [  # (spatial, shape, momentum, eps)
    (False, (6, 4), 0.9, 1e-5),
    (False, (2, 3), 0.7, 1e-3),
    (True, (2, 3, 4, 5), 0.9, 1e-5),
    (True, (1, 2, 3, 2), 0.5, 1e-4),   # N = 1 is fine spatially: 6 values per channel
]


@pytest.mark.parametrize("mode", ["train", "test"])
@pytest.mark.parametrize("spatial, shape, momentum, eps", BN_CONFIGS)
def test_batchnorm_matches_torch(ref, spatial, shape, momentum, eps, mode):
    x, gamma, beta, bn_param, rng = _bn_case(shape, 0, momentum, eps, mode)
    rm0, rv0 = bn_param["running_mean"].copy(), bn_param["running_var"].copy()
    fwd = ref.spatial_batchnorm_forward if spatial else ref.batchnorm_forward
    bwd = ref.spatial_batchnorm_backward if spatial else ref.batchnorm_backward
    module = _torch_bn(nn.BatchNorm2d if spatial else nn.BatchNorm1d, gamma, beta, bn_param, mode == "train")

    out, cache = fwd(x, gamma, beta, bn_param)
    tx = torch.tensor(x, requires_grad=True)
    t_out = module(tx)
    _close(out, t_out.detach().numpy())

    axes = (0, 2, 3) if spatial else (0,)
    if mode == "train":
        _close(bn_param["running_mean"], module.running_mean.numpy(), atol=1e-13)
        # torch stores the unbiased batch variance; ours is the biased one
        n = x.size // x.shape[1]
        biased = x.var(axis=axes)
        _close(bn_param["running_var"], momentum * rv0 + (1 - momentum) * biased, atol=1e-13)
        _close(module.running_var.numpy(), momentum * rv0 + (1 - momentum) * biased * n / (n - 1), atol=1e-13)
    else:
        np.testing.assert_array_equal(bn_param["running_mean"], rm0)
        np.testing.assert_array_equal(bn_param["running_var"], rv0)

    dout = rng.standard_normal(out.shape)
    t_out.backward(torch.tensor(dout))
    dx, dgamma, dbeta = bwd(dout, cache)
    _close(dx, tx.grad.numpy())
    _close(dgamma, module.weight.grad.numpy())
    _close(dbeta, module.bias.grad.numpy())
    assert dx.shape == x.shape and dgamma.shape == dbeta.shape == gamma.shape


def test_batchnorm_running_stats_track_torch_over_steps(ref):
    x, gamma, beta, bn_param, rng = _bn_case((5, 3), 1)
    module = _torch_bn(nn.BatchNorm1d, gamma, beta, bn_param, train=True)
    for _ in range(4):
        x = rng.standard_normal((5, 3)) * 2 - 1
        ref.batchnorm_forward(x, gamma, beta, bn_param)
        module(torch.tensor(x))
        _close(bn_param["running_mean"], module.running_mean.numpy(), atol=1e-13)
    bn_param["mode"] = "test"
    module.eval().running_var.copy_(torch.tensor(bn_param["running_var"]))
    _close(ref.batchnorm_forward(x, gamma, beta, bn_param)[0], module(torch.tensor(x)).detach().numpy())


def test_batchnorm_defaults(ref):
    rng = np.random.default_rng(2)
    x, gamma, beta = rng.standard_normal((4, 3)), np.ones(3), np.zeros(3)
    bn_param = {"mode": "train"}
    out, _ = ref.batchnorm_forward(x, gamma, beta, bn_param)
    _close(bn_param["running_mean"], 0.1 * x.mean(0), atol=1e-14)   # momentum 0.9, zeros to start
    _close(bn_param["running_var"], 0.1 * x.var(0), atol=1e-14)
    _close(out, (x - x.mean(0)) / np.sqrt(x.var(0) + 1e-5))       # eps 1e-5
    fresh = {"mode": "test"}
    out, _ = ref.batchnorm_forward(x, gamma, beta, fresh)           # zeros created in test mode too
    _close(out, x / np.sqrt(1e-5))
    assert fresh["running_mean"].shape == (3,)


def test_batchnorm_errors_and_single_example(ref):
    x = np.ones((1, 2))
    out, _ = ref.batchnorm_forward(x, np.ones(2), np.full(2, 0.5), {"mode": "train"})
    _close(out, np.full((1, 2), 0.5))  # N = 1: x - mean = 0, so only beta remains
    with pytest.raises(ValueError):
        ref.batchnorm_forward(x, np.ones(2), np.zeros(2), {"mode": "eval"})
    with pytest.raises(ValueError):
        ref.batchnorm_forward(x, np.ones(3), np.zeros(2), {"mode": "train"})
    with pytest.raises(ValueError):
        ref.spatial_batchnorm_forward(x, np.ones(2), np.zeros(2), {"mode": "train"})
    with pytest.raises(KeyError):
        ref.batchnorm_forward(x, np.ones(2), np.zeros(2), {})


@st.composite
def bn_cases(draw):
    N, D = draw(matrix_shapes(n=(2, 6), d=(1, 4)))
    rng = np.random.default_rng(draw(seeds()))
    scale = draw(st.sampled_from([1e-2, 1.0, 1e2]))
    return rng.standard_normal((N, D)) * scale, rng.standard_normal(D), rng.standard_normal(D), rng


@settings(max_examples=50, deadline=None)
@given(bn_cases())
def test_batchnorm_backward_is_shift_invariant(ref, case):
    # the train-mode output ignores a constant added to a column, so dx sums to 0 over the batch
    x, gamma, beta, rng = case
    out, cache = ref.batchnorm_forward(x, gamma, beta, {"mode": "train"})
    dout = rng.standard_normal(out.shape)
    dx, _, dbeta = ref.batchnorm_backward(dout, cache)
    scale = np.abs(dout * gamma).max() / np.sqrt(x.var(0).min() + 1e-5)
    assert np.all(np.abs(dx.sum(0)) <= 1e-9 * scale * len(x))
    _close(dbeta, dout.sum(0))
    _close(out.mean(0), beta, atol=1e-9 * (1 + np.abs(gamma).max()))


@pytest.mark.parametrize("spatial", [False, True])
@pytest.mark.parametrize("mode", ["train", "test"])
def test_batchnorm_does_not_mutate(ref, spatial, mode):
    x, gamma, beta, bn_param, rng = _bn_case((2, 3, 2, 2) if spatial else (4, 3), 3, mode=mode)
    rm, rv = _frozen(bn_param["running_mean"]), _frozen(bn_param["running_var"])
    bn_param.update(running_mean=rm, running_var=rv)
    rm_copy, rv_copy = rm.copy(), rv.copy()
    args = [_frozen(a) for a in (x, gamma, beta)]
    fwd = ref.spatial_batchnorm_forward if spatial else ref.batchnorm_forward
    bwd = ref.spatial_batchnorm_backward if spatial else ref.batchnorm_backward
    out, cache = fwd(*args, bn_param)
    np.testing.assert_array_equal(rm, rm_copy)  # the old arrays are untouched ...
    np.testing.assert_array_equal(rv, rv_copy)
    assert set(bn_param) == {"mode", "momentum", "eps", "running_mean", "running_var"}
    for a, b in zip(args, (x, gamma, beta)):
        np.testing.assert_array_equal(a, b)
    dout = _frozen(rng.standard_normal(out.shape))
    first, second = bwd(dout, cache), bwd(dout, cache)
    for a, b in zip(first, second):
        np.testing.assert_array_equal(a, b)


# --------------------------------------------------------------------------------------------
# residual block vs a torch composition with the same weights

def _block_case(N, C, Fo, H, W, stride, projection, seed=0):
    rng = np.random.default_rng(seed)
    params = {"w1": rng.standard_normal((Fo, C, 3, 3)) * 0.4, "b1": rng.standard_normal(Fo) * 0.1,
              "w2": rng.standard_normal((Fo, Fo, 3, 3)) * 0.4, "b2": rng.standard_normal(Fo) * 0.1}
    if projection:
        params.update(ws=rng.standard_normal((Fo, C, 1, 1)), bs=rng.standard_normal(Fo) * 0.1)
    return rng.standard_normal((N, C, H, W)), params, {"stride": stride}, rng


def _torch_block(x, params, stride, dout):
    t = {k: torch.tensor(v, requires_grad=True) for k, v in params.items()}
    t["x"] = torch.tensor(x, requires_grad=True)
    h = F.relu(F.conv2d(t["x"], t["w1"], t["b1"], stride=stride, padding=1))
    residual = F.conv2d(h, t["w2"], t["b2"], stride=1, padding=1)
    shortcut = F.conv2d(t["x"], t["ws"], t["bs"], stride=stride) if "ws" in t else t["x"]
    out = F.relu(residual + shortcut)
    out.backward(torch.tensor(dout))
    return out.detach().numpy(), {k: v.grad.numpy() for k, v in t.items()}


BLOCKS = {  # name: (N, C, F, H, W, stride, projection)
    "identity": (2, 3, 3, 5, 6, 1, False),
    "identity_N1": (1, 2, 2, 4, 3, 1, False),
    "projection_stride2": (2, 3, 5, 7, 6, 2, True),
    "projection_stride1": (2, 2, 4, 4, 4, 1, True),
    "projection_stride2_same_channels": (1, 3, 3, 6, 5, 2, True),
    "projection_stride3": (1, 2, 3, 7, 8, 3, True),
    "projection_stride1_same_channels": (2, 3, 3, 5, 4, 1, True),
}


@pytest.mark.parametrize("name", list(BLOCKS))
def test_residual_block_matches_torch(ref, name):
    N, C, Fo, H, W, stride, projection = BLOCKS[name]
    x, params, block_param, rng = _block_case(N, C, Fo, H, W, stride, projection)
    out, cache = ref.residual_block_forward(x, params, block_param)
    dout = rng.standard_normal(out.shape)
    t_out, t_grads = _torch_block(x, params, stride, dout)
    assert out.shape == t_out.shape == (N, Fo, 1 + (H - 1) // stride, 1 + (W - 1) // stride)
    _close(out, t_out)
    grads = ref.residual_block_backward(dout, cache)
    assert set(grads) == set(params) | {"x"}
    for key, g in grads.items():
        assert g.shape == t_grads[key].shape, key
        _close(g, t_grads[key])


def test_residual_block_zero_branch_gives_shortcut(ref):
    # research M26: with the last conv zeroed, the block must reduce to relu(shortcut(x))
    for name in ["identity", "projection_stride2"]:
        x, params, block_param, _ = _block_case(*BLOCKS[name][:-1], BLOCKS[name][-1])
        params.update(w2=np.zeros_like(params["w2"]), b2=np.zeros_like(params["b2"]))
        out, _ = ref.residual_block_forward(x, params, block_param)
        stride = block_param["stride"]
        shortcut = x if "ws" not in params else F.conv2d(
            torch.tensor(x), torch.tensor(params["ws"]), torch.tensor(params["bs"]), stride=stride).numpy()
        _close(out, np.maximum(shortcut, 0))


def test_residual_block_errors(ref):
    x, params, _, _ = _block_case(1, 3, 3, 4, 4, 1, False)
    with pytest.raises(ValueError):  # identity cannot change the resolution
        ref.residual_block_forward(x, params, {"stride": 2})
    x2, p2, _, _ = _block_case(1, 3, 5, 4, 4, 1, False)
    with pytest.raises(ValueError):  # ... nor the channels
        ref.residual_block_forward(x2, p2, {"stride": 1})
    with pytest.raises(ValueError):
        ref.residual_block_forward(x, dict(params, ws=np.zeros((3, 3, 1, 1))), {"stride": 1})
    with pytest.raises(ValueError):
        ref.residual_block_forward(x, dict(params, w1=np.zeros((3, 3, 5, 5))), {"stride": 1})
    out, cache = ref.residual_block_forward(x, params, {})  # stride defaults to 1
    with pytest.raises(ValueError):
        ref.residual_block_backward(np.zeros((1, 3, 2, 2)), cache)


@pytest.mark.parametrize("projection", [False, True])
def test_residual_block_does_not_mutate(ref, projection):
    x, params, block_param, rng = _block_case(1, 2, 2 + 2 * projection, 4, 5, 1 + projection, projection)
    frozen = {k: _frozen(v) for k, v in params.items()}
    out, cache = ref.residual_block_forward(_frozen(x), frozen, dict(block_param))
    for k in params:
        np.testing.assert_array_equal(frozen[k], params[k])
    dout = _frozen(rng.standard_normal(out.shape))
    g1, g2 = ref.residual_block_backward(dout, cache), ref.residual_block_backward(dout, cache)
    for k in g1:
        np.testing.assert_array_equal(g1[k], g2[k])


# --------------------------------------------------------------------------------------------
# BasicBlock / Bottleneck vs torchvision's definitions (torchvision is not installed: the
# classes below copy torchvision/models/resnet.py with groups=1, base_width=64, dilation=1)

def tv_conv3x3(in_planes, out_planes, stride=1):
    return nn.Conv2d(in_planes, out_planes, kernel_size=3, stride=stride, padding=1, bias=False)


def tv_conv1x1(in_planes, out_planes, stride=1):
    return nn.Conv2d(in_planes, out_planes, kernel_size=1, stride=stride, bias=False)


class TVBasicBlock(nn.Module):
    expansion = 1

    def __init__(self, inplanes, planes, stride=1, downsample=None):
        super().__init__()
        self.conv1 = tv_conv3x3(inplanes, planes, stride)
        self.bn1 = nn.BatchNorm2d(planes)
        self.relu = nn.ReLU(inplace=True)
        self.conv2 = tv_conv3x3(planes, planes)
        self.bn2 = nn.BatchNorm2d(planes)
        self.downsample = downsample
        self.stride = stride

    def forward(self, x):
        identity = x
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        if self.downsample is not None:
            identity = self.downsample(x)
        out += identity
        return self.relu(out)


class TVBottleneck(nn.Module):
    expansion = 4

    def __init__(self, inplanes, planes, stride=1, downsample=None):
        super().__init__()
        width = planes
        self.conv1 = tv_conv1x1(inplanes, width)
        self.bn1 = nn.BatchNorm2d(width)
        self.conv2 = tv_conv3x3(width, width, stride)
        self.bn2 = nn.BatchNorm2d(width)
        self.conv3 = tv_conv1x1(width, planes * self.expansion)
        self.bn3 = nn.BatchNorm2d(planes * self.expansion)
        self.relu = nn.ReLU(inplace=True)
        self.downsample = downsample
        self.stride = stride

    def forward(self, x):
        identity = x
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.relu(self.bn2(self.conv2(out)))
        out = self.bn3(self.conv3(out))
        if self.downsample is not None:
            identity = self.downsample(x)
        out += identity
        return self.relu(out)


def tv_block(kind, inplanes, planes, stride):
    """Build one block the way torchvision's ResNet._make_layer does."""
    block = {"BasicBlock": TVBasicBlock, "Bottleneck": TVBottleneck}[kind]
    downsample = None
    if stride != 1 or inplanes != planes * block.expansion:
        downsample = nn.Sequential(tv_conv1x1(inplanes, planes * block.expansion, stride),
                                   nn.BatchNorm2d(planes * block.expansion))
    return block(inplanes, planes, stride, downsample)


MODULE_CONFIGS = [  # (kind, in_planes, planes, stride)
    ("BasicBlock", 4, 4, 1), ("BasicBlock", 4, 8, 2), ("BasicBlock", 4, 8, 1), ("BasicBlock", 4, 4, 2),
    ("Bottleneck", 16, 4, 1), ("Bottleneck", 8, 4, 1), ("Bottleneck", 16, 4, 2), ("Bottleneck", 8, 2, 2),
]
MODULE_IDS = ["-".join(map(str, c)) for c in MODULE_CONFIGS]


def _randomized_state(module, seed):
    g = torch.Generator().manual_seed(seed)
    state = {}
    for k, v in module.state_dict().items():
        if k.endswith("num_batches_tracked"):
            state[k] = v
        elif k.endswith("running_var"):
            state[k] = torch.rand(v.shape, generator=g, dtype=torch.float64) + 0.5
        else:
            state[k] = torch.randn(v.shape, generator=g, dtype=torch.float64) * 0.5
    return state


def _compare_with_torchvision(cls, kind, inplanes, planes, stride, ordered=True):
    torch.manual_seed(0)
    ours, theirs = cls(inplanes, planes, stride).double(), tv_block(kind, inplanes, planes, stride).double()
    sd_ours, sd_theirs = ours.state_dict(), theirs.state_dict()
    if ordered:
        assert list(sd_ours) == list(sd_theirs)
    assert set(sd_ours) == set(sd_theirs)
    assert {k: v.shape for k, v in sd_ours.items()} == {k: v.shape for k, v in sd_theirs.items()}
    assert sum(p.numel() for p in ours.parameters()) == sum(p.numel() for p in theirs.parameters())
    assert (ours.downsample is None) == (theirs.downsample is None)
    assert cls.expansion == theirs.expansion

    state = _randomized_state(theirs, seed=inplanes * 100 + planes * 10 + stride)
    theirs.load_state_dict(state)
    ours.load_state_dict(state)  # strict: fails on any missing or unexpected key
    x = torch.randn(2, inplanes, 7, 6, dtype=torch.float64)
    x_copy = x.clone()
    with torch.no_grad():
        for train in (False, True):  # eval: running stats; train: batch stats (deterministic)
            ours.train(train), theirs.train(train)
            out = ours(x)
            torch.testing.assert_close(out, theirs(x), rtol=1e-12, atol=1e-12)
            assert out.shape == (2, planes * cls.expansion, 1 + 6 // stride, 1 + 5 // stride)
    torch.testing.assert_close(x, x_copy, rtol=0, atol=0)  # forward does not modify its input
    return ours


@pytest.mark.parametrize("kind, inplanes, planes, stride", MODULE_CONFIGS, ids=MODULE_IDS)
def test_resnet_blocks_interchangeable_with_torchvision(ref, kind, inplanes, planes, stride):
    ours = _compare_with_torchvision(getattr(ref, kind), kind, inplanes, planes, stride)
    if kind == "Bottleneck":  # v1.5: the stride sits on the 3x3 conv
        assert ours.conv1.stride == (1, 1) and ours.conv2.stride == (stride, stride)
    assert all(m.bias is None for m in ours.modules() if isinstance(m, nn.Conv2d))


def test_resnet_blocks_gradients_flow(ref):
    block = ref.BasicBlock(3, 6, 2).double()
    x = torch.randn(2, 3, 5, 5, dtype=torch.float64, requires_grad=True)
    block(x).sum().backward()
    assert x.grad is not None and all(p.grad is not None for p in block.parameters())


# --------------------------------------------------------------------------------------------
# misconception variants

def test_every_variant_is_declared_in_imitates():
    names = {n[len("variant_"):] for n in dir(V) if n.startswith("variant_")}
    assert names == set(V.IMITATES)


def _bn_run(fn, x, gamma, beta, bn_param):
    p = {k: (v.copy() if isinstance(v, np.ndarray) else v) for k, v in bn_param.items()}
    out = fn(x, gamma, beta, p)[0]
    return out, p["running_mean"], p["running_var"]


@pytest.mark.parametrize("name, fname, mode, differs, hide", [
    # name, imitated function, mode, which of (out, running_mean, running_var) differ, hiding change
    ("test_mode_uses_batch_stats", "batchnorm_forward", "test", (True, False, False), {"mode": "train"}),
    ("pytorch_momentum", "batchnorm_forward", "train", (False, True, True), {"momentum": 0.5}),
    ("unbiased_running_var", "batchnorm_forward", "train", (False, False, True), {"mode": "test"}),
    ("spatial_reshape_without_transpose", "spatial_batchnorm_forward", "train", (True, True, True), None),
])
def test_batchnorm_variants(ref, name, fname, mode, differs, hide):
    fn = getattr(V, f"variant_{name}")
    spatial = fname.startswith("spatial")
    x, gamma, beta, bn_param, _ = _bn_case((2, 3, 2, 4) if spatial else (5, 3), 4, mode=mode)
    x = _frozen(x)
    got, want = _bn_run(fn, x, gamma, beta, bn_param), _bn_run(getattr(ref, fname), x, gamma, beta, bn_param)
    for g, w, d in zip(got, want, differs):
        assert g.shape == w.shape
        assert (not np.allclose(g, w)) == d, (name, d)
    if hide is None:  # H = W = 1: reshaping without the transpose is harmless
        x, gamma, beta, bn_param, _ = _bn_case((4, 3, 1, 1), 5)
    else:
        bn_param.update(hide)
    for g, w in zip(_bn_run(fn, x, gamma, beta, bn_param), _bn_run(getattr(ref, fname), x, gamma, beta, bn_param)):
        _close(g, w, atol=1e-13)


@pytest.mark.parametrize("name, exposing, hiding", [
    ("missing_identity", ["identity", "projection_stride2"], "zero_shortcut"),
    ("relu_before_add", ["identity", "projection_stride2"], "zero_shortcut"),
    ("no_projection_when_stride2", ["projection_stride1_same_channels"], "projection_stride2"),
])
def test_residual_variants(ref, name, exposing, hiding):
    fn = getattr(V, f"variant_{name}")
    for case in exposing:
        x, params, block_param, _ = _block_case(*BLOCKS[case])
        got, want = fn(x, params, block_param)[0], ref.residual_block_forward(x, params, block_param)[0]
        assert got.shape == want.shape and not np.allclose(got, want), case
    if hiding == "zero_shortcut":  # a projection that outputs 0 makes the shortcut invisible
        x, params, block_param, _ = _block_case(*BLOCKS["projection_stride2"])
        params.update(ws=np.zeros_like(params["ws"]), bs=np.zeros_like(params["bs"]))
    else:
        x, params, block_param, _ = _block_case(*BLOCKS[hiding])
    _close(fn(x, params, block_param)[0], ref.residual_block_forward(x, params, block_param)[0])


def test_no_projection_variant_raises_where_students_crash():
    x, params, block_param, _ = _block_case(*BLOCKS["projection_stride2_same_channels"])
    with pytest.raises(ValueError):
        V.variant_no_projection_when_stride2(x, params, block_param)


def test_residual_variants_do_not_mutate():
    x, params, block_param, _ = _block_case(*BLOCKS["projection_stride2"])
    frozen = {k: _frozen(v) for k, v in params.items()}
    for name in ["missing_identity", "relu_before_add", "no_projection_when_stride2"]:
        getattr(V, f"variant_{name}")(_frozen(x), frozen, dict(block_param))


# --------------------------------------------------------------------------------------------
# example student submissions behave as their README says

FUNCS_04 = ["batchnorm_forward", "batchnorm_backward", "spatial_batchnorm_forward",
            "spatial_batchnorm_backward", "residual_block_forward", "residual_block_backward"]
EXPECTED_04 = {  # submission -> (functions that disagree with the reference, {function: variant})
    "correct_loops": (set(), {}),
    "correct_vectorized": (set(), {}),
    "pool_window_from_stride": (set(), {}),
    "maxpool_assign_not_accumulate": (set(), {}),
    "maxpool_all_ties": (set(), {}),
    # the running statistics are wrong; spatial BN calls the student's batchnorm_forward
    "bn_pytorch_momentum": ({"batchnorm_forward", "spatial_batchnorm_forward"},
                            {"batchnorm_forward": "pytorch_momentum"}),
    "spatial_bn_no_transpose": ({"spatial_batchnorm_forward", "spatial_batchnorm_backward"},
                                {"spatial_batchnorm_forward": "spatial_reshape_without_transpose"}),
    "residual_missing_identity": ({"residual_block_forward", "residual_block_backward"},
                                  {"residual_block_forward": "missing_identity"}),
    "residual_relu_before_add": ({"residual_block_forward", "residual_block_backward"},
                                 {"residual_block_forward": "relu_before_add"}),
}


def _load_submission(name, file="layers"):
    return load_file(SUBMISSIONS / name / f"{file}.py", f"deepgrade_test_submission_{name}_{file}")


def _flatten(result):
    """Forward/backward results as a {label: array} dict, so any function can be compared."""
    if isinstance(result, dict):
        return dict(result)
    return {str(i): np.asarray(a) for i, a in enumerate(result)}


def _run_04(mod, fname, case):
    """Everything observable from one call: outputs (+ running stats for BN forwards)."""
    rng = np.random.default_rng(11)
    if fname.startswith(("batchnorm", "spatial")):
        x, gamma, beta, bn_param = case
        bn_param = {k: (v.copy() if isinstance(v, np.ndarray) else v) for k, v in bn_param.items()}
        fwd = "spatial_batchnorm_forward" if fname.startswith("spatial") else "batchnorm_forward"
        out, cache = getattr(mod, fwd)(x, gamma, beta, bn_param)
        if fname == fwd:
            return {"out": out, "running_mean": bn_param["running_mean"], "running_var": bn_param["running_var"]}
    else:
        x, params, block_param = case
        out, cache = mod.residual_block_forward(x, params, dict(block_param))
        if fname == "residual_block_forward":
            return {"out": out}
    return _flatten(getattr(mod, fname)(rng.standard_normal(out.shape), cache))


def _cases_04(fname):
    if fname.startswith("residual"):
        cases = []
        for block in ["identity", "projection_stride2"]:
            x, params, block_param, _ = _block_case(*BLOCKS[block])
            cases.append((_frozen(x), {k: _frozen(v) for k, v in params.items()}, block_param))
        return cases
    shape = (2, 3, 2, 4) if fname.startswith("spatial") else (5, 3)
    return [tuple(_bn_case(shape, 12, mode=m)[:4]) for m in ("train", "test")]


def _same(a, b):
    return a.keys() == b.keys() and all(
        np.shape(a[k]) == np.shape(b[k]) and np.allclose(a[k], b[k], rtol=1e-9, atol=1e-11) for k in a)


@pytest.mark.parametrize("name", sorted(EXPECTED_04))
def test_example_submission_04(ref, name):
    student = _load_submission(name)
    bad, diagnosis = EXPECTED_04[name]
    for fname in FUNCS_04:
        differs = any(not _same(_run_04(student, fname, c), _run_04(ref, fname, c)) for c in _cases_04(fname))
        assert differs == (fname in bad), (name, fname)
    for fname, variant in diagnosis.items():
        fn = getattr(V, f"variant_{variant}")
        for case in _cases_04(fname):
            imitation = SimpleNamespace(**{fname: fn})
            assert _same(_run_04(student, fname, case), _run_04(imitation, fname, case)), (name, fname)


@pytest.mark.parametrize("name", sorted(EXPECTED_04))
def test_example_submission_resnet_blocks(ref, name):
    student = _load_submission(name, "resnet")
    for kind, inplanes, planes, stride in [MODULE_CONFIGS[1], MODULE_CONFIGS[4], MODULE_CONFIGS[6]]:
        _compare_with_torchvision(getattr(student, kind), kind, inplanes, planes, stride, ordered=False)


def test_example_stubs_raise_not_implemented():
    student, blocks = _load_submission("stubs"), _load_submission("stubs", "resnet")
    x, gamma, beta, bn_param, _ = _bn_case((4, 3), 0)
    calls = {"batchnorm_forward": (x, gamma, beta, bn_param), "spatial_batchnorm_forward": (x, gamma, beta, bn_param),
             "batchnorm_backward": (x, None), "spatial_batchnorm_backward": (x, None),
             "residual_block_forward": (x, {}, {}), "residual_block_backward": (x, None)}
    for fname, args in calls.items():
        with pytest.raises(NotImplementedError):
            getattr(student, fname)(*args)
    for kind in ("BasicBlock", "Bottleneck"):
        with pytest.raises(NotImplementedError):
            getattr(blocks, kind)(4, 4)

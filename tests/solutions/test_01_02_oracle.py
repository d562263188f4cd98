"""Reference solutions of 01 and 02 against PyTorch as an independent oracle."""
import itertools

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings

from strategies import conv_cases


def _torch_conv_size(size, k, s, p, d):
    x = torch.zeros(1, 1, size, 1)
    w = torch.zeros(1, 1, k, 1)
    return F.conv2d(x, w, stride=(s, 1), padding=(p, 0), dilation=(d, 1)).shape[2]


def _torch_pool_size(size, k, s, p, ceil):
    x = torch.zeros(1, 1, size, 1)
    return F.max_pool2d(x, (k, 1), stride=(s, 1), padding=(p, 0), ceil_mode=ceil).shape[2]


GRID = list(itertools.product(range(1, 12), range(1, 6), range(1, 4), range(0, 3), range(1, 3)))


def test_conv_output_size_matches_torch_on_grid(solution):
    ref = solution("01_conv_arithmetic")
    checked = raised = 0
    for size, k, s, p, d in GRID:
        try:
            expected = _torch_conv_size(size, k, s, p, d)
        except RuntimeError:
            with pytest.raises(ValueError):
                ref.conv_output_size(size, k, s, p, d)
            raised += 1
            continue
        assert ref.conv_output_size(size, k, stride=s, pad=p, dilation=d) == expected, (size, k, s, p, d)
        checked += 1
    assert checked > 500 and raised > 50


def test_pool_output_size_matches_torch_including_ceil_mode(solution):
    ref = solution("01_conv_arithmetic")
    checked = 0
    for size, k, s, p, ceil in itertools.product(range(1, 12), range(1, 6), range(1, 4), range(0, 3), (False, True)):
        if p > k // 2:
            with pytest.raises(ValueError):
                ref.pool_output_size(size, k, s, p, ceil)
            continue
        try:
            expected = _torch_pool_size(size, k, s, p, ceil)
        except RuntimeError:
            with pytest.raises(ValueError):
                ref.pool_output_size(size, k, s, p, ceil)
            continue
        assert ref.pool_output_size(size, k, stride=s, pad=p, ceil_mode=ceil) == expected, (size, k, s, p, ceil)
        checked += 1
    assert checked > 400
    assert ref.pool_output_size(5, 2, 2, 0, True) == 3 and ref.pool_output_size(5, 2, 2, 0, False) == 2
    assert ref.pool_output_size(6, 2) == 3  # stride defaults to the pool size


@pytest.mark.parametrize("k,d", [(1, 1), (2, 1), (3, 1), (4, 1), (3, 2), (2, 3), (4, 2)])
def test_same_padding_matches_torch_same(solution, k, d):
    ref = solution("01_conv_arithmetic")
    before, after = ref.same_padding(k, d)
    x = torch.randn(1, 1, 9, 9, dtype=torch.float64)
    w = torch.randn(1, 1, k, k, dtype=torch.float64)
    expected = F.conv2d(x, w, padding="same", dilation=d)
    got = F.conv2d(F.pad(x, (before, after, before, after)), w, dilation=d)
    assert torch.allclose(got, expected)


def test_receptive_field_matches_gradient_footprint(solution):
    """The receptive field is the extent of input pixels that reach one output pixel."""
    ref = solution("01_conv_arithmetic")
    rng = np.random.default_rng(0)
    for _ in range(20):
        layers = [(int(rng.integers(1, 5)), int(rng.integers(1, 3)), int(rng.integers(1, 3))) for _ in range(int(rng.integers(1, 4)))]
        x = torch.ones(1, 1, 80, 1, dtype=torch.float64, requires_grad=True)
        y = x
        for k, s, d in layers:
            y = F.conv2d(y, torch.ones(1, 1, k, 1, dtype=torch.float64), stride=(s, 1), dilation=(d, 1))
        y[0, 0, 0, 0].backward()
        touched = np.nonzero(x.grad[0, 0, :, 0].numpy())[0]
        assert ref.receptive_field(layers) == touched.max() - touched.min() + 1, layers


@pytest.mark.parametrize("c,f,k,g,bias", [(3, 64, 3, 1, True), (32, 32, 3, 32, True), (64, 128, 3, 4, False), (16, 8, 5, 2, True)])
def test_param_count_and_macs_match_torch(solution, c, f, k, g, bias):
    ref = solution("01_conv_arithmetic")
    layer = torch.nn.Conv2d(c, f, k, groups=g, bias=bias)
    assert ref.conv_param_count(c, f, k, groups=g, bias=bias) == sum(p.numel() for p in layer.parameters())
    out_h, out_w = 7, 5
    assert ref.conv_macs(c, f, k, out_h, out_w, groups=g) == layer.weight.numel() * out_h * out_w


def test_depthwise_ratio_equals_mac_ratio(solution):
    ref = solution("01_conv_arithmetic")
    for c, f, k in [(32, 64, 3), (3, 1, 1), (512, 512, 3)]:
        standard = ref.conv_macs(c, f, k, 10, 10)
        separable = ref.conv_macs(c, c, k, 10, 10, groups=c) + ref.conv_macs(c, f, 1, 10, 10)
        assert ref.depthwise_separable_cost_ratio(c, f, k) == pytest.approx(separable / standard)


@settings(max_examples=40, deadline=None)
@given(conv_cases())
def test_conv_forward_backward_match_torch(solution, case):
    ref = solution("02_convolution")
    stride, pad, dilation, groups = case.stride, case.pad, case.dilation, case.groups
    rng = np.random.default_rng(case.seed)
    Fo = case.w_shape[0]
    x, w, b = rng.standard_normal(case.x_shape), rng.standard_normal(case.w_shape), rng.standard_normal(Fo)
    param = case.param
    x0, w0 = x.copy(), w.copy()
    out, cache = ref.conv_forward_naive(x, w, b, param)
    assert out.shape == (case.x_shape[0], Fo, *case.out_hw)
    xt, wt, bt = (torch.tensor(a, requires_grad=True) for a in (x, w, b))
    ot = F.conv2d(xt, wt, bt, stride=stride, padding=pad, dilation=dilation, groups=groups)
    np.testing.assert_allclose(out, ot.detach().numpy(), atol=1e-12)
    dout = rng.standard_normal(out.shape)
    ot.backward(torch.tensor(dout))
    dx, dw, db = ref.conv_backward_naive(dout, cache)
    for got, t in ((dx, xt), (dw, wt), (db, bt)):
        np.testing.assert_allclose(got, t.grad.numpy(), atol=1e-11)
    assert np.array_equal(x, x0) and np.array_equal(w, w0)


def test_depthwise_separable_matches_torch(solution):
    ref = solution("02_convolution")
    rng = np.random.default_rng(1)
    x = rng.standard_normal((2, 3, 6, 5))
    wd, bd = rng.standard_normal((3, 1, 3, 2)), rng.standard_normal(3)
    wp, bp = rng.standard_normal((4, 3, 1, 1)), rng.standard_normal(4)
    param = {"stride": 2, "pad": 1, "dilation": 1}
    out, cache = ref.depthwise_separable_conv_forward(x, wd, bd, wp, bp, param)
    ts = [torch.tensor(a, requires_grad=True) for a in (x, wd, bd, wp, bp)]
    ot = F.conv2d(F.conv2d(ts[0], ts[1], ts[2], stride=2, padding=1, groups=3), ts[3], ts[4])
    np.testing.assert_allclose(out, ot.detach().numpy(), atol=1e-12)
    dout = rng.standard_normal(out.shape)
    ot.backward(torch.tensor(dout))
    for got, t in zip(ref.depthwise_separable_conv_backward(dout, cache), ts):
        np.testing.assert_allclose(got, t.grad.numpy(), atol=1e-11)


def test_correlate_and_convolve_match_torch(solution):
    ref = solution("02_convolution")
    rng = np.random.default_rng(2)
    image, kernel = rng.standard_normal((6, 7)), rng.standard_normal((3, 2))
    t = F.conv2d(torch.tensor(image)[None, None], torch.tensor(kernel)[None, None])[0, 0].numpy()
    np.testing.assert_allclose(ref.correlate2d(image, kernel), t, atol=1e-12)
    flipped = F.conv2d(torch.tensor(image)[None, None], torch.tensor(kernel[::-1, ::-1].copy())[None, None])[0, 0].numpy()
    np.testing.assert_allclose(ref.convolve2d(image, kernel), flipped, atol=1e-12)


def test_each_02_variant_differs_from_reference(solution):
    """Every misconception variant must be distinguishable from the reference on some case."""
    ref = solution("02_convolution")
    rng = np.random.default_rng(3)
    x, w, b = rng.standard_normal((2, 2, 6, 7)), rng.standard_normal((3, 2, 3, 2)), rng.standard_normal(3)
    param = {"stride": 2, "pad": 1, "dilation": 2}
    # a grouped case too, for the variants that apply only with groups (or with pad != 1)
    xg, wg, bg = rng.standard_normal((2, 4, 6, 5)), rng.standard_normal((4, 2, 3, 2)), rng.standard_normal(4)
    grouped = {"stride": 1, "pad": 0, "groups": 2}
    names = [n for n in dir(ref) if n.startswith("variant_") and not n.startswith("variant_backward") and "correlate" not in n and "convolve" not in n]
    assert len(names) >= 9
    for name in names:
        differs = []
        for args in ((x, w, b, param), (xg, wg, bg, grouped)):
            v, (out, _) = getattr(ref, name)(*args), ref.conv_forward_naive(*args)
            differs.append(v is not None and (v.shape != out.shape or not np.allclose(v, out)))
        assert any(differs), name

"""Correct 02 computed with torch.nn.functional.conv2d (float64); backward by autograd."""
import numpy as np
import torch
import torch.nn.functional as Fnn


def _leaf(a):
    # torch.tensor copies, so the caller's numpy arrays are never touched
    return torch.tensor(np.asarray(a), dtype=torch.float64, requires_grad=True)


def _check(x, w, conv_param):
    G = conv_param.get("groups", 1)
    N, C, H, W = x.shape
    F, Cg, HH, WW = w.shape
    if C % G or F % G or Cg * G != C:
        raise ValueError("w does not match x and groups")
    s, p, d = conv_param["stride"], conv_param["pad"], conv_param.get("dilation", 1)
    if H + 2 * p < d * (HH - 1) + 1 or W + 2 * p < d * (WW - 1) + 1:
        raise ValueError("kernel does not fit")


def conv_forward_naive(x, w, b, conv_param):
    _check(x, w, conv_param)
    xt, wt, bt = _leaf(x), _leaf(w), _leaf(b)
    out = Fnn.conv2d(xt, wt, bt, stride=conv_param["stride"], padding=conv_param["pad"],
                     dilation=conv_param.get("dilation", 1), groups=conv_param.get("groups", 1))
    return out.detach().numpy().copy(), (xt, wt, bt, out)


def conv_backward_naive(dout, cache):
    xt, wt, bt, out = cache
    grads = torch.autograd.grad(out, (xt, wt, bt), grad_outputs=torch.tensor(np.asarray(dout), dtype=torch.float64),
                                retain_graph=True)
    return tuple(g.numpy().copy() for g in grads)


def correlate2d(image, kernel):
    if image.ndim != 2 or kernel.ndim != 2:
        raise ValueError("2-D arrays expected")
    if kernel.shape[0] > image.shape[0] or kernel.shape[1] > image.shape[1]:
        raise ValueError("kernel larger than image")
    with torch.no_grad():
        out = Fnn.conv2d(torch.tensor(image, dtype=torch.float64)[None, None],
                         torch.tensor(kernel, dtype=torch.float64)[None, None])
    return out[0, 0].numpy().copy()


def convolve2d(image, kernel):
    if kernel.ndim != 2:
        raise ValueError("2-D arrays expected")
    return correlate2d(image, np.flip(kernel, (0, 1)).copy())


def depthwise_separable_conv_forward(x, w_depthwise, b_depthwise, w_pointwise, b_pointwise, conv_param):
    C = x.shape[1]
    if w_depthwise.shape[:2] != (C, 1) or w_pointwise.shape[1:] != (C, 1, 1):
        raise ValueError("inconsistent shapes")
    leaves = [_leaf(a) for a in (x, w_depthwise, b_depthwise, w_pointwise, b_pointwise)]
    xt, wd, bd, wp, bp = leaves
    mid = Fnn.conv2d(xt, wd, bd, stride=conv_param["stride"], padding=conv_param["pad"],
                     dilation=conv_param.get("dilation", 1), groups=C)
    out = Fnn.conv2d(mid, wp, bp)
    return out.detach().numpy().copy(), (leaves, out)


def depthwise_separable_conv_backward(dout, cache):
    leaves, out = cache
    grads = torch.autograd.grad(out, leaves, grad_outputs=torch.tensor(np.asarray(dout), dtype=torch.float64),
                                retain_graph=True)
    return tuple(g.numpy().copy() for g in grads)

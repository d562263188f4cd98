# corpus: correct
# exercises: conv_forward_naive, conv_backward_naive
# contract: deepgrade
# about: four nested loops, slices with a dilation step, group offset per filter
import numpy as np


def _geometry(x, w, conv_param):
    stride = conv_param["stride"]
    pad = conv_param["pad"]
    dil = conv_param.get("dilation", 1)
    groups = conv_param.get("groups", 1)
    N, C, H, W = x.shape
    F, Cg, HH, WW = w.shape
    H_out = (H + 2 * pad - dil * (HH - 1) - 1) // stride + 1
    W_out = (W + 2 * pad - dil * (WW - 1) - 1) // stride + 1
    return stride, pad, dil, groups, H_out, W_out


def conv_forward_naive(x, w, b, conv_param):
    stride, pad, dil, groups, H_out, W_out = _geometry(x, w, conv_param)
    N, C, H, W = x.shape
    F, Cg, HH, WW = w.shape
    per_group = F // groups
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)), mode="constant")
    out = np.zeros((N, F, H_out, W_out))
    for n in range(N):
        for f in range(F):
            c0 = (f // per_group) * Cg
            for i in range(H_out):
                for j in range(W_out):
                    top, left = i * stride, j * stride
                    patch = xp[n, c0:c0 + Cg, top:top + dil * (HH - 1) + 1:dil, left:left + dil * (WW - 1) + 1:dil]
                    out[n, f, i, j] = np.sum(patch * w[f]) + b[f]
    cache = (x, w, b, conv_param)
    return out, cache


def conv_backward_naive(dout, cache):
    x, w, b, conv_param = cache
    stride, pad, dil, groups, H_out, W_out = _geometry(x, w, conv_param)
    N, C, H, W = x.shape
    F, Cg, HH, WW = w.shape
    per_group = F // groups
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)), mode="constant")
    dxp = np.zeros_like(xp)
    dw = np.zeros_like(w)
    db = np.sum(dout, axis=(0, 2, 3))
    for n in range(N):
        for f in range(F):
            c0 = (f // per_group) * Cg
            for i in range(H_out):
                for j in range(W_out):
                    rows = slice(i * stride, i * stride + dil * (HH - 1) + 1, dil)
                    cols = slice(j * stride, j * stride + dil * (WW - 1) + 1, dil)
                    g = dout[n, f, i, j]
                    dw[f] += xp[n, c0:c0 + Cg, rows, cols] * g
                    dxp[n, c0:c0 + Cg, rows, cols] += w[f] * g
    dx = dxp[:, :, pad:pad + H, pad:pad + W]
    return dx, dw, db

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view


def _params(conv_param):
    return (conv_param["stride"], conv_param["pad"],
            conv_param.get("dilation", 1), conv_param.get("groups", 1))


def _im2col(x_pad, HH, WW, stride, dil):
    """(N, C, Hp, Wp) -> (N, C, H_out, W_out, HH, WW) windows (a view, no copy)."""
    kh = dil * (HH - 1) + 1
    kw = dil * (WW - 1) + 1
    win = sliding_window_view(x_pad, (kh, kw), axis=(2, 3))
    return win[:, :, ::stride, ::stride, ::dil, ::dil]


def conv_forward_naive(x, w, b, conv_param):
    stride, pad, dil, G = _params(conv_param)
    N, C, H, W = x.shape
    F, Cg, HH, WW = w.shape
    if C != Cg * G or F % G:
        raise ValueError(f"w {w.shape} doesn't match x {x.shape} with groups={G}")
    if H + 2 * pad < dil * (HH - 1) + 1 or W + 2 * pad < dil * (WW - 1) + 1:
        raise ValueError("kernel bigger than padded input")

    x_pad = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    cols = _im2col(x_pad, HH, WW, stride, dil)              # N, C, Ho, Wo, HH, WW
    Ho, Wo = cols.shape[2], cols.shape[3]
    Fg = F // G

    # rows = (n, i, j), columns = (c, p, q) -- separately for every group
    cols = cols.reshape(N, G, Cg, Ho, Wo, HH, WW).transpose(1, 0, 3, 4, 2, 5, 6)
    cols = cols.reshape(G, N * Ho * Wo, Cg * HH * WW)
    w_mat = w.reshape(G, Fg, Cg * HH * WW).transpose(0, 2, 1)  # G, CgHHWW, Fg

    res = cols @ w_mat                                       # G, N*Ho*Wo, Fg
    out = res.reshape(G, N, Ho, Wo, Fg).transpose(1, 0, 4, 2, 3).reshape(N, F, Ho, Wo)
    out = out + b[None, :, None, None]

    cache = (x, w, b, conv_param)
    return out, cache


def conv_backward_naive(dout, cache):
    x, w, b, conv_param = cache
    stride, pad, dil, G = _params(conv_param)
    N, C, H, W = x.shape
    F, Cg, HH, WW = w.shape
    _, _, Ho, Wo = dout.shape
    Fg = F // G

    db = dout.sum(axis=(0, 2, 3))

    x_pad = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    cols = _im2col(x_pad, HH, WW, stride, dil)
    cols = cols.reshape(N, G, Cg, Ho, Wo, HH, WW).transpose(1, 0, 3, 4, 2, 5, 6)
    cols = cols.reshape(G, N * Ho * Wo, Cg * HH * WW)

    # dout as (G, N*Ho*Wo, Fg), same row order as cols
    d = dout.reshape(N, G, Fg, Ho, Wo).transpose(1, 0, 3, 4, 2).reshape(G, N * Ho * Wo, Fg)

    dw = (d.transpose(0, 2, 1) @ cols).reshape(F, Cg, HH, WW)

    w_mat = w.reshape(G, Fg, Cg * HH * WW)
    dcols = d @ w_mat                                         # G, N*Ho*Wo, CgHHWW
    dcols = dcols.reshape(G, N, Ho, Wo, Cg, HH, WW).transpose(1, 0, 4, 2, 3, 5, 6)
    dcols = dcols.reshape(N, C, Ho, Wo, HH, WW)

    # col2im: scatter every window back, windows overlap so use add.at
    rows = (np.arange(Ho) * stride)[:, None] + (np.arange(HH) * dil)[None, :]   # Ho, HH
    colsi = (np.arange(Wo) * stride)[:, None] + (np.arange(WW) * dil)[None, :]  # Wo, WW
    R = rows[:, None, :, None]     # Ho, 1, HH, 1
    Q = colsi[None, :, None, :]    # 1, Wo, 1, WW
    dx_pad = np.zeros(x_pad.shape)
    np.add.at(dx_pad, (slice(None), slice(None), R, Q), dcols)
    dx = dx_pad[:, :, pad:pad + H, pad:pad + W]
    return dx, dw, db


def correlate2d(image, kernel):
    if image.ndim != 2 or kernel.ndim != 2:
        raise ValueError("need 2D arrays")
    if kernel.shape[0] > image.shape[0] or kernel.shape[1] > image.shape[1]:
        raise ValueError("kernel larger than image")
    win = sliding_window_view(image, kernel.shape)  # Ho, Wo, HH, WW
    return np.einsum("ijpq,pq->ij", win, kernel)


def convolve2d(image, kernel):
    if kernel.ndim != 2:
        raise ValueError("need 2D arrays")
    return correlate2d(image, np.flip(kernel))   # np.flip with no axis flips both axes


def depthwise_separable_conv_forward(x, w_depthwise, b_depthwise, w_pointwise, b_pointwise, conv_param):
    C = x.shape[1]
    p = {"stride": conv_param["stride"], "pad": conv_param["pad"],
         "dilation": conv_param.get("dilation", 1), "groups": C}
    h, c1 = conv_forward_naive(x, w_depthwise, b_depthwise, p)
    out, c2 = conv_forward_naive(h, w_pointwise, b_pointwise, {"stride": 1, "pad": 0})
    return out, (c1, c2)


def depthwise_separable_conv_backward(dout, cache):
    c1, c2 = cache
    dh, dwp, dbp = conv_backward_naive(dout, c2)
    dx, dwd, dbd = conv_backward_naive(dh, c1)
    return dx, dwd, dbd, dwp, dbp

"""Correct 02 in the as_strided + einsum style (forward and backward)."""
import numpy as np
from numpy.lib.stride_tricks import as_strided


def _windows(xp, HH, WW, Ho, Wo, stride, dil):
    """View of xp (N, C, Hp, Wp) as (N, C, Ho, Wo, HH, WW)."""
    sN, sC, sH, sW = xp.strides
    N, C = xp.shape[:2]
    return as_strided(xp, shape=(N, C, Ho, Wo, HH, WW),
                      strides=(sN, sC, sH * stride, sW * stride, sH * dil, sW * dil), writeable=False)


def _setup(x, w, conv_param):
    s, p = conv_param["stride"], conv_param["pad"]
    d, G = conv_param.get("dilation", 1), conv_param.get("groups", 1)
    N, C, H, W = x.shape
    F, Cg, HH, WW = w.shape
    if C % G or F % G or Cg * G != C:
        raise ValueError("w does not match x and groups")
    Ho = (H + 2 * p - d * (HH - 1) - 1) // s + 1
    Wo = (W + 2 * p - d * (WW - 1) - 1) // s + 1
    if Ho < 1 or Wo < 1:
        raise ValueError("kernel does not fit")
    return s, p, d, G, Ho, Wo


def conv_forward_naive(x, w, b, conv_param):
    s, p, d, G, Ho, Wo = _setup(x, w, conv_param)
    N, C = x.shape[:2]
    F, Cg, HH, WW = w.shape
    xp = np.ascontiguousarray(np.pad(x, ((0, 0), (0, 0), (p, p), (p, p))))
    win = _windows(xp, HH, WW, Ho, Wo, s, d).reshape(N, G, Cg, Ho, Wo, HH, WW)
    out = np.einsum("ngcijhw,gfchw->ngfij", win, w.reshape(G, F // G, Cg, HH, WW), optimize=True)
    out = out.reshape(N, F, Ho, Wo) + b[None, :, None, None]
    return out, (x, w, b, conv_param)


def conv_backward_naive(dout, cache):
    x, w, b, conv_param = cache
    s, p, d, G, Ho, Wo = _setup(x, w, conv_param)
    N, C, H, W = x.shape
    F, Cg, HH, WW = w.shape
    Fg = F // G
    xp = np.ascontiguousarray(np.pad(x, ((0, 0), (0, 0), (p, p), (p, p))))
    win = _windows(xp, HH, WW, Ho, Wo, s, d).reshape(N, G, Cg, Ho, Wo, HH, WW)
    dg = dout.reshape(N, G, Fg, Ho, Wo)
    dw = np.einsum("ngfij,ngcijhw->gfchw", dg, win, optimize=True).reshape(F, Cg, HH, WW)
    db = dout.sum(axis=(0, 2, 3))
    dwin = np.einsum("ngfij,gfchw->ngcijhw", dg, w.reshape(G, Fg, Cg, HH, WW), optimize=True)
    dwin = dwin.reshape(N, C, Ho, Wo, HH, WW)
    dxp = np.zeros(xp.shape)
    # accumulate tap by tap: for a fixed (h, w) tap the windows do not overlap
    for h in range(HH):
        for q in range(WW):
            dxp[:, :, h * d:h * d + s * (Ho - 1) + 1:s, q * d:q * d + s * (Wo - 1) + 1:s] += dwin[:, :, :, :, h, q]
    return dxp[:, :, p:p + H, p:p + W], dw, db


def correlate2d(image, kernel):
    if image.ndim != 2 or kernel.ndim != 2:
        raise ValueError("2-D arrays expected")
    H, W = image.shape
    HH, WW = kernel.shape
    if HH > H or WW > W:
        raise ValueError("kernel larger than image")
    img = np.ascontiguousarray(image, dtype=np.float64)
    s0, s1 = img.strides
    win = as_strided(img, shape=(H - HH + 1, W - WW + 1, HH, WW), strides=(s0, s1, s0, s1), writeable=False)
    return np.einsum("ijhw,hw->ij", win, kernel)


def convolve2d(image, kernel):
    if kernel.ndim != 2:
        raise ValueError("2-D arrays expected")
    return correlate2d(image, kernel[::-1, ::-1])


def depthwise_separable_conv_forward(x, w_depthwise, b_depthwise, w_pointwise, b_pointwise, conv_param):
    cp = {"stride": conv_param["stride"], "pad": conv_param["pad"],
          "dilation": conv_param.get("dilation", 1), "groups": x.shape[1]}
    mid, c1 = conv_forward_naive(x, w_depthwise, b_depthwise, cp)
    out, c2 = conv_forward_naive(mid, w_pointwise, b_pointwise, {"stride": 1, "pad": 0})
    return out, (c1, c2)


def depthwise_separable_conv_backward(dout, cache):
    c1, c2 = cache
    dmid, dwp, dbp = conv_backward_naive(dout, c2)
    dx, dwd, dbd = conv_backward_naive(dmid, c1)
    return dx, dwd, dbd, dwp, dbp

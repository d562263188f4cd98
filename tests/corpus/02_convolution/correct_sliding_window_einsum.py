# corpus: correct
# exercises: conv_forward_naive, conv_backward_naive, correlate2d, convolve2d
# contract: deepgrade
# about: vectorized with sliding_window_view and einsum; groups via reshape; backward scatters with np.add.at
import numpy as np
from numpy.lib.stride_tricks import sliding_window_view


def _cfg(conv_param):
    return (conv_param["stride"], conv_param["pad"], conv_param.get("dilation", 1), conv_param.get("groups", 1))


def _windows(xp, HH, WW, s, d, Ho, Wo):
    # (N, C, Ho, Wo, HH, WW): the dilated taps of every output position
    span_h, span_w = d * (HH - 1) + 1, d * (WW - 1) + 1
    v = sliding_window_view(xp, (span_h, span_w), axis=(2, 3))[..., ::d, ::d]
    return v[:, :, ::s, ::s][:, :, :Ho, :Wo]


def conv_forward_naive(x, w, b, conv_param):
    s, p, d, G = _cfg(conv_param)
    N, C, H, W = x.shape
    F, Cg, HH, WW = w.shape
    Ho = (H + 2 * p - d * (HH - 1) - 1) // s + 1
    Wo = (W + 2 * p - d * (WW - 1) - 1) // s + 1
    xp = np.pad(x, [(0, 0), (0, 0), (p, p), (p, p)])
    cols = _windows(xp, HH, WW, s, d, Ho, Wo).reshape(N, G, Cg, Ho, Wo, HH, WW)
    wg = w.reshape(G, F // G, Cg, HH, WW)
    out = np.einsum("ngchwij,gfcij->ngfhw", cols, wg).reshape(N, F, Ho, Wo)
    out = out + b[None, :, None, None]
    return out, (x, w, conv_param)


def conv_backward_naive(dout, cache):
    x, w, conv_param = cache
    s, p, d, G = _cfg(conv_param)
    N, C, H, W = x.shape
    F, Cg, HH, WW = w.shape
    Ho, Wo = dout.shape[2:]
    xp = np.pad(x, [(0, 0), (0, 0), (p, p), (p, p)])
    cols = _windows(xp, HH, WW, s, d, Ho, Wo).reshape(N, G, Cg, Ho, Wo, HH, WW)
    dg = dout.reshape(N, G, F // G, Ho, Wo)
    dw = np.einsum("ngfhw,ngchwij->gfcij", dg, cols).reshape(w.shape)
    db = dout.sum(axis=(0, 2, 3))
    wg = w.reshape(G, F // G, Cg, HH, WW)
    dcols = np.einsum("ngfhw,gfcij->ngchwij", dg, wg).reshape(N, C, Ho, Wo, HH, WW)
    dxp = np.zeros_like(xp)
    rows = (np.arange(Ho) * s)[:, None, None, None] + (np.arange(HH) * d)[None, None, :, None]
    colsi = (np.arange(Wo) * s)[None, :, None, None] + (np.arange(WW) * d)[None, None, None, :]
    rows, colsi = np.broadcast_arrays(rows, colsi)
    for n in range(N):
        for c in range(C):
            np.add.at(dxp[n, c], (rows, colsi), dcols[n, c])
    return dxp[:, :, p:p + H, p:p + W], dw, db


def correlate2d(image, kernel):
    kh, kw = kernel.shape
    return np.einsum("hwij,ij->hw", sliding_window_view(image, (kh, kw)), kernel)


def convolve2d(image, kernel):
    return correlate2d(image, np.flip(kernel))

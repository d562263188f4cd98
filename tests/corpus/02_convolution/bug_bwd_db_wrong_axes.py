# corpus: bug
# exercises: conv_forward_naive, conv_backward_naive
# loses: conv_backward_naive
# diagnosis: db_wrong_axes
# about: db = dout.sum(axis=(0, 2)): forgets the width axis
import numpy as np


def _sizes(x, w, p):
    s, pad = p["stride"], p["pad"]
    d, g = p.get("dilation", 1), p.get("groups", 1)
    H, W = x.shape[2:]
    HH, WW = w.shape[2:]
    return s, pad, d, g, (H + 2 * pad - d * (HH - 1) - 1) // s + 1, (W + 2 * pad - d * (WW - 1) - 1) // s + 1


def conv_forward_naive(x, w, b, conv_param):
    s, pad, d, g, Ho, Wo = _sizes(x, w, conv_param)
    N, C = x.shape[:2]
    F, Cg, HH, WW = w.shape
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    out = np.zeros((N, F, Ho, Wo))
    for f in range(F):
        c0 = f // (F // g) * Cg
        for i in range(Ho):
            for j in range(Wo):
                out[:, f, i, j] = (xp[:, c0:c0 + Cg, i * s:i * s + d * (HH - 1) + 1:d, j * s:j * s + d * (WW - 1) + 1:d] * w[f]).sum(axis=(1, 2, 3))
    out += b[:, None, None]
    return out, (x, w, conv_param)


def conv_backward_naive(dout, cache):
    x, w, conv_param = cache
    s, pad, d, g, Ho, Wo = _sizes(x, w, conv_param)
    N, C, H, W = x.shape
    F, Cg, HH, WW = w.shape
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    dxp = np.zeros(xp.shape)
    dw = np.zeros(w.shape)
    for f in range(F):
        c0 = f // (F // g) * Cg
        for i in range(Ho):
            for j in range(Wo):
                rs = slice(i * s, i * s + d * (HH - 1) + 1, d)
                cs = slice(j * s, j * s + d * (WW - 1) + 1, d)
                up = dout[:, f, i, j][:, None, None, None]
                dw[f] += (xp[:, c0:c0 + Cg, rs, cs] * up).sum(axis=0)
                dxp[:, c0:c0 + Cg, rs, cs] += w[f][None] * up
    db = dout.sum(axis=(0, 2))
    return dxp[:, :, pad:pad + H, pad:pad + W], dw, db

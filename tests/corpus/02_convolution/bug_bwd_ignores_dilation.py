# corpus: bug
# exercises: conv_forward_naive, conv_backward_naive
# loses: conv_backward_naive
# diagnosis: ignores_dilation
# about: the forward handles dilation; the backward scatters into contiguous windows
import numpy as np


def conv_forward_naive(x, w, b, conv_param):
    s, p = conv_param['stride'], conv_param['pad']
    d = conv_param.get('dilation', 1)
    G = conv_param.get('groups', 1)
    N, C, H, W = x.shape
    F, Cg, HH, WW = w.shape
    Ho = (H + 2 * p - d * (HH - 1) - 1) // s + 1
    Wo = (W + 2 * p - d * (WW - 1) - 1) // s + 1
    xp = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)))
    out = np.zeros((N, F, Ho, Wo))
    for f in range(F):
        c0 = (f // (F // G)) * Cg
        for i in range(Ho):
            for j in range(Wo):
                win = xp[:, c0:c0 + Cg, i * s:i * s + d * (HH - 1) + 1:d, j * s:j * s + d * (WW - 1) + 1:d]
                out[:, f, i, j] = np.sum(win * w[f], axis=(1, 2, 3)) + b[f]
    return out, (x, w, b, conv_param)


def conv_backward_naive(dout, cache):
    x, w, b, conv_param = cache
    s, p = conv_param['stride'], conv_param['pad']
    G = conv_param.get('groups', 1)
    N, C, H, W = x.shape
    F, Cg, HH, WW = w.shape
    Ho, Wo = dout.shape[2], dout.shape[3]
    xp = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)))
    dxp = np.zeros_like(xp)
    dw = np.zeros_like(w)
    db = dout.sum(axis=(0, 2, 3))
    for f in range(F):
        c0 = (f // (F // G)) * Cg
        for i in range(Ho):
            for j in range(Wo):
                g = dout[:, f, i, j][:, None, None, None]
                win = xp[:, c0:c0 + Cg, i * s:i * s + HH, j * s:j * s + WW]
                dw[f] += np.sum(win * g, axis=0)
                dxp[:, c0:c0 + Cg, i * s:i * s + HH, j * s:j * s + WW] += w[f] * g
    return dxp[:, :, p:p + H, p:p + W], dw, db

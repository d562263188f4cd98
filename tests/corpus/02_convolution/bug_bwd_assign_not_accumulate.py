# corpus: bug
# exercises: conv_forward_naive, conv_backward_naive
# loses: conv_backward_naive
# diagnosis: assign_not_accumulate
# about: dx_pad[window] = w * dout (assignment), so overlapping windows overwrite each other's gradient
import numpy as np


def conv_forward_naive(x, w, b, conv_param):
    stride, pad = conv_param['stride'], conv_param['pad']
    dil = conv_param.get('dilation', 1)
    groups = conv_param.get('groups', 1)
    N, C, H, W = x.shape
    F, Cg, HH, WW = w.shape
    Ho = (H + 2 * pad - dil * (HH - 1) - 1) // stride + 1
    Wo = (W + 2 * pad - dil * (WW - 1) - 1) // stride + 1
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    out = np.zeros((N, F, Ho, Wo))
    for n in range(N):
        for f in range(F):
            c0 = (f // (F // groups)) * Cg
            for i in range(Ho):
                for j in range(Wo):
                    out[n, f, i, j] = np.sum(xp[n, c0:c0 + Cg, i * stride:i * stride + dil * (HH - 1) + 1:dil, j * stride:j * stride + dil * (WW - 1) + 1:dil] * w[f]) + b[f]
    return out, (x, w, b, conv_param)


def conv_backward_naive(dout, cache):
    x, w, b, conv_param = cache
    stride, pad = conv_param['stride'], conv_param['pad']
    dil = conv_param.get('dilation', 1)
    groups = conv_param.get('groups', 1)
    N, C, H, W = x.shape
    F, Cg, HH, WW = w.shape
    _, _, Ho, Wo = dout.shape
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    dxp = np.zeros_like(xp)
    dw = np.zeros_like(w)
    db = dout.sum(axis=(0, 2, 3))
    for n in range(N):
        for f in range(F):
            c0 = (f // (F // groups)) * Cg
            for i in range(Ho):
                for j in range(Wo):
                    r = slice(i * stride, i * stride + dil * (HH - 1) + 1, dil)
                    c = slice(j * stride, j * stride + dil * (WW - 1) + 1, dil)
                    dw[f] += xp[n, c0:c0 + Cg, r, c] * dout[n, f, i, j]
                    dxp[n, c0:c0 + Cg, r, c] = w[f] * dout[n, f, i, j]
    dx = dxp[:, :, pad:pad + H, pad:pad + W]
    return dx, dw, db

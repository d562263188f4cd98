# corpus: bug
# exercises: conv_forward_naive
# loses: conv_forward_naive
# diagnosis: returns_out_only
# about: returns out alone, not (out, cache)
import numpy as np


def conv_forward_naive(x, w, b, conv_param):
    stride = conv_param['stride']
    pad = conv_param['pad']
    dilation = conv_param.get('dilation', 1)
    groups = conv_param.get('groups', 1)
    N, C, H, W = x.shape
    F, Cg, HH, WW = w.shape
    H_out = (H + 2 * pad - dilation * (HH - 1) - 1) // stride + 1
    W_out = (W + 2 * pad - dilation * (WW - 1) - 1) // stride + 1
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    out = np.zeros((N, F, H_out, W_out))
    Fg = F // groups
    for f in range(F):
        lo = (f // Fg) * Cg
        for i in range(H_out):
            for j in range(W_out):
                h0, w0 = i * stride, j * stride
                window = xp[:, lo:lo + Cg, h0:h0 + dilation * (HH - 1) + 1:dilation, w0:w0 + dilation * (WW - 1) + 1:dilation]
                out[:, f, i, j] = np.einsum('nchw,chw->n', window, w[f]) + b[f]
    return out

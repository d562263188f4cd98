# corpus: bug
# exercises: conv_forward_naive
# loses: conv_forward_naive
# diagnosis: wrong_output_allocation
# about: allocates out with H + 2*pad - HH + 1 rows (stride and dilation left out), then assigns whole feature maps into it
import numpy as np


def _feature_map(xp_nc, kernel, stride, dil, H_out, W_out):
    HH, WW = kernel.shape[-2:]
    fm = np.zeros((H_out, W_out))
    for i in range(H_out):
        for j in range(W_out):
            fm[i, j] = np.sum(xp_nc[:, i * stride:i * stride + dil * (HH - 1) + 1:dil, j * stride:j * stride + dil * (WW - 1) + 1:dil] * kernel)
    return fm


def conv_forward_naive(x, w, b, conv_param):
    stride, pad = conv_param['stride'], conv_param['pad']
    dil = conv_param.get('dilation', 1)
    groups = conv_param.get('groups', 1)
    N, C, H, W = x.shape
    F, Cg, HH, WW = w.shape
    H_out = (H + 2 * pad - dil * (HH - 1) - 1) // stride + 1
    W_out = (W + 2 * pad - dil * (WW - 1) - 1) // stride + 1
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    out = np.zeros((N, F, H + 2 * pad - HH + 1, W + 2 * pad - WW + 1))
    per = F // groups
    for n in range(N):
        for f in range(F):
            c0 = (f // per) * Cg
            out[n, f] = _feature_map(xp[n, c0:c0 + Cg], w[f], stride, dil, H_out, W_out) + b[f]
    return out, (x, w, b, conv_param)

# corpus: bug
# exercises: conv_forward_naive
# loses: conv_forward_naive
# diagnosis: ignores_stride
# about: computes the strided output size but slides the window one pixel at a time
import numpy as np


def conv_forward_naive(x, w, b, conv_param):
    stride, pad = conv_param['stride'], conv_param['pad']
    d = conv_param.get('dilation', 1)
    G = conv_param.get('groups', 1)
    N, C, H, W = x.shape
    F, Cg, HH, WW = w.shape
    out_h = (H + 2 * pad - d * (HH - 1) - 1) // stride + 1
    out_w = (W + 2 * pad - d * (WW - 1) - 1) // stride + 1
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    out = np.zeros((N, F, out_h, out_w))
    k = F // G
    for n in range(N):
        for f in range(F):
            g0 = (f // k) * Cg
            for i in range(out_h):
                for j in range(out_w):
                    patch = xp[n, g0:g0 + Cg, i:i + d * (HH - 1) + 1:d, j:j + d * (WW - 1) + 1:d]
                    out[n, f, i, j] = np.sum(patch * w[f]) + b[f]
    return out, (x, w, b, conv_param)

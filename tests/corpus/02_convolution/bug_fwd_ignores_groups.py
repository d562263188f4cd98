# corpus: bug
# exercises: conv_forward_naive
# loses: conv_forward_naive
# diagnosis: ignores_groups
# about: every filter reads the first C // groups channels: the group offset is never applied
import numpy as np


def conv_forward_naive(x, w, b, conv_param):
    s = conv_param['stride']
    p = conv_param['pad']
    d = conv_param.get('dilation', 1)
    N, C, H, W = x.shape
    F, Cw, HH, WW = w.shape
    H2 = (H + 2 * p - d * (HH - 1) - 1) // s + 1
    W2 = (W + 2 * p - d * (WW - 1) - 1) // s + 1
    xp = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)))
    out = np.zeros((N, F, H2, W2))
    for n in range(N):
        for f in range(F):
            for i in range(H2):
                for j in range(W2):
                    patch = xp[n, :Cw, i * s:i * s + d * (HH - 1) + 1:d, j * s:j * s + d * (WW - 1) + 1:d]
                    out[n, f, i, j] = np.sum(patch * w[f]) + b[f]
    return out, (x, w, b, conv_param)

# corpus: bug
# exercises: conv_forward_naive
# loses: conv_forward_naive
# diagnosis: ignores_dilation
# about: output size uses the dilation, but the window taps are contiguous
import numpy as np


def conv_forward_naive(x, w, b, conv_param):
    stride, pad = conv_param['stride'], conv_param['pad']
    dilation = conv_param.get('dilation', 1)
    groups = conv_param.get('groups', 1)
    N, C, H, W = x.shape
    F, Cg, HH, WW = w.shape
    Ho = (H + 2 * pad - dilation * (HH - 1) - 1) // stride + 1
    Wo = (W + 2 * pad - dilation * (WW - 1) - 1) // stride + 1
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    out = np.zeros((N, F, Ho, Wo))
    Fg = F // groups
    for f in range(F):
        c = (f // Fg) * Cg
        for i in range(Ho):
            for j in range(Wo):
                window = xp[:, c:c + Cg, i * stride:i * stride + HH, j * stride:j * stride + WW]
                out[:, f, i, j] = np.sum(window * w[f], axis=(1, 2, 3)) + b[f]
    return out, (x, w, b, conv_param)

# corpus: bug
# exercises: conv_forward_naive
# loses: conv_forward_naive
# diagnosis: hardcoded_pad
# about: pads with 1 whatever conv_param['pad'] says (written against the notebook's pad = 1 example)
import numpy as np


def conv_forward_naive(x, w, b, conv_param):
    stride = conv_param['stride']
    pad = 1
    d = conv_param.get('dilation', 1)
    groups = conv_param.get('groups', 1)
    N, C, H, W = x.shape
    F, Cg, HH, WW = w.shape
    Ho = (H + 2 * pad - d * (HH - 1) - 1) // stride + 1
    Wo = (W + 2 * pad - d * (WW - 1) - 1) // stride + 1
    padded = np.zeros((N, C, H + 2 * pad, W + 2 * pad))
    padded[:, :, pad:pad + H, pad:pad + W] = x
    out = np.zeros((N, F, Ho, Wo))
    Fg = F // groups
    for f in range(F):
        cs = (f // Fg) * Cg
        for i in range(Ho):
            for j in range(Wo):
                win = padded[:, cs:cs + Cg, i * stride:i * stride + d * (HH - 1) + 1:d, j * stride:j * stride + d * (WW - 1) + 1:d]
                out[:, f, i, j] = np.tensordot(win, w[f], axes=([1, 2, 3], [0, 1, 2])) + b[f]
    return out, (x, w, b, conv_param)

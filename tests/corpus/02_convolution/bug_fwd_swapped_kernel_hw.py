# corpus: bug
# exercises: conv_forward_naive
# loses: conv_forward_naive
# diagnosis: swapped_kernel_hw
# about: reads the kernel size as (WW, HH) = w.shape[2:], so non-square kernels slide the wrong window
import numpy as np


def conv_forward_naive(x, w, b, conv_param):
    S, P = conv_param['stride'], conv_param['pad']
    D = conv_param.get('dilation', 1)
    G = conv_param.get('groups', 1)
    N, C, H, W = x.shape
    F = w.shape[0]
    kw, kh = w.shape[2], w.shape[3]
    Hn = (H + 2 * P - D * (kh - 1) - 1) // S + 1
    Wn = (W + 2 * P - D * (kw - 1) - 1) // S + 1
    xpad = np.pad(x, ((0, 0), (0, 0), (P, P), (P, P)))
    res = np.zeros((N, F, Hn, Wn))
    cg, fg = C // G, F // G
    for f in range(F):
        g = f // fg
        for r in range(Hn):
            for c in range(Wn):
                region = xpad[:, g * cg:(g + 1) * cg, r * S:r * S + D * (kh - 1) + 1:D, c * S:c * S + D * (kw - 1) + 1:D]
                res[:, f, r, c] = np.sum(region * w[f].reshape(cg, kh, kw), axis=(1, 2, 3)) + b[f]
    return res, (x, w, b, conv_param)

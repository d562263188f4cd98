# corpus: bug
# exercises: conv_forward_naive
# loses: conv_forward_naive
# diagnosis: groups_offset
# about: picks a filter's group as f % groups instead of f // (F // groups)
import numpy as np


def conv_forward_naive(x, w, b, conv_param):
    stride, pad = conv_param['stride'], conv_param['pad']
    dil = conv_param.get('dilation', 1)
    groups = conv_param.get('groups', 1)
    N, C, H, W = x.shape
    F, cpg, kh, kw = w.shape
    oh = (H + 2 * pad - dil * (kh - 1) - 1) // stride + 1
    ow = (W + 2 * pad - dil * (kw - 1) - 1) // stride + 1
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    out = np.zeros((N, F, oh, ow))
    for f in range(F):
        grp = f % groups
        chans = xp[:, grp * cpg:(grp + 1) * cpg]
        for i in range(oh):
            for j in range(ow):
                r0, c0 = i * stride, j * stride
                taps = chans[:, :, r0:r0 + dil * (kh - 1) + 1:dil, c0:c0 + dil * (kw - 1) + 1:dil]
                out[:, f, i, j] = (taps * w[f][None]).sum(axis=(1, 2, 3)) + b[f]
    return out, (x, w, b, conv_param)

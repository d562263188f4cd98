# corpus: bug
# exercises: conv_forward_naive
# loses: conv_forward_naive
# diagnosis: flipped_kernel
# about: rotates each kernel 180 degrees first (true convolution, as in the signal-processing course)
import numpy as np


def conv_forward_naive(x, w, b, conv_param):
    stride = conv_param['stride']
    pad = conv_param['pad']
    dil = conv_param.get('dilation', 1)
    groups = conv_param.get('groups', 1)
    kernel = w[:, :, ::-1, ::-1]
    N, C, H, W = x.shape
    F, Cg, HH, WW = w.shape
    Hp = (H + 2 * pad - dil * (HH - 1) - 1) // stride + 1
    Wp = (W + 2 * pad - dil * (WW - 1) - 1) // stride + 1
    xpad = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)), 'constant')
    out = np.zeros((N, F, Hp, Wp))
    nf = F // groups
    for n in range(N):
        for f in range(F):
            c0 = (f // nf) * Cg
            for i in range(Hp):
                for j in range(Wp):
                    seg = xpad[n, c0:c0 + Cg, i * stride:i * stride + dil * (HH - 1) + 1:dil, j * stride:j * stride + dil * (WW - 1) + 1:dil]
                    out[n, f, i, j] = np.sum(seg * kernel[f]) + b[f]
    return out, (x, w, b, conv_param)

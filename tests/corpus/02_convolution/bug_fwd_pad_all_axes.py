# corpus: bug
# exercises: conv_forward_naive
# loses: conv_forward_naive
# diagnosis: pad_all_axes
# about: np.pad(x, pad) pads the batch and channel axes too
import numpy as np


def conv_forward_naive(x, w, b, conv_param):
    stride = conv_param["stride"]
    pad = conv_param["pad"]
    dil = conv_param.get("dilation", 1)
    groups = conv_param.get("groups", 1)
    N, C, H, W = x.shape
    F, Cg, HH, WW = w.shape
    xp = np.pad(x, pad)
    H_out = (H + 2 * pad - dil * (HH - 1) - 1) // stride + 1
    W_out = (W + 2 * pad - dil * (WW - 1) - 1) // stride + 1
    out = np.zeros((N, F, H_out, W_out))
    per = F // groups
    for n in range(N):
        for f in range(F):
            cstart = (f // per) * Cg
            for i in range(H_out):
                for j in range(W_out):
                    piece = xp[n, cstart:cstart + Cg, i * stride:i * stride + dil * (HH - 1) + 1:dil, j * stride:j * stride + dil * (WW - 1) + 1:dil]
                    out[n, f, i, j] = np.sum(piece * w[f]) + b[f]
    return out, (x, w, b, conv_param)

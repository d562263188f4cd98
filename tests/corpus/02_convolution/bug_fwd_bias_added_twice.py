# corpus: bug
# exercises: conv_forward_naive
# loses: conv_forward_naive
# diagnosis: bias_added_twice
# about: adds b inside the window sum and again after the loops
import numpy as np


def conv_forward_naive(x, w, b, conv_param):
    stride = conv_param["stride"]
    pad = conv_param["pad"]
    dilation = conv_param.get("dilation", 1)
    groups = conv_param.get("groups", 1)
    N, C, H, W = x.shape
    F, C_per_group, HH, WW = w.shape
    out_h = 1 + (H + 2 * pad - dilation * (HH - 1) - 1) // stride
    out_w = 1 + (W + 2 * pad - dilation * (WW - 1) - 1) // stride
    x_pad = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    filters_per_group = F // groups
    out = np.empty((N, F, out_h, out_w))
    for n in range(N):
        for f in range(F):
            start_c = (f // filters_per_group) * C_per_group
            for y in range(out_h):
                for xx in range(out_w):
                    rows = np.arange(HH) * dilation + y * stride
                    cols = np.arange(WW) * dilation + xx * stride
                    patch = x_pad[n, start_c:start_c + C_per_group][:, rows][:, :, cols]
                    out[n, f, y, xx] = (patch * w[f]).sum() + b[f]
    out += b.reshape(1, F, 1, 1)
    cache = (x, w, b, conv_param)
    return out, cache

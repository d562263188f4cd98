# corpus: bug
# exercises: max_pool_forward_naive
# loses: max_pool_forward_naive
# diagnosis: window_from_stride
# about: slices stride x stride windows (right for the usual 2x2 stride-2 pool only)
import numpy as np


def max_pool_forward_naive(x, pool_param):
    HP = pool_param['pool_height']
    WP = pool_param['pool_width']
    S = pool_param['stride']
    N, C, H, W = x.shape
    H_out = (H - HP) // S + 1
    W_out = (W - WP) // S + 1
    out = np.zeros((N, C, H_out, W_out))
    for h in range(H_out):
        for w in range(W_out):
            out[:, :, h, w] = np.amax(x[:, :, h * S:(h + 1) * S, w * S:(w + 1) * S], axis=(2, 3))
    return out, (x, pool_param)

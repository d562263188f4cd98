# corpus: bug
# exercises: max_pool_forward_naive
# loses: max_pool_forward_naive
# diagnosis: swapped_pool_hw
# about: rows use pool_width and columns pool_height
import numpy as np


def max_pool_forward_naive(x, pool_param):
    pool_w = pool_param['pool_height']
    pool_h = pool_param['pool_width']
    stride = pool_param['stride']
    N, C, H, W = x.shape
    out_h = (H - pool_h) // stride + 1
    out_w = (W - pool_w) // stride + 1
    out = np.empty((N, C, out_h, out_w))
    for n in range(N):
        for ch in range(C):
            for r in range(out_h):
                for c in range(out_w):
                    out[n, ch, r, c] = x[n, ch, r * stride:r * stride + pool_h, c * stride:c * stride + pool_w].max()
    return out, (x, pool_param)

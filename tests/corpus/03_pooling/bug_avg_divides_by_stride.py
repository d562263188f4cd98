# corpus: bug
# exercises: avg_pool_forward_naive
# loses: avg_pool_forward_naive
# diagnosis: avg_divides_by_stride
# about: sums the window and divides by stride**2 (equal only for stride = pool size, square pools)
import numpy as np


def avg_pool_forward_naive(x, pool_param):
    ph = pool_param['pool_height']
    pw = pool_param['pool_width']
    stride = pool_param['stride']
    N, C, H, W = x.shape
    H2 = (H - ph) // stride + 1
    W2 = (W - pw) // stride + 1
    out = np.zeros((N, C, H2, W2))
    for i in range(H2):
        for j in range(W2):
            out[:, :, i, j] = x[:, :, i * stride:i * stride + ph, j * stride:j * stride + pw].sum(axis=(2, 3)) / stride ** 2
    return out, (x.shape, pool_param)

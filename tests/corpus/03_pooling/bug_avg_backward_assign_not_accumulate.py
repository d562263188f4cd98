# corpus: bug
# exercises: avg_pool_forward_naive, avg_pool_backward_naive
# loses: avg_pool_backward_naive
# diagnosis: backward_assign_not_accumulate
# about: dx[window] = dout / (ph * pw): overlapping windows overwrite instead of adding
import numpy as np


def avg_pool_forward_naive(x, pool_param):
    ph, pw, s = pool_param['pool_height'], pool_param['pool_width'], pool_param['stride']
    N, C, H, W = x.shape
    Ho, Wo = (H - ph) // s + 1, (W - pw) // s + 1
    out = np.zeros((N, C, Ho, Wo))
    for i in range(Ho):
        for j in range(Wo):
            out[:, :, i, j] = np.mean(x[:, :, i * s:i * s + ph, j * s:j * s + pw], axis=(2, 3))
    cache = (x, pool_param)
    return out, cache


def avg_pool_backward_naive(dout, cache):
    x, pool_param = cache
    ph, pw, s = pool_param['pool_height'], pool_param['pool_width'], pool_param['stride']
    dx = np.zeros_like(x)
    Ho, Wo = dout.shape[2:]
    for i in range(Ho):
        for j in range(Wo):
            dx[:, :, i * s:i * s + ph, j * s:j * s + pw] = (dout[:, :, i, j] / (ph * pw))[:, :, None, None]
    return dx

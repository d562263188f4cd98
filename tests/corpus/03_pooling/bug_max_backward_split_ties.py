# corpus: bug
# exercises: max_pool_forward_naive, max_pool_backward_naive
# loses: max_pool_backward_naive
# diagnosis: backward_split_ties
# about: shares the gradient equally among tied maxima (sum right, but not PyTorch's first-argmax rule)
import numpy as np


def max_pool_forward_naive(x, pool_param):
    ph, pw, s = pool_param['pool_height'], pool_param['pool_width'], pool_param['stride']
    N, C, H, W = x.shape
    Ho, Wo = (H - ph) // s + 1, (W - pw) // s + 1
    out = np.stack([np.stack([x[:, :, i * s:i * s + ph, j * s:j * s + pw].max(axis=(2, 3)) for j in range(Wo)], -1) for i in range(Ho)], -2)
    return out, (x, pool_param)


def max_pool_backward_naive(dout, cache):
    x, pool_param = cache
    ph, pw, s = pool_param['pool_height'], pool_param['pool_width'], pool_param['stride']
    _, _, Ho, Wo = dout.shape
    dx = np.zeros_like(x)
    for i in range(Ho):
        for j in range(Wo):
            win = x[:, :, i * s:i * s + ph, j * s:j * s + pw]
            hit = (win == win.max(axis=(2, 3), keepdims=True)).astype(float)
            hit /= hit.sum(axis=(2, 3), keepdims=True)
            dx[:, :, i * s:i * s + ph, j * s:j * s + pw] += hit * dout[:, :, i:i + 1, j:j + 1]
    return dx

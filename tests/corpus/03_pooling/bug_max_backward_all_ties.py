# corpus: bug
# exercises: max_pool_forward_naive, max_pool_backward_naive
# loses: max_pool_backward_naive
# diagnosis: backward_all_ties
# about: the CS231n mask idiom (window == max) gives every tied maximum the full gradient
import numpy as np


def max_pool_forward_naive(x, pool_param):
    ph, pw, st = pool_param['pool_height'], pool_param['pool_width'], pool_param['stride']
    N, C, H, W = x.shape
    Hn, Wn = 1 + (H - ph) // st, 1 + (W - pw) // st
    out = np.zeros((N, C, Hn, Wn))
    for i in range(Hn):
        for j in range(Wn):
            out[:, :, i, j] = x[:, :, i * st:i * st + ph, j * st:j * st + pw].max(axis=(2, 3))
    return out, (x, pool_param)


def max_pool_backward_naive(dout, cache):
    x, pool_param = cache
    ph, pw, st = pool_param['pool_height'], pool_param['pool_width'], pool_param['stride']
    N, C, Hn, Wn = dout.shape
    dx = np.zeros_like(x)
    for i in range(Hn):
        for j in range(Wn):
            x_window = x[:, :, i * st:i * st + ph, j * st:j * st + pw]
            mask = x_window == np.max(x_window, axis=(2, 3), keepdims=True)
            dx[:, :, i * st:i * st + ph, j * st:j * st + pw] += mask * dout[:, :, i, j][:, :, None, None]
    return dx

# corpus: bug
# exercises: max_pool_forward_naive, max_pool_backward_naive
# loses: max_pool_backward_naive
# diagnosis: backward_last_tie
# about: a running-max loop with >= picks the last of tied maxima
import numpy as np


def max_pool_forward_naive(x, pool_param):
    hh, ww, s = pool_param['pool_height'], pool_param['pool_width'], pool_param['stride']
    N, C, H, W = x.shape
    oh, ow = (H - hh) // s + 1, (W - ww) // s + 1
    out = np.zeros((N, C, oh, ow))
    for i in range(oh):
        for j in range(ow):
            out[..., i, j] = x[..., i * s:i * s + hh, j * s:j * s + ww].max(axis=(-1, -2))
    return out, (x, pool_param)


def max_pool_backward_naive(dout, cache):
    x, pool_param = cache
    hh, ww, s = pool_param['pool_height'], pool_param['pool_width'], pool_param['stride']
    N, C, oh, ow = dout.shape
    dx = np.zeros_like(x)
    for n in range(N):
        for c in range(C):
            for i in range(oh):
                for j in range(ow):
                    best, bi, bj = -np.inf, 0, 0
                    for a in range(hh):
                        for b in range(ww):
                            v = x[n, c, i * s + a, j * s + b]
                            if v >= best:
                                best, bi, bj = v, a, b
                    dx[n, c, i * s + bi, j * s + bj] += dout[n, c, i, j]
    return dx

# corpus: correct
# exercises: max_pool_forward_naive, max_pool_backward_naive
# contract: cs231n
# about: CS231n 2019 layers.py: asserts that the windows tile the input evenly; the backward keeps a mask of the first argmax
import numpy as np


def max_pool_forward_naive(x, pool_param):
    out = None
    N, C, H, W = x.shape
    pool_height = pool_param['pool_height']
    pool_width = pool_param['pool_width']
    stride = pool_param['stride']
    assert (H - pool_height) % stride == 0, 'Invalid height'
    assert (W - pool_width) % stride == 0, 'Invalid width'
    out_height = 1 + (H - pool_height) // stride
    out_width = 1 + (W - pool_width) // stride
    out = np.zeros((N, C, out_height, out_width))
    for ii in range(out_height):
        for jj in range(out_width):
            x_window = x[:, :, ii * stride:ii * stride + pool_height, jj * stride:jj * stride + pool_width]
            out[:, :, ii, jj] = np.max(x_window, axis=(2, 3))
    cache = (x, pool_param)
    return out, cache


def max_pool_backward_naive(dout, cache):
    dx = None
    x, pool_param = cache
    N, C, H, W = x.shape
    pool_height = pool_param['pool_height']
    pool_width = pool_param['pool_width']
    stride = pool_param['stride']
    out_height = 1 + (H - pool_height) // stride
    out_width = 1 + (W - pool_width) // stride
    dx = np.zeros_like(x)
    for n in range(N):
        for c in range(C):
            for ii in range(out_height):
                for jj in range(out_width):
                    window = x[n, c, ii * stride:ii * stride + pool_height, jj * stride:jj * stride + pool_width]
                    idx = np.argmax(window)
                    r, s = divmod(idx, pool_width)
                    dx[n, c, ii * stride + r, jj * stride + s] += dout[n, c, ii, jj]
    return dx

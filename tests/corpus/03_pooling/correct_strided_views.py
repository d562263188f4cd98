# corpus: correct
# exercises: max_pool_forward_naive, max_pool_backward_naive, avg_pool_forward_naive, avg_pool_backward_naive
# contract: deepgrade
# about: vectorized with as_strided windows; the backward builds a one-hot of the first argmax and scatters it
import numpy as np
from numpy.lib.stride_tricks import as_strided


def _windows(x, ph, pw, s):
    N, C, H, W = x.shape
    Ho, Wo = (H - ph) // s + 1, (W - pw) // s + 1
    sn, sc, sh, sw = x.strides
    return as_strided(x, shape=(N, C, Ho, Wo, ph, pw), strides=(sn, sc, sh * s, sw * s, sh, sw), writeable=False)


def max_pool_forward_naive(x, pool_param):
    ph, pw, s = pool_param["pool_height"], pool_param["pool_width"], pool_param["stride"]
    win = _windows(np.ascontiguousarray(x), ph, pw, s)
    return win.max(axis=(4, 5)), (x, ph, pw, s)


def max_pool_backward_naive(dout, cache):
    x, ph, pw, s = cache
    win = _windows(np.ascontiguousarray(x), ph, pw, s)
    N, C, Ho, Wo = dout.shape
    flat = win.reshape(N, C, Ho, Wo, ph * pw)
    onehot = np.arange(ph * pw) == flat.argmax(axis=-1)[..., None]
    contrib = (onehot * dout[..., None]).reshape(N, C, Ho, Wo, ph, pw)
    dx = np.zeros(x.shape)
    for i in range(Ho):
        for j in range(Wo):
            dx[:, :, i * s:i * s + ph, j * s:j * s + pw] += contrib[:, :, i, j]
    return dx


def avg_pool_forward_naive(x, pool_param):
    ph, pw, s = pool_param["pool_height"], pool_param["pool_width"], pool_param["stride"]
    win = _windows(np.ascontiguousarray(x), ph, pw, s)
    return win.mean(axis=(4, 5)), (x.shape, ph, pw, s)


def avg_pool_backward_naive(dout, cache):
    shape, ph, pw, s = cache
    dx = np.zeros(shape)
    share = dout / float(ph * pw)
    for a in range(ph):
        for b in range(pw):
            dx[:, :, a:a + s * (dout.shape[2] - 1) + 1:s, b:b + s * (dout.shape[3] - 1) + 1:s] += share
    return dx

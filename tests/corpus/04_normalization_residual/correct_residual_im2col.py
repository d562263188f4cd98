# corpus: correct
# exercises: residual_block_forward, residual_block_backward
# contract: deepgrade
# about: im2col / col2im convolutions (EECS 498 style helpers), ReLU after the addition
import numpy as np


def _im2col(x, k, stride, pad):
    N, C, H, W = x.shape
    Ho = (H + 2 * pad - k) // stride + 1
    Wo = (W + 2 * pad - k) // stride + 1
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    cols = np.empty((N, C, k, k, Ho, Wo))
    for a in range(k):
        for b in range(k):
            cols[:, :, a, b] = xp[:, :, a:a + stride * Ho:stride, b:b + stride * Wo:stride]
    return cols.transpose(0, 4, 5, 1, 2, 3).reshape(N * Ho * Wo, -1), (N, C, H, W, Ho, Wo)


def _col2im(dcols, shape, k, stride, pad):
    N, C, H, W, Ho, Wo = shape
    d = dcols.reshape(N, Ho, Wo, C, k, k).transpose(0, 3, 4, 5, 1, 2)
    dxp = np.zeros((N, C, H + 2 * pad, W + 2 * pad))
    for a in range(k):
        for b in range(k):
            dxp[:, :, a:a + stride * Ho:stride, b:b + stride * Wo:stride] += d[:, :, a, b]
    return dxp[:, :, pad:pad + H, pad:pad + W]


def _conv(x, w, b, stride, pad):
    F, _, k, _ = w.shape
    cols, shape = _im2col(x, k, stride, pad)
    N, _, _, _, Ho, Wo = shape
    out = (cols @ w.reshape(F, -1).T + b).reshape(N, Ho, Wo, F).transpose(0, 3, 1, 2)
    return out, (cols, shape, w, stride, pad)


def _conv_back(dout, cache):
    cols, shape, w, stride, pad = cache
    F, _, k, _ = w.shape
    d = dout.transpose(0, 2, 3, 1).reshape(-1, F)
    dw = (d.T @ cols).reshape(w.shape)
    db = d.sum(axis=0)
    dx = _col2im(d @ w.reshape(F, -1), shape, k, stride, pad)
    return dx, dw, db


def residual_block_forward(x, params, block_param):
    stride = block_param.get('stride', 1)
    h, c1 = _conv(x, params['w1'], params['b1'], stride, 1)
    r = np.maximum(h, 0)
    h2, c2 = _conv(r, params['w2'], params['b2'], 1, 1)
    if 'ws' in params:
        sc, cs = _conv(x, params['ws'], params['bs'], stride, 0)
    else:
        sc, cs = x, None
    s = h2 + sc
    return np.maximum(s, 0), (h, s, c1, c2, cs)


def residual_block_backward(dout, cache):
    h, s, c1, c2, cs = cache
    ds = dout * (s > 0)
    dr, dw2, db2 = _conv_back(ds, c2)
    dx, dw1, db1 = _conv_back(dr * (h > 0), c1)
    grads = {'w1': dw1, 'b1': db1, 'w2': dw2, 'b2': db2}
    if cs is None:
        dx = dx + ds
    else:
        dxs, grads['ws'], grads['bs'] = _conv_back(ds, cs)
        dx = dx + dxs
    grads['x'] = dx
    return grads

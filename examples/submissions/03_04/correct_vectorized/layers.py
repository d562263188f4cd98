import numpy as np
from numpy.lib.stride_tricks import as_strided


def _pool_windows(x, ph, pw, stride):
    """View of all pooling windows: (N, C, H_out, W_out, ph, pw). No copy!"""
    N, C, H, W = x.shape
    H_out = (H - ph) // stride + 1
    W_out = (W - pw) // stride + 1
    sN, sC, sH, sW = x.strides
    return as_strided(x, shape=(N, C, H_out, W_out, ph, pw),
                      strides=(sN, sC, sH * stride, sW * stride, sH, sW), writeable=False)


def max_pool_forward_naive(x, pool_param):
    ph, pw, s = pool_param['pool_height'], pool_param['pool_width'], pool_param['stride']
    x = np.ascontiguousarray(x)
    windows = _pool_windows(x, ph, pw, s)
    out = windows.max(axis=(4, 5))
    return out, (x, pool_param)


def max_pool_backward_naive(dout, cache):
    x, pool_param = cache
    ph, pw, s = pool_param['pool_height'], pool_param['pool_width'], pool_param['stride']
    N, C, H, W = x.shape
    windows = _pool_windows(x, ph, pw, s)
    _, _, H_out, W_out, _, _ = windows.shape
    flat = windows.reshape(N, C, H_out, W_out, ph * pw)
    k = flat.argmax(axis=-1)          # first max on ties
    di, dj = np.divmod(k, pw)         # position inside the window
    rows = np.arange(H_out)[None, None, :, None] * s + di
    cols = np.arange(W_out)[None, None, None, :] * s + dj
    n_idx = np.arange(N)[:, None, None, None]
    c_idx = np.arange(C)[None, :, None, None]
    dx = np.zeros_like(x)
    # np.add.at because overlapping windows can pick the same pixel
    np.add.at(dx, (np.broadcast_to(n_idx, k.shape), np.broadcast_to(c_idx, k.shape), rows, cols), dout)
    return dx


def avg_pool_forward_naive(x, pool_param):
    ph, pw, s = pool_param['pool_height'], pool_param['pool_width'], pool_param['stride']
    windows = _pool_windows(np.ascontiguousarray(x), ph, pw, s)
    return windows.mean(axis=(4, 5)), (x.shape, pool_param)


def avg_pool_backward_naive(dout, cache):
    x_shape, pool_param = cache
    ph, pw, s = pool_param['pool_height'], pool_param['pool_width'], pool_param['stride']
    dx = np.zeros(x_shape)
    g = dout / (ph * pw)
    for a in range(ph):          # loop over the window offsets only
        for b in range(pw):
            dx[:, :, a:a + s * (dout.shape[2] - 1) + 1:s, b:b + s * (dout.shape[3] - 1) + 1:s] += g
    return dx


def global_avg_pool_forward(x):
    return x.mean(axis=(2, 3)), x.shape


def global_avg_pool_backward(dout, cache):
    N, C, H, W = cache
    return np.ones(cache) * dout[:, :, None, None] / (H * W)


def batchnorm_forward(x, gamma, beta, bn_param):
    mode = bn_param['mode']
    eps = bn_param.get('eps', 1e-5)
    momentum = bn_param.get('momentum', 0.9)
    D = x.shape[1]
    running_mean = bn_param.get('running_mean', np.zeros(D))
    running_var = bn_param.get('running_var', np.zeros(D))

    if mode == 'train':
        mu, var = x.mean(0), x.var(0)
        bn_param['running_mean'] = momentum * running_mean + (1 - momentum) * mu
        bn_param['running_var'] = momentum * running_var + (1 - momentum) * var
    elif mode == 'test':
        mu, var = running_mean, running_var
        bn_param['running_mean'], bn_param['running_var'] = running_mean, running_var
    else:
        raise ValueError('bad mode ' + str(mode))

    std = np.sqrt(var + eps)
    xhat = (x - mu) / std
    return gamma * xhat + beta, (mode, xhat, gamma, std)


def batchnorm_backward(dout, cache):
    # simplified formula (batchnorm_backward_alt from the notebook)
    mode, xhat, gamma, std = cache
    N = dout.shape[0]
    dbeta = dout.sum(0)
    dgamma = (dout * xhat).sum(0)
    dxhat = dout * gamma
    if mode == 'test':
        return dxhat / std, dgamma, dbeta
    dx = (N * dxhat - dxhat.sum(0) - xhat * (dxhat * xhat).sum(0)) / (N * std)
    return dx, dgamma, dbeta


def spatial_batchnorm_forward(x, gamma, beta, bn_param):
    N, C, H, W = x.shape
    out, cache = batchnorm_forward(np.moveaxis(x, 1, -1).reshape(-1, C), gamma, beta, bn_param)
    return np.moveaxis(out.reshape(N, H, W, C), -1, 1), cache


def spatial_batchnorm_backward(dout, cache):
    N, C, H, W = dout.shape
    dx, dgamma, dbeta = batchnorm_backward(np.moveaxis(dout, 1, -1).reshape(-1, C), cache)
    return np.moveaxis(dx.reshape(N, H, W, C), -1, 1), dgamma, dbeta


# ---- im2col convolution for the residual block ----

def _im2col(x, kh, kw, stride, pad):
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    N, C, Hp, Wp = xp.shape
    H_out = (Hp - kh) // stride + 1
    W_out = (Wp - kw) // stride + 1
    sN, sC, sH, sW = xp.strides
    cols = as_strided(xp, (N, H_out, W_out, C, kh, kw), (sN, sH * stride, sW * stride, sC, sH, sW))
    return cols.reshape(N * H_out * W_out, C * kh * kw), (N, H_out, W_out)


def _conv(x, w, b, stride, pad):
    F, C, kh, kw = w.shape
    cols, (N, H_out, W_out) = _im2col(x, kh, kw, stride, pad)
    out = cols @ w.reshape(F, -1).T + b                       # (N*H_out*W_out, F)
    out = out.reshape(N, H_out, W_out, F).transpose(0, 3, 1, 2)
    return out, (x.shape, cols, w, stride, pad)


def _conv_back(dout, cache):
    x_shape, cols, w, stride, pad = cache
    F, C, kh, kw = w.shape
    N, _, H, W = x_shape
    H_out, W_out = dout.shape[2:]
    d = dout.transpose(0, 2, 3, 1).reshape(-1, F)               # (N*H_out*W_out, F)
    dw = (d.T @ cols).reshape(w.shape)
    db = d.sum(0)
    dcols = (d @ w.reshape(F, -1)).reshape(N, H_out, W_out, C, kh, kw)
    dxp = np.zeros((N, C, H + 2 * pad, W + 2 * pad))
    for a in range(kh):
        for bb in range(kw):
            dxp[:, :, a:a + stride * H_out:stride, bb:bb + stride * W_out:stride] += \
                dcols[:, :, :, :, a, bb].transpose(0, 3, 1, 2)
    return dxp[:, :, pad:pad + H, pad:pad + W], dw, db


def residual_block_forward(x, params, block_param):
    s = block_param['stride']
    a1, c1 = _conv(x, params['w1'], params['b1'], s, 1)
    h1 = np.maximum(a1, 0)
    a2, c2 = _conv(h1, params['w2'], params['b2'], 1, 1)
    if 'ws' in params:
        sc, cs = _conv(x, params['ws'], params['bs'], s, 0)
    else:
        sc, cs = x, None
    z = a2 + sc
    return np.maximum(z, 0), (a1, z, c1, c2, cs)


def residual_block_backward(dout, cache):
    a1, z, c1, c2, cs = cache
    dz = dout * (z > 0)
    dh1, dw2, db2 = _conv_back(dz, c2)
    dx, dw1, db1 = _conv_back(dh1 * (a1 > 0), c1)
    grads = {'w1': dw1, 'b1': db1, 'w2': dw2, 'b2': db2}
    if cs is not None:
        dxs, grads['ws'], grads['bs'] = _conv_back(dz, cs)
        dx = dx + dxs
    else:
        dx = dx + dz
    grads['x'] = dx
    return grads

from builtins import range
import numpy as np


# ---------------------------------------------------------------------------
# Pooling (assignment 03)
# ---------------------------------------------------------------------------

def max_pool_forward_naive(x, pool_param):
    """
    A naive implementation of the forward pass for a max-pooling layer.

    Inputs:
    - x: Input data, of shape (N, C, H, W)
    - pool_param: dictionary with the following keys:
      - 'pool_height': The height of each pooling region
      - 'pool_width': The width of each pooling region
      - 'stride': The distance between adjacent pooling regions

    Returns a tuple of:
    - out: Output data, of shape (N, C, H', W')
    - cache: (x, pool_param)
    """
    out = None
    ###########################################################################
    # TODO: Implement the max-pooling forward pass                            #
    ###########################################################################
    N, C, H, W = x.shape
    ph = pool_param['pool_height']
    pw = pool_param['pool_width']
    stride = pool_param['stride']
    H_out = 1 + (H - ph) // stride
    W_out = 1 + (W - pw) // stride

    out = np.zeros((N, C, H_out, W_out))
    print('maxpool forward', x.shape, '->', out.shape)
    for n in range(N):
        for c in range(C):
            for i in range(H_out):
                for j in range(W_out):
                    # window (i, j) starts at i*stride and ends where the next one starts
                    out[n, c, i, j] = np.max(x[n, c, i * stride:(i + 1) * stride, j * stride:(j + 1) * stride])
    ###########################################################################
    #                             END OF YOUR CODE                            #
    ###########################################################################
    cache = (x, pool_param)
    return out, cache


def max_pool_backward_naive(dout, cache):
    """
    A naive implementation of the backward pass for a max-pooling layer.

    Inputs:
    - dout: Upstream derivatives
    - cache: A tuple of (x, pool_param) as in the forward pass.

    Returns:
    - dx: Gradient with respect to x
    """
    dx = None
    ###########################################################################
    # TODO: Implement the max-pooling backward pass                           #
    ###########################################################################
    x, pool_param = cache
    N, C, H, W = x.shape
    ph = pool_param['pool_height']
    pw = pool_param['pool_width']
    stride = pool_param['stride']
    _, _, H_out, W_out = dout.shape

    dx = np.zeros_like(x)
    for n in range(N):
        for c in range(C):
            for i in range(H_out):
                for j in range(W_out):
                    h0 = i * stride
                    w0 = j * stride
                    window = x[n, c, h0:h0 + ph, w0:w0 + pw]
                    # argmax gives the first max if there is a tie (same as pytorch)
                    a, b = np.unravel_index(np.argmax(window), window.shape)
                    dx[n, c, h0 + a, w0 + b] += dout[n, c, i, j]
    ###########################################################################
    #                             END OF YOUR CODE                            #
    ###########################################################################
    return dx


def avg_pool_forward_naive(x, pool_param):
    """Forward pass for average pooling. Same inputs / outputs as max pooling."""
    N, C, H, W = x.shape
    ph = pool_param['pool_height']
    pw = pool_param['pool_width']
    stride = pool_param['stride']
    H_out = 1 + (H - ph) // stride
    W_out = 1 + (W - pw) // stride

    out = np.zeros((N, C, H_out, W_out))
    for n in range(N):
        for c in range(C):
            for i in range(H_out):
                for j in range(W_out):
                    h0 = i * stride
                    w0 = j * stride
                    out[n, c, i, j] = np.mean(x[n, c, h0:h0 + ph, w0:w0 + pw])
    cache = (x, pool_param)
    return out, cache


def avg_pool_backward_naive(dout, cache):
    """Backward pass for average pooling."""
    x, pool_param = cache
    N, C, H, W = x.shape
    ph = pool_param['pool_height']
    pw = pool_param['pool_width']
    stride = pool_param['stride']
    _, _, H_out, W_out = dout.shape

    dx = np.zeros_like(x)
    for n in range(N):
        for c in range(C):
            for i in range(H_out):
                for j in range(W_out):
                    h0 = i * stride
                    w0 = j * stride
                    dx[n, c, h0:h0 + ph, w0:w0 + pw] += dout[n, c, i, j] / (ph * pw)
    return dx


def global_avg_pool_forward(x):
    """Global average pooling: (N, C, H, W) -> (N, C)."""
    N, C, H, W = x.shape
    out = np.zeros((N, C))
    for n in range(N):
        for c in range(C):
            out[n, c] = np.sum(x[n, c]) / (H * W)
    cache = x.shape
    return out, cache


def global_avg_pool_backward(dout, cache):
    N, C, H, W = cache
    dx = np.zeros((N, C, H, W))
    for n in range(N):
        for c in range(C):
            dx[n, c, :, :] = dout[n, c] / (H * W)
    return dx


# ---------------------------------------------------------------------------
# Batch normalization (assignment 04)
# ---------------------------------------------------------------------------

def batchnorm_forward(x, gamma, beta, bn_param):
    """
    Forward pass for batch normalization.

    Input:
    - x: Data of shape (N, D)
    - gamma: Scale parameter of shape (D,)
    - beta: Shift paremeter of shape (D,)
    - bn_param: Dictionary with the following keys:
      - mode: 'train' or 'test'; required
      - eps: Constant for numeric stability
      - momentum: Constant for running mean / variance.
      - running_mean: Array of shape (D,) giving running mean of features
      - running_var Array of shape (D,) giving running variance of features

    Returns a tuple of:
    - out: of shape (N, D)
    - cache: A tuple of values needed in the backward pass
    """
    mode = bn_param['mode']
    eps = bn_param.get('eps', 1e-5)
    momentum = bn_param.get('momentum', 0.9)

    N, D = x.shape
    running_mean = bn_param.get('running_mean', np.zeros(D, dtype=x.dtype))
    running_var = bn_param.get('running_var', np.zeros(D, dtype=x.dtype))

    out, cache = None, None
    if mode == 'train':
        # step by step like the computational graph in the lecture
        mu = 1. / N * np.sum(x, axis=0)
        xmu = x - mu
        sq = xmu ** 2
        var = 1. / N * np.sum(sq, axis=0)
        sqrtvar = np.sqrt(var + eps)
        ivar = 1. / sqrtvar
        xhat = xmu * ivar
        out = gamma * xhat + beta

        running_mean = momentum * running_mean + (1 - momentum) * mu
        running_var = momentum * running_var + (1 - momentum) * var

        cache = ('train', xhat, gamma, xmu, ivar, sqrtvar, var, eps)
    elif mode == 'test':
        xhat = (x - running_mean) / np.sqrt(running_var + eps)
        out = gamma * xhat + beta
        cache = ('test', xhat, gamma, None, 1. / np.sqrt(running_var + eps), None, None, eps)
    else:
        raise ValueError('Invalid forward batchnorm mode "%s"' % mode)

    # Store the updated running means back into bn_param
    bn_param['running_mean'] = running_mean
    bn_param['running_var'] = running_var

    return out, cache


def batchnorm_backward(dout, cache):
    """
    Backward pass for batch normalization (computational graph version).

    Returns a tuple of:
    - dx: Gradient with respect to inputs x, of shape (N, D)
    - dgamma: Gradient with respect to scale parameter gamma, of shape (D,)
    - dbeta: Gradient with respect to shift parameter beta, of shape (D,)
    """
    mode, xhat, gamma, xmu, ivar, sqrtvar, var, eps = cache
    N, D = dout.shape

    dbeta = np.sum(dout, axis=0)
    dgamma = np.sum(dout * xhat, axis=0)
    dxhat = dout * gamma

    if mode == 'test':
        return dxhat * ivar, dgamma, dbeta

    divar = np.sum(dxhat * xmu, axis=0)
    dxmu1 = dxhat * ivar
    dsqrtvar = -1. / (sqrtvar ** 2) * divar
    dvar = 0.5 * 1. / np.sqrt(var + eps) * dsqrtvar
    dsq = 1. / N * np.ones((N, D)) * dvar
    dxmu2 = 2 * xmu * dsq
    dx1 = dxmu1 + dxmu2
    dmu = -1 * np.sum(dxmu1 + dxmu2, axis=0)
    dx2 = 1. / N * np.ones((N, D)) * dmu
    dx = dx1 + dx2

    return dx, dgamma, dbeta


def spatial_batchnorm_forward(x, gamma, beta, bn_param):
    """
    Computes the forward pass for spatial batch normalization.

    Inputs:
    - x: Input data of shape (N, C, H, W)
    - gamma: Scale parameter, of shape (C,)
    - beta: Shift parameter, of shape (C,)
    - bn_param: same as batchnorm_forward

    Returns a tuple of:
    - out: Output data, of shape (N, C, H, W)
    - cache: Values needed for the backward pass
    """
    N, C, H, W = x.shape
    # move channels to the end so that every row is one (n, h, w) position
    x_t = x.transpose(0, 2, 3, 1).reshape(-1, C)
    out_t, cache = batchnorm_forward(x_t, gamma, beta, bn_param)
    out = out_t.reshape(N, H, W, C).transpose(0, 3, 1, 2)
    return out, cache


def spatial_batchnorm_backward(dout, cache):
    N, C, H, W = dout.shape
    dout_t = dout.transpose(0, 2, 3, 1).reshape(-1, C)
    dx_t, dgamma, dbeta = batchnorm_backward(dout_t, cache)
    dx = dx_t.reshape(N, H, W, C).transpose(0, 3, 1, 2)
    return dx, dgamma, dbeta


# ---------------------------------------------------------------------------
# Residual block (assignment 04)
# ---------------------------------------------------------------------------

def conv_forward_naive(x, w, b, conv_param):
    """Naive conv from assignment 2 (cross-correlation, zero padding)."""
    N, C, H, W = x.shape
    F, _, HH, WW = w.shape
    stride = conv_param['stride']
    pad = conv_param['pad']
    H_out = 1 + (H + 2 * pad - HH) // stride
    W_out = 1 + (W + 2 * pad - WW) // stride
    x_pad = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)), mode='constant')
    out = np.zeros((N, F, H_out, W_out))
    for n in range(N):
        for f in range(F):
            for i in range(H_out):
                for j in range(W_out):
                    h0 = i * stride
                    w0 = j * stride
                    out[n, f, i, j] = np.sum(x_pad[n, :, h0:h0 + HH, w0:w0 + WW] * w[f]) + b[f]
    cache = (x, w, b, conv_param)
    return out, cache


def conv_backward_naive(dout, cache):
    x, w, b, conv_param = cache
    N, C, H, W = x.shape
    F, _, HH, WW = w.shape
    stride = conv_param['stride']
    pad = conv_param['pad']
    _, _, H_out, W_out = dout.shape
    x_pad = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)), mode='constant')
    dx_pad = np.zeros_like(x_pad)
    dw = np.zeros_like(w)
    db = np.sum(dout, axis=(0, 2, 3))
    for n in range(N):
        for f in range(F):
            for i in range(H_out):
                for j in range(W_out):
                    h0 = i * stride
                    w0 = j * stride
                    dw[f] += x_pad[n, :, h0:h0 + HH, w0:w0 + WW] * dout[n, f, i, j]
                    dx_pad[n, :, h0:h0 + HH, w0:w0 + WW] += w[f] * dout[n, f, i, j]
    dx = dx_pad[:, :, pad:pad + H, pad:pad + W]
    return dx, dw, db


def relu_forward(x):
    return np.maximum(0, x), x


def relu_backward(dout, cache):
    x = cache
    return dout * (x > 0)


def residual_block_forward(x, params, block_param):
    """
    out = relu(conv2(relu(conv1(x))) + shortcut(x))
    conv1 / conv2 are 3x3 with pad 1, conv1 has the block stride.
    shortcut is a 1x1 conv (ws, bs) if given, otherwise identity.
    """
    stride = block_param['stride']
    a1, conv1_cache = conv_forward_naive(x, params['w1'], params['b1'], {'stride': stride, 'pad': 1})
    h1, relu1_cache = relu_forward(a1)
    a2, conv2_cache = conv_forward_naive(h1, params['w2'], params['b2'], {'stride': 1, 'pad': 1})

    if 'ws' in params:
        sc, sc_cache = conv_forward_naive(x, params['ws'], params['bs'], {'stride': stride, 'pad': 0})
    else:
        sc, sc_cache = x, None

    out, relu2_cache = relu_forward(a2 + sc)
    cache = (conv1_cache, relu1_cache, conv2_cache, sc_cache, relu2_cache)
    return out, cache


def residual_block_backward(dout, cache):
    conv1_cache, relu1_cache, conv2_cache, sc_cache, relu2_cache = cache
    grads = {}
    dz = relu_backward(dout, relu2_cache)
    dh1, grads['w2'], grads['b2'] = conv_backward_naive(dz, conv2_cache)
    da1 = relu_backward(dh1, relu1_cache)
    dx, grads['w1'], grads['b1'] = conv_backward_naive(da1, conv1_cache)
    if sc_cache is not None:
        dx_sc, grads['ws'], grads['bs'] = conv_backward_naive(dz, sc_cache)
    else:
        dx_sc = dz
    grads['x'] = dx + dx_sc
    return grads

from builtins import range
import numpy as np


def conv_forward_naive(x, w, b, conv_param):
    """
    A naive implementation of the forward pass for a convolutional layer.

    Inputs:
    - x: Input data of shape (N, C, H, W)
    - w: Filter weights of shape (F, C // groups, HH, WW)
    - b: Biases, of shape (F,)
    - conv_param: 'stride', 'pad', optionally 'dilation' and 'groups'

    Returns a tuple of:
    - out: Output data, of shape (N, F, H', W')
    - cache: (x, w, b, conv_param)
    """
    out = None
    ###########################################################################
    # TODO: Implement the convolutional forward pass.                         #
    ###########################################################################
    stride = conv_param['stride']
    pad = conv_param['pad']
    dilation = conv_param.get('dilation', 1)
    groups = conv_param.get('groups', 1)

    N, C, H, W = x.shape
    F, Cg, HH, WW = w.shape
    if C % groups != 0 or F % groups != 0 or Cg != C // groups:
        raise ValueError('shapes of x and w do not match with groups=%d' % groups)

    H_out = 1 + (H + 2 * pad - dilation * (HH - 1) - 1) // stride
    W_out = 1 + (W + 2 * pad - dilation * (WW - 1) - 1) // stride
    if H_out < 1 or W_out < 1:
        raise ValueError('filter does not fit')

    x_pad = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)), mode='constant')
    F_per_group = F // groups

    out = np.zeros((N, F, H_out, W_out))
    for n in range(N):
        for f in range(F):
            g = f // F_per_group          # which group this filter belongs to
            c0 = g * Cg                   # first input channel of that group
            for i in range(H_out):
                for j in range(W_out):
                    total = 0.0
                    for c in range(Cg):
                        for p in range(HH):
                            for q in range(WW):
                                h = i * stride + p * dilation
                                ww_ = j * stride + q * dilation
                                total += x_pad[n, c0 + c, h, ww_] * w[f, c, p, q]
                    out[n, f, i, j] = total + b[f]
    ###########################################################################
    #                             END OF YOUR CODE                            #
    ###########################################################################
    cache = (x, w, b, conv_param)
    return out, cache


def conv_backward_naive(dout, cache):
    """
    A naive implementation of the backward pass for a convolutional layer.

    Inputs:
    - dout: Upstream derivatives.
    - cache: A tuple of (x, w, b, conv_param) as in conv_forward_naive

    Returns a tuple of:
    - dx: Gradient with respect to x
    - dw: Gradient with respect to w
    - db: Gradient with respect to b
    """
    dx, dw, db = None, None, None
    ###########################################################################
    # TODO: Implement the convolutional backward pass.                        #
    ###########################################################################
    x, w, b, conv_param = cache
    stride = conv_param['stride']
    pad = conv_param['pad']
    dilation = conv_param.get('dilation', 1)
    groups = conv_param.get('groups', 1)

    N, C, H, W = x.shape
    F, Cg, HH, WW = w.shape
    _, _, H_out, W_out = dout.shape
    F_per_group = F // groups

    x_pad = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)), mode='constant')
    dx_pad = np.zeros_like(x_pad)
    dw = np.zeros_like(w)
    db = np.zeros_like(b)

    for n in range(N):
        for f in range(F):
            g = f // F_per_group
            c0 = g * Cg
            for i in range(H_out):
                for j in range(W_out):
                    d = dout[n, f, i, j]
                    db[f] += d
                    for c in range(Cg):
                        for p in range(HH):
                            for q in range(WW):
                                h = i * stride + p * dilation
                                ww_ = j * stride + q * dilation
                                dw[f, c, p, q] += x_pad[n, c0 + c, h, ww_] * d
                                dx_pad[n, c0 + c, h, ww_] += w[f, c, p, q] * d

    # cut the padding off again
    dx = dx_pad[:, :, pad:pad + H, pad:pad + W]
    ###########################################################################
    #                             END OF YOUR CODE                            #
    ###########################################################################
    return dx, dw, db


def correlate2d(image, kernel):
    if image.ndim != 2 or kernel.ndim != 2:
        raise ValueError('image and kernel have to be 2D')
    H, W = image.shape
    HH, WW = kernel.shape
    if HH > H or WW > W:
        raise ValueError('kernel larger than image')
    out = np.zeros((H - HH + 1, W - WW + 1))
    for i in range(H - HH + 1):
        for j in range(W - WW + 1):
            s = 0.0
            for p in range(HH):
                for q in range(WW):
                    s += image[i + p, j + q] * kernel[p, q]
            out[i, j] = s
    return out


def convolve2d(image, kernel):
    if image.ndim != 2 or kernel.ndim != 2:
        raise ValueError('image and kernel have to be 2D')
    H, W = image.shape
    HH, WW = kernel.shape
    if HH > H or WW > W:
        raise ValueError('kernel larger than image')
    out = np.zeros((H - HH + 1, W - WW + 1))
    for i in range(H - HH + 1):
        for j in range(W - WW + 1):
            s = 0.0
            for p in range(HH):
                for q in range(WW):
                    # convolution = kernel flipped in both directions
                    s += image[i + p, j + q] * kernel[HH - 1 - p, WW - 1 - q]
            out[i, j] = s
    return out


def depthwise_separable_conv_forward(x, w_depthwise, b_depthwise, w_pointwise, b_pointwise, conv_param):
    C = x.shape[1]
    if w_depthwise.shape[0] != C or w_depthwise.shape[1] != 1:
        raise ValueError('w_depthwise must be (C, 1, HH, WW)')
    if w_pointwise.shape[1] != C:
        raise ValueError('w_pointwise must be (F, C, 1, 1)')
    dw_param = {'stride': conv_param['stride'], 'pad': conv_param['pad'],
                'dilation': conv_param.get('dilation', 1), 'groups': C}
    mid, cache_dw = conv_forward_naive(x, w_depthwise, b_depthwise, dw_param)
    out, cache_pw = conv_forward_naive(mid, w_pointwise, b_pointwise, {'stride': 1, 'pad': 0})
    cache = (cache_dw, cache_pw)
    return out, cache


def depthwise_separable_conv_backward(dout, cache):
    cache_dw, cache_pw = cache
    dmid, dw_pointwise, db_pointwise = conv_backward_naive(dout, cache_pw)
    dx, dw_depthwise, db_depthwise = conv_backward_naive(dmid, cache_dw)
    return dx, dw_depthwise, db_depthwise, dw_pointwise, db_pointwise

from builtins import range
import numpy as np


def conv_forward_naive(x, w, b, conv_param):
    """
    Inputs:
    - x: Input data of shape (N, C, H, W)
    - w: Filter weights of shape (F, C/groups, HH, WW)
    - b: Biases, of shape (F,)
    - conv_param: A dictionary with the following keys:
      - 'stride', 'pad', 'dilation' (optional), 'groups' (optional)

    Returns a tuple of:
    - out: Output data, of shape (N, F, H', W')
    - cache: (x, w, b, conv_param)
    """
    out = None
    ###########################################################################
    # TODO: Implement the convolutional forward pass.                         #
    ###########################################################################
    N, C, H, W = x.shape
    F, C_g, HH, WW = w.shape
    stride = conv_param['stride']
    pad = conv_param['pad']
    dil = conv_param.get('dilation', 1)
    G = conv_param.get('groups', 1)
    if C != C_g * G or F % G != 0:
        raise ValueError('wrong weight shape for groups')

    H_prime = 1 + (H + 2 * pad - dil * (HH - 1) - 1) // stride
    W_prime = 1 + (W + 2 * pad - dil * (WW - 1) - 1) // stride
    if H_prime < 1 or W_prime < 1:
        raise ValueError('kernel too big')

    x_padded = np.pad(x, ((0,), (0,), (pad,), (pad,)), 'constant')
    F_g = F // G
    out = np.zeros((N, F, H_prime, W_prime))
    for n in range(N):
        for f in range(F):
            cs = (f // F_g) * C_g
            for i in range(H_prime):
                for j in range(W_prime):
                    h1 = i * stride
                    w1 = j * stride
                    window = x_padded[n, cs:cs + C_g,
                                      h1:h1 + dil * (HH - 1) + 1:dil,
                                      w1:w1 + dil * (WW - 1) + 1:dil]
                    out[n, f, i, j] = np.sum(window * w[f]) + b[f]
    ###########################################################################
    #                             END OF YOUR CODE                            #
    ###########################################################################
    cache = (x, w, b, conv_param)
    return out, cache


def conv_backward_naive(dout, cache):
    """
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
    N, C, H, W = x.shape
    F, C_g, HH, WW = w.shape
    stride = conv_param['stride']
    pad = conv_param['pad']
    dil = conv_param.get('dilation', 1)
    G = conv_param.get('groups', 1)
    _, _, H_prime, W_prime = dout.shape
    F_g = F // G

    x_padded = np.pad(x, ((0,), (0,), (pad,), (pad,)), 'constant')
    dx_padded = np.zeros_like(x_padded)
    dw = np.zeros_like(w)
    db = np.sum(dout, axis=(0, 2, 3))

    for n in range(N):
        for f in range(F):
            cs = (f // F_g) * C_g
            for i in range(H_prime):
                for j in range(W_prime):
                    h1 = i * stride
                    w1 = j * stride
                    hs = slice(h1, h1 + dil * (HH - 1) + 1, dil)
                    ws = slice(w1, w1 + dil * (WW - 1) + 1, dil)
                    dw[f] += x_padded[n, cs:cs + C_g, hs, ws] * dout[n, f, i, j]
                    dx_padded[n, cs:cs + C_g, hs, ws] += w[f] * dout[n, f, i, j]

    # remove padding
    dx = dx_padded[:, :, pad:-pad, pad:-pad]
    ###########################################################################
    #                             END OF YOUR CODE                            #
    ###########################################################################
    return dx, dw, db


def correlate2d(image, kernel):
    if image.ndim != 2 or kernel.ndim != 2:
        raise ValueError('expected 2d image and kernel')
    H, W = image.shape
    HH, WW = kernel.shape
    if HH > H or WW > W:
        raise ValueError('kernel is larger than the image')
    out = np.empty((H - HH + 1, W - WW + 1))
    for i in range(H - HH + 1):
        for j in range(W - WW + 1):
            out[i, j] = np.sum(image[i:i + HH, j:j + WW] * kernel)
    return out


def convolve2d(image, kernel):
    # convolution is correlation with the kernel rotated 180 degrees
    return correlate2d(image, np.rot90(kernel, 2))


def depthwise_separable_conv_forward(x, w_depthwise, b_depthwise, w_pointwise, b_pointwise, conv_param):
    N, C, H, W = x.shape
    depth_param = {'stride': conv_param['stride'], 'pad': conv_param['pad'],
                   'dilation': conv_param.get('dilation', 1), 'groups': C}
    point_param = {'stride': 1, 'pad': 0}
    a, depth_cache = conv_forward_naive(x, w_depthwise, b_depthwise, depth_param)
    out, point_cache = conv_forward_naive(a, w_pointwise, b_pointwise, point_param)
    return out, (depth_cache, point_cache)


def depthwise_separable_conv_backward(dout, cache):
    depth_cache, point_cache = cache
    da, dw_pointwise, db_pointwise = conv_backward_naive(dout, point_cache)
    dx, dw_depthwise, db_depthwise = conv_backward_naive(da, depth_cache)
    return dx, dw_depthwise, db_depthwise, dw_pointwise, db_pointwise

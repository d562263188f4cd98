import numpy as np


def conv_forward_naive(x, w, b, conv_param):
    """
    A naive implementation of the forward pass for a convolutional layer.
    """
    out = None
    stride = conv_param['stride']
    pad = conv_param['pad']
    dilation = conv_param.get('dilation', 1)
    groups = conv_param.get('groups', 1)
    N, C, H, W = x.shape
    F, C_per_group, HH, WW = w.shape
    if C_per_group * groups != C or F % groups != 0:
        raise ValueError("w.shape doesn't match x.shape and groups")
    H_out = (H + 2 * pad - dilation * (HH - 1) - 1) // stride + 1
    W_out = (W + 2 * pad - dilation * (WW - 1) - 1) // stride + 1
    if H_out <= 0 or W_out <= 0:
        raise ValueError("output would be empty")
    x_pad = np.pad(x, [(0, 0), (0, 0), (pad, pad), (pad, pad)])
    F_per_group = F // groups
    w_groups = w.reshape(groups, F_per_group, C_per_group, HH, WW)

    out = np.zeros((N, F, H_out, W_out))
    for i in range(H_out):
        for j in range(W_out)
            top, left = i * stride, j * stride
            window = x_pad[:, :, top:top + dilation * (HH - 1) + 1:dilation,
                           left:left + dilation * (WW - 1) + 1:dilation]
            window = window.reshape(N, groups, C_per_group, HH, WW)
            out[:, :, i, j] = np.einsum('ngchw,gfchw->ngf', window, w_groups).reshape(N, F)
    out += b.reshape(1, F, 1, 1)
    cache = (x, w, b, conv_param)
    return out, cache


def conv_backward_naive(dout, cache):
    x, w, b, conv_param = cache
    stride = conv_param['stride']
    pad = conv_param['pad']
    dilation = conv_param.get('dilation', 1)
    groups = conv_param.get('groups', 1)
    N, C, H, W = x.shape
    F, C_per_group, HH, WW = w.shape
    _, _, H_out, W_out = dout.shape
    F_per_group = F // groups

    x_pad = np.pad(x, [(0, 0), (0, 0), (pad, pad), (pad, pad)])
    dx_pad = np.zeros(x_pad.shape)
    w_groups = w.reshape(groups, F_per_group, C_per_group, HH, WW)
    dw_groups = np.zeros(w_groups.shape)
    db = dout.sum(axis=(0, 2, 3))

    for i in range(H_out):
        for j in range(W_out):
            top, left = i * stride, j * stride
            rows = slice(top, top + dilation * (HH - 1) + 1, dilation)
            cols = slice(left, left + dilation * (WW - 1) + 1, dilation)
            window = x_pad[:, :, rows, cols].reshape(N, groups, C_per_group, HH, WW)
            d = dout[:, :, i, j].reshape(N, groups, F_per_group)
            dw_groups += np.einsum('ngf,ngchw->gfchw', d, window)
            dx_pad[:, :, rows, cols] += np.einsum('ngf,gfchw->ngchw', d, w_groups).reshape(N, C, HH, WW)

    dx = dx_pad[:, :, pad:pad + H, pad:pad + W]
    dw = dw_groups.reshape(w.shape)
    return dx, dw, db


def correlate2d(image, kernel):
    if image.ndim != 2 or kernel.ndim != 2:
        raise ValueError("expected 2-D arrays")
    H, W = image.shape
    HH, WW = kernel.shape
    if HH > H or WW > W:
        raise ValueError("kernel too big")
    out = np.zeros((H - HH + 1, W - WW + 1))
    for i in range(H - HH + 1):
        for j in range(W - WW + 1):
            out[i, j] = (image[i:i + HH, j:j + WW] * kernel).sum()
    return out


def convolve2d(image, kernel):
    if kernel.ndim != 2:
        raise ValueError("expected 2-D arrays")
    return correlate2d(image, kernel[::-1, ::-1])


def depthwise_separable_conv_forward(x, w_depthwise, b_depthwise, w_pointwise, b_pointwise, conv_param):
    param = {'stride': conv_param['stride'], 'pad': conv_param['pad'],
             'dilation': conv_param.get('dilation', 1), 'groups': x.shape[1]}
    mid, cache_depth = conv_forward_naive(x, w_depthwise, b_depthwise, param)
    out, cache_point = conv_forward_naive(mid, w_pointwise, b_pointwise, {'stride': 1, 'pad': 0})
    return out, (cache_depth, cache_point)


def depthwise_separable_conv_backward(dout, cache):
    cache_depth, cache_point = cache
    dmid, dw_pointwise, db_pointwise = conv_backward_naive(dout, cache_point)
    dx, dw_depthwise, db_depthwise = conv_backward_naive(dmid, cache_depth)
    return dx, dw_depthwise, db_depthwise, dw_pointwise, db_pointwise

from builtins import range
import numpy as np


def conv_forward_naive(x, w, b, conv_param):
    """
    Forward pass for a convolutional layer.
    Slides the (dilated) kernel over the padded input one pixel at a time
    and keeps only the positions that are a multiple of the stride.
    """
    stride = conv_param['stride']
    pad = conv_param['pad']
    dil = conv_param.get('dilation', 1)
    groups = conv_param.get('groups', 1)
    N, C, H, W = x.shape
    F, Cg, HH, WW = w.shape
    if C != Cg * groups or F % groups:
        raise ValueError('bad shapes for groups=%d' % groups)

    x_pad = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)), 'constant')
    Hp, Wp = x_pad.shape[2], x_pad.shape[3]
    kh = dil * (HH - 1) + 1
    kw = dil * (WW - 1) + 1
    H_out = (Hp - kh) // stride + 1
    W_out = (Wp - kw) // stride + 1
    if H_out < 1 or W_out < 1:
        raise ValueError('kernel does not fit')
    Fg = F // groups

    out = np.zeros((N, F, H_out, W_out))
    h = 0
    while h + kh <= Hp:
        if h % stride != 0:
            continue  # not a window position
        v = 0
        while v + kw <= Wp:
            if v % stride == 0:
                win = x_pad[:, :, h:h + kh:dil, v:v + kw:dil]
                for f in range(F):
                    g = f // Fg
                    out[:, f, h // stride, v // stride] = np.sum(win[:, g * Cg:(g + 1) * Cg] * w[f], axis=(1, 2, 3)) + b[f]
            v += 1
        h += 1

    cache = (x, w, b, conv_param)
    return out, cache


def conv_backward_naive(dout, cache):
    x, w, b, conv_param = cache
    stride = conv_param['stride']
    pad = conv_param['pad']
    dil = conv_param.get('dilation', 1)
    groups = conv_param.get('groups', 1)
    N, C, H, W = x.shape
    F, Cg, HH, WW = w.shape
    _, _, H_out, W_out = dout.shape
    Fg = F // groups
    kh = dil * (HH - 1) + 1
    kw = dil * (WW - 1) + 1

    x_pad = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)), 'constant')
    dx_pad = np.zeros_like(x_pad)
    dw = np.zeros_like(w)
    db = dout.sum(axis=(0, 2, 3))
    for i in range(H_out):
        for j in range(W_out):
            h, v = i * stride, j * stride
            win = x_pad[:, :, h:h + kh:dil, v:v + kw:dil]
            for f in range(F):
                g = f // Fg
                d = dout[:, f, i, j].reshape(N, 1, 1, 1)
                dw[f] += np.sum(win[:, g * Cg:(g + 1) * Cg] * d, axis=0)
                dx_pad[:, g * Cg:(g + 1) * Cg, h:h + kh:dil, v:v + kw:dil] += w[f] * d
    dx = dx_pad[:, :, pad:pad + H, pad:pad + W]
    return dx, dw, db


def correlate2d(image, kernel):
    if image.ndim != 2 or kernel.ndim != 2:
        raise ValueError('need 2-D image and kernel')
    H, W = image.shape
    kh, kw = kernel.shape
    if kh > H or kw > W:
        raise ValueError('kernel bigger than image')
    out = np.zeros((H - kh + 1, W - kw + 1))
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            out[i, j] = np.vdot(image[i:i + kh, j:j + kw], kernel)
    return out


def convolve2d(image, kernel):
    if kernel.ndim != 2:
        raise ValueError('need 2-D image and kernel')
    return correlate2d(image, kernel[::-1, ::-1])


def depthwise_separable_conv_forward(x, w_depthwise, b_depthwise, w_pointwise, b_pointwise, conv_param):
    C = x.shape[1]
    p = dict(conv_param)
    p['groups'] = C
    mid, c1 = conv_forward_naive(x, w_depthwise, b_depthwise, p)
    out, c2 = conv_forward_naive(mid, w_pointwise, b_pointwise, {'stride': 1, 'pad': 0})
    return out, (c1, c2)


def depthwise_separable_conv_backward(dout, cache):
    c1, c2 = cache
    dmid, dwp, dbp = conv_backward_naive(dout, c2)
    dx, dwd, dbd = conv_backward_naive(dmid, c1)
    return dx, dwd, dbd, dwp, dbp

from builtins import range
import numpy as np


def conv_forward_naive(x, w, b, conv_param):
    """
    Forward pass for a convolutional layer.
    x: (N, C, H, W), w: (F, C/groups, HH, WW), b: (F,)
    """
    out = None
    stride, pad = conv_param['stride'], conv_param['pad']
    dil = conv_param.get('dilation', 1)
    groups = conv_param.get('groups', 1)
    N, C, H, W = x.shape
    F, Cg, HH, WW = w.shape
    if Cg * groups != C or F % groups != 0:
        raise ValueError("bad shapes")

    Hout = (H + 2 * pad - dil * (HH - 1) - 1) // stride + 1
    Wout = (W + 2 * pad - dil * (WW - 1) - 1) // stride + 1
    if Hout <= 0 or Wout <= 0:
        raise ValueError("kernel doesn't fit")

    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)), 'constant')
    # convolution = flip the kernel (lecture slide 23)
    wf = np.flip(w, axis=(2, 3))
    Fg = F // groups

    out = np.zeros((N, F, Hout, Wout))
    for f in range(F):
        g = f // Fg
        xg = xp[:, g * Cg:(g + 1) * Cg]
        for i in range(Hout):
            for j in range(Wout):
                hs, ws = i * stride, j * stride
                patch = xg[:, :, hs:hs + dil * (HH - 1) + 1:dil, ws:ws + dil * (WW - 1) + 1:dil]
                out[:, f, i, j] = np.sum(patch * wf[f], axis=(1, 2, 3)) + b[f]

    cache = (x, w, b, conv_param)
    return out, cache


def conv_backward_naive(dout, cache):
    x, w, b, conv_param = cache
    stride, pad = conv_param['stride'], conv_param['pad']
    dil = conv_param.get('dilation', 1)
    groups = conv_param.get('groups', 1)
    N, C, H, W = x.shape
    F, Cg, HH, WW = w.shape
    _, _, Hout, Wout = dout.shape
    Fg = F // groups

    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)), 'constant')
    wf = np.flip(w, axis=(2, 3))
    dxp = np.zeros_like(xp)
    dwf = np.zeros_like(wf)
    db = np.sum(dout, axis=(0, 2, 3))

    for f in range(F):
        g = f // Fg
        for i in range(Hout):
            for j in range(Wout):
                hs, ws = i * stride, j * stride
                hsl = slice(hs, hs + dil * (HH - 1) + 1, dil)
                wsl = slice(ws, ws + dil * (WW - 1) + 1, dil)
                patch = xp[:, g * Cg:(g + 1) * Cg, hsl, wsl]
                d = dout[:, f, i, j][:, None, None, None]
                dwf[f] += np.sum(patch * d, axis=0)
                dxp[:, g * Cg:(g + 1) * Cg, hsl, wsl] += wf[f][None] * d

    dx = dxp[:, :, pad:pad + H, pad:pad + W]
    # we computed the gradient of the flipped kernel, flip it back
    dw = np.flip(dwf, axis=(2, 3))
    return dx, dw, db


def correlate2d(image, kernel):
    if image.ndim != 2 or kernel.ndim != 2:
        raise ValueError("2d only")
    H, W = image.shape
    kh, kw = kernel.shape
    if kh > H or kw > W:
        raise ValueError("kernel too big")
    k = np.rot90(kernel, 2)
    out = np.zeros((H - kh + 1, W - kw + 1))
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            out[i, j] = np.sum(image[i:i + kh, j:j + kw] * k)
    return out


def convolve2d(image, kernel):
    if image.ndim != 2 or kernel.ndim != 2:
        raise ValueError("2d only")
    H, W = image.shape
    kh, kw = kernel.shape
    if kh > H or kw > W:
        raise ValueError("kernel too big")
    out = np.zeros((H - kh + 1, W - kw + 1))
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            out[i, j] = np.sum(image[i:i + kh, j:j + kw] * kernel)
    return out


def depthwise_separable_conv_forward(x, w_depthwise, b_depthwise, w_pointwise, b_pointwise, conv_param):
    C = x.shape[1]
    param = dict(conv_param)
    param['groups'] = C
    h, cache1 = conv_forward_naive(x, w_depthwise, b_depthwise, param)
    out, cache2 = conv_forward_naive(h, w_pointwise, b_pointwise, {'stride': 1, 'pad': 0})
    return out, (cache1, cache2)


def depthwise_separable_conv_backward(dout, cache):
    cache1, cache2 = cache
    dh, dw_pointwise, db_pointwise = conv_backward_naive(dout, cache2)
    dx, dw_depthwise, db_depthwise = conv_backward_naive(dh, cache1)
    return dx, dw_depthwise, db_depthwise, dw_pointwise, db_pointwise

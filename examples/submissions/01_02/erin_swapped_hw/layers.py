import numpy as np


def conv_forward_naive(x, w, b, conv_param):
    """
    Forward pass for a convolutional layer (cross-correlation).
    x: (N, C, H, W); w: filters; b: (F,)
    """
    stride = conv_param['stride']
    pad = conv_param['pad']
    d = conv_param.get('dilation', 1)
    groups = conv_param.get('groups', 1)

    N, C, H, W = x.shape
    F, Cg, WW, HH = w.shape          # filter width, filter height
    if Cg * groups != C or F % groups:
        raise ValueError('w has the wrong shape')

    wt = w
    if HH != WW:
        # got "operands could not be broadcast together" on the 3x2 test kernel,
        # transposing the filters makes them line up with the window
        wt = w.transpose(0, 1, 3, 2)

    H_out = (H + 2 * pad - d * (HH - 1) - 1) // stride + 1
    W_out = (W + 2 * pad - d * (WW - 1) - 1) // stride + 1
    if H_out < 1 or W_out < 1:
        raise ValueError('filter larger than input')

    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    Fg = F // groups
    out = np.zeros((N, F, H_out, W_out))
    for i in range(H_out):
        for j in range(W_out):
            r0, c0 = i * stride, j * stride
            win = xp[:, :, r0:r0 + d * (HH - 1) + 1:d, c0:c0 + d * (WW - 1) + 1:d]  # N, C, HH, WW
            for g in range(groups):
                wg = wt[g * Fg:(g + 1) * Fg]              # Fg, Cg, HH, WW
                xg = win[:, g * Cg:(g + 1) * Cg]          # N, Cg, HH, WW
                out[:, g * Fg:(g + 1) * Fg, i, j] = np.tensordot(xg, wg, axes=([1, 2, 3], [1, 2, 3]))
    out += b.reshape(1, -1, 1, 1)
    cache = (x, w, b, conv_param)
    return out, cache


def conv_backward_naive(dout, cache):
    x, w, b, conv_param = cache
    stride = conv_param['stride']
    pad = conv_param['pad']
    d = conv_param.get('dilation', 1)
    groups = conv_param.get('groups', 1)

    N, C, H, W = x.shape
    F, Cg, WW, HH = w.shape
    wt = w
    if HH != WW:
        wt = w.transpose(0, 1, 3, 2)   # same as in the forward pass
    _, _, H_out, W_out = dout.shape
    Fg = F // groups

    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    dxp = np.zeros_like(xp)
    dwt = np.zeros_like(wt)
    db = dout.sum(axis=(0, 2, 3))

    for i in range(H_out):
        for j in range(W_out):
            r0, c0 = i * stride, j * stride
            rs = slice(r0, r0 + d * (HH - 1) + 1, d)
            cs = slice(c0, c0 + d * (WW - 1) + 1, d)
            for g in range(groups):
                fs = slice(g * Fg, (g + 1) * Fg)
                ch = slice(g * Cg, (g + 1) * Cg)
                dg = dout[:, fs, i, j]                    # N, Fg
                dwt[fs] += np.tensordot(dg, xp[:, ch, rs, cs], axes=([0], [0]))
                dxp[:, ch, rs, cs] += np.tensordot(dg, wt[fs], axes=([1], [0]))

    dx = dxp[:, :, pad:pad + H, pad:pad + W]
    dw = dwt
    if HH != WW:
        dw = dwt.transpose(0, 1, 3, 2)   # back to the layout of w
    return dx, dw, db


def correlate2d(image, kernel):
    if image.ndim != 2 or kernel.ndim != 2:
        raise ValueError('2-D arrays expected')
    H, W = image.shape
    kh, kw = kernel.shape
    if kh > H or kw > W:
        raise ValueError('kernel larger than image')
    out = np.zeros((H - kh + 1, W - kw + 1))
    for p in range(kh):
        for q in range(kw):
            out += kernel[p, q] * image[p:p + out.shape[0], q:q + out.shape[1]]
    return out


def convolve2d(image, kernel):
    if kernel.ndim != 2:
        raise ValueError('2-D arrays expected')
    return correlate2d(image, kernel[::-1, ::-1])


def depthwise_separable_conv_forward(x, w_depthwise, b_depthwise, w_pointwise, b_pointwise, conv_param):
    C = x.shape[1]
    cp = dict(conv_param)
    cp['groups'] = C
    h, cache_d = conv_forward_naive(x, w_depthwise, b_depthwise, cp)
    out, cache_p = conv_forward_naive(h, w_pointwise, b_pointwise, {'stride': 1, 'pad': 0})
    return out, (cache_d, cache_p)


def depthwise_separable_conv_backward(dout, cache):
    cache_d, cache_p = cache
    dh, dwp, dbp = conv_backward_naive(dout, cache_p)
    dx, dwd, dbd = conv_backward_naive(dh, cache_d)
    return dx, dwd, dbd, dwp, dbp

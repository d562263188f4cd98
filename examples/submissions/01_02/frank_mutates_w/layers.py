from builtins import range
import numpy as np


def conv_forward_naive(x, w, b, conv_param):
    """Forward pass of a conv layer. See the assignment for the shapes."""
    stride, pad = conv_param['stride'], conv_param['pad']
    dil = conv_param.get('dilation', 1)
    G = conv_param.get('groups', 1)
    N, C, H, W = x.shape
    F, Cg, HH, WW = w.shape
    if C % G or F % G or Cg != C // G:
        raise ValueError('inconsistent shapes')
    kh, kw = dil * (HH - 1) + 1, dil * (WW - 1) + 1   # size of the dilated kernel
    Ho = (H + 2 * pad - kh) // stride + 1
    Wo = (W + 2 * pad - kw) // stride + 1
    if Ho < 1 or Wo < 1:
        raise ValueError('kernel does not fit')

    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    Fg = F // G
    out = np.zeros((N, F, Ho, Wo))
    for g in range(G):
        xg = xp[:, g * Cg:(g + 1) * Cg]
        wg = w[g * Fg:(g + 1) * Fg]
        for i in range(Ho):
            for j in range(Wo):
                patch = xg[:, :, i * stride:i * stride + kh:dil, j * stride:j * stride + kw:dil]
                out[:, g * Fg:(g + 1) * Fg, i, j] = np.einsum('nchw,fchw->nf', patch, wg)
    out += b[None, :, None, None]
    cache = (x, w, b, conv_param)
    return out, cache


def conv_backward_naive(dout, cache):
    """
    dx is the "full" convolution of dout with the filters rotated by 180 degrees,
    dw is the correlation of x with dout (see the backprop-through-conv notes).
    Stride: spread dout out with zeros in between. Dilation: spread the kernel out.
    """
    x, w, b, conv_param = cache
    stride, pad = conv_param['stride'], conv_param['pad']
    dil = conv_param.get('dilation', 1)
    G = conv_param.get('groups', 1)
    N, C, H, W = x.shape
    F, Cg, HH, WW = w.shape
    _, _, Ho, Wo = dout.shape
    Fg = F // G
    kh, kw = dil * (HH - 1) + 1, dil * (WW - 1) + 1

    db = dout.sum(axis=(0, 2, 3))

    # ---- dw: correlate x_pad with dout ----
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    dw = np.zeros((F, Cg, HH, WW))
    for g in range(G):
        xg = xp[:, g * Cg:(g + 1) * Cg]
        dg = dout[:, g * Fg:(g + 1) * Fg]
        for p in range(HH):
            for q in range(WW):
                r, c = p * dil, q * dil
                xs = xg[:, :, r:r + stride * (Ho - 1) + 1:stride, c:c + stride * (Wo - 1) + 1:stride]
                dw[g * Fg:(g + 1) * Fg, :, p, q] = np.einsum('nfij,ncij->fc', dg, xs)

    # ---- dx: full convolution of dout with the rotated kernels ----
    # rotate every filter by 180 degrees
    for f in range(F):
        for c in range(Cg):
            w[f, c] = np.rot90(w[f, c], 2)
    # dilate the (rotated) kernel
    w_dil = np.zeros((F, Cg, kh, kw))
    w_dil[:, :, ::dil, ::dil] = w
    # insert stride-1 zeros between the dout entries
    du = np.zeros((N, F, stride * (Ho - 1) + 1, stride * (Wo - 1) + 1))
    du[:, :, ::stride, ::stride] = dout
    # pad by kernel size - 1 for the "full" convolution
    du = np.pad(du, ((0, 0), (0, 0), (kh - 1, kh - 1), (kw - 1, kw - 1)))
    Hf = du.shape[2] - kh + 1
    Wf = du.shape[3] - kw + 1          # <= H + 2*pad (rows the windows never reached get no gradient)

    dxp = np.zeros(xp.shape)
    for g in range(G):
        dg = du[:, g * Fg:(g + 1) * Fg]
        wg = w_dil[g * Fg:(g + 1) * Fg]
        for r in range(Hf):
            for c in range(Wf):
                dxp[:, g * Cg:(g + 1) * Cg, r, c] = np.einsum('nfhw,fchw->nc', dg[:, :, r:r + kh, c:c + kw], wg)
    dx = dxp[:, :, pad:pad + H, pad:pad + W]
    return dx, dw, db


def correlate2d(image, kernel):
    if image.ndim != 2 or kernel.ndim != 2:
        raise ValueError('2-D only')
    if kernel.shape[0] > image.shape[0] or kernel.shape[1] > image.shape[1]:
        raise ValueError('kernel larger than image')
    x = image[None, None]
    w = kernel[None, None]
    out, _ = conv_forward_naive(x, w, np.zeros(1), {'stride': 1, 'pad': 0})
    return out[0, 0]


def convolve2d(image, kernel):
    if kernel.ndim != 2:
        raise ValueError('2-D only')
    return correlate2d(image, np.flip(kernel, (0, 1)))


def depthwise_separable_conv_forward(x, w_depthwise, b_depthwise, w_pointwise, b_pointwise, conv_param):
    C = x.shape[1]
    dw_param = dict(conv_param, groups=C)
    y, c1 = conv_forward_naive(x, w_depthwise, b_depthwise, dw_param)
    out, c2 = conv_forward_naive(y, w_pointwise, b_pointwise, {'stride': 1, 'pad': 0})
    return out, (c1, c2)


def depthwise_separable_conv_backward(dout, cache):
    c1, c2 = cache
    dy, dw_pw, db_pw = conv_backward_naive(dout, c2)
    dx, dw_dw, db_dw = conv_backward_naive(dy, c1)
    return dx, dw_dw, db_dw, dw_pw, db_pw

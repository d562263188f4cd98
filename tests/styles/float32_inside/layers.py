"""Correct 02 with plain loops, computing internally in float32; outputs cast back to float64."""
import numpy as np

f32 = np.float32


def _params(conv_param):
    return conv_param['stride'], conv_param['pad'], conv_param.get('dilation', 1), conv_param.get('groups', 1)


def conv_forward_naive(x, w, b, conv_param):
    s, p, d, G = _params(conv_param)
    N, C, H, W = x.shape
    F, Cg, HH, WW = w.shape
    if C % G or F % G or Cg * G != C:
        raise ValueError('w does not match x and groups')
    Ho = (H + 2 * p - d * (HH - 1) - 1) // s + 1
    Wo = (W + 2 * p - d * (WW - 1) - 1) // s + 1
    if Ho < 1 or Wo < 1:
        raise ValueError('kernel does not fit')
    xp = np.pad(x.astype(f32), ((0, 0), (0, 0), (p, p), (p, p)))
    w32, b32 = w.astype(f32), b.astype(f32)
    Fg = F // G
    out = np.zeros((N, F, Ho, Wo), dtype=f32)
    for n in range(N):
        for f in range(F):
            c0 = (f // Fg) * Cg
            for i in range(Ho):
                for j in range(Wo):
                    win = xp[n, c0:c0 + Cg, i * s:i * s + d * (HH - 1) + 1:d, j * s:j * s + d * (WW - 1) + 1:d]
                    out[n, f, i, j] = np.sum(win * w32[f]) + b32[f]
    return out.astype(np.float64), (x, w, b, conv_param)


def conv_backward_naive(dout, cache):
    x, w, b, conv_param = cache
    s, p, d, G = _params(conv_param)
    N, C, H, W = x.shape
    F, Cg, HH, WW = w.shape
    _, _, Ho, Wo = dout.shape
    Fg = F // G
    xp = np.pad(x.astype(f32), ((0, 0), (0, 0), (p, p), (p, p)))
    w32, d32 = w.astype(f32), dout.astype(f32)
    dxp = np.zeros(xp.shape, dtype=f32)
    dw = np.zeros(w.shape, dtype=f32)
    for n in range(N):
        for f in range(F):
            c0 = (f // Fg) * Cg
            for i in range(Ho):
                for j in range(Wo):
                    rs = slice(i * s, i * s + d * (HH - 1) + 1, d)
                    cs = slice(j * s, j * s + d * (WW - 1) + 1, d)
                    g = d32[n, f, i, j]
                    dw[f] += xp[n, c0:c0 + Cg, rs, cs] * g
                    dxp[n, c0:c0 + Cg, rs, cs] += w32[f] * g
    db = d32.sum(axis=(0, 2, 3))
    dx = dxp[:, :, p:p + H, p:p + W]
    return dx.astype(np.float64), dw.astype(np.float64), db.astype(np.float64)


def correlate2d(image, kernel):
    if image.ndim != 2 or kernel.ndim != 2:
        raise ValueError('2-D arrays expected')
    H, W = image.shape
    HH, WW = kernel.shape
    if HH > H or WW > W:
        raise ValueError('kernel larger than image')
    img, k = image.astype(f32), kernel.astype(f32)
    out = np.zeros((H - HH + 1, W - WW + 1), dtype=f32)
    for i in range(H - HH + 1):
        for j in range(W - WW + 1):
            out[i, j] = np.sum(img[i:i + HH, j:j + WW] * k)
    return out.astype(np.float64)


def convolve2d(image, kernel):
    if kernel.ndim != 2:
        raise ValueError('2-D arrays expected')
    return correlate2d(image, kernel[::-1, ::-1])


def depthwise_separable_conv_forward(x, w_depthwise, b_depthwise, w_pointwise, b_pointwise, conv_param):
    C = x.shape[1]
    cp = {'stride': conv_param['stride'], 'pad': conv_param['pad'],
          'dilation': conv_param.get('dilation', 1), 'groups': C}
    mid, c1 = conv_forward_naive(x, w_depthwise, b_depthwise, cp)
    out, c2 = conv_forward_naive(mid, w_pointwise, b_pointwise, {'stride': 1, 'pad': 0})
    return out, (c1, c2)


def depthwise_separable_conv_backward(dout, cache):
    c1, c2 = cache
    dmid, dwp, dbp = conv_backward_naive(dout, c2)
    dx, dwd, dbd = conv_backward_naive(dmid, c1)
    return dx, dwd, dbd, dwp, dbp

# corpus: bug
# exercises: residual_block_forward, residual_block_backward
# loses: residual_block_backward
# diagnosis: -
# about: correct forward; the backward returns only the residual branch's dx, dropping the identity path's gradient
import numpy as np


def _fwd(x, w, b, s, p):
    N, C, H, W = x.shape
    F, _, k, _ = w.shape
    xp = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)))
    Ho, Wo = (H + 2 * p - k) // s + 1, (W + 2 * p - k) // s + 1
    out = np.zeros((N, F, Ho, Wo))
    for i in range(Ho):
        for j in range(Wo):
            out[:, :, i, j] = np.einsum('nchw,fchw->nf', xp[:, :, i * s:i * s + k, j * s:j * s + k], w) + b
    return out, (x, w, s, p)


def _bwd(d, cache):
    x, w, s, p = cache
    N, C, H, W = x.shape
    F, _, k, _ = w.shape
    xp = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)))
    dxp = np.zeros_like(xp)
    dw = np.zeros_like(w)
    for i in range(d.shape[2]):
        for j in range(d.shape[3]):
            win = xp[:, :, i * s:i * s + k, j * s:j * s + k]
            dw += np.einsum('nf,nchw->fchw', d[:, :, i, j], win)
            dxp[:, :, i * s:i * s + k, j * s:j * s + k] += np.einsum('nf,fchw->nchw', d[:, :, i, j], w)
    return dxp[:, :, p:p + H, p:p + W], dw, d.sum(axis=(0, 2, 3))


def residual_block_forward(x, params, block_param):
    s = block_param.get('stride', 1)
    a1, c1 = _fwd(x, params['w1'], params['b1'], s, 1)
    h = np.maximum(a1, 0)
    a2, c2 = _fwd(h, params['w2'], params['b2'], 1, 1)
    if 'ws' in params:
        sc, cs = _fwd(x, params['ws'], params['bs'], s, 0)
    else:
        sc, cs = x, None
    z = a2 + sc
    return np.maximum(z, 0), (a1, z, c1, c2, cs)


def residual_block_backward(dout, cache):
    a1, z, c1, c2, cs = cache
    dz = dout * (z > 0)
    dh, dw2, db2 = _bwd(dz, c2)
    dx, dw1, db1 = _bwd(dh * (a1 > 0), c1)
    grads = {'x': dx, 'w1': dw1, 'b1': db1, 'w2': dw2, 'b2': db2}
    if cs is not None:
        _, grads['ws'], grads['bs'] = _bwd(dz, cs)
    return grads

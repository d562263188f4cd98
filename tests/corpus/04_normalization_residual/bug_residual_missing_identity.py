# corpus: bug
# exercises: residual_block_forward
# loses: residual_block_forward
# diagnosis: missing_identity
# about: adds the projection when there is one, but forgets the identity shortcut otherwise
import numpy as np


def conv3(x, w, b, stride=1, pad=1):
    N, C, H, W = x.shape
    F, _, kh, kw = w.shape
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    Ho, Wo = (H + 2 * pad - kh) // stride + 1, (W + 2 * pad - kw) // stride + 1
    out = np.empty((N, F, Ho, Wo))
    for i in range(Ho):
        for j in range(Wo):
            win = xp[:, :, i * stride:i * stride + kh, j * stride:j * stride + kw]
            out[:, :, i, j] = np.einsum('nchw,fchw->nf', win, w) + b
    return out


def residual_block_forward(x, params, block_param):
    stride = block_param.get('stride', 1)
    y = np.maximum(conv3(x, params['w1'], params['b1'], stride), 0)
    y = conv3(y, params['w2'], params['b2'])
    if 'ws' in params:
        y = y + conv3(x, params['ws'], params['bs'], stride, pad=0)
    return np.maximum(y, 0), (x, params, block_param)

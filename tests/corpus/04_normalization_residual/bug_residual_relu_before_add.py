# corpus: bug
# exercises: residual_block_forward
# loses: residual_block_forward
# diagnosis: relu_before_add
# about: applies the second ReLU to the residual branch before adding the shortcut
import numpy as np


def _conv(x, w, b, stride, pad):
    N, C, H, W = x.shape
    F, _, k, _ = w.shape
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    Ho, Wo = (H + 2 * pad - k) // stride + 1, (W + 2 * pad - k) // stride + 1
    out = np.zeros((N, F, Ho, Wo))
    for i in range(Ho):
        for j in range(Wo):
            patch = xp[:, :, i * stride:i * stride + k, j * stride:j * stride + k]
            out[:, :, i, j] = np.tensordot(patch, w, axes=([1, 2, 3], [1, 2, 3])) + b
    return out


def residual_block_forward(x, params, block_param):
    s = block_param['stride']
    out = np.maximum(_conv(x, params['w1'], params['b1'], s, 1), 0)
    out = np.maximum(_conv(out, params['w2'], params['b2'], 1, 1), 0)
    shortcut = _conv(x, params['ws'], params['bs'], s, 0) if 'ws' in params else x
    out = out + shortcut
    return out, (x, params, block_param)

# corpus: bug
# exercises: gru_step_forward
# loses: gru_step_forward
# diagnosis: gru_reset_before_matmul
# about: d2l's GRU: the reset gate multiplies prev_h before W_hn (PyTorch applies it after)
import numpy as np


def gru_step_forward(x, prev_h, Wx, Wh, b):
    H = prev_h.shape[1]
    sig = lambda t: 1 / (1 + np.exp(-t))
    bx, bh = b[0], b[1]
    r = sig(x @ Wx[:, :H] + bx[:H] + prev_h @ Wh[:, :H] + bh[:H])
    z = sig(x @ Wx[:, H:2 * H] + bx[H:2 * H] + prev_h @ Wh[:, H:2 * H] + bh[H:2 * H])
    n = np.tanh(x @ Wx[:, 2 * H:] + bx[2 * H:] + (r * prev_h) @ Wh[:, 2 * H:] + bh[2 * H:])
    h = (1 - z) * n + z * prev_h
    return h, (x, prev_h, r, z, n)

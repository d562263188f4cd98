# corpus: bug
# exercises: gru_step_forward
# loses: gru_step_forward
# diagnosis: gru_swapped_z
# about: h = z * n + (1 - z) * prev_h (the other textbook convention)
import numpy as np


def gru_step_forward(x, prev_h, Wx, Wh, b):
    H = prev_h.shape[1]
    a_x = x.dot(Wx) + b[0]
    a_h = prev_h.dot(Wh) + b[1]
    r = 1.0 / (1.0 + np.exp(-(a_x[:, :H] + a_h[:, :H])))
    z = 1.0 / (1.0 + np.exp(-(a_x[:, H:2 * H] + a_h[:, H:2 * H])))
    n = np.tanh(a_x[:, 2 * H:] + r * a_h[:, 2 * H:])
    next_h = z * n + (1.0 - z) * prev_h
    return next_h, (x, prev_h, r, z, n, a_h)

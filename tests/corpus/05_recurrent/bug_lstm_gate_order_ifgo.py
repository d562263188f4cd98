# corpus: bug
# exercises: lstm_step_forward
# loses: lstm_step_forward
# diagnosis: lstm_gate_order_ifgo
# about: slices the gates in PyTorch's order i, f, g, o instead of CS231n's i, f, o, g
import numpy as np


def lstm_step_forward(x, prev_h, prev_c, Wx, Wh, b):
    H = prev_h.shape[1]
    gates = x @ Wx + prev_h @ Wh + b
    i = 1 / (1 + np.exp(-gates[:, 0:H]))
    f = 1 / (1 + np.exp(-gates[:, H:2 * H]))
    g = np.tanh(gates[:, 2 * H:3 * H])
    o = 1 / (1 + np.exp(-gates[:, 3 * H:4 * H]))
    next_c = f * prev_c + i * g
    next_h = o * np.tanh(next_c)
    return next_h, next_c, (x, prev_h, prev_c, Wx, Wh, i, f, o, g, next_c)

# corpus: bug
# exercises: lstm_step_forward, lstm_step_backward
# loses: lstm_step_forward, lstm_step_backward
# diagnosis: lstm_gate_order_igfo
# about: forward and backward both pack the gates as i, g, f, o (consistent with each other, wrong order)
import numpy as np


def lstm_step_forward(x, prev_h, prev_c, Wx, Wh, b):
    H = prev_h.shape[1]
    a = x @ Wx + prev_h @ Wh + b
    ai, ag, af, ao = np.split(a, 4, axis=1)
    i = 1 / (1 + np.exp(-ai))
    g = np.tanh(ag)
    f = 1 / (1 + np.exp(-af))
    o = 1 / (1 + np.exp(-ao))
    c = f * prev_c + i * g
    h = o * np.tanh(c)
    return h, c, (x, prev_h, prev_c, Wx, Wh, i, g, f, o, c)


def lstm_step_backward(dnext_h, dnext_c, cache):
    x, prev_h, prev_c, Wx, Wh, i, g, f, o, c = cache
    tc = np.tanh(c)
    dc = dnext_c + dnext_h * o * (1 - tc ** 2)
    da = np.concatenate([dc * g * i * (1 - i), dc * i * (1 - g ** 2), dc * prev_c * f * (1 - f), dnext_h * tc * o * (1 - o)], axis=1)
    return da @ Wx.T, da @ Wh.T, dc * f, x.T @ da, prev_h.T @ da, da.sum(axis=0)

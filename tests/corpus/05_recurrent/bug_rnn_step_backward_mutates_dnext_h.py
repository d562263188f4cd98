# corpus: bug
# exercises: rnn_step_forward, rnn_step_backward
# loses: rnn_step_backward
# diagnosis: mutates_input
# about: dnext_h *= (1 - next_h ** 2) changes the caller's upstream gradient
import numpy as np


def rnn_step_forward(x, prev_h, Wx, Wh, b):
    z = x @ Wx + prev_h @ Wh + b
    next_h = np.tanh(z)
    return next_h, (x, prev_h, Wx, Wh, next_h)


def rnn_step_backward(dnext_h, cache):
    x, prev_h, Wx, Wh, next_h = cache
    dnext_h *= 1 - next_h ** 2
    return dnext_h @ Wx.T, dnext_h @ Wh.T, x.T @ dnext_h, prev_h.T @ dnext_h, dnext_h.sum(axis=0)

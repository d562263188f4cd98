# corpus: bug
# exercises: rnn_forward, rnn_backward
# loses: rnn_backward
# diagnosis: -
# about: the backward uses dh[:, t] alone at every step, never adding the gradient carried from step t + 1
import numpy as np


def rnn_forward(x, h0, Wx, Wh, b):
    N, T, _ = x.shape
    hs = []
    h = h0
    for t in range(T):
        h = np.tanh(x[:, t, :] @ Wx + h @ Wh + b)
        hs.append(h)
    H = np.stack(hs, axis=1)
    return H, (x, h0, Wx, Wh, H)


def rnn_backward(dh, cache):
    x, h0, Wx, Wh, H = cache
    N, T, D = x.shape
    dx = np.zeros_like(x)
    dWx, dWh, db = np.zeros_like(Wx), np.zeros_like(Wh), np.zeros(Wh.shape[0])
    dprev = np.zeros_like(h0)
    for t in reversed(range(T)):
        prev = H[:, t - 1, :] if t > 0 else h0
        da = dh[:, t, :] * (1 - H[:, t, :] ** 2)
        dx[:, t, :] = da @ Wx.T
        dprev = da @ Wh.T
        dWx += x[:, t, :].T @ da
        dWh += prev.T @ da
        db += da.sum(axis=0)
    return dx, dprev, dWx, dWh, db

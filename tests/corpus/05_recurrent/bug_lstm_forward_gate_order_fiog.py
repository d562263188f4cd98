# corpus: bug
# exercises: lstm_forward
# loses: lstm_forward
# diagnosis: lstm_forward_gate_order_fiog
# about: the step function reads the forget gate first (f, i, o, g), as in some blog posts
import numpy as np


def _sigmoid(v):
    return 1.0 / (1.0 + np.exp(-v))


def lstm_step_forward(x, prev_h, prev_c, Wx, Wh, b):
    H = prev_h.shape[1]
    a = x.dot(Wx) + prev_h.dot(Wh) + b
    f = _sigmoid(a[:, :H])
    i = _sigmoid(a[:, H:2 * H])
    o = _sigmoid(a[:, 2 * H:3 * H])
    g = np.tanh(a[:, 3 * H:])
    c = f * prev_c + i * g
    h = o * np.tanh(c)
    return h, c, (x, prev_h, prev_c, i, f, o, g, c)


def lstm_forward(x, h0, Wx, Wh, b):
    N, T, D = x.shape
    hs, caches = [], []
    h, c = h0, np.zeros_like(h0)
    for t in range(T):
        h, c, cache = lstm_step_forward(x[:, t], h, c, Wx, Wh, b)
        hs.append(h)
        caches.append(cache)
    return np.stack(hs, axis=1), caches

# corpus: bug
# exercises: rnn_forward
# loses: rnn_forward
# diagnosis: squeeze_drops_batch
# about: x[:, t:t+1, :].squeeze() drops the batch axis when N = 1
import numpy as np


def rnn_step_forward(x, prev_h, Wx, Wh, b):
    next_h = np.tanh(x @ Wx + prev_h @ Wh + b)
    return next_h, (x, prev_h, Wx, Wh, next_h)


def rnn_forward(x, h0, Wx, Wh, b):
    N, T, D = x.shape
    h = np.zeros((N, T, h0.shape[1]))
    caches = []
    prev = h0
    for t in range(T):
        xt = x[:, t:t + 1, :].squeeze()
        prev, c = rnn_step_forward(xt, prev, Wx, Wh, b)
        h[:, t, :] = prev
        caches.append(c)
    return h, caches

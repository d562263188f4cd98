# corpus: correct
# exercises: rnn_step_forward, rnn_step_backward, rnn_forward, rnn_backward, lstm_step_forward, lstm_step_backward, lstm_forward, lstm_backward
# contract: cs231n
# about: CS231n rnn_layers.py skeleton filled in with the @ operator, caches as dicts, sigmoid via tanh, per-step caches in a list
import numpy as np


def sigmoid(x):
    # 0.5 * (1 + tanh(x / 2)) never overflows, unlike 1 / (1 + exp(-x)) for very negative x
    return 0.5 * (1.0 + np.tanh(0.5 * x))


def rnn_step_forward(x, prev_h, Wx, Wh, b):
    pre = x @ Wx + prev_h @ Wh + b
    next_h = np.tanh(pre)
    return next_h, {"x": x, "h_prev": prev_h, "Wx": Wx, "Wh": Wh, "h": next_h}


def rnn_step_backward(dnext_h, cache):
    dpre = (1.0 - cache["h"] * cache["h"]) * dnext_h
    return (
        dpre @ cache["Wx"].T,
        dpre @ cache["Wh"].T,
        cache["x"].T @ dpre,
        cache["h_prev"].T @ dpre,
        dpre.sum(axis=0),
    )


def rnn_forward(x, h0, Wx, Wh, b):
    steps, states = [], []
    h_t = h0
    for t in range(x.shape[1]):
        h_t, step = rnn_step_forward(x[:, t], h_t, Wx, Wh, b)
        states.append(h_t)
        steps.append(step)
    return np.stack(states, axis=1), steps


def rnn_backward(dh, cache):
    grads_x = [None] * len(cache)
    dWx = np.zeros_like(cache[0]["Wx"])
    dWh = np.zeros_like(cache[0]["Wh"])
    db = np.zeros(dWx.shape[1])
    carry = np.zeros_like(dh[:, 0])
    for t in range(len(cache) - 1, -1, -1):
        grads_x[t], carry, gWx, gWh, gb = rnn_step_backward(dh[:, t] + carry, cache[t])
        dWx += gWx
        dWh += gWh
        db += gb
    return np.stack(grads_x, axis=1), carry, dWx, dWh, db


def lstm_step_forward(x, prev_h, prev_c, Wx, Wh, b):
    H = prev_h.shape[1]
    gates = x @ Wx + prev_h @ Wh + b
    i = sigmoid(gates[:, 0 * H:1 * H])
    f = sigmoid(gates[:, 1 * H:2 * H])
    o = sigmoid(gates[:, 2 * H:3 * H])
    g = np.tanh(gates[:, 3 * H:4 * H])
    next_c = f * prev_c + i * g
    squashed = np.tanh(next_c)
    next_h = o * squashed
    cache = {"x": x, "h_prev": prev_h, "c_prev": prev_c, "Wx": Wx, "Wh": Wh,
             "i": i, "f": f, "o": o, "g": g, "tanh_c": squashed}
    return next_h, next_c, cache


def lstm_step_backward(dnext_h, dnext_c, cache):
    i, f, o, g, tanh_c = cache["i"], cache["f"], cache["o"], cache["g"], cache["tanh_c"]
    dc_total = dnext_c + dnext_h * o * (1.0 - tanh_c * tanh_c)
    dgates = np.concatenate(
        [
            dc_total * g * i * (1.0 - i),
            dc_total * cache["c_prev"] * f * (1.0 - f),
            dnext_h * tanh_c * o * (1.0 - o),
            dc_total * i * (1.0 - g * g),
        ],
        axis=1,
    )
    return (
        dgates @ cache["Wx"].T,
        dgates @ cache["Wh"].T,
        dc_total * f,
        cache["x"].T @ dgates,
        cache["h_prev"].T @ dgates,
        dgates.sum(axis=0),
    )


def lstm_forward(x, h0, Wx, Wh, b):
    h_t, c_t = h0, np.zeros_like(h0)
    outputs, steps = [], []
    for t in range(x.shape[1]):
        h_t, c_t, step = lstm_step_forward(x[:, t], h_t, c_t, Wx, Wh, b)
        outputs.append(h_t)
        steps.append(step)
    return np.stack(outputs, axis=1), steps


def lstm_backward(dh, cache):
    dxs = []
    dWx = np.zeros_like(cache[0]["Wx"])
    dWh = np.zeros_like(cache[0]["Wh"])
    db = np.zeros(dWx.shape[1])
    dh_next = np.zeros_like(dh[:, 0])
    dc_next = np.zeros_like(dh_next)
    for t in reversed(range(len(cache))):
        dx_t, dh_next, dc_next, gWx, gWh, gb = lstm_step_backward(dh[:, t] + dh_next, dc_next, cache[t])
        dxs.append(dx_t)
        dWx, dWh, db = dWx + gWx, dWh + gWh, db + gb
    return np.stack(dxs[::-1], axis=1), dh_next, dWx, dWh, db

"""Recurrent layers, written with einsum everywhere (student submission)."""
import numpy as np


def sigmoid(x):
    return 0.5 * (1.0 + np.tanh(0.5 * x))  # same as 1/(1+e^-x), never overflows


def rnn_step_forward(x, prev_h, Wx, Wh, b):
    a = np.einsum("nd,dh->nh", x, Wx) + np.einsum("nk,kh->nh", prev_h, Wh) + b
    next_h = np.tanh(a)
    return next_h, (x, prev_h, Wx, Wh, next_h)


def rnn_step_backward(dnext_h, cache):
    x, prev_h, Wx, Wh, next_h = cache
    da = dnext_h * (1.0 - next_h * next_h)
    dx = np.einsum("nh,dh->nd", da, Wx)
    dprev_h = np.einsum("nh,kh->nk", da, Wh)
    dWx = np.einsum("nd,nh->dh", x, da)
    dWh = np.einsum("nk,nh->kh", prev_h, da)
    db = np.einsum("nh->h", da)
    return dx, dprev_h, dWx, dWh, db


def rnn_forward(x, h0, Wx, Wh, b):
    # the input projection of all time steps at once
    xw = np.einsum("ntd,dh->nth", x, Wx) + b
    hs = []
    h = h0
    for t in range(x.shape[1]):
        h = np.tanh(xw[:, t] + np.einsum("nk,kh->nh", h, Wh))
        hs.append(h)
    H = np.stack(hs, axis=1) if hs else np.zeros((x.shape[0], 0, h0.shape[1]))
    return H, (x, h0, Wx, Wh, H)


def rnn_backward(dh, cache):
    x, h0, Wx, Wh, H = cache
    T = x.shape[1]
    prev = np.concatenate([h0[:, None, :], H[:, :-1, :]], axis=1)  # h_{t-1} for every t
    da = np.zeros_like(H)
    carry = np.zeros_like(h0)
    for t in range(T - 1, -1, -1):
        da[:, t] = (dh[:, t] + carry) * (1.0 - H[:, t] ** 2)
        carry = np.einsum("nh,kh->nk", da[:, t], Wh)
    dx = np.einsum("nth,dh->ntd", da, Wx)
    dWx = np.einsum("ntd,nth->dh", x, da)
    dWh = np.einsum("ntk,nth->kh", prev, da)
    db = np.einsum("nth->h", da)
    return dx, carry, dWx, dWh, db


def lstm_step_forward(x, prev_h, prev_c, Wx, Wh, b):
    N, H = prev_h.shape
    a = np.einsum("nd,dg->ng", x, Wx) + np.einsum("nk,kg->ng", prev_h, Wh) + b
    a = a.reshape(N, 4, H)  # gate axis: i, f, o, g
    i, f, o = sigmoid(a[:, 0]), sigmoid(a[:, 1]), sigmoid(a[:, 2])
    g = np.tanh(a[:, 3])
    next_c = f * prev_c + i * g
    tc = np.tanh(next_c)
    next_h = o * tc
    return next_h, next_c, (x, prev_h, prev_c, Wx, Wh, i, f, o, g, tc)


def lstm_step_backward(dnext_h, dnext_c, cache):
    x, prev_h, prev_c, Wx, Wh, i, f, o, g, tc = cache
    N, H = prev_h.shape
    dc = dnext_c + dnext_h * o * (1.0 - tc ** 2)
    da = np.stack(
        [dc * g * i * (1 - i), dc * prev_c * f * (1 - f), dnext_h * tc * o * (1 - o), dc * i * (1 - g ** 2)],
        axis=1,
    ).reshape(N, 4 * H)
    dx = np.einsum("ng,dg->nd", da, Wx)
    dprev_h = np.einsum("ng,kg->nk", da, Wh)
    dWx = np.einsum("nd,ng->dg", x, da)
    dWh = np.einsum("nk,ng->kg", prev_h, da)
    db = np.einsum("ng->g", da)
    return dx, dprev_h, dc * f, dWx, dWh, db


def lstm_forward(x, h0, Wx, Wh, b):
    N, T, D = x.shape
    h, c = h0, np.zeros_like(h0)
    hs, caches = [], []
    for t in range(T):
        h, c, cache = lstm_step_forward(x[:, t], h, c, Wx, Wh, b)
        hs.append(h)
        caches.append(cache)
    H = np.stack(hs, axis=1) if hs else np.zeros((N, 0, h0.shape[1]))
    return H, (caches, x.shape, Wx.shape, Wh.shape, b.shape)


def lstm_backward(dh, cache):
    caches, xshape, wxs, whs, bs = cache
    dx = np.zeros(xshape)
    dWx, dWh, db = np.zeros(wxs), np.zeros(whs), np.zeros(bs)
    dh_next = np.zeros_like(dh[:, 0]) if dh.shape[1] else np.zeros((dh.shape[0], dh.shape[2]))
    dc_next = np.zeros_like(dh_next)
    for t in reversed(range(xshape[1])):
        dx[:, t], dh_next, dc_next, a, bb, c = lstm_step_backward(dh[:, t] + dh_next, dc_next, caches[t])
        dWx, dWh, db = dWx + a, dWh + bb, db + c
    return dx, dh_next, dWx, dWh, db


def gru_step_forward(x, prev_h, Wx, Wh, b):
    N, H = prev_h.shape
    gx = (np.einsum("nd,dg->ng", x, Wx) + b[0]).reshape(N, 3, H)  # r, z, n
    gh = (np.einsum("nk,kg->ng", prev_h, Wh) + b[1]).reshape(N, 3, H)
    rz = sigmoid(gx[:, :2] + gh[:, :2])
    r, z = rz[:, 0], rz[:, 1]
    n = np.tanh(gx[:, 2] + r * gh[:, 2])
    next_h = n + z * (prev_h - n)  # = (1 - z) n + z h
    return next_h, (x, prev_h, Wx, Wh, r, z, n, gh[:, 2])


def gru_step_backward(dnext_h, cache):
    x, prev_h, Wx, Wh, r, z, n, hn = cache
    N, H = prev_h.shape
    dn_pre = dnext_h * (1 - z) * (1 - n ** 2)
    dr_pre = dn_pre * hn * r * (1 - r)
    dz_pre = dnext_h * (prev_h - n) * z * (1 - z)
    dgx = np.stack([dr_pre, dz_pre, dn_pre], axis=1).reshape(N, 3 * H)
    dgh = np.stack([dr_pre, dz_pre, dn_pre * r], axis=1).reshape(N, 3 * H)
    dx = np.einsum("ng,dg->nd", dgx, Wx)
    dprev_h = dnext_h * z + np.einsum("ng,kg->nk", dgh, Wh)
    dWx = np.einsum("nd,ng->dg", x, dgx)
    dWh = np.einsum("nk,ng->kg", prev_h, dgh)
    db = np.stack([dgx.sum(0), dgh.sum(0)])
    return dx, dprev_h, dWx, dWh, db

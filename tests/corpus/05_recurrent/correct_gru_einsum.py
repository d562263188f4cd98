# corpus: correct
# exercises: gru_step_forward, gru_step_backward, rnn_step_forward, rnn_step_backward
# contract: deepgrade
# about: einsum everywhere, gates split with np.split, a dict cache; GRU in PyTorch's GRUCell convention
import numpy as np


def _sig(z):
    return 0.5 * (1.0 + np.tanh(0.5 * z))


def gru_step_forward(x, prev_h, Wx, Wh, b):
    gx = np.einsum('nd,dk->nk', x, Wx) + b[0]
    gh = np.einsum('nh,hk->nk', prev_h, Wh) + b[1]
    xr, xz, xn = np.split(gx, 3, axis=1)
    hr, hz, hn = np.split(gh, 3, axis=1)
    r = _sig(xr + hr)
    z = _sig(xz + hz)
    n = np.tanh(xn + r * hn)
    h = (1 - z) * n + z * prev_h
    return h, {'x': x, 'h': prev_h, 'Wx': Wx, 'Wh': Wh, 'r': r, 'z': z, 'n': n, 'hn': hn}


def gru_step_backward(dnext_h, cache):
    x, h, Wx, Wh = cache['x'], cache['h'], cache['Wx'], cache['Wh']
    r, z, n, hn = cache['r'], cache['z'], cache['n'], cache['hn']
    dn = dnext_h * (1 - z) * (1 - n ** 2)
    dz = dnext_h * (h - n) * z * (1 - z)
    dr = dn * hn * r * (1 - r)
    dgx = np.concatenate([dr, dz, dn], axis=1)
    dgh = np.concatenate([dr, dz, dn * r], axis=1)
    dx = np.einsum('nk,dk->nd', dgx, Wx)
    dprev_h = np.einsum('nk,hk->nh', dgh, Wh) + dnext_h * z
    dWx = np.einsum('nd,nk->dk', x, dgx)
    dWh = np.einsum('nh,nk->hk', h, dgh)
    db = np.stack([dgx.sum(0), dgh.sum(0)])
    return dx, dprev_h, dWx, dWh, db


def rnn_step_forward(x, prev_h, Wx, Wh, b):
    h = np.tanh(np.einsum('nd,dh->nh', x, Wx) + np.einsum('nk,kh->nh', prev_h, Wh) + b)
    return h, (x, prev_h, Wx, Wh, h)


def rnn_step_backward(dnext_h, cache):
    x, prev_h, Wx, Wh, h = cache
    da = dnext_h * (1 - h * h)
    return (np.einsum('nh,dh->nd', da, Wx), np.einsum('nh,kh->nk', da, Wh),
            np.einsum('nd,nh->dh', x, da), np.einsum('nk,nh->kh', prev_h, da), da.sum(0))

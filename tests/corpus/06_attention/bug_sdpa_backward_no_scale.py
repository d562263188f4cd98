# corpus: bug
# exercises: scaled_dot_product_attention_forward, scaled_dot_product_attention_backward
# loses: scaled_dot_product_attention_backward
# diagnosis: -
# about: correct forward; the backward forgets the 1/sqrt(d_k) factor in dq and dk
import numpy as np


def scaled_dot_product_attention_forward(q, k, v, mask=None):
    d = q.shape[-1]
    s = q @ k.swapaxes(-1, -2) / np.sqrt(d)
    if mask is not None:
        ok = np.broadcast_to(np.asarray(mask) != 0, s.shape)
        s = np.where(ok, s, -np.inf)
        none = ~ok.any(-1, keepdims=True)
        s = np.where(none, 0.0, s)
    p = np.exp(s - s.max(-1, keepdims=True))
    p /= p.sum(-1, keepdims=True)
    if mask is not None:
        p = np.where(none, 0.0, p)
    return p @ v, (q, k, v, p)


def scaled_dot_product_attention_backward(dout, cache):
    q, k, v, p = cache
    dv = p.swapaxes(-1, -2) @ dout
    dp = dout @ v.swapaxes(-1, -2)
    ds = p * (dp - (dp * p).sum(-1, keepdims=True))
    return ds @ k, ds.swapaxes(-1, -2) @ q, dv

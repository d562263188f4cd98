# corpus: bug
# exercises: multi_head_attention_forward
# loses: multi_head_attention_forward
# diagnosis: mha_reshape_without_transpose
# about: splits heads with reshape(N, h, T, d) straight from (N, T, E), no transpose
import numpy as np


def multi_head_attention_forward(query, key, value, params, num_heads, mask=None):
    N, T, E = query.shape
    S = key.shape[1]
    if num_heads < 1 or E % num_heads:
        raise ValueError("bad num_heads")
    d = E // num_heads
    q = (query @ params["Wq"] + params["bq"]).reshape(N, num_heads, T, d)
    k = (key @ params["Wk"] + params["bk"]).reshape(N, num_heads, S, d)
    v = (value @ params["Wv"] + params["bv"]).reshape(N, num_heads, S, d)
    att = q @ np.swapaxes(k, -1, -2) / np.sqrt(d)
    if mask is not None:
        allow = np.broadcast_to(np.asarray(mask), (N, T, S))[:, None] != 0
        att = np.where(allow, att, -1e9)
    att = np.exp(att - att.max(-1, keepdims=True))
    att /= att.sum(-1, keepdims=True)
    if mask is not None:
        att = att * allow.any(-1, keepdims=True)
    y = (att @ v).reshape(N, T, E)
    return y @ params["Wo"] + params["bo"], (query, key, value)

# corpus: bug
# exercises: multi_head_attention_forward
# loses: multi_head_attention_forward
# diagnosis: scale_sqrt_E
# about: divides every head's scores by sqrt(E) instead of sqrt(E / num_heads)
import numpy as np


def multi_head_attention_forward(query, key, value, params, num_heads, mask=None):
    N, T, E = query.shape
    S = key.shape[1]
    if E % num_heads != 0 or num_heads < 1:
        raise ValueError('E must be divisible by num_heads')
    h, d = num_heads, E // num_heads
    Q = (query @ params['Wq'] + params['bq']).reshape(N, T, h, d).transpose(0, 2, 1, 3)
    K = (key @ params['Wk'] + params['bk']).reshape(N, S, h, d).transpose(0, 2, 1, 3)
    V = (value @ params['Wv'] + params['bv']).reshape(N, S, h, d).transpose(0, 2, 1, 3)
    scores = Q @ K.transpose(0, 1, 3, 2) / np.sqrt(E)
    if mask is not None:
        m = np.broadcast_to(np.asarray(mask), (N, T, S))[:, None] != 0
        scores = np.where(m, scores, -np.inf)
        empty = ~m.any(axis=-1, keepdims=True)
        scores = np.where(empty, 0.0, scores)
    w = np.exp(scores - scores.max(axis=-1, keepdims=True))
    w = w / w.sum(axis=-1, keepdims=True)
    if mask is not None:
        w = np.where(empty, 0.0, w)
    out = (w @ V).transpose(0, 2, 1, 3).reshape(N, T, E)
    return out @ params['Wo'] + params['bo'], None

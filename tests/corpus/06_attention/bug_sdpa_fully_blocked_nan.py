# corpus: bug
# exercises: scaled_dot_product_attention_forward
# loses: scaled_dot_product_attention_forward
# diagnosis: fully_blocked_nan
# about: -inf fill without the zero-row rule: a fully blocked row becomes NaN
import numpy as np


def scaled_dot_product_attention_forward(q, k, v, mask=None):
    scores = q @ k.swapaxes(-1, -2) / np.sqrt(q.shape[-1])
    if mask is not None:
        scores = np.where(np.asarray(mask) == 0, -np.inf, scores)
    with np.errstate(invalid='ignore'):
        top = np.max(scores, axis=-1, keepdims=True)
        e = np.exp(scores - top)
        weights = e / e.sum(axis=-1, keepdims=True)
    return weights @ v, (q, k, v, weights)

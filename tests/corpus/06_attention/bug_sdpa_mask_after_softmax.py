# corpus: bug
# exercises: scaled_dot_product_attention_forward
# loses: scaled_dot_product_attention_forward
# diagnosis: mask_after_softmax
# about: zeroes the blocked weights after the softmax, so the remaining weights no longer sum to 1
import numpy as np


def _softmax(s):
    s = s - s.max(axis=-1, keepdims=True)
    e = np.exp(s)
    return e / e.sum(axis=-1, keepdims=True)


def scaled_dot_product_attention_forward(q, k, v, mask=None):
    d_k = q.shape[-1]
    weights = _softmax(q @ np.swapaxes(k, 1, 2) / np.sqrt(d_k))
    if mask is not None:
        weights = weights * (np.asarray(mask) != 0)
    return weights @ v, (q, k, v, weights)

# corpus: bug
# exercises: scaled_dot_product_attention_forward
# loses: scaled_dot_product_attention_forward
# diagnosis: no_scale
# about: forgets to divide the scores by sqrt(d_k)
import numpy as np


def scaled_dot_product_attention_forward(q, k, v, mask=None):
    scores = q @ k.transpose(0, 2, 1)
    if mask is not None:
        scores = np.where(mask == 0, -np.inf, scores)
    scores = scores - scores.max(axis=-1, keepdims=True)
    w = np.exp(scores)
    w = w / w.sum(axis=-1, keepdims=True)
    w = np.nan_to_num(w)
    return w @ v, (q, k, v, w)

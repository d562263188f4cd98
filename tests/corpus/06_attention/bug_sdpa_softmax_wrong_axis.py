# corpus: bug
# exercises: scaled_dot_product_attention_forward
# loses: scaled_dot_product_attention_forward
# diagnosis: softmax_wrong_axis
# about: normalizes the scores over the queries (axis 1) instead of the keys
import numpy as np


def scaled_dot_product_attention_forward(q, k, v, mask=None):
    scores = np.matmul(q, k.transpose(0, 2, 1)) / np.sqrt(k.shape[2])
    if mask is not None:
        scores = np.where(np.asarray(mask) != 0, scores, -1e9)
    e = np.exp(scores - scores.max(axis=1, keepdims=True))
    attn = e / e.sum(axis=1, keepdims=True)
    return np.matmul(attn, v), (q, k, v, attn)

# corpus: bug
# exercises: scaled_dot_product_attention_forward
# loses: scaled_dot_product_attention_forward
# diagnosis: mask_inverted
# about: treats mask == 1 as "blocked" (EECS 498 / nn.MultiheadAttention polarity), CS231n blocks where mask == 0
import numpy as np


def scaled_dot_product_attention_forward(q, k, v, mask=None):
    dk = q.shape[-1]
    scores = np.einsum('ntd,nsd->nts', q, k) / np.sqrt(dk)
    blocked = None
    if mask is not None:
        blocked = np.broadcast_to(np.asarray(mask).astype(bool), scores.shape)
        scores = np.where(blocked, -1e9, scores)
    scores -= scores.max(axis=-1, keepdims=True)
    a = np.exp(scores)
    a /= a.sum(axis=-1, keepdims=True)
    if blocked is not None:
        a = np.where(blocked.all(axis=-1, keepdims=True), 0.0, a)
    return np.einsum('nts,nsd->ntd', a, v), (q, k, v, a)

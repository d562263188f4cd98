# corpus: bug
# exercises: softmax
# loses: softmax
# diagnosis: softmax_ignores_axis
# about: always normalizes over the last axis whatever axis says
import numpy as np


def softmax(x, axis=-1):
    z = x - np.max(x, axis=-1, keepdims=True)
    p = np.exp(z)
    return p / np.sum(p, axis=-1, keepdims=True)

# corpus: bug
# exercises: softmax
# loses: softmax
# diagnosis: softmax_overflow
# about: exponentiates without subtracting the maximum: inf / inf = nan on large scores
import numpy as np


def softmax(x, axis=-1):
    e = np.exp(x)
    return e / e.sum(axis=axis, keepdims=True)

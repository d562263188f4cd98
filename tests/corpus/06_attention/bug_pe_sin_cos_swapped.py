# corpus: bug
# exercises: sinusoidal_positional_encoding
# loses: sinusoidal_positional_encoding
# diagnosis: pe_sin_cos_swapped
# about: cos on the even columns and sin on the odd ones
import math

import numpy as np


def sinusoidal_positional_encoding(max_len, embed_dim):
    if max_len < 1 or embed_dim < 1:
        raise ValueError("sizes must be >= 1")
    pe = np.zeros((max_len, embed_dim))
    for pos in range(max_len):
        for i in range(0, embed_dim, 2):
            angle = pos / math.pow(10000, i / embed_dim)
            pe[pos, i] = math.cos(angle)
            if i + 1 < embed_dim:
                pe[pos, i + 1] = math.sin(angle)
    return pe

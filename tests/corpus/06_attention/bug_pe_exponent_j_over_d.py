# corpus: bug
# exercises: sinusoidal_positional_encoding
# loses: sinusoidal_positional_encoding
# diagnosis: pe_exponent_j_over_d
# about: the exponent uses the column index j / d, not the pair index 2i / d
import numpy as np


def sinusoidal_positional_encoding(max_len, embed_dim):
    if max_len < 1 or embed_dim < 1:
        raise ValueError("max_len and embed_dim must be positive")
    pos = np.arange(max_len)[:, None]
    j = np.arange(embed_dim)[None, :]
    angles = pos / np.power(10000.0, j / embed_dim)
    pe = np.where(j % 2 == 0, np.sin(angles), np.cos(angles))
    return pe

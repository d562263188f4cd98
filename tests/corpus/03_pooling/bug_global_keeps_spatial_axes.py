# corpus: bug
# exercises: global_avg_pool_forward
# loses: global_avg_pool_forward
# diagnosis: global_keeps_spatial_axes
# about: keepdims=True returns (N, C, 1, 1) instead of (N, C)
import numpy as np


def global_avg_pool_forward(x):
    out = np.mean(x, axis=(2, 3), keepdims=True)
    return out, x.shape

# corpus: bug
# exercises: global_avg_pool_forward, global_avg_pool_backward
# loses: global_avg_pool_backward
# diagnosis: global_backward_no_division
# about: spreads dout over H x W without dividing by H * W
import numpy as np


def global_avg_pool_forward(x):
    N, C, H, W = x.shape
    out = x.reshape(N, C, H * W).sum(axis=2) / (H * W)
    return out, (N, C, H, W)


def global_avg_pool_backward(dout, cache):
    N, C, H, W = cache
    dx = np.ones((N, C, H, W)) * dout.reshape(N, C, 1, 1)
    return dx

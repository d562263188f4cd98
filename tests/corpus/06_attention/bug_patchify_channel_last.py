# corpus: bug
# exercises: patchify
# loses: patchify
# diagnosis: patch_channel_last
# about: flattens each patch as (P, P, C) instead of (C, P, P)
import numpy as np


def patchify(x, patch_size):
    N, C, H, W = x.shape
    p = patch_size
    if p < 1 or H % p or W % p:
        raise ValueError("H and W must be divisible by patch_size")
    t = x.reshape(N, C, H // p, p, W // p, p).transpose(0, 2, 4, 3, 5, 1)
    return t.reshape(N, (H // p) * (W // p), p * p * C)

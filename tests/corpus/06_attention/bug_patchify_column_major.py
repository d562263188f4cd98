# corpus: bug
# exercises: patchify
# loses: patchify
# diagnosis: patch_order_column_major
# about: walks the patches column by column (j outer, i inner)
import numpy as np


def patchify(x, patch_size):
    N, C, H, W = x.shape
    P = patch_size
    if P < 1 or H % P != 0 or W % P != 0:
        raise ValueError("not divisible")
    patches = []
    for j in range(W // P):
        for i in range(H // P):
            patches.append(x[:, :, i * P:(i + 1) * P, j * P:(j + 1) * P].reshape(N, C * P * P))
    return np.stack(patches, axis=1)

# corpus: bug
# exercises: correlate2d
# loses: correlate2d
# diagnosis: flipped_kernel
# about: flips the kernel in correlate2d (the textbook convolution)
import numpy as np


def correlate2d(image, kernel):
    kh, kw = kernel.shape
    k = np.rot90(kernel, 2)
    oh, ow = image.shape[0] - kh + 1, image.shape[1] - kw + 1
    result = np.zeros((oh, ow))
    for r in range(oh):
        for c in range(ow):
            result[r, c] = (image[r:r + kh, c:c + kw] * k).sum()
    return result

# corpus: bug
# exercises: correlate2d, convolve2d
# loses: convolve2d
# diagnosis: not_flipped
# about: convolve2d is a copy of correlate2d: the kernel is never flipped
import numpy as np


def correlate2d(image, kernel):
    H, W = image.shape
    kh, kw = kernel.shape
    out = np.empty((H - kh + 1, W - kw + 1))
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            out[i, j] = np.sum(image[i:i + kh, j:j + kw] * kernel)
    return out


def convolve2d(image, kernel):
    H, W = image.shape
    kh, kw = kernel.shape
    out = np.empty((H - kh + 1, W - kw + 1))
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            out[i, j] = np.sum(image[i:i + kh, j:j + kw] * kernel)
    return out

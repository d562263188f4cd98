# corpus: bug
# exercises: convolve2d
# loses: convolve2d
# diagnosis: flipped_one_axis
# about: kernel[::-1] flips the rows only
import numpy as np


def convolve2d(image, kernel):
    flipped = kernel[::-1]
    kh, kw = flipped.shape
    rows = image.shape[0] - kh + 1
    cols = image.shape[1] - kw + 1
    return np.array([[np.vdot(image[i:i + kh, j:j + kw], flipped) for j in range(cols)] for i in range(rows)])

# corpus: bug
# exercises: conv_output_size
# loses: conv_output_size
# diagnosis: ceil_instead_of_floor
# about: rounds the number of window positions up (math.ceil) instead of down
import math


def conv_output_size(input_size, kernel_size, stride=1, pad=0, dilation=1):
    if any(type(a) is not int for a in (input_size, kernel_size, stride, pad, dilation)):
        raise ValueError("sizes must be int")
    if min(input_size, kernel_size, stride, dilation) < 1 or pad < 0:
        raise ValueError("invalid size")
    effective = dilation * (kernel_size - 1) + 1
    if effective > input_size + 2 * pad:
        raise ValueError("kernel does not fit")
    return math.ceil((input_size + 2 * pad - effective) / stride) + 1

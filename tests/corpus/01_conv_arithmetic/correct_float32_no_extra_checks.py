# corpus: correct
# exercises: conv_output_size, pool_output_size, conv_param_count, conv_macs, depthwise_separable_cost_ratio
# contract: deepgrade
# about: numpy float32 inside for the cost ratio; ValueError only where DESIGN section 3 asks for it
import numpy as np


def conv_output_size(input_size, kernel_size, stride=1, pad=0, dilation=1):
    args = (input_size, kernel_size, stride, pad, dilation)
    if any(isinstance(a, bool) or not isinstance(a, int) for a in args):
        raise ValueError("all arguments must be ints")
    if input_size < 1 or kernel_size < 1 or stride < 1 or pad < 0 or dilation < 1:
        raise ValueError("argument out of range")
    out = int(np.floor((input_size + 2 * pad - dilation * (kernel_size - 1) - 1) / stride)) + 1
    if out < 1:
        raise ValueError("output would be empty")
    return out


def pool_output_size(input_size, pool_size, stride=None, pad=0, ceil_mode=False):
    stride = pool_size if stride is None else stride
    args = (input_size, pool_size, stride, pad)
    if any(isinstance(a, bool) or not isinstance(a, int) for a in args) or not isinstance(ceil_mode, bool):
        raise ValueError("bad argument type")
    if input_size < 1 or pool_size < 1 or stride < 1 or pad < 0 or pad > pool_size // 2:
        raise ValueError("argument out of range")
    rounding = np.ceil if ceil_mode else np.floor
    out = int(rounding((input_size + 2 * pad - pool_size) / stride)) + 1
    if ceil_mode and (out - 1) * stride >= input_size + pad:
        out -= 1
    if out < 1:
        raise ValueError("window does not fit")
    return out


def conv_param_count(in_channels, out_channels, kernel_size, groups=1, bias=True):
    return out_channels * (in_channels // groups) * kernel_size * kernel_size + (out_channels if bias else 0)


def conv_macs(in_channels, out_channels, kernel_size, out_h, out_w, groups=1):
    return out_h * out_w * out_channels * (in_channels // groups) * kernel_size ** 2


def depthwise_separable_cost_ratio(in_channels, out_channels, kernel_size):
    n = np.float32(out_channels)
    k = np.float32(kernel_size)
    return float(np.float32(1) / n + np.float32(1) / (k * k))

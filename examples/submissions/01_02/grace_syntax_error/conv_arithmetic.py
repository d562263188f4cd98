# Grace's solutions for HW2 part 01
from math import ceil, floor


def conv_output_size(input_size, kernel_size, stride=1, pad=0, dilation=1):
    for name, val, lo in [('input_size', input_size, 1), ('kernel_size', kernel_size, 1),
                          ('stride', stride, 1), ('pad', pad, 0), ('dilation', dilation, 1)]:
        if isinstance(val, bool) or not isinstance(val, int):
            raise ValueError(name + " is not an int")
        if val < lo:
            raise ValueError(name + " is too small")
    effective = dilation * (kernel_size - 1) + 1
    if effective > input_size + 2 * pad:
        raise ValueError("effective kernel is larger than the padded input")
    return (input_size + 2 * pad - effective) // stride + 1


def pool_output_size(input_size, pool_size, stride=None, pad=0, ceil_mode=False):
    if stride is None:
        stride = pool_size
    for name, val, lo in [('input_size', input_size, 1), ('pool_size', pool_size, 1),
                          ('stride', stride, 1), ('pad', pad, 0)]:
        if isinstance(val, bool) or not isinstance(val, int):
            raise ValueError(name + " is not an int")
        if val < lo:
            raise ValueError(name + " is too small")
    if pad > pool_size // 2:
        raise ValueError("pad must be <= pool_size // 2")
    if ceil_mode:
        out = ceil((input_size + 2 * pad - pool_size) / stride) + 1
        if (out - 1) * stride >= input_size + pad:
            out = out - 1
    else:
        out = floor((input_size + 2 * pad - pool_size) / stride) + 1
    if out < 1:
        raise ValueError("pool window doesn't fit")
    return out


def same_padding(kernel_size, dilation=1):
    if isinstance(kernel_size, bool) or not isinstance(kernel_size, int) or kernel_size < 1:
        raise ValueError("kernel_size")
    if isinstance(dilation, bool) or not isinstance(dilation, int) or dilation < 1:
        raise ValueError("dilation")
    total = dilation * (kernel_size - 1)
    left = total // 2
    right = total - left
    return left, right


def receptive_field(layers):
    r = 1
    total_stride = 1
    for layer in layers:
        if len(layer) != 3:
            raise ValueError("layer must have 3 entries")
        k, s, d = layer
        for v in (k, s, d):
            if isinstance(v, bool) or not isinstance(v, int) or v < 1:
                raise ValueError("bad value in layer %s" % (layer,))
        r += (k - 1) * d * total_stride
        total_stride *= s
    return r


def _check(*vals):
    for v in vals:
        if isinstance(v, bool) or not isinstance(v, int) or v < 1:
            raise ValueError("arguments must be positive integers")


def conv_param_count(in_channels, out_channels, kernel_size, groups=1, bias=True):
    _check(in_channels, out_channels, kernel_size, groups)
    if in_channels % groups or out_channels % groups:
        raise ValueError("groups must divide channels")
    n = kernel_size * kernel_size * (in_channels // groups) * out_channels
    if bias:
        n += out_channels
    return n


def conv_macs(in_channels, out_channels, kernel_size, out_h, out_w, groups=1):
    _check(in_channels, out_channels, kernel_size, out_h, out_w, groups)
    if in_channels % groups or out_channels % groups:
        raise ValueError("groups must divide channels")
    return kernel_size * kernel_size * (in_channels // groups) * out_channels * out_h * out_w


def depthwise_separable_cost_ratio(in_channels, out_channels, kernel_size):
    _check(in_channels, out_channels, kernel_size)
    return 1 / out_channels + 1 / (kernel_size * kernel_size)

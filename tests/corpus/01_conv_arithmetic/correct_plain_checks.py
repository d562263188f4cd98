# corpus: correct
# exercises: conv_output_size, pool_output_size, same_padding, receptive_field, conv_param_count, conv_macs, depthwise_separable_cost_ratio
# contract: deepgrade
# about: plain Python with a validation helper, every function checks its arguments (today's stubs ask it)
import math


def _need_int(value, name, low):
    if type(value) is not int:
        raise ValueError(f"{name} should be an integer (got {value!r})")
    if value < low:
        raise ValueError(f"{name} should be at least {low} (got {value})")


def conv_output_size(input_size, kernel_size, stride=1, pad=0, dilation=1):
    _need_int(input_size, "input_size", 1)
    _need_int(kernel_size, "kernel_size", 1)
    _need_int(stride, "stride", 1)
    _need_int(pad, "pad", 0)
    _need_int(dilation, "dilation", 1)
    k_eff = dilation * (kernel_size - 1) + 1
    padded = input_size + 2 * pad
    if k_eff > padded:
        raise ValueError("kernel larger than padded input")
    return (padded - k_eff) // stride + 1


def pool_output_size(input_size, pool_size, stride=None, pad=0, ceil_mode=False):
    if stride is None:
        stride = pool_size
    for value, name, low in ((input_size, "input_size", 1), (pool_size, "pool_size", 1), (stride, "stride", 1), (pad, "pad", 0)):
        _need_int(value, name, low)
    if not isinstance(ceil_mode, bool):
        raise ValueError("ceil_mode must be True or False")
    if 2 * pad > pool_size:
        raise ValueError("pad should be at most half of the pool size")
    span = input_size + 2 * pad - pool_size
    if span < 0:
        raise ValueError("pool window does not fit")
    if ceil_mode:
        out = -(-span // stride) + 1
        # PyTorch: the last window has to start inside the input or the left padding
        if (out - 1) * stride >= input_size + pad:
            out -= 1
    else:
        out = span // stride + 1
    return out


def same_padding(kernel_size, dilation=1):
    _need_int(kernel_size, "kernel_size", 1)
    _need_int(dilation, "dilation", 1)
    total = (kernel_size - 1) * dilation
    return total // 2, total - total // 2


def receptive_field(layers):
    rf = 1
    jump = 1
    for layer in layers:
        if len(layer) != 3:
            raise ValueError("each layer must be (kernel_size, stride, dilation)")
        k, s, d = layer
        _need_int(k, "kernel_size", 1)
        _need_int(s, "stride", 1)
        _need_int(d, "dilation", 1)
        rf = rf + (k - 1) * d * jump
        jump = jump * s
    return rf


def _channels(in_channels, out_channels, kernel_size, groups):
    _need_int(in_channels, "in_channels", 1)
    _need_int(out_channels, "out_channels", 1)
    _need_int(kernel_size, "kernel_size", 1)
    _need_int(groups, "groups", 1)
    if in_channels % groups != 0 or out_channels % groups != 0:
        raise ValueError("channels must be divisible by groups")


def conv_param_count(in_channels, out_channels, kernel_size, groups=1, bias=True):
    _channels(in_channels, out_channels, kernel_size, groups)
    n = out_channels * (in_channels // groups) * kernel_size ** 2
    if bias:
        n += out_channels
    return n


def conv_macs(in_channels, out_channels, kernel_size, out_h, out_w, groups=1):
    _channels(in_channels, out_channels, kernel_size, groups)
    _need_int(out_h, "out_h", 1)
    _need_int(out_w, "out_w", 1)
    per_output = (in_channels // groups) * kernel_size * kernel_size
    return per_output * out_channels * out_h * out_w


def depthwise_separable_cost_ratio(in_channels, out_channels, kernel_size):
    _need_int(in_channels, "in_channels", 1)
    _need_int(out_channels, "out_channels", 1)
    _need_int(kernel_size, "kernel_size", 1)
    # MobileNet: (D_K^2 M D_F^2 + M N D_F^2) / (D_K^2 M N D_F^2)
    depthwise = kernel_size * kernel_size * in_channels
    pointwise = in_channels * out_channels
    standard = kernel_size * kernel_size * in_channels * out_channels
    return (depthwise + pointwise) / standard

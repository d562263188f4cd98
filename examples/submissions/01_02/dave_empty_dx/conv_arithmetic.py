import math


def _validate(**kwargs):
    # kwargs: name -> (value, minimum)
    for name, (value, minimum) in kwargs.items():
        if type(value) is not int:
            raise ValueError("%s must be int, got %r" % (name, value))
        if value < minimum:
            raise ValueError("%s must be >= %d, got %d" % (name, minimum, value))


def conv_output_size(input_size, kernel_size, stride=1, pad=0, dilation=1):
    _validate(input_size=(input_size, 1), kernel_size=(kernel_size, 1), stride=(stride, 1),
              pad=(pad, 0), dilation=(dilation, 1))
    out = math.floor((input_size + 2 * pad - dilation * (kernel_size - 1) - 1) / stride) + 1
    if out < 1:
        raise ValueError("output would be empty")
    return out


def pool_output_size(input_size, pool_size, stride=None, pad=0, ceil_mode=False):
    if stride is None:
        stride = pool_size
    _validate(input_size=(input_size, 1), pool_size=(pool_size, 1), stride=(stride, 1), pad=(pad, 0))
    if pad > pool_size // 2:
        raise ValueError("pad should be at most half of the pool size")
    x = (input_size + 2 * pad - pool_size) / stride
    out = (math.ceil(x) if ceil_mode else math.floor(x)) + 1
    if ceil_mode and (out - 1) * stride >= input_size + pad:
        out -= 1
    if out < 1:
        raise ValueError("output would be empty")
    return out


def same_padding(kernel_size, dilation=1):
    _validate(kernel_size=(kernel_size, 1), dilation=(dilation, 1))
    total = dilation * (kernel_size - 1)
    return (math.floor(total / 2), math.ceil(total / 2))


def receptive_field(layers):
    rf, jump = 1, 1
    for layer in layers:
        if not isinstance(layer, (tuple, list)) or len(layer) != 3:
            raise ValueError("bad layer: %r" % (layer,))
        k, s, d = layer
        _validate(kernel_size=(k, 1), stride=(s, 1), dilation=(d, 1))
        rf += (k - 1) * d * jump
        jump *= s
    return rf


def conv_param_count(in_channels, out_channels, kernel_size, groups=1, bias=True):
    _validate(in_channels=(in_channels, 1), out_channels=(out_channels, 1),
              kernel_size=(kernel_size, 1), groups=(groups, 1))
    if in_channels % groups or out_channels % groups:
        raise ValueError("groups must divide in_channels and out_channels")
    return out_channels * (in_channels // groups) * kernel_size ** 2 + (out_channels if bias else 0)


def conv_macs(in_channels, out_channels, kernel_size, out_h, out_w, groups=1):
    _validate(in_channels=(in_channels, 1), out_channels=(out_channels, 1),
              kernel_size=(kernel_size, 1), out_h=(out_h, 1), out_w=(out_w, 1), groups=(groups, 1))
    if in_channels % groups or out_channels % groups:
        raise ValueError("groups must divide in_channels and out_channels")
    return out_channels * out_h * out_w * (in_channels // groups) * kernel_size ** 2


def depthwise_separable_cost_ratio(in_channels, out_channels, kernel_size):
    _validate(in_channels=(in_channels, 1), out_channels=(out_channels, 1), kernel_size=(kernel_size, 1))
    standard = in_channels * out_channels * kernel_size ** 2
    separable = in_channels * kernel_size ** 2 + in_channels * out_channels
    return separable / standard

def _int_at_least(v, lo, name):
    if type(v) is not int:
        raise ValueError(f"{name}={v!r} is not an int")
    if v < lo:
        raise ValueError(f"{name}={v} < {lo}")


def conv_output_size(input_size, kernel_size, stride=1, pad=0, dilation=1):
    _int_at_least(input_size, 1, "input_size")
    _int_at_least(kernel_size, 1, "kernel_size")
    _int_at_least(stride, 1, "stride")
    _int_at_least(pad, 0, "pad")
    _int_at_least(dilation, 1, "dilation")
    span = input_size + 2 * pad - dilation * (kernel_size - 1) - 1
    if span < 0:
        raise ValueError("kernel larger than padded input")
    return span // stride + 1


def pool_output_size(input_size, pool_size, stride=None, pad=0, ceil_mode=False):
    s = pool_size if stride is None else stride
    _int_at_least(input_size, 1, "input_size")
    _int_at_least(pool_size, 1, "pool_size")
    _int_at_least(s, 1, "stride")
    _int_at_least(pad, 0, "pad")
    if pad > pool_size // 2:
        raise ValueError("pad too large")
    span = input_size + 2 * pad - pool_size
    if ceil_mode:
        out = -(-span // s) + 1
        if (out - 1) * s >= input_size + pad:
            out -= 1
    else:
        out = span // s + 1
    if out < 1:
        raise ValueError("window does not fit")
    return out


def same_padding(kernel_size, dilation=1):
    _int_at_least(kernel_size, 1, "kernel_size")
    _int_at_least(dilation, 1, "dilation")
    p = dilation * (kernel_size - 1)
    return p // 2, p - p // 2


def receptive_field(layers):
    rf, jump = 1, 1
    for layer in layers:
        if len(layer) != 3:
            raise ValueError("layer must be (k, s, d)")
        k, s, d = layer
        _int_at_least(k, 1, "kernel_size")
        _int_at_least(s, 1, "stride")
        _int_at_least(d, 1, "dilation")
        rf += d * (k - 1) * jump
        jump *= s
    return rf


def conv_param_count(in_channels, out_channels, kernel_size, groups=1, bias=True):
    for v, n in [(in_channels, "in_channels"), (out_channels, "out_channels"), (kernel_size, "kernel_size"), (groups, "groups")]:
        _int_at_least(v, 1, n)
    if in_channels % groups or out_channels % groups:
        raise ValueError("groups must divide channels")
    return out_channels * (in_channels // groups) * kernel_size ** 2 + bias * out_channels


def conv_macs(in_channels, out_channels, kernel_size, out_h, out_w, groups=1):
    for v, n in [(in_channels, "in_channels"), (out_channels, "out_channels"), (kernel_size, "kernel_size"),
                 (out_h, "out_h"), (out_w, "out_w"), (groups, "groups")]:
        _int_at_least(v, 1, n)
    if in_channels % groups or out_channels % groups:
        raise ValueError("groups must divide channels")
    return out_h * out_w * out_channels * (in_channels // groups) * kernel_size ** 2


def depthwise_separable_cost_ratio(in_channels, out_channels, kernel_size):
    _int_at_least(in_channels, 1, "in_channels")
    _int_at_least(out_channels, 1, "out_channels")
    _int_at_least(kernel_size, 1, "kernel_size")
    return 1 / out_channels + 1 / kernel_size ** 2

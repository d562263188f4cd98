"""Carol - assignment 1"""


def check(value, minimum, what):
    if not isinstance(value, int) or isinstance(value, bool):
        raise ValueError(what + " should be an integer")
    if value < minimum:
        raise ValueError(what + " should be >= " + str(minimum))


def conv_output_size(input_size, kernel_size, stride=1, pad=0, dilation=1):
    check(input_size, 1, "input_size")
    check(kernel_size, 1, "kernel_size")
    check(stride, 1, "stride")
    check(pad, 0, "pad")
    check(dilation, 1, "dilation")
    out = (input_size + 2*pad - dilation*(kernel_size - 1) - 1) // stride + 1
    if input_size + 2*pad < dilation*(kernel_size - 1) + 1:
        raise ValueError("kernel too large")
    return out


def pool_output_size(input_size, pool_size, stride=None, pad=0, ceil_mode=False):
    if stride == None:
        stride = pool_size
    check(input_size, 1, "input_size")
    check(pool_size, 1, "pool_size")
    check(stride, 1, "stride")
    check(pad, 0, "pad")
    if pad > pool_size // 2:
        raise ValueError("pad too big")
    top = input_size + 2*pad - pool_size
    if ceil_mode:
        out = (top + stride - 1) // stride + 1
        if (out - 1) * stride >= input_size + pad:
            out -= 1
    else:
        out = top // stride + 1
    if out <= 0:
        raise ValueError("pool too large")
    return out


def same_padding(kernel_size, dilation=1):
    check(kernel_size, 1, "kernel_size")
    check(dilation, 1, "dilation")
    p = dilation * (kernel_size - 1)
    if p % 2 == 0:
        return (p // 2, p // 2)
    return (p // 2, p // 2 + 1)


def receptive_field(layers):
    r = 1
    j = 1
    for l in layers:
        if len(l) != 3:
            raise ValueError("bad layer")
        check(l[0], 1, "kernel_size")
        check(l[1], 1, "stride")
        check(l[2], 1, "dilation")
        r += l[2] * (l[0] - 1) * j
        j *= l[1]
    return r


def conv_param_count(in_channels, out_channels, kernel_size, groups=1, bias=True):
    check(in_channels, 1, "in_channels")
    check(out_channels, 1, "out_channels")
    check(kernel_size, 1, "kernel_size")
    check(groups, 1, "groups")
    if in_channels % groups != 0 or out_channels % groups != 0:
        raise ValueError("groups must divide the channels")
    total = out_channels * (in_channels // groups) * kernel_size * kernel_size
    if bias:
        total = total + out_channels
    return total


def conv_macs(in_channels, out_channels, kernel_size, out_h, out_w, groups=1):
    conv_param_count(in_channels, out_channels, kernel_size, groups)  # just for the checks
    check(out_h, 1, "out_h")
    check(out_w, 1, "out_w")
    return out_h * out_w * out_channels * (in_channels // groups) * kernel_size * kernel_size


def depthwise_separable_cost_ratio(in_channels, out_channels, kernel_size):
    check(in_channels, 1, "in_channels")
    check(out_channels, 1, "out_channels")
    check(kernel_size, 1, "kernel_size")
    return 1.0 / out_channels + 1.0 / (kernel_size * kernel_size)

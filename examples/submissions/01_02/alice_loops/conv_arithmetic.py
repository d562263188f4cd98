# HW2 part 1 - conv arithmetic
# Alice


def conv_output_size(input_size, kernel_size, stride=1, pad=0, dilation=1):
    # check the arguments first
    if type(input_size) != int or type(kernel_size) != int or type(stride) != int:
        raise ValueError("sizes must be ints")
    if type(pad) != int or type(dilation) != int:
        raise ValueError("pad and dilation must be ints")
    if input_size < 1:
        raise ValueError("input_size must be at least 1")
    if kernel_size < 1:
        raise ValueError("kernel_size must be at least 1")
    if stride < 1:
        raise ValueError("stride must be at least 1")
    if pad < 0:
        raise ValueError("pad can't be negative")
    if dilation < 1:
        raise ValueError("dilation must be at least 1")

    numerator = input_size + 2 * pad - dilation * (kernel_size - 1) - 1
    if numerator < 0:
        raise ValueError("kernel is bigger than the padded input")
    out = numerator // stride + 1
    return out


def pool_output_size(input_size, pool_size, stride=None, pad=0, ceil_mode=False):
    if stride is None:
        stride = pool_size
    if type(input_size) != int or type(pool_size) != int or type(stride) != int or type(pad) != int:
        raise ValueError("arguments must be ints")
    if input_size < 1:
        raise ValueError("input_size must be at least 1")
    if pool_size < 1:
        raise ValueError("pool_size must be at least 1")
    if stride < 1:
        raise ValueError("stride must be at least 1")
    if pad < 0:
        raise ValueError("pad can't be negative")
    if pad > pool_size // 2:
        raise ValueError("pad should be at most half of pool_size")

    numerator = input_size + 2 * pad - pool_size
    if ceil_mode:
        # ceil division without floats
        out = -(-numerator // stride) + 1
        # pytorch: the last window has to start inside the input (or the left padding)
        if (out - 1) * stride >= input_size + pad:
            out = out - 1
    else:
        out = numerator // stride + 1
    if out < 1:
        raise ValueError("pooling window does not fit")
    return out


def same_padding(kernel_size, dilation=1):
    if type(kernel_size) != int or kernel_size < 1:
        raise ValueError("bad kernel_size")
    if type(dilation) != int or dilation < 1:
        raise ValueError("bad dilation")
    total = dilation * (kernel_size - 1)
    before = total // 2
    after = total - before   # extra one goes at the end (like pytorch)
    return (before, after)


def receptive_field(layers):
    rf = 1
    jump = 1
    for layer in layers:
        if len(layer) != 3:
            raise ValueError("layer should be (kernel_size, stride, dilation)")
        k, s, d = layer
        if type(k) != int or type(s) != int or type(d) != int:
            raise ValueError("layer values must be ints")
        if k < 1:
            raise ValueError("kernel_size must be at least 1")
        if s < 1:
            raise ValueError("stride must be at least 1")
        if d < 1:
            raise ValueError("dilation must be at least 1")
        rf = rf + d * (k - 1) * jump
        jump = jump * s
    return rf


def conv_param_count(in_channels, out_channels, kernel_size, groups=1, bias=True):
    for v in (in_channels, out_channels, kernel_size, groups):
        if type(v) != int:
            raise ValueError("arguments must be ints")
        if v < 1:
            raise ValueError("arguments must be positive")
    if in_channels % groups != 0:
        raise ValueError("in_channels not divisible by groups")
    if out_channels % groups != 0:
        raise ValueError("out_channels not divisible by groups")
    count = out_channels * (in_channels // groups) * kernel_size * kernel_size
    if bias:
        count += out_channels
    return count


def conv_macs(in_channels, out_channels, kernel_size, out_h, out_w, groups=1):
    for v in (in_channels, out_channels, kernel_size, out_h, out_w, groups):
        if type(v) != int:
            raise ValueError("arguments must be ints")
        if v < 1:
            raise ValueError("arguments must be positive")
    if in_channels % groups != 0:
        raise ValueError("in_channels not divisible by groups")
    if out_channels % groups != 0:
        raise ValueError("out_channels not divisible by groups")
    macs_per_output = (in_channels // groups) * kernel_size * kernel_size
    return out_channels * out_h * out_w * macs_per_output


def depthwise_separable_cost_ratio(in_channels, out_channels, kernel_size):
    for v in (in_channels, out_channels, kernel_size):
        if type(v) != int:
            raise ValueError("arguments must be ints")
        if v < 1:
            raise ValueError("arguments must be positive")
    return 1 / out_channels + 1 / kernel_size ** 2

# Erin -- part 1


def conv_output_size(input_size, kernel_size, stride=1, pad=0, dilation=1):
    args = {"input_size": input_size, "kernel_size": kernel_size, "stride": stride, "pad": pad, "dilation": dilation}
    for k, v in args.items():
        if not isinstance(v, int) or isinstance(v, bool):
            raise ValueError(f"{k} must be an integer")
    if input_size < 1 or kernel_size < 1 or stride < 1 or dilation < 1:
        raise ValueError("input_size, kernel_size, stride and dilation must be positive")
    if pad < 0:
        raise ValueError("pad must be non-negative")
    size = (input_size + 2 * pad - dilation * (kernel_size - 1) - 1) // stride + 1
    if size < 1:
        raise ValueError("kernel doesn't fit into the (padded) input")
    return size


def pool_output_size(input_size, pool_size, stride=None, pad=0, ceil_mode=False):
    if stride is None:
        stride = pool_size
    for k, v in {"input_size": input_size, "pool_size": pool_size, "stride": stride, "pad": pad}.items():
        if not isinstance(v, int) or isinstance(v, bool):
            raise ValueError(f"{k} must be an integer")
    if input_size < 1 or pool_size < 1 or stride < 1 or pad < 0 or pad > pool_size // 2:
        raise ValueError("argument out of range")
    n = input_size + 2 * pad - pool_size
    if ceil_mode:
        size = -((-n) // stride) + 1
        if (size - 1) * stride >= input_size + pad:
            size -= 1
    else:
        size = n // stride + 1
    if size < 1:
        raise ValueError("window doesn't fit")
    return size


def same_padding(kernel_size, dilation=1):
    if not isinstance(kernel_size, int) or not isinstance(dilation, int) or kernel_size < 1 or dilation < 1:
        raise ValueError("bad arguments")
    total = dilation * (kernel_size - 1)
    return total // 2, total - total // 2


def receptive_field(layers):
    r = 1
    jump = 1
    for layer in layers:
        if len(layer) != 3:
            raise ValueError("a layer is (kernel, stride, dilation)")
        k, s, d = layer
        if not all(isinstance(v, int) and not isinstance(v, bool) and v >= 1 for v in (k, s, d)):
            raise ValueError(f"bad layer {layer}")
        r += d * (k - 1) * jump
        jump *= s
    return r


def conv_param_count(in_channels, out_channels, kernel_size, groups=1, bias=True):
    for v in (in_channels, out_channels, kernel_size, groups):
        if not isinstance(v, int) or isinstance(v, bool) or v < 1:
            raise ValueError("arguments must be positive ints")
    if in_channels % groups or out_channels % groups:
        raise ValueError("groups must divide the channel counts")
    return out_channels * (in_channels // groups) * kernel_size * kernel_size + (out_channels if bias else 0)


def conv_macs(in_channels, out_channels, kernel_size, out_h, out_w, groups=1):
    for v in (in_channels, out_channels, kernel_size, out_h, out_w, groups):
        if not isinstance(v, int) or isinstance(v, bool) or v < 1:
            raise ValueError("arguments must be positive ints")
    if in_channels % groups or out_channels % groups:
        raise ValueError("groups must divide the channel counts")
    return out_channels * out_h * out_w * (in_channels // groups) * kernel_size * kernel_size


def depthwise_separable_cost_ratio(in_channels, out_channels, kernel_size):
    for v in (in_channels, out_channels, kernel_size):
        if not isinstance(v, int) or isinstance(v, bool) or v < 1:
            raise ValueError("arguments must be positive ints")
    return 1 / out_channels + 1 / kernel_size ** 2

import math

def _need_int(name, v, lo):
    if isinstance(v, bool) or not isinstance(v, int):
        raise ValueError(f"{name} has to be an int (got {v!r})")
    if v < lo:
        raise ValueError(f"{name} has to be >= {lo} (got {v})")


def conv_output_size(input_size, kernel_size, stride=1, pad=0, dilation=1):
    _need_int("input_size", input_size, 1)
    _need_int("kernel_size", kernel_size, 1)
    _need_int("stride", stride, 1)
    _need_int("pad", pad, 0)
    _need_int("dilation", dilation, 1)
    k_eff = dilation * (kernel_size - 1) + 1       # size of the dilated kernel
    if k_eff > input_size + 2 * pad:
        raise ValueError("kernel doesn't fit")
    return (input_size + 2 * pad - k_eff) // stride + 1


def pool_output_size(input_size, pool_size, stride=None, pad=0, ceil_mode=False):
    stride = pool_size if stride is None else stride
    _need_int("input_size", input_size, 1)
    _need_int("pool_size", pool_size, 1)
    _need_int("stride", stride, 1)
    _need_int("pad", pad, 0)
    if 2 * pad > pool_size:
        raise ValueError("pad should be smaller than half of kernel size")
    L = input_size + 2 * pad - pool_size
    if ceil_mode:
        out = math.ceil(L / stride) + 1
        if (out - 1) * stride >= input_size + pad:   # torch drops a window starting in the right padding
            out -= 1
    else:
        out = L // stride + 1
    if out < 1:
        raise ValueError("window doesn't fit")
    return out


def same_padding(kernel_size, dilation=1):
    _need_int("kernel_size", kernel_size, 1)
    _need_int("dilation", dilation, 1)
    total = dilation * (kernel_size - 1)
    return total // 2, (total + 1) // 2


def receptive_field(layers):
    r, j = 1, 1
    for layer in layers:
        try:
            k, s, d = layer
        except (TypeError, ValueError):
            raise ValueError(f"bad layer {layer!r}")
        _need_int("kernel_size", k, 1)
        _need_int("stride", s, 1)
        _need_int("dilation", d, 1)
        r += d * (k - 1) * j
        j *= s
    return r


def _check_groups(cin, cout, k, groups):
    _need_int("in_channels", cin, 1)
    _need_int("out_channels", cout, 1)
    _need_int("kernel_size", k, 1)
    _need_int("groups", groups, 1)
    if cin % groups or cout % groups:
        raise ValueError("channels must be divisible by groups")


def conv_param_count(in_channels, out_channels, kernel_size, groups=1, bias=True):
    _check_groups(in_channels, out_channels, kernel_size, groups)
    n = out_channels * in_channels // groups * kernel_size ** 2
    return n + out_channels if bias else n


def conv_macs(in_channels, out_channels, kernel_size, out_h, out_w, groups=1):
    _check_groups(in_channels, out_channels, kernel_size, groups)
    _need_int("out_h", out_h, 1)
    _need_int("out_w", out_w, 1)
    return (in_channels // groups) * kernel_size ** 2 * out_channels * out_h * out_w


def depthwise_separable_cost_ratio(in_channels, out_channels, kernel_size):
    _need_int("in_channels", in_channels, 1)
    _need_int("out_channels", out_channels, 1)
    _need_int("kernel_size", kernel_size, 1)
    C, F, K = in_channels, out_channels, kernel_size
    # (depthwise + pointwise) / standard
    return (C * K * K + C * F) / (C * F * K * K)

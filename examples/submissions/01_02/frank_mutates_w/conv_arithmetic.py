def _positive_int(x, name, allow_zero=False):
    if type(x) is not int:
        raise ValueError(name + ' must be an int')
    if x < 0 or (x == 0 and not allow_zero):
        raise ValueError(name + ' out of range: ' + str(x))


def conv_output_size(input_size, kernel_size, stride=1, pad=0, dilation=1):
    _positive_int(input_size, 'input_size')
    _positive_int(kernel_size, 'kernel_size')
    _positive_int(stride, 'stride')
    _positive_int(pad, 'pad', allow_zero=True)
    _positive_int(dilation, 'dilation')
    out = (input_size + 2 * pad - dilation * (kernel_size - 1) - 1) // stride + 1
    if out < 1:
        raise ValueError('kernel does not fit')
    return out


def pool_output_size(input_size, pool_size, stride=None, pad=0, ceil_mode=False):
    if stride is None:
        stride = pool_size
    _positive_int(input_size, 'input_size')
    _positive_int(pool_size, 'pool_size')
    _positive_int(stride, 'stride')
    _positive_int(pad, 'pad', allow_zero=True)
    if pad > pool_size // 2:
        raise ValueError('pad should be at most half of the pool size')
    num = input_size + 2 * pad - pool_size
    if ceil_mode:
        out = (num + stride - 1) // stride + 1
        # window must start inside the input or the left padding (torch)
        if (out - 1) * stride >= input_size + pad:
            out -= 1
    else:
        out = num // stride + 1
    if out < 1:
        raise ValueError('pooling window does not fit')
    return out


def same_padding(kernel_size, dilation=1):
    _positive_int(kernel_size, 'kernel_size')
    _positive_int(dilation, 'dilation')
    total = dilation * (kernel_size - 1)
    return total // 2, total // 2 + total % 2


def receptive_field(layers):
    field = 1
    jump = 1
    for layer in layers:
        if len(layer) != 3:
            raise ValueError('expected (kernel_size, stride, dilation)')
        k, s, d = layer
        _positive_int(k, 'kernel_size')
        _positive_int(s, 'stride')
        _positive_int(d, 'dilation')
        field += d * (k - 1) * jump
        jump *= s
    return field


def conv_param_count(in_channels, out_channels, kernel_size, groups=1, bias=True):
    for v, n in ((in_channels, 'in_channels'), (out_channels, 'out_channels'), (kernel_size, 'kernel_size'), (groups, 'groups')):
        _positive_int(v, n)
    if in_channels % groups != 0 or out_channels % groups != 0:
        raise ValueError('channels must be divisible by groups')
    params = out_channels * (in_channels // groups) * kernel_size ** 2
    if bias:
        params += out_channels
    return params


def conv_macs(in_channels, out_channels, kernel_size, out_h, out_w, groups=1):
    for v, n in ((in_channels, 'in_channels'), (out_channels, 'out_channels'), (kernel_size, 'kernel_size'),
                 (out_h, 'out_h'), (out_w, 'out_w'), (groups, 'groups')):
        _positive_int(v, n)
    if in_channels % groups != 0 or out_channels % groups != 0:
        raise ValueError('channels must be divisible by groups')
    return out_channels * out_h * out_w * (in_channels // groups) * kernel_size ** 2


def depthwise_separable_cost_ratio(in_channels, out_channels, kernel_size):
    _positive_int(in_channels, 'in_channels')
    _positive_int(out_channels, 'out_channels')
    _positive_int(kernel_size, 'kernel_size')
    return 1.0 / out_channels + 1.0 / kernel_size ** 2

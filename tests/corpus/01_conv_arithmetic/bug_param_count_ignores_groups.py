# corpus: bug
# exercises: conv_param_count
# loses: conv_param_count
# diagnosis: ignores_groups
# about: every filter sees all input channels even with groups > 1
def conv_param_count(in_channels, out_channels, kernel_size, groups=1, bias=True):
    for v in (in_channels, out_channels, kernel_size, groups):
        if type(v) is not int or v < 1:
            raise ValueError("positive ints expected")
    if in_channels % groups or out_channels % groups:
        raise ValueError("groups must divide the channels")
    weights = in_channels * out_channels * kernel_size * kernel_size
    return weights + out_channels if bias else weights

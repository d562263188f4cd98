# corpus: bug
# exercises: conv_macs
# loses: conv_macs
# diagnosis: macs_as_flops
# about: counts a multiply and an add separately (FLOPs), i.e. twice the MACs
def conv_macs(in_channels, out_channels, kernel_size, out_h, out_w, groups=1):
    for v in (in_channels, out_channels, kernel_size, out_h, out_w, groups):
        if isinstance(v, bool) or not isinstance(v, int) or v < 1:
            raise ValueError("all arguments must be positive integers")
    if in_channels % groups or out_channels % groups:
        raise ValueError("groups must divide in_channels and out_channels")
    mults = (in_channels // groups) * kernel_size * kernel_size
    adds = mults
    return (mults + adds) * out_channels * out_h * out_w

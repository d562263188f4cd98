# corpus: bug
# exercises: depthwise_separable_cost_ratio
# loses: depthwise_separable_cost_ratio
# diagnosis: inverted
# about: standard cost over separable cost (the speed-up) instead of separable over standard
def depthwise_separable_cost_ratio(in_channels, out_channels, kernel_size):
    for v in (in_channels, out_channels, kernel_size):
        if type(v) is not int or v < 1:
            raise ValueError("positive int expected")
    separable = kernel_size ** 2 * in_channels + in_channels * out_channels
    standard = kernel_size ** 2 * in_channels * out_channels
    return standard / separable

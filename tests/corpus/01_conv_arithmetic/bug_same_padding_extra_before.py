# corpus: bug
# exercises: same_padding
# loses: same_padding
# diagnosis: extra_before
# about: for even kernels puts the extra row on top/left (TensorFlow-on-the-other-side), PyTorch puts it after
def same_padding(kernel_size, dilation=1):
    if type(kernel_size) is not int or type(dilation) is not int or kernel_size < 1 or dilation < 1:
        raise ValueError("kernel_size and dilation must be positive ints")
    total = dilation * (kernel_size - 1)
    after = total // 2
    return (total - after, after)

# corpus: bug
# exercises: conv_output_size
# loses: conv_output_size
# diagnosis: true_division
# about: / instead of //, so the size is a float whenever the stride does not divide evenly
def conv_output_size(input_size, kernel_size, stride=1, pad=0, dilation=1):
    for v in (input_size, kernel_size, stride, pad, dilation):
        if not isinstance(v, int) or isinstance(v, bool):
            raise ValueError("integers only")
    if input_size < 1 or kernel_size < 1 or stride < 1 or dilation < 1 or pad < 0:
        raise ValueError("out of range")
    size = (input_size + 2 * pad - dilation * (kernel_size - 1) - 1) / stride + 1
    if size < 1:
        raise ValueError("too small")
    return size

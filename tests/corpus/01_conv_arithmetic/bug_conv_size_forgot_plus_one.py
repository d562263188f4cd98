# corpus: bug
# exercises: conv_output_size
# loses: conv_output_size
# diagnosis: forgot_plus_one
# about: counts the steps between windows, not the windows
def conv_output_size(input_size, kernel_size, stride=1, pad=0, dilation=1):
    if any(isinstance(a, bool) or not isinstance(a, int) for a in (input_size, kernel_size, stride, pad, dilation)):
        raise ValueError("integer arguments expected")
    if input_size < 1 or kernel_size < 1 or stride < 1 or pad < 0 or dilation < 1:
        raise ValueError("argument out of range")
    span = input_size + 2 * pad - dilation * (kernel_size - 1) - 1
    if span < 0:
        raise ValueError("kernel does not fit")
    return max(span // stride, 1)
